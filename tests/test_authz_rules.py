"""Issue 8, finding 6: the authorisation rules the domain owns, one table per rule.

The expected outcomes are the rules as the issue states them (on DOMAIN.md §4: the pejabat
penilai "or someone with delegated authority"; the pengelola kinerja runs the cycle; the
organisation predikat drives the curve the unit is calibrated against, §3.4), written out here and
never read back from the code under test. Every refusal is checked to write nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import Appraisals
from domain.appraisal import EXECUTION, FINALISED, FOLLOW_UP, PLANNING
from domain.audit import Audit
from domain.base import HR, Actor
from domain.commands import AppraisalCommand
from domain.cycle_commands import (
    AddParticipant,
    CalibrateUnit,
    CloseCycle,
    DefineCycle,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
    SetOrgPredikat,
    StartCycle,
)
from domain.errors import DomainError, InvalidInput, NotAllowed, WrongStage
from domain.organisation import Agency
from domain.people_commands import ChangeSupervisor, DelegateTask
from domain.result_commands import DecideFollowUp, DeliverResult, Finalise, OpenReview, ReassignKeberatanDecider
from domain.work_commands import ApproveSkp
from services.authz import CENTRAL, bound, in_agency, require_agency, require_agency_hr, require_read, with_agency
from services.errors import ApiError
from services.users import UserDirectory
from tests.factories import (
    AGENCY,
    ANALIS,
    HEAD,
    HR_ACTOR,
    HR_NIP,
    KADIS,
    OUTSIDER,
    SEKDA,
    STAFF,
    UNIT,
    YEAR,
    Scenario,
    T,
    actor,
    nip,
    participants,
    reach,
)

OTHER_HR = Actor(nip("19810606", "200603", "1", "008"), (HR,))  # a second pengelola kinerja
REGISTERED = nip("19870303", "201103", "2", "009")  # in the agency's master data, not in the cycle
ELSEWHERE = nip("19860404", "201003", "1", "010")  # in another agency's master data


def log(app: Appraisals, record: UUID) -> list[str]:
    return [e["type"] for e in Audit(app).history(record)]


def refused(app: Appraisals, records: list[UUID], run: Any, error: type[DomainError], message: str) -> None:
    """`run()` is refused with exactly this error and message, and no record changes."""
    before = [log(app, r) for r in records]
    with pytest.raises(error) as raised:
        run()
    assert str(raised.value) == message
    assert [log(app, r) for r in records] == before


def register_agency(app: Appraisals, code: str, employee: str, name: str) -> None:
    """An agency's master data holding one employee (who takes no part in the cycle)."""
    agency = Agency.register(OTHER_HR, code, f"Instansi {code}", "WITA", T["define"])
    agency.register_unit(OTHER_HR, UNIT, "Bidang Umum", None, T["define"])
    agency.register_employee(OTHER_HR, {"nip": employee, "name": name, "unit_id": UNIT}, T["define"])
    app.save(agency)


# --- (a) delegation: only to an active employee of the same agency, not the employee appraised ---------

NOT_COLLEAGUE = (
    "to_nip: {} is not an active employee of this agency: "
    "a pejabat penilai delegates only to a colleague of the same agency"
)
DELEGATION = [
    # (who receives the tasks, what happened to them first, error, message; None: accepted, with that name)
    pytest.param(ANALIS, "", None, "Analis Kebijakan", id="a colleague in the cycle"),
    pytest.param(REGISTERED, "", None, "Rina Terdaftar", id="an employee in the agency's master data"),
    pytest.param(OUTSIDER, "", NotAllowed, NOT_COLLEAGUE.format(OUTSIDER), id="a NIP in no agency"),
    pytest.param(ELSEWHERE, "", NotAllowed, NOT_COLLEAGUE.format(ELSEWHERE), id="an employee of another agency"),
    pytest.param(ANALIS, "withdrawn", NotAllowed, NOT_COLLEAGUE.format(ANALIS), id="a colleague who left"),
    pytest.param(
        STAFF, "", NotAllowed, "an employee cannot act as their own pejabat penilai", id="the employee appraised"
    ),
]


@pytest.mark.parametrize(("to", "before", "error", "expected"), DELEGATION)
def test_a_pejabat_penilai_delegates_only_to_an_active_colleague_of_the_agency(
    to: str, before: str, error: type[DomainError] | None, expected: str
) -> None:
    s = reach(EXECUTION)
    register_agency(s.app, AGENCY, REGISTERED, "Rina Terdaftar")
    register_agency(s.app, "pemkab-sigi", ELSEWHERE, "Eko Lain")
    if before == "withdrawn":
        s.app.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, to, "pensiun"), at=T["check_in"])
    delegate = DelegateTask(actor(HEAD), to, "cuti besar")
    if error is not None:
        refused(s.app, [s.id(STAFF)], lambda: s.do(STAFF, delegate, T["check_in"]), error, expected)
        assert s.get(STAFF).acting_appraiser == HEAD
        if to != STAFF:
            with pytest.raises(ApiError) as hidden:  # the refused delegate gets nothing: not even a read
                require_read(actor(to), s.get(STAFF))
            assert hidden.value.status == 404
        return
    s.do(STAFF, delegate, T["check_in"])
    recorded = Audit(s.app).history(s.id(STAFF))[-1]
    assert recorded["type"] == "TaskDelegated"
    assert recorded["payload"] == {
        "by": HEAD,
        "by_name": "Kepala Bidang Umum",  # the delegating pejabat penilai, by name
        "to": to,
        "to_name": expected,  # the delegate, by name
        "reason": "cuti besar",
    }
    assert s.get(STAFF).acting_appraiser == to
    assert require_read(actor(to), s.get(STAFF))  # the delegate may read what they act on


def test_taking_the_tasks_back_needs_no_colleague_check_and_a_record_from_before_still_loads() -> None:
    s = reach(EXECUTION)
    s.do(STAFF, DelegateTask(actor(HEAD), ANALIS, "cuti"), T["check_in"])
    s.do(STAFF, DelegateTask(actor(HEAD), HEAD, "kembali"), T["check_in"])
    assert s.get(STAFF).acting_appraiser == HEAD
    # An event stored before the names were recorded (no by_name / to_name) still rebuilds the appraisal.
    appraisal = s.get(STAFF)
    appraisal._task_delegated(HEAD, ANALIS, "cuti", T["check_in"])
    s.app.save(appraisal)
    assert s.get(STAFF).acting_appraiser == ANALIS


# --- (b) nobody acts as HR on their own appraisal; HR never makes itself anyone's appraiser ----------

OWN = "nobody acts as HR on their own appraisal: another pengelola kinerja must do it"
SELF_APPOINTED = "HR cannot make itself anyone's pejabat penilai or atasan: another pengelola kinerja must name them"


def with_hr_taking_part() -> Scenario:
    """The factories' cycle plus the pengelola kinerja herself, appraised by HEAD; defined by OTHER_HR."""
    app = Appraisals()
    hr_participant = {"nip": HR_NIP, "name": "Pengelola Kinerja", "unit_id": UNIT, "appraiser_nip": HEAD}
    people = [*participants(), {**hr_participant, "atasan_nip": SEKDA}]
    definition = DefineCycle(OTHER_HR, AGENCY, "Pemerintah Kota Palu", "WITA", YEAR, people)
    cycle_id = app.define_cycle(definition, at=T["define"])
    s = Scenario(app, cycle_id)
    app.execute_cycle(cycle_id, StartCycle(OTHER_HR), at=T["start"])
    s.plan(HR_NIP)
    return s


# Every HR step on an appraisal, taken by HR on her own: refused by the rule, before any stage check.
OWN_STEPS: list[tuple[str, AppraisalCommand]] = [
    ("open_review", OpenReview(HR_ACTOR)),
    ("deliver_result", DeliverResult(HR_ACTOR)),
    ("decide_follow_up", DecideFollowUp(HR_ACTOR, ["baik"], 4)),
    ("finalise", Finalise(HR_ACTOR)),
    ("reassign_keberatan_decider", ReassignKeberatanDecider(HR_ACTOR, SEKDA, "atasan cuti")),
]


@pytest.mark.parametrize(("step", "cmd"), OWN_STEPS, ids=[name for name, _ in OWN_STEPS])
def test_hr_takes_no_hr_step_on_her_own_appraisal(step: str, cmd: AppraisalCommand) -> None:
    s = with_hr_taking_part()
    refused(s.app, [s.id(HR_NIP)], lambda: s.do(HR_NIP, cmd, T["check_in"]), NotAllowed, OWN)
    # Another pengelola kinerja passes that rule (and meets only the stage's, if any).
    other = type(cmd)(**{**cmd.__dict__, "by": OTHER_HR})
    try:
        s.do(HR_NIP, other, T["check_in"])
    except (WrongStage, InvalidInput):
        pass


OWN_CYCLE_STEPS = [
    pytest.param(
        lambda s, by: s.app.change_supervisor(
            s.cycle_id, HR_NIP, ChangeSupervisor(by, SEKDA, KADIS, "mutasi"), at=T["check_in"]
        ),
        id="change her own appraiser",
    ),
    pytest.param(
        lambda s, by: s.app.execute_cycle(s.cycle_id, RemoveParticipant(by, HR_NIP, "tugas belajar"), at=T["check_in"]),
        id="take herself out of the cycle",
    ),
]


@pytest.mark.parametrize("step", OWN_CYCLE_STEPS)
def test_hr_does_not_change_who_appraises_her_nor_withdraw_herself(step: Any) -> None:
    s = with_hr_taking_part()
    refused(s.app, [s.id(HR_NIP), s.cycle_id], lambda: step(s, HR_ACTOR), NotAllowed, OWN)
    step(s, OTHER_HR)  # another pengelola kinerja may


def hr_named(role: str) -> tuple[str, str]:
    """(appraiser, atasan) with HR herself in `role`."""
    return (HR_NIP, SEKDA) if role == "appraiser" else (SEKDA, HR_NIP)


@pytest.mark.parametrize("role", ["appraiser", "atasan"])
def test_hr_cannot_make_itself_anyones_appraiser(role: str) -> None:
    s = reach(PLANNING)
    appraiser, atasan = hr_named(role)
    change = ChangeSupervisor(HR_ACTOR, appraiser, atasan, "mutasi")
    run = lambda: s.app.change_supervisor(s.cycle_id, STAFF, change, at=T["draft"])  # noqa: E731
    refused(s.app, [s.id(STAFF), s.cycle_id], run, NotAllowed, SELF_APPOINTED)

    joining = {"nip": REGISTERED, "name": "Rina", "unit_id": UNIT, "appraiser_nip": appraiser, "atasan_nip": atasan}
    run = lambda: s.app.execute_cycle(s.cycle_id, AddParticipant(HR_ACTOR, joining), at=T["draft"])  # noqa: E731
    refused(s.app, [s.cycle_id], run, NotAllowed, "participant: " + SELF_APPOINTED)

    people = [*participants(), joining]
    definition = DefineCycle(HR_ACTOR, "pemkab-sigi", "Pemkab Sigi", "WITA", YEAR, people)
    with pytest.raises(NotAllowed) as raised:
        Appraisals().define_cycle(definition, at=T["define"])
    assert str(raised.value) == "participants[3]: " + SELF_APPOINTED

    # Named by another pengelola kinerja, the same person may appraise (the org chart says so).
    s.app.change_supervisor(s.cycle_id, STAFF, ChangeSupervisor(OTHER_HR, appraiser, atasan, "mutasi"), at=T["draft"])


def test_hr_who_named_herself_appraiser_in_an_older_record_cannot_approve_that_skp() -> None:
    s = Scenario.new()
    s.submit(STAFF)
    legacy = s.get(STAFF)  # a mutation recorded before the rule existed: HR named herself
    legacy._supervisor_reassigned(HR_NIP, HEAD, HR_NIP, SEKDA, "mutasi", T["submit"])
    s.app.save(legacy)
    message = (
        "HR cannot make itself anyone's pejabat penilai: the pengelola kinerja who named this appraiser "
        "cannot act as appraiser here (another pengelola kinerja must name one) and so never approves an SKP"
    )
    refused(s.app, [s.id(STAFF)], lambda: s.do(STAFF, ApproveSkp(HR_ACTOR), T["approve"]), NotAllowed, message)


# --- (c) closing needs every open appraisal named with a reason; HR reopens with a reason -----------


def everybody_finalised() -> Scenario:
    s = reach(FINALISED, STAFF)
    for who in (HEAD, ANALIS):
        s.close_window(who)
        s.do(who, DecideFollowUp(HR_ACTOR, ["baik"], 4), T["follow_up"])
        s.do(who, Finalise(HR_ACTOR), T["finalise"])
    return s


CLOSING = [
    # (STAFF's stage, exceptions HR names, error, message; None: closed with these exceptions recorded)
    pytest.param(FINALISED, {}, None, "", id="all finalised, nothing to name"),
    pytest.param(FOLLOW_UP, {STAFF: "keberatan di PTUN"}, None, "", id="the open one named with its reason"),
    pytest.param(
        FOLLOW_UP,
        {},
        WrongStage,
        f"the cycle has 1 open appraisal(s) not named as exceptions: {STAFF} (follow_up); "
        "finalise them, or name each one in exceptions with the reason it stays open",
        id="an open one not named",
    ),
    pytest.param(
        FOLLOW_UP,
        {STAFF: "  "},
        InvalidInput,
        f"exceptions.{STAFF}: is required and must be non-empty text",
        id="named without a reason",
    ),
    pytest.param(
        FINALISED,
        {STAFF: "salah pilih"},
        InvalidInput,
        f"exceptions.{STAFF}: names no open appraisal of this cycle",
        id="naming a finalised one",
    ),
]


@pytest.mark.parametrize(("stage", "exceptions", "error", "message"), CLOSING)
def test_closing_a_cycle_names_every_open_appraisal_with_a_reason(
    stage: str, exceptions: dict[str, str], error: type[DomainError] | None, message: str
) -> None:
    s = everybody_finalised() if stage == FINALISED else reach(FOLLOW_UP, STAFF)
    if stage != FINALISED:
        for who in (HEAD, ANALIS):
            s.close_window(who)
            s.do(who, DecideFollowUp(HR_ACTOR, ["baik"], 4), T["follow_up"])
            s.do(who, Finalise(HR_ACTOR), T["finalise"])
    close = CloseCycle(HR_ACTOR, exceptions)
    if error is not None:
        refused(s.app, [s.cycle_id], lambda: s.app.close_cycle(s.cycle_id, close, at=T["finalise"]), error, message)
        assert s.app.cycle(s.cycle_id).status == "started"
        return
    s.app.close_cycle(s.cycle_id, close, at=T["finalise"])
    closed = Audit(s.app).history(s.cycle_id)[-1]
    assert (closed["type"], closed["payload"]) == ("Closed", {"by": HR_NIP, "exceptions": exceptions})
    assert s.app.cycle(s.cycle_id).status == "closed"


def test_appraisals_never_opened_or_still_planning_are_open_too() -> None:
    s = Scenario.new()
    s.open(STAFF)
    # The message lists them in NIP order.
    ordered = sorted([(HEAD, "not opened"), (STAFF, "planning"), (ANALIS, "not opened")])
    message = (
        "the cycle has 3 open appraisal(s) not named as exceptions: "
        + ", ".join(f"{n} ({what})" for n, what in ordered)
        + "; finalise them, or name each one in exceptions with the reason it stays open"
    )
    run = lambda: s.app.close_cycle(s.cycle_id, CloseCycle(HR_ACTOR), at=T["finalise"])  # noqa: E731
    refused(s.app, [s.cycle_id], run, WrongStage, message)


REOPENING = [
    # (closed first?, who, reason, error, message; None: reopened)
    pytest.param(True, HR_ACTOR, "keberatan dikabulkan", None, "", id="HR with a reason"),
    pytest.param(True, HR_ACTOR, " ", InvalidInput, "reason: is required and must be non-empty text", id="no reason"),
    pytest.param(True, actor(HEAD), "x", NotAllowed, "only HR reopens a cycle", id="not HR"),
    pytest.param(False, HR_ACTOR, "x", WrongStage, "the cycle is started: only a closed cycle is reopened", id="open"),
]


@pytest.mark.parametrize(("closed", "by", "reason", "error", "message"), REOPENING)
def test_hr_reopens_a_closed_cycle_with_a_reason(
    closed: bool, by: Actor, reason: str, error: type[DomainError] | None, message: str
) -> None:
    s = Scenario.new()
    left_open = dict.fromkeys((HEAD, STAFF, ANALIS), "belum dinilai: mutasi massal")
    if closed:
        s.app.close_cycle(s.cycle_id, CloseCycle(HR_ACTOR, left_open), at=T["finalise"])
    reopen = ReopenCycle(by, reason)
    if error is not None:
        refused(s.app, [s.cycle_id], lambda: s.app.execute_cycle(s.cycle_id, reopen, at=T["finalise"]), error, message)
        return
    s.app.execute_cycle(s.cycle_id, reopen, at=T["finalise"])
    reopened = Audit(s.app).history(s.cycle_id)[-1]
    assert (reopened["type"], reopened["payload"]) == ("Reopened", {"by": HR_NIP, "reason": reason})
    assert s.app.cycle(s.cycle_id).status == "started"
    # Open again: HR's changes are taken, and closing again needs the exceptions again.
    s.app.execute_cycle(s.cycle_id, ExtendDeadline(HR_ACTOR, "follow_up", "2025-06-30", "koreksi"), at=T["finalise"])
    with pytest.raises(WrongStage, match="open appraisal"):
        s.app.close_cycle(s.cycle_id, CloseCycle(HR_ACTOR), at=T["finalise"])


# --- (d) the organisation predikat is frozen once the unit is calibrated --------------------------------

FROZEN = (
    f"the organisation predikat of unit {UNIT!r} is frozen once the unit is calibrated: "
    "it stays 'baik', the predikat its distribution was checked against"
)
ORG_PREDIKAT = [
    # (how far the unit got, the new predikat, error; None: accepted)
    pytest.param("rated", "istimewa", None, id="rated, not calibrated: may change"),
    pytest.param("calibrated", "istimewa", WrongStage, id="calibrated"),
    pytest.param("calibrated", "baik", WrongStage, id="calibrated, same value"),
    pytest.param("delivered", "kurang", WrongStage, id="calibrated and delivered"),
]


@pytest.mark.parametrize(("reached", "predikat", "error"), ORG_PREDIKAT)
def test_the_organisation_predikat_is_frozen_once_the_unit_is_calibrated(
    reached: str, predikat: str, error: type[DomainError] | None
) -> None:
    s = Scenario.new()
    for who in (HEAD, STAFF, ANALIS):
        s.rate(who)
    if reached in ("calibrated", "delivered"):
        s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, "unit kecil"), at=T["calibrate"])
    if reached == "delivered":
        for who in (HEAD, STAFF, ANALIS):
            s.do(who, DeliverResult(actor(s.get(who).appraiser_nip)), T["deliver"])
    change = SetOrgPredikat(HR_ACTOR, UNIT, predikat)
    run = lambda: s.app.execute_cycle(s.cycle_id, change, at=T["calibrate"])  # noqa: E731
    if error is not None:
        refused(s.app, [s.cycle_id], run, error, FROZEN)
        assert s.app.cycle(s.cycle_id).org_predikat[UNIT] == "baik"
        return
    run()
    assert s.app.cycle(s.cycle_id).org_predikat[UNIT] == predikat


# --- HR bound to its agency (#15) -----------------------------------------------------------------------

AGENCY_CODES = st.sampled_from(["AG-A", "AG-B", "AG-C", "", CENTRAL])


@given(own=AGENCY_CODES, origin=AGENCY_CODES.filter(lambda a: a not in ("", CENTRAL)), destination=AGENCY_CODES)
def test_hr_sees_its_own_agency_s_records_and_a_transfer_of_either_of_its_agencies(
    own: str, origin: str, destination: str
) -> None:
    """One rule, safe by default: HR acts in the agency the directory names; with none named, in none; only a
    central pengelola, named so ("*"), in every agency."""
    hr = Actor("196001012000011001", (HR,), own)
    assert bound(hr) == (own != CENTRAL)
    assert in_agency(hr, origin) == (own in (CENTRAL, origin))
    assert in_agency(hr, origin, destination) == (own == CENTRAL or own in (origin, destination) and own != "")
    auditor = Actor("196203032001012001", ("auditor",), own)
    assert in_agency(auditor, origin) and not bound(auditor)  # auditors read every agency
    for check in (lambda: require_agency(hr, origin), lambda: require_agency_hr(hr, origin)):
        if in_agency(hr, origin):
            check()
            continue
        with pytest.raises(ApiError) as refused:
            check()
        said = "role.no_agency" if own == "" else "role.other_agency"
        assert (refused.value.status, refused.value.code) == (403, said)
    assert require_agency_hr(auditor, origin, auditors_read=True) is auditor
    with pytest.raises(ApiError):
        require_agency_hr(auditor, origin)  # an auditor reads, never writes


def test_the_directory_names_hr_s_agency_and_only_hr_s() -> None:
    users = UserDirectory.from_mapping(
        {
            "196001012000011001": {"roles": ["hr"], "agency_id": "AG-A"},
            "197002022000012003": {"roles": [], "agency_id": "AG-A"},
        }
    )
    assert with_agency(Actor("196001012000011001", (HR,)), users).agency == "AG-A"
    assert with_agency(Actor("197002022000012003"), users).agency == ""  # only HR is bound
    assert with_agency(Actor("199912312020121001", (HR,)), users).agency == ""  # unknown: held to no agency
    assert bound(with_agency(Actor("199912312020121001", (HR,)), users))


def test_an_hr_user_the_users_file_names_no_agency_for_takes_the_master_data_s() -> None:
    """The users file gives roles; where it names no agency, the org master data's row does; "*" is named only
    there, for a central pengelola."""
    master = {"196001012000011001": {"name": "Siti", "unit_id": "u", "agency_id": "AG-B"}}
    users = UserDirectory.from_mapping(
        {"196001012000011001": {"roles": ["hr"]}, "196001012000011002": {"roles": ["hr"], "agency_id": CENTRAL}},
        employees=master.get,
    )
    assert with_agency(Actor("196001012000011001", (HR,)), users).agency == "AG-B"
    central = with_agency(Actor("196001012000011002", (HR,)), users)
    assert central.agency == CENTRAL and not bound(central) and in_agency(central, "AG-A")
