"""HR's cycle commands, the agency's master data, SKM answers, reminders and who may act when.

In memory through the real `Appraisals`; every message is stated, every refusal writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.application import Appraisals
from domain.appraisal import EXECUTION, FOLLOW_UP, KEBERATAN, PLANNING, RESULT_DELIVERED, REVIEW
from domain.audit import Audit, history_csv
from domain.base import SYSTEM, Actor
from domain.cycle import AppraisalCycle
from domain.cycle_commands import (
    AddParticipant,
    CloseCycle,
    DefineCycle,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
    StartCycle,
)
from domain.errors import DomainError, InvalidInput, NotAllowed, NotFound, WrongStage
from domain.people_commands import ChangeSupervisor, RecordReminder
from domain.result_commands import DecideFollowUp, SelfAssess
from domain.skm import check_answers
from domain.tasks import task_due
from domain.work_commands import GiveFeedback, GivePeerFeedback, HoldCheckIn, RecordCitizenFeedback, ReportProgress
from tests.factories import (
    ANALIS,
    HEAD,
    HR_ACTOR,
    KADIS,
    OUTSIDER,
    SEKDA,
    STAFF,
    UTC,
    WITA,
    Scenario,
    T,
    actor,
    define_cycle,
    participants,
    reach,
)

# --- extending a deadline (§8, §12: each deadline extensible by HR with a recorded reason) -------------


def test_hr_extends_a_deadline_later_with_a_reason_and_the_cycle_remembers_the_old_day() -> None:
    s = Scenario.new()
    version = s.app.execute_cycle(
        s.cycle_id, ExtendDeadline(HR_ACTOR, "planning", "2024-02-15", " SE BKN "), at=T["draft"]
    )
    cycle = s.app.cycle(s.cycle_id)
    assert cycle.version == version and cycle.deadlines["planning"] == "2024-02-15"
    assert cycle.extensions == [
        {"deadline": "planning", "from": "2024-01-31", "until": "2024-02-15", "reason": "SE BKN", "by": HR_ACTOR.nip}
    ]
    assert cycle.deadline("planning") == datetime(2024, 2, 15, 23, 59, 59, tzinfo=WITA)


@pytest.mark.parametrize(
    ("cmd", "error", "message"),
    [
        (ExtendDeadline(actor(HEAD), "planning", "2024-02-15", "x"), NotAllowed, "only HR extends a deadline"),
        (
            ExtendDeadline(HR_ACTOR, "lunch", "2024-02-15", "x"),
            InvalidInput,
            "deadline: must be one of planning, review, follow_up",
        ),
        (
            ExtendDeadline(HR_ACTOR, "planning", "2024-01-31", "x"),
            InvalidInput,
            "until: an extension must move the planning deadline later than 2024-01-31",
        ),
        (
            ExtendDeadline(HR_ACTOR, "planning", "2024-01-30", "x"),
            InvalidInput,
            "until: an extension must move the planning deadline later than 2024-01-31",
        ),
        (
            ExtendDeadline(HR_ACTOR, "planning", "2024-02-01", " "),
            InvalidInput,
            "reason: an extension must record its reason",
        ),
        (ExtendDeadline(HR_ACTOR, "planning", "31-01-2024", "x"), InvalidInput, "until: must be a date YYYY-MM-DD"),
        # An extension stays within the cycle's span: its year and the two after it.
        (
            ExtendDeadline(HR_ACTOR, "follow_up", "2027-01-01", "x"),
            InvalidInput,
            "until: must fall between 2024-01-01 and 2026-12-31, got 2027-01-01",
        ),
    ],
)
def test_an_extension_is_refused_naming_the_rule(cmd: ExtendDeadline, error: type[DomainError], message: str) -> None:
    s = Scenario.new()
    before = s.app.cycle(s.cycle_id).version
    with pytest.raises(error) as refused:
        s.app.execute_cycle(s.cycle_id, cmd, at=T["draft"])
    assert str(refused.value).startswith(message)
    assert s.app.cycle(s.cycle_id).version == before


def test_participants_leave_with_a_reason_and_a_closed_cycle_takes_nothing() -> None:
    s = Scenario.new()
    with pytest.raises(NotAllowed, match="^only HR changes the participants$"):
        s.app.execute_cycle(s.cycle_id, RemoveParticipant(actor(HEAD), ANALIS, "pensiun"), at=T["draft"])
    with pytest.raises(InvalidInput, match="^nip: 198809092012031007 does not take part in this cycle$"):
        s.app.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, OUTSIDER, "pensiun"), at=T["draft"])
    with pytest.raises(InvalidInput, match="^reason: say why the participant leaves the cycle$"):
        s.app.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, ANALIS, "  "), at=T["draft"])
    s.app.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, ANALIS, " pensiun "), at=T["draft"])
    assert sorted(s.app.cycle(s.cycle_id).participants) == sorted([HEAD, STAFF])

    with pytest.raises(NotAllowed, match="^only HR closes a cycle$"):
        s.app.close_cycle(s.cycle_id, CloseCycle(actor(HEAD)), at=T["finalise"])
    left_open = {HEAD: "mutasi ke instansi lain", STAFF: "cuti di luar tanggungan negara"}
    s.app.close_cycle(s.cycle_id, CloseCycle(HR_ACTOR, left_open), at=T["finalise"])
    assert s.app.cycle(s.cycle_id).status == "closed"
    with pytest.raises(WrongStage, match="^the cycle is closed$"):
        s.app.close_cycle(s.cycle_id, CloseCycle(HR_ACTOR, left_open), at=T["finalise"])
    with pytest.raises(WrongStage, match="^the cycle is closed$"):
        s.app.execute_cycle(s.cycle_id, ExtendDeadline(HR_ACTOR, "review", "2025-03-01", "x"), at=T["finalise"])


def test_a_cycle_starts_once_by_hr_and_an_empty_one_never() -> None:
    app = Appraisals()
    cycle_id = define_cycle(app, start=False)
    with pytest.raises(NotAllowed, match="^only HR starts a cycle$"):
        app.execute_cycle(cycle_id, StartCycle(actor(HEAD)), at=T["start"])
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])
    with pytest.raises(WrongStage, match="^the cycle is started, not defined$"):
        app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])


def test_a_repeated_key_returns_the_first_version_and_writes_nothing() -> None:
    s = Scenario.new()
    cmd = ExtendDeadline(HR_ACTOR, "planning", "2024-02-15", "SE BKN")
    first = s.app.execute_cycle(s.cycle_id, cmd, at=T["draft"], key="ext-1")
    again = s.app.execute_cycle(
        s.cycle_id, ExtendDeadline(HR_ACTOR, "review", "2025-03-01", "x"), at=T["draft"], key="ext-1"
    )
    assert again == first == s.app.cycle(s.cycle_id).version


# --- execution: feedback, progress, citizen answers, reminders ---------------------------------------


def test_feedback_is_about_an_rhk_or_a_berakhlak_value_and_only_from_the_appraiser() -> None:
    s = reach(EXECUTION)
    with pytest.raises(NotAllowed, match=r"pejabat penilai \(or their delegate\) gives continuous feedback$"):
        s.do(STAFF, GiveFeedback(actor(ANALIS), "004-1", "bagus"), T["check_in"])
    with pytest.raises(InvalidInput, match="^about: feedback is about an RHK id of this SKP or a BerAKHLAK value$"):
        s.do(STAFF, GiveFeedback(actor(HEAD), "rhk-lain", "bagus"), T["check_in"])
    with pytest.raises(InvalidInput, match="^text: is required and must be non-empty text$"):
        s.do(STAFF, GiveFeedback(actor(HEAD), "kompeten", " "), T["check_in"])
    s.do(STAFF, GiveFeedback(actor(HEAD), "004-1", " tepat waktu "), T["check_in"])
    s.do(STAFF, GiveFeedback(actor(HEAD), "kolaboratif", "aktif"), T["check_in"])
    assert s.get(STAFF).feedback == [
        {"by": HEAD, "source": "supervisor", "about": "004-1", "text": "tepat waktu"},
        {"by": HEAD, "source": "supervisor", "about": "kolaboratif", "text": "aktif"},
    ]


def test_progress_names_a_period_and_an_rhk_of_the_skp() -> None:
    s = reach(EXECUTION)
    me = actor(STAFF)
    with pytest.raises(InvalidInput, match="^period: must be one of Q1, Q2, Q3, Q4, got 'Q5'$"):
        s.do(STAFF, ReportProgress(me, "Q5", "004-1", "x"), T["check_in"])
    with pytest.raises(InvalidInput, match="^rhk_id: 'R9' is not an RHK of this SKP$"):
        s.do(STAFF, ReportProgress(me, "Q1", "R9", "x"), T["check_in"])
    with pytest.raises(InvalidInput, match="^realisation: describe what was achieved$"):
        s.do(STAFF, ReportProgress(me, "Q1", "004-1", " "), T["check_in"])
    s.do(STAFF, ReportProgress(me, "Q1", "004-1", " 312 surat ", " https://arsip.example.go.id/q1.pdf "), T["check_in"])
    assert s.get(STAFF).progress == [
        {
            "period": "Q1",
            "rhk_id": "004-1",
            "realisation": "312 surat",
            "evidence": "https://arsip.example.go.id/q1.pdf",
        }
    ]


@pytest.mark.parametrize("score", [0, 5, "3", True])
def test_a_citizen_score_off_the_skm_scale_is_refused(score: object) -> None:
    s = reach(EXECUTION)
    with pytest.raises(InvalidInput, match="^score: the SKM scale runs from 1 to 4$"):
        s.do(STAFF, RecordCitizenFeedback(Actor("citizen"), score, "x", "skm"), T["check_in"])  # type: ignore[arg-type]


def test_citizen_feedback_is_kept_until_the_appraisal_is_final() -> None:
    s = reach(EXECUTION)
    for score in (1, 4):
        s.do(STAFF, RecordCitizenFeedback(Actor("citizen"), score, " ramah ", "skm"), T["check_in"])
    assert [f["text"] for f in s.get(STAFF).feedback] == ["1: ramah", "4: ramah"]
    assert {f["source"] for f in s.get(STAFF).feedback} == {"citizen"}
    final = reach("finalised")
    with pytest.raises(WrongStage, match="^the appraisal is finalised$"):
        final.do(STAFF, RecordCitizenFeedback(Actor("citizen"), 3, "x", "skm"), T["finalise"])


def test_a_check_in_with_both_ratings_sets_a_periodic_predikat() -> None:
    s = reach(EXECUTION)
    s.do(STAFF, HoldCheckIn(actor(HEAD), "Q1", "dialog", "di_atas", "di_atas"), T["check_in"])
    s.do(STAFF, HoldCheckIn(actor(HEAD), "Q2", "dialog"), T["check_in"])
    assert s.get(STAFF).check_ins == {
        "Q1": {"notes": "dialog", "results": "di_atas", "behaviour": "di_atas", "predikat": "sangat_baik"},
        "Q2": {"notes": "dialog", "results": None, "behaviour": None, "predikat": None},
    }
    with pytest.raises(InvalidInput, match="^behaviour_rating: must be one of di_atas, sesuai, di_bawah, got ''$"):
        s.do(STAFF, HoldCheckIn(actor(HEAD), "Q3", "dialog", "sesuai", None), T["check_in"])


def test_only_the_calendar_records_a_reminder() -> None:
    s = reach(EXECUTION)
    due = datetime(2024, 4, 30, tzinfo=UTC)
    with pytest.raises(NotAllowed, match="^reminders are sent by the calendar$"):
        s.do(STAFF, RecordReminder(HR_ACTOR, "check_in", HEAD, due), T["check_in"])
    s.do(STAFF, RecordReminder(SYSTEM, "check_in", HEAD, due), T["check_in"])
    assert s.get(STAFF).reminders == [{"task": "check_in", "to": HEAD, "due": due.isoformat()}]


# --- when a pending task falls due (the inbox's due date) ---------------------------------------------


@pytest.mark.parametrize(
    ("stage", "deadline"),
    [(PLANNING, "planning"), (REVIEW, "review"), (FOLLOW_UP, "follow_up"), (EXECUTION, None), (RESULT_DELIVERED, None)],
)
def test_a_pending_task_falls_due_at_its_cycle_deadline(stage: str, deadline: str | None) -> None:
    s = reach(stage)
    cycle = s.app.cycle(s.cycle_id)
    expected = cycle.deadline(deadline) if deadline else None
    assert task_due(s.get(STAFF), cycle.deadline) == expected


def test_a_keberatan_falls_due_14_days_after_it_was_filed() -> None:
    s = reach(KEBERATAN)
    filed = T["deliver"] + timedelta(days=1)  # 22 January WITA
    expected = datetime(2025, 2, 5, 23, 59, 59, tzinfo=WITA)
    assert task_due(s.get(STAFF), s.app.cycle(s.cycle_id).deadline) == expected
    assert filed < expected


# --- which actions a person may take now (the pages and the API ask this) ------------------------------

HR = HR_ACTOR.nip
OPEN = [
    # (stage, who, the actions the domain offers them)
    (PLANNING, STAFF, ["draft_skp", "flag_wrong_supervisor"]),
    (PLANNING, HR, ["draft_skp"]),
    (PLANNING, HEAD, ["delegate_task", "flag_wrong_supervisor"]),
    (PLANNING, OUTSIDER, []),
    ("submitted", HEAD, ["return_skp", "approve_skp", "link_rhk", "delegate_task", "flag_wrong_supervisor"]),
    ("submitted", STAFF, ["link_rhk", "flag_wrong_supervisor"]),
    (EXECUTION, STAFF, ["report_progress", "log_daily_work", "flag_wrong_supervisor"]),
    (
        EXECUTION,
        HEAD,
        ["give_feedback", "give_peer_feedback", "hold_check_in", "delegate_task", "flag_wrong_supervisor"],
    ),
    (EXECUTION, ANALIS, ["give_peer_feedback"]),
    (EXECUTION, HR, ["open_review"]),
    (EXECUTION, SEKDA, []),
    (REVIEW, STAFF, ["report_progress", "log_daily_work", "self_assess", "flag_wrong_supervisor"]),
    (REVIEW, HEAD, ["give_feedback", "give_peer_feedback", "rate", "delegate_task", "flag_wrong_supervisor"]),
    (RESULT_DELIVERED, STAFF, ["file_keberatan", "flag_wrong_supervisor"]),
    (RESULT_DELIVERED, HEAD, ["delegate_task", "flag_wrong_supervisor"]),
    (KEBERATAN, SEKDA, ["decide_keberatan"]),
    (KEBERATAN, HEAD, ["delegate_task", "flag_wrong_supervisor"]),
    (FOLLOW_UP, HR, ["decide_follow_up"]),
    ("finalised", HR, []),
    ("finalised", HEAD, []),
]


@pytest.mark.parametrize(("stage", "who", "expected"), OPEN, ids=[f"{r[0]}-{r[1][-3:]}" for r in OPEN])
def test_the_actions_open_to_each_person_at_each_stage(stage: str, who: str, expected: list[str]) -> None:
    if stage == "submitted":
        s = Scenario.new()
        s.submit(STAFF)
    else:
        s = reach(stage)
    at = T["deliver"] + timedelta(days=2) if stage in (RESULT_DELIVERED, KEBERATAN) else T["finalise"]
    by = HR_ACTOR if who == HR else actor(who)
    before = s.get(STAFF).version
    assert s.app.actions(s.get(STAFF), by, at) == expected
    assert s.get(STAFF).version == before  # asking writes nothing


def test_the_keberatan_is_no_longer_offered_once_its_window_has_closed() -> None:
    s = reach(RESULT_DELIVERED)
    assert s.app.actions(s.get(STAFF), actor(STAFF), T["window_closed"]) == ["flag_wrong_supervisor"]  # #15


def test_once_the_follow_up_is_decided_hr_may_finalise_or_decide_again() -> None:
    s = reach(FOLLOW_UP)
    s.do(STAFF, DecideFollowUp(HR_ACTOR, ["baik"], 4), T["follow_up"])
    assert s.app.actions(s.get(STAFF), HR_ACTOR, T["finalise"]) == ["decide_follow_up", "finalise"]


# --- SKM answers (PermenPANRB 14/2017: all nine elements, each on a scale of 1-4) ---------------------

FULL = {
    "persyaratan": 3,
    "prosedur": 3,
    "waktu_penyelesaian": 3,
    "biaya_tarif": 3,
    "produk_layanan": 3,
    "kompetensi_pelaksana": 3,
    "perilaku_pelaksana": 3,
    "penanganan_pengaduan": 3,
    "sarana_prasarana": 3,
}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "answers: every SKM element must be answered; missing: persyaratan, prosedur, waktu_penyelesaian"),
        ({**FULL, "kecepatan": 3}, "answers: unknown SKM element 'kecepatan'; known: persyaratan"),
        ({**FULL, "prosedur": 0}, "answers.prosedur: must be a whole number from 1 to 4"),
        ({**FULL, "prosedur": 5}, "answers.prosedur: must be a whole number from 1 to 4"),
        ({**FULL, "prosedur": True}, "answers.prosedur: must be a whole number from 1 to 4"),
        ({**FULL, "prosedur": 2.5}, "answers.prosedur: must be a whole number from 1 to 4"),
    ],
)
def test_skm_answers_are_checked_element_by_element(answers: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_answers(answers)
    assert str(refused.value).startswith(message)


def test_skm_answers_on_the_scale_are_kept_as_given() -> None:
    answers = {**FULL, "persyaratan": 1, "prosedur": 4, "sarana_prasarana": 2}
    assert check_answers(answers) == answers


# --- the auditor's CSV ------------------------------------------------------------------------------


def test_the_history_csv_has_one_row_per_event_with_its_payload_as_json() -> None:
    s = reach(EXECUTION)
    rows = history_csv(Audit(s.app).history(s.id(STAFF))).splitlines()
    assert rows[0] == "version,type,at,by,rule_set_id,payload,digest,prev_digest"
    assert [r.split(",")[1] for r in rows[1:]] == ["Opened", "SkpDrafted", "SkpSubmitted", "SkpApproved"]
    assert rows[4].startswith(f"4,SkpApproved,{T['approve'].isoformat()},{HEAD},permenpanrb-6-2022,")


# --- adding a participant: the master data is checked field by field ------------------------------------

NEWCOMER = "199305052020122008"


def newcomer(**changes: object) -> dict[str, object]:
    return {
        "nip": NEWCOMER,
        "name": " Pegawai Baru ",
        "unit_id": " bidang-umum ",
        "appraiser_nip": HEAD,
        "atasan_nip": SEKDA,
        **changes,
    }


@pytest.mark.parametrize(
    ("person", "message"),
    [
        (newcomer(nip=STAFF), f"participant.nip: {STAFF} already takes part in this cycle"),
        (
            newcomer(appraiser_nip=NEWCOMER),
            "participant.appraiser_nip: an employee cannot be their own pejabat penilai",
        ),
        (newcomer(name=" "), "participant.name: is required"),
        (newcomer(unit_id=""), "participant.unit_id: is required"),
        (newcomer(ak_coefficient=0), "participant.ak_coefficient: must be a positive number for functional staff"),
        (newcomer(ak_coefficient="12"), "participant.ak_coefficient: must be a positive number for functional staff"),
        (newcomer(atasan_nip="123"), "participant.atasan_nip: a NIP has exactly 18 digits, got '123'"),
    ],
)
def test_a_participant_is_refused_naming_the_field(person: dict[str, object], message: str) -> None:
    s = Scenario.new()
    with pytest.raises(InvalidInput) as refused:
        s.app.execute_cycle(s.cycle_id, AddParticipant(HR_ACTOR, person), at=T["draft"])
    assert str(refused.value) == message


def test_hr_adds_a_participant_with_clean_master_data() -> None:
    s = Scenario.new()
    with pytest.raises(NotAllowed, match="^only HR changes the participants$"):
        s.app.execute_cycle(s.cycle_id, AddParticipant(actor(HEAD), newcomer()), at=T["draft"])
    s.app.execute_cycle(s.cycle_id, AddParticipant(HR_ACTOR, newcomer(ak_coefficient=7)), at=T["draft"])
    assert s.app.cycle(s.cycle_id).participants[NEWCOMER] == {
        "nip": NEWCOMER,
        "name": "Pegawai Baru",
        "position": "",
        "rank": "",
        "unit_id": "bidang-umum",
        "unit_name": "bidang-umum",
        "appraiser_nip": HEAD,
        "atasan_nip": SEKDA,
        "is_unit_head": False,
        "ak_coefficient": 7.0,
    }


# --- peer feedback and the self-assessment --------------------------------------------------------------


def test_peer_feedback_comes_from_a_colleague_of_the_same_unit_and_is_kept_as_peer() -> None:
    s = reach(EXECUTION)
    with pytest.raises(NotAllowed, match="^an employee cannot give peer feedback on their own appraisal$"):
        s.do(STAFF, GivePeerFeedback(actor(STAFF), "x"), T["check_in"])
    with pytest.raises(NotAllowed, match="^peer feedback comes from a colleague of the same unit$"):
        s.do(STAFF, GivePeerFeedback(actor(SEKDA), "x"), T["check_in"])  # SEKDA takes no part in the cycle
    with pytest.raises(InvalidInput, match="^text: is required and must be non-empty text$"):
        s.do(STAFF, GivePeerFeedback(actor(ANALIS), " "), T["check_in"])
    s.do(STAFF, GivePeerFeedback(actor(ANALIS), " rekan yang sigap "), T["check_in"])
    assert s.get(STAFF).feedback == [{"by": ANALIS, "source": "peer", "about": "", "text": "rekan yang sigap"}]


def test_the_self_assessment_is_the_employees_text_while_the_review_is_open() -> None:
    s = reach(REVIEW)
    with pytest.raises(InvalidInput, match="^text: must be at most 5000 characters$"):
        s.do(STAFF, SelfAssess(actor(STAFF), "x" * 5001), T["rate"])
    s.do(STAFF, SelfAssess(actor(STAFF), " target tercapai "), T["rate"])
    assert s.get(STAFF).self_assessment == "target tercapai"


# --- defining and starting a cycle (§12: rule set, periods, deadlines per cycle; PermenPANRB 6/2022 from 2022) --

# A NIP whose CPNS appointment (February 2024) is after the day the cycle is defined (2 January 2024).
APPOINTED_LATER = "199501012024021009"


def definition(**changes: object) -> DefineCycle:
    """The Palu cycle of the factories, with `changes` to its fields."""
    fields: dict[str, object] = {
        "by": HR_ACTOR,
        "agency_id": "pemkot-palu",
        "agency_name": "Pemerintah Kota Palu",
        "time_zone": "WITA",
        "year": 2024,
        "participants": participants(),
    }
    return DefineCycle(**{**fields, **changes})  # type: ignore[arg-type]


def with_person(index: int, **changes: object) -> list[dict[str, object]]:
    people: list[dict[str, object]] = [dict(p) for p in participants()]
    people[index].update(changes)
    return people


REFUSED_DEFINITIONS = [
    (definition(by=actor(HEAD)), NotAllowed, "only HR (BKPSDM) defines an appraisal cycle"),
    (definition(year=2021), InvalidInput, "year: cycles under PermenPANRB 6/2022 start in 2022"),
    (definition(year=2101), InvalidInput, "year: cycles under PermenPANRB 6/2022 start in 2022"),
    (definition(period="yearly"), InvalidInput, "period: must be one of quarterly, monthly"),
    (
        definition(deadlines={"lunch": "2024-02-01", "break": "2024-02-01"}),
        InvalidInput,
        "deadlines: unknown deadline 'break'; known: planning, review, follow_up",
    ),
    # A cycle's deadlines fall from 1 January of its year to 31 December two years after.
    (
        definition(deadlines={"planning": "2023-12-31"}),
        InvalidInput,
        "deadlines.planning: must fall between 2024-01-01 and 2026-12-31, got 2023-12-31",
    ),
    (
        definition(deadlines={"follow_up": "2027-01-01"}),
        InvalidInput,
        "deadlines.follow_up: must fall between 2024-01-01 and 2026-12-31, got 2027-01-01",
    ),
    (
        definition(participants=with_person(1, nip=APPOINTED_LATER)),
        InvalidInput,
        "participants[1].nip: digits 9-14: the CPNS appointment 202402 is in the future",
    ),
    (definition(participants=[*participants(), participants()[2]]), InvalidInput, "participants: a NIP appears twice"),
]


@pytest.mark.parametrize(("cmd", "error", "message"), REFUSED_DEFINITIONS, ids=[m for _, _, m in REFUSED_DEFINITIONS])
def test_a_cycle_definition_is_refused_naming_the_field_and_rule(
    cmd: DefineCycle, error: type[DomainError], message: str
) -> None:
    app = Appraisals()
    with pytest.raises(error) as refused:
        app.define_cycle(cmd, at=T["define"])
    assert str(refused.value) == message
    with pytest.raises(NotFound, match="^no cycle "):  # nothing written
        app.cycle(AppraisalCycle.create_id(cmd.agency_id, cmd.year))


def test_a_blank_agency_is_refused_by_the_cycle_itself() -> None:
    with pytest.raises(InvalidInput) as refused:
        AppraisalCycle.define(definition(agency_id="  "), T["define"])
    assert str(refused.value) == "agency_id: is required"


@pytest.mark.parametrize(("year", "follow_up"), [(2022, "2023-03-31"), (2100, "2101-03-31")])
def test_the_first_and_last_years_of_permenpanrb_6_2022_are_accepted(year: int, follow_up: str) -> None:
    app = Appraisals()
    cycle = app.cycle(app.define_cycle(definition(year=year), at=T["define"]))
    assert (cycle.year, cycle.deadlines["follow_up"]) == (year, follow_up)


def test_a_definition_keeps_its_given_deadlines_and_the_defaults_of_section_12_for_the_rest() -> None:
    app = Appraisals()
    cmd = definition(
        agency_name="  ", deadlines={"planning": "2024-01-01", "follow_up": "2026-12-31"}, period="monthly"
    )
    cycle = app.cycle(app.define_cycle(cmd, at=T["define"]))
    # The first and last days of the span; the review keeps its default, 31 January of the next year.
    assert cycle.deadlines == {"planning": "2024-01-01", "review": "2025-01-31", "follow_up": "2026-12-31"}
    assert cycle.agency_name == "pemkot-palu"  # a blank name falls back to the agency's code
    assert cycle.periods == [f"M{m:02d}" for m in range(1, 13)]
    named = app.cycle(app.define_cycle(definition(agency_id="pemkab-sigi", agency_name=" Kab. Sigi "), at=T["define"]))
    assert named.agency_name == "Kab. Sigi"
    assert named.deadlines == {"planning": "2024-01-31", "review": "2025-01-31", "follow_up": "2025-03-31"}


def stored_events(app: Appraisals, record_id: UUID) -> list[Any]:
    return [app.mapper.to_domain_event(e) for e in app.recorder.select_events(record_id)]


def test_the_defined_and_started_events_say_who_when_and_under_which_key() -> None:
    app = Appraisals()
    cycle_id = app.define_cycle(definition(), at=T["define"], key="define-palu-2024")
    assert app.define_cycle(definition(), at=T["start"], key="define-palu-2024") == cycle_id  # a retry
    with pytest.raises(WrongStage, match="^agency pemkot-palu already has a cycle for 2024$"):
        app.define_cycle(definition(), at=T["start"], key="another-key")
    with pytest.raises(WrongStage, match="^agency pemkot-palu already has a cycle for 2024$"):
        app.define_cycle(definition(), at=T["start"])
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])
    defined, started = stored_events(app, cycle_id)
    assert (defined.by, defined.command_key, defined.timestamp) == (HR_ACTOR.nip, "define-palu-2024", T["define"])
    assert (started.by, started.command_key, started.timestamp) == (HR_ACTOR.nip, "", T["start"])
    assert app.cycle(cycle_id).applied_version("define-palu-2024") == 1

    unkeyed = app.define_cycle(definition(agency_id="pemkab-sigi"), at=T["define"])
    assert stored_events(app, unkeyed)[0].command_key == ""
    assert stored_events(app, unkeyed)[0].originator_id == unkeyed
    direct = AppraisalCycle.define(definition(agency_id="pemkab-donggala"), T["define"])
    assert getattr(direct.collect_events()[0], "command_key") == ""  # noqa: B009


def test_a_cycle_without_participants_is_defined_but_never_started() -> None:
    app = Appraisals()
    cycle_id = app.define_cycle(definition(participants=[]), at=T["define"])
    with pytest.raises(InvalidInput) as refused:
        app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])
    assert str(refused.value) == "participants: a cycle needs at least one participant to start"
    assert app.cycle(cycle_id).status == "defined" and app.cycle(cycle_id).version == 1


def test_a_cycle_closes_only_when_every_open_appraisal_is_named_and_lists_the_first_ten() -> None:
    app = Appraisals()
    people = [{**participants()[1], "nip": f"199007202015032{100 + i}", "name": f"Staf {i}"} for i in range(1, 13)]
    cycle_id = app.define_cycle(definition(participants=[participants()[0], *people]), at=T["define"])
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])
    nips = sorted([HEAD, *(p["nip"] for p in people)])
    with pytest.raises(WrongStage) as refused:
        app.close_cycle(cycle_id, CloseCycle(HR_ACTOR), at=T["finalise"])
    listed = ", ".join(f"{n} (not opened)" for n in nips[:10])
    assert str(refused.value) == (
        f"the cycle has 13 open appraisal(s) not named as exceptions: {listed} and 3 more; "
        "finalise them, or name each one in exceptions with the reason it stays open"
    )
    eleven = dict.fromkeys(nips[:2], "mutasi")  # 11 left: still "and 1 more"
    with pytest.raises(WrongStage, match=r"open appraisal\(s\) not named as exceptions: .* and 1 more; finalise"):
        app.close_cycle(cycle_id, CloseCycle(HR_ACTOR, eleven), at=T["finalise"])
    ten = dict.fromkeys(nips[:3], "mutasi")  # exactly 10 left: all listed, no "more"
    with pytest.raises(WrongStage) as refused:
        app.close_cycle(cycle_id, CloseCycle(HR_ACTOR, ten), at=T["finalise"])
    assert " more" not in str(refused.value) and str(refused.value).startswith("the cycle has 10 open appraisal(s)")
    # A reason is an item (DOMAIN.md §12, a recorded reason): it may span lines, up to 2000 characters.
    with pytest.raises(InvalidInput) as too_long:
        app.close_cycle(cycle_id, CloseCycle(HR_ACTOR, {nips[0]: "x" * 2001}), at=T["finalise"])
    assert str(too_long.value) == f"exceptions.{nips[0]}: must be at most 2000 characters"
    reason = "pindah tugas\nke instansi lain"
    everyone = dict.fromkeys(nips, reason)
    app.close_cycle(cycle_id, CloseCycle(HR_ACTOR, everyone), at=T["finalise"], key="close-1")
    closed = app.cycle(cycle_id)
    assert closed.status == "closed" and closed.__dict__["open_exceptions"] == everyone
    assert app.close_cycle(cycle_id, CloseCycle(HR_ACTOR), at=T["finalise"], key="close-1") == closed.version
    assert stored_events(app, cycle_id)[-1].command_key == "close-1"
    with pytest.raises(InvalidInput, match="^reason: must be at most 2000 characters$"):
        app.execute_cycle(cycle_id, ReopenCycle(HR_ACTOR, "x" * 2001), at=T["finalise"])
    with pytest.raises(InvalidInput, match="^reason: must be at most 2000 characters$"):  # the cycle's own rule
        app.cycle(cycle_id).reopen(ReopenCycle(HR_ACTOR, "x" * 2001), T["finalise"])
    app.execute_cycle(cycle_id, ReopenCycle(HR_ACTOR, "salah tutup\nperlu dibuka"), at=T["finalise"])
    reopened = stored_events(app, cycle_id)[-1]
    assert (reopened.reason, reopened.timestamp) == ("salah tutup\nperlu dibuka", T["finalise"])
    assert app.cycle(cycle_id).status == "started"


SELF_APPOINTED = "HR cannot make itself anyone's pejabat penilai or atasan: another pengelola kinerja must name them"


@pytest.mark.parametrize(("appraiser", "atasan"), [(HR_ACTOR.nip, SEKDA), (SEKDA, HR_ACTOR.nip)])
def test_the_cycle_and_the_appraisal_each_refuse_hr_naming_itself(appraiser: str, atasan: str) -> None:
    # Appraisals.change_supervisor asks both; each keeps the rule on its own, asked directly.
    s = reach(PLANNING)
    change = ChangeSupervisor(HR_ACTOR, appraiser, atasan, "mutasi")
    with pytest.raises(NotAllowed, match=f"^{SELF_APPOINTED}$"):
        s.app.cycle(s.cycle_id).change_supervisor(change, STAFF, T["draft"])
    with pytest.raises(NotAllowed, match=f"^{SELF_APPOINTED}$"):
        s.get(STAFF).reassign_supervisor(change, T["draft"])


def test_a_change_of_supervisor_is_checked_as_a_command_before_anything_is_loaded() -> None:
    s = reach(PLANNING)
    before = s.app.cycle(s.cycle_id).version
    with pytest.raises(InvalidInput) as refused:
        s.app.change_supervisor(s.cycle_id, STAFF, ChangeSupervisor(HR_ACTOR, "9" * 101, KADIS, "x"), at=T["draft"])
    assert str(refused.value) == "appraiser_nip: must be at most 100 characters"
    assert s.app.cycle(s.cycle_id).version == before


def test_a_command_the_cycle_does_not_run_is_never_silently_ignored() -> None:
    s = Scenario.new()
    cycle = s.app.cycle(s.cycle_id)
    with pytest.raises(AssertionError, match="CloseCycle"):  # closing needs the appraisals' stages
        cycle.execute(CloseCycle(HR_ACTOR), T["finalise"])  # type: ignore[arg-type]


# --- every command's texts are checked for shape before the cycle sees them; events carry their key ----------


def test_a_definitions_texts_are_checked_for_shape_before_anything_is_written() -> None:
    app = Appraisals()
    with pytest.raises(InvalidInput) as refused:
        app.define_cycle(definition(agency_name="x" * 201), at=T["define"])
    assert str(refused.value) == "agency_name: must be at most 200 characters"
    with pytest.raises(NotFound, match="^no cycle "):
        app.cycle(AppraisalCycle.create_id("pemkot-palu", 2024))


def test_a_cycle_commands_texts_are_checked_for_shape_before_the_cycle_runs_it() -> None:
    s = Scenario.new()
    before = s.app.cycle(s.cycle_id).version
    with pytest.raises(InvalidInput) as refused:
        s.app.execute_cycle(s.cycle_id, ExtendDeadline(HR_ACTOR, "planning", "2024-02-15", "x" * 2001), at=T["draft"])
    assert str(refused.value) == "reason: must be at most 2000 characters"
    assert s.app.cycle(s.cycle_id).version == before


def test_events_recorded_outside_a_keyed_command_carry_an_empty_key() -> None:
    s = reach(PLANNING)
    opened = stored_events(s.app, s.id(STAFF))[0]  # an appraisal is opened with no command key
    assert type(opened).__name__ == "Opened" and opened.command_key == ""
    cycle = s.app.cycle(s.cycle_id)
    cycle.execute(ExtendDeadline(HR_ACTOR, "planning", "2024-02-15", "SE BKN"), T["draft"])
    (extended,) = cycle.collect_events()
    assert type(extended).__name__ == "DeadlineExtended" and getattr(extended, "command_key") == ""  # noqa: B009
    assert cycle.applied_version("") is None


def test_a_diff_names_the_fields_a_close_adds_to_the_cycle() -> None:
    s = Scenario.new()
    s.app.close_cycle(
        s.cycle_id, CloseCycle(HR_ACTOR, {STAFF: "cuti", HEAD: "mutasi", ANALIS: "pensiun"}), at=T["finalise"]
    )
    changed = Audit(s.app).diff(s.cycle_id, T["define"], T["finalise"])["changed"]
    assert changed["status"] == {"before": "defined", "after": "closed"}
    assert changed["open_exceptions"] == {"before": None, "after": {STAFF: "cuti", HEAD: "mutasi", ANALIS: "pensiun"}}
