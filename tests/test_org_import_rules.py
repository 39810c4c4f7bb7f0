"""The organisation import in memory: business time on every fact, the refusals only the Agency knows,
and the cycle definition built from the org chart.

Rules: HR keeps the org data (DOMAIN.md §4, §9); the pejabat penilai is the supervisor and the atasan
the supervisor's supervisor (§4); NIPs are plausible on the day of the import (§12); a change of
supervisor carries a reason (README: the history of who appraised whom stays readable).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from domain.application import Appraisals
from domain.audit import Audit
from domain.base import Actor
from domain.errors import ConcurrencyConflict, InvalidInput, NotAllowed, NotFound
from domain.org_changes import reporting_changes
from domain.organisation import Agency
from tests.factories import ANALIS, HEAD, HR_ACTOR, KADIS, OUTSIDER, SEKDA, STAFF

UTC = timezone.utc
FIRST = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
LATER = datetime(2024, 3, 4, 5, 6, tzinfo=UTC)
HEADER = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,rank,supervisor_nip,unit_head"
CODE = "pemkot-palu"
RENAMED, UMUM = "Pemkot Palu", "Bidang Umum dan Hukum"


def line(
    nip: str, unit: str, supervisor: str, head: str = "", *, agency: str = "Pemerintah Kota Palu", **kw: str
) -> str:
    unit_name = kw.get("unit_name", {"kantor": "Kantor Walikota", "umum": "Bidang Umum"}[unit])
    rank = kw.get("rank", "III/a")
    return f"{CODE},{agency},WITA,{unit},{unit_name},{nip},Pegawai {nip[-3:]},{rank},{supervisor},{head}"


def org(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


BASE = [
    line(KADIS, "kantor", "", "ya"),
    line(SEKDA, "kantor", KADIS),
    line(HEAD, "umum", SEKDA, "ya"),
    line(STAFF, "umum", HEAD),
]


def test_every_fact_of_an_import_carries_the_imports_business_time() -> None:
    app = Appraisals()
    assert app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST).ok
    changed = [
        line(KADIS, "kantor", "", agency=RENAMED),
        line(SEKDA, "kantor", KADIS, "ya", agency=RENAMED),  # the head of the office changes
        line(HEAD, "umum", KADIS, "ya", agency=RENAMED, unit_name=UMUM),
        line(STAFF, "umum", HEAD, agency=RENAMED, unit_name=UMUM, rank="III/b"),
        line(ANALIS, "umum", HEAD, agency=RENAMED, unit_name=UMUM),
    ]
    result = app.import_org(org(*changed), by=HR_ACTOR, at=LATER, reason="restrukturisasi")
    assert result.ok and result.events == 6
    new = Audit(app).history(Agency.create_id(CODE))[-6:]
    assert [e["type"] for e in new] == [
        "Updated",
        "UnitUpdated",
        "UnitUpdated",
        "SupervisorChanged",
        "EmployeeUpdated",
        "EmployeeRegistered",
    ]
    assert {(e["at"], e["by"]) for e in new} == {(LATER.isoformat(), HR_ACTOR.nip)}
    palu = app.agency(CODE)
    assert palu.units["kantor"]["head_nip"] == SEKDA and palu.units["umum"]["name"] == "Bidang Umum dan Hukum"
    moved = {c.nip: c for c in result.supervisor_changes}
    assert (moved[HEAD].agency_code, moved[HEAD].appraiser_nip, moved[HEAD].reason) == (CODE, KADIS, "restrukturisasi")
    assert (moved[STAFF].agency_code, moved[STAFF].atasan_nip) == (CODE, KADIS)


def test_a_one_line_agency_and_a_unit_without_a_head_import() -> None:
    app = Appraisals()
    result = app.import_org(org(line(KADIS, "kantor", "")), by=HR_ACTOR, at=FIRST)
    assert result.ok and app.agency(CODE).units["kantor"]["head_nip"] is None
    assert Audit(app).history(Agency.create_id(CODE))[0]["at"] == FIRST.isoformat()


def test_every_nip_in_the_future_of_the_import_day_is_named_at_once() -> None:
    future_a, future_b = "199001012025031001", "199101012025041002"  # appointed March and April 2025
    text = org(line(KADIS, "kantor", "", "ya"), line(future_a, "kantor", KADIS), line(future_b, "kantor", KADIS))
    result = Appraisals().import_org(text, by=HR_ACTOR, at=FIRST)
    assert [str(p) for p in result.problems] == [
        "line 3, nip: digits 9-14: the CPNS appointment 202503 is in the future",
        "line 4, nip: digits 9-14: the CPNS appointment 202504 is in the future",
    ]


def test_a_rule_only_the_agency_knows_refuses_the_whole_file_at_its_line() -> None:
    app = Appraisals()
    app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST)
    before = len(Audit(app).history(Agency.create_id(CODE)))

    clerk = Actor(STAFF)  # not HR: only HR registers an employee
    refused = app.import_org(org(*BASE, line(ANALIS, "umum", HEAD)), by=clerk, at=LATER)
    assert [str(p) for p in refused.problems] == ["line 6, nip: only HR registers an employee"]
    assert refused.supervisor_changes == [] and refused.events == 0

    # A change of supervisor needs a reason: none on the line and a blank default for the import.
    moved = org(*BASE[:3], line(STAFF, "umum", SEKDA), line(ANALIS, "umum", HEAD))
    no_reason = app.import_org(moved, by=HR_ACTOR, at=LATER, reason=" ")
    assert [str(p) for p in no_reason.problems] == ["line 5, reason: is required"]
    assert no_reason.supervisor_changes == []
    assert len(Audit(app).history(Agency.create_id(CODE))) == before  # nothing was written


def test_the_cycle_definition_keeps_the_chosen_period_deadlines_and_units() -> None:
    app = Appraisals()
    app.import_org(org(*BASE, line(ANALIS, "umum", HEAD)), by=HR_ACTOR, at=FIRST)
    definition, people = app.cycle_definition(
        CODE,
        2024,
        by=HR_ACTOR,
        period="monthly",
        deadlines={"planning": "2024-02-29"},
        unit_ids={"umum"},
    )
    assert (definition.agency_id, definition.agency_name, definition.time_zone) == (
        CODE,
        "Pemerintah Kota Palu",
        "WITA",
    )
    assert (definition.period, definition.deadlines) == ("monthly", {"planning": "2024-02-29"})
    assert [p["nip"] for p in definition.participants] == [HEAD, STAFF, ANALIS] and people.skipped == []
    everyone = app.cycle_participants(CODE)
    assert [p["nip"] for p in everyone.participants] == [HEAD, STAFF, ANALIS]
    assert [nip for nip, _ in everyone.skipped] == [KADIS, SEKDA]
    office = app.cycle_participants(CODE, {"kantor"})
    assert office.participants == [] and [nip for nip, _ in office.skipped] == [KADIS, SEKDA]
    with pytest.raises(NotFound, match="^no agency 'pemkab-sigi'$"):
        app.cycle_participants("pemkab-sigi")


def test_the_first_import_dates_every_fact_and_a_cycle_keeps_the_chosen_rule_set() -> None:
    app = Appraisals()
    app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST)
    history = Audit(app).history(Agency.create_id(CODE))
    assert [e["type"] for e in history[:3]] == ["Registered", "UnitRegistered", "UnitRegistered"]
    assert {e["at"] for e in history} == {FIRST.isoformat()}
    definition, _ = app.cycle_definition(CODE, 2025, by=HR_ACTOR, rule_set_id="aturan-instansi")
    assert definition.rule_set_id == "aturan-instansi"


def test_an_import_that_lost_a_race_asks_to_import_again_and_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Appraisals()
    app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST)
    stale = app.agency(CODE)  # what a second import read before the first one below was saved
    app.import_org(org(*BASE, line(ANALIS, "umum", HEAD)), by=HR_ACTOR, at=LATER)
    monkeypatch.setattr(app, "find_agency", lambda code: stale)
    with pytest.raises(ConcurrencyConflict, match="^another import changed the organisation first; import again$"):
        app.import_org(org(*BASE, line(OUTSIDER, "umum", HEAD)), by=HR_ACTOR, at=LATER)
    monkeypatch.undo()
    assert OUTSIDER not in app.agency(CODE).employees and ANALIS in app.agency(CODE).employees


# --- one mutation without a file: Organisation.change_org_supervisor ---------------------------------
# HR keeps the superior mapping (DOMAIN.md §4, admin instansi); the pejabat penilai is the direct
# superior and the atasan that superior's superior (§4), so moving a person changes their own line and
# the atasan of everyone they supervise. Each row: who moves under whom, then every employee whose line
# changes as (previous pejabat penilai, pejabat penilai, previous atasan, atasan, their own move).
TEAM = [*BASE, line(ANALIS, "umum", HEAD)]  # KADIS <- SEKDA <- HEAD (head of umum) <- STAFF, ANALIS
EFFECTIVE = date(2024, 3, 1)
MUTATIONS = [
    pytest.param(STAFF, SEKDA, {STAFF: (HEAD, SEKDA, SEKDA, KADIS, True)}, id="staff-up-one-level"),
    pytest.param(STAFF, ANALIS, {STAFF: (HEAD, ANALIS, SEKDA, HEAD, True)}, id="staff-under-a-peer"),
    pytest.param(
        HEAD,
        KADIS,
        {
            HEAD: (SEKDA, KADIS, KADIS, None, True),
            STAFF: (HEAD, HEAD, SEKDA, KADIS, False),
            ANALIS: (HEAD, HEAD, SEKDA, KADIS, False),
        },
        id="a-head-moves-and-their-staffs-atasan-follows",
    ),
]


def team() -> Appraisals:
    app = Appraisals()
    assert app.import_org(org(*TEAM), by=HR_ACTOR, at=FIRST).ok
    return app


@pytest.mark.parametrize(("nip", "supervisor", "expected"), MUTATIONS)
def test_a_mutation_names_everyone_whose_reporting_line_it_changes(
    nip: str, supervisor: str, expected: dict[str, tuple[str | None, ...]]
) -> None:
    app = team()
    changes = app.change_org_supervisor(
        CODE, nip, supervisor, by=HR_ACTOR, at=LATER, reason="mutasi jabatan", effective=EFFECTIVE, key="mutasi-1"
    )
    assert {
        c.nip: (c.previous_appraiser_nip, c.appraiser_nip, c.previous_atasan_nip, c.atasan_nip, c.recorded)
        for c in changes
    } == expected
    assert len(changes) == len(expected)
    assert {(c.agency_code, c.reason, c.effective) for c in changes} == {(CODE, "mutasi jabatan", EFFECTIVE)}
    saved = app.agency(CODE)  # read again: the change was saved
    assert {n: saved.reporting_line(n) for n in expected} == {n: (row[1], row[3]) for n, row in expected.items()}
    assert saved.supervisor_history == [
        {
            "nip": nip,
            "from": expected[nip][0],
            "to": supervisor,
            "reason": "mutasi jabatan",
            "effective": "2024-03-01",
            "by": HR_ACTOR.nip,
        }
    ]
    [fact] = [e for e in Audit(app).history(Agency.create_id(CODE)) if e["type"] == "SupervisorChanged"]
    assert fact["at"] == LATER.isoformat()


REFUSED_MUTATIONS = [
    pytest.param(
        STAFF,
        OUTSIDER,
        HR_ACTOR,
        "x",
        InvalidInput,
        f"supervisor_nip: no employee {OUTSIDER} in agency {CODE}",
        id="supervisor-not-an-employee",
    ),
    pytest.param(
        SEKDA,
        STAFF,
        HR_ACTOR,
        "x",
        InvalidInput,
        f"supervisor_nip: the reporting line loops: {SEKDA} -> {STAFF} -> {HEAD} -> {SEKDA}",
        id="a-loop",
    ),
    pytest.param(
        STAFF,
        STAFF,
        HR_ACTOR,
        "x",
        InvalidInput,
        f"supervisor_nip: the reporting line loops: {STAFF} -> {STAFF}",
        id="oneself",
    ),
    pytest.param(
        STAFF, HEAD, HR_ACTOR, "x", InvalidInput, f"supervisor_nip: {HEAD} already supervises {STAFF}", id="no-change"
    ),
    pytest.param(
        OUTSIDER,
        HEAD,
        HR_ACTOR,
        "x",
        InvalidInput,
        f"nip: {OUTSIDER} is not an employee of {CODE}",
        id="not-an-employee",
    ),
    pytest.param(STAFF, SEKDA, HR_ACTOR, " ", InvalidInput, "reason: is required", id="no-reason"),
    pytest.param(STAFF, SEKDA, Actor(HEAD), "x", NotAllowed, "only HR records a change of supervisor", id="not-hr"),
]


@pytest.mark.parametrize(("nip", "supervisor", "by", "reason", "error", "message"), REFUSED_MUTATIONS)
def test_a_refused_mutation_names_its_rule_and_records_nothing(
    nip: str, supervisor: str, by: Actor, reason: str, error: type[Exception], message: str
) -> None:
    app = team()
    version = app.agency(CODE).version
    with pytest.raises(error) as refused:
        app.change_org_supervisor(CODE, nip, supervisor, by=by, at=LATER, reason=reason, effective=EFFECTIVE)
    assert str(refused.value) == message
    assert app.agency(CODE).version == version and app.agency(CODE).supervisor_history == []
    with pytest.raises(NotFound, match="^no agency 'pemkot-lain'$"):
        app.change_org_supervisor("pemkot-lain", STAFF, SEKDA, by=HR_ACTOR, at=LATER, reason="x", effective=EFFECTIVE)


def test_a_repeated_mutation_records_nothing_and_answers_the_reporting_lines_as_they_stand() -> None:
    app = team()
    kw: dict[str, Any] = {"by": HR_ACTOR, "at": LATER, "reason": "mutasi", "effective": EFFECTIVE, "key": "m-1"}
    app.change_org_supervisor(CODE, HEAD, KADIS, **kw)
    version = app.agency(CODE).version
    again = app.change_org_supervisor(CODE, HEAD, KADIS, **kw)
    assert app.agency(CODE).version == version
    assert [
        (c.nip, c.previous_appraiser_nip, c.appraiser_nip, c.previous_atasan_nip, c.atasan_nip, c.recorded)
        for c in again
    ] == [
        (HEAD, None, KADIS, None, None, True),
        (STAFF, None, HEAD, None, KADIS, False),
        (ANALIS, None, HEAD, None, KADIS, False),
    ]
    assert {(c.agency_code, c.reason, c.effective) for c in again} == {(CODE, "mutasi", EFFECTIVE)}
    with pytest.raises(InvalidInput, match=f"^supervisor_nip: {KADIS} already supervises {HEAD}$"):
        app.change_org_supervisor(CODE, HEAD, KADIS, **{**kw, "key": "m-2"})  # a new key is a new mutation


def test_a_mutation_that_lost_a_race_asks_to_try_again_and_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    app = team()
    stale = app.agency(CODE)  # what the second mutation read before the first one was saved
    app.change_org_supervisor(CODE, STAFF, SEKDA, by=HR_ACTOR, at=LATER, reason="mutasi", effective=EFFECTIVE)
    monkeypatch.setattr(app, "find_agency", lambda code: stale)
    with pytest.raises(ConcurrencyConflict, match="^another change of the organisation came first; try again$"):
        app.change_org_supervisor(CODE, ANALIS, SEKDA, by=HR_ACTOR, at=LATER, reason="mutasi", effective=EFFECTIVE)
    monkeypatch.undo()
    assert app.agency(CODE).reporting_line(ANALIS) == (HEAD, SEKDA)


# --- reporting_changes: whose (pejabat penilai, atasan) differs after the changes -----------------------
# Each row: the moves recorded (nip, new supervisor, their own reason and effective day), then the
# changes expected, with the import's reason and day for those moved only through their supervisor.
IMPORT_DAY = date(2024, 3, 4)
OWN_DAY = date(2024, 2, 1)
CHANGES = [
    pytest.param([], {}, id="nothing-moved"),
    pytest.param(
        [(STAFF, SEKDA)], {STAFF: (HEAD, SEKDA, SEKDA, KADIS, True, "own reason", OWN_DAY)}, id="one-without-staff"
    ),
    pytest.param(
        [(HEAD, KADIS)],
        {
            HEAD: (SEKDA, KADIS, KADIS, None, True, "own reason", OWN_DAY),
            STAFF: (HEAD, HEAD, SEKDA, KADIS, False, "impor", IMPORT_DAY),
            ANALIS: (HEAD, HEAD, SEKDA, KADIS, False, "impor", IMPORT_DAY),
        },
        id="a-head-and-the-atasan-of-their-staff",
    ),
    pytest.param(
        [(STAFF, SEKDA), (STAFF, HEAD)],
        {},
        id="moved-and-moved-back",
    ),
]


@pytest.mark.parametrize(("moves", "expected"), CHANGES)
def test_reporting_changes_are_exactly_the_lines_that_differ(
    moves: list[tuple[str, str]], expected: dict[str, tuple[Any, ...]]
) -> None:
    agency = team().agency(CODE)
    before = {n: agency.reporting_line(n) for n in agency.employees}
    moved: dict[str, tuple[str, date]] = {}
    for nip, supervisor in moves:
        agency.change_supervisor(HR_ACTOR, nip, supervisor, "own reason", OWN_DAY, LATER)
        moved[nip] = ("own reason", OWN_DAY)
    changes = reporting_changes(agency, before, moved, "impor", IMPORT_DAY)
    assert {
        c.nip: (
            c.previous_appraiser_nip,
            c.appraiser_nip,
            c.previous_atasan_nip,
            c.atasan_nip,
            c.recorded,
            c.reason,
            c.effective,
        )
        for c in changes
    } == expected
    assert len(changes) == len(expected) and {c.agency_code for c in changes} <= {CODE}


def test_mutations_without_a_key_are_each_recorded() -> None:
    app = team()
    kw: dict[str, Any] = {"by": HR_ACTOR, "at": LATER, "reason": "mutasi", "effective": EFFECTIVE}
    app.change_org_supervisor(CODE, STAFF, SEKDA, **kw)
    [second] = app.change_org_supervisor(CODE, ANALIS, SEKDA, **kw)
    assert (second.nip, second.recorded, second.appraiser_nip) == (ANALIS, True, SEKDA)
    assert [h["nip"] for h in app.agency(CODE).supervisor_history] == [STAFF, ANALIS]
