"""One row per rule that once slipped through (issue #12): each is checked by the domain's own tests.

Every expected value is stated here from DOMAIN.md (or the README's product decisions, §12 of
DOMAIN.md), never read back from the rule set under test, so a broken rule cannot agree with itself.
Each rule was broken alone in domain/ (the README lists how) and this module failed every time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from domain import calendar
from domain.application import Appraisals
from domain.appraisal import EXECUTION, KEBERATAN, REVIEW
from domain.base import SYSTEM
from domain.cycle_commands import AddParticipant, DefineCycle, SetOrgPredikat, StartCycle
from domain.errors import InvalidInput, NotAllowed, WrongStage
from domain.people_commands import ChangeSupervisor, DelegateTask, RecordDeadlineMissed
from domain.result_commands import EscalateKeberatan, Rate
from domain.rules import DEFAULT_RULE_SET, rule_set
from domain.schedule import CheckInDue, next_check_in, schedule
from domain.tasks import deadline_of, task_due
from domain.work_commands import HoldCheckIn
from tests.factories import (
    ANALIS,
    HEAD,
    HR_ACTOR,
    KADIS,
    SEKDA,
    STAFF,
    UNIT,
    UNIT_HEAD_RESULTS,
    UTC,
    T,
    actor,
    participants,
    reach,
    values,
)

RULES = rule_set(DEFAULT_RULE_SET)
WIB, WITA, WIT = (timezone(timedelta(hours=h)) for h in (7, 8, 9))


# --- §2.3 step 3: the unit head's results rating is the unit's organisation predikat ---------------


@pytest.mark.parametrize("org_predikat", sorted(UNIT_HEAD_RESULTS))
def test_the_unit_head_takes_the_units_predikat_as_results_rating(org_predikat: str) -> None:
    s = reach(REVIEW, HEAD, org_predikat=org_predikat)
    s.app.execute_cycle(s.cycle_id, SetOrgPredikat(HR_ACTOR, UNIT, org_predikat), at=T["org_predikat"])
    expected = UNIT_HEAD_RESULTS[org_predikat]
    for wrong in sorted({"di_atas", "sesuai", "di_bawah"} - {expected}):
        with pytest.raises(InvalidInput, match=f"rated {org_predikat} takes {expected} as results rating"):
            s.do(HEAD, Rate(actor(SEKDA), wrong, values()), T["rate"])
    assert s.do(HEAD, Rate(actor(SEKDA), expected, values()), T["rate"]).predikat is not None


# --- §4 delegation: never to the employee appraised, never past a change of supervisor ---------------


def test_the_appraiser_cannot_delegate_to_the_employee_appraised() -> None:
    s = reach(EXECUTION)
    with pytest.raises(NotAllowed, match="^an employee cannot act as their own pejabat penilai$"):
        s.do(STAFF, DelegateTask(actor(HEAD), STAFF, "cuti"), T["check_in"])


def test_a_delegation_ends_when_the_supervisor_changes() -> None:
    s = reach(EXECUTION)
    s.do(STAFF, DelegateTask(actor(HEAD), ANALIS, "cuti besar"), T["check_in"])
    assert s.get(STAFF).acting_appraiser == ANALIS
    s.app.change_supervisor(s.cycle_id, STAFF, ChangeSupervisor(HR_ACTOR, SEKDA, KADIS, "mutasi"), at=T["check_in"])
    appraisal = s.get(STAFF)
    assert (appraisal.delegate_nip, appraisal.acting_appraiser) == (None, SEKDA)
    with pytest.raises(NotAllowed):  # the old delegate acts for nobody now
        s.do(STAFF, HoldCheckIn(actor(ANALIS), "Q1", "dialog"), T["check_in"])


# --- §12 time zones: WIB UTC+7, WITA UTC+8, WIT UTC+9; a day ends at 23:59:59 local --------------------


@pytest.mark.parametrize(("name", "zone"), [("WIB", WIB), ("WITA", WITA), ("WIT", WIT)])
def test_each_zone_has_its_offset_and_a_day_ends_at_235959_local(name: str, zone: timezone) -> None:
    day = date(2025, 1, 31)
    assert calendar.end_of_day(day, name) == datetime(2025, 1, 31, 23, 59, 59, tzinfo=zone)
    assert calendar.local_day(datetime(2025, 1, 31, 23, 30, tzinfo=zone), name) == day


# --- the escalation chain: the appraiser's tasks go to the atasan, also when a delegate holds them -----

ESCALATION = {  # task -> who hears of it when overdue (§2.1 8/2021 fallback for draft_skp, §12)
    "draft_skp": "hr",
    "review_skp": "atasan",
    "check_in": "atasan",
    "rate": "atasan",
    "deliver_result": "atasan",
    "decide_follow_up": "hr",
    "finalise": "hr",
}


@pytest.mark.parametrize(("task", "party"), sorted(ESCALATION.items()))
@pytest.mark.parametrize("delegated", [False, True], ids=["appraiser", "delegate"])
def test_an_overdue_task_escalates_along_the_chain(task: str, party: str, delegated: bool) -> None:
    s = reach(EXECUTION)
    if delegated:
        s.do(STAFF, DelegateTask(actor(HEAD), ANALIS, "cuti"), T["check_in"])
    due = T["check_in"] - timedelta(days=1)
    outcome = s.do(STAFF, RecordDeadlineMissed(SYSTEM, task, due), T["check_in"])
    missed = s.app.appraisal(outcome.id).missed[-1]
    assert missed["escalated_to"] == (SEKDA if party == "atasan" else "hr")  # SEKDA: STAFF's atasan


# --- check-ins happen in execution, not during the review ----------------------------------------------


def test_a_check_in_is_refused_once_the_review_is_open() -> None:
    s = reach(REVIEW)
    with pytest.raises(WrongStage, match="^the appraisal is at review, not execution$"):
        s.do(STAFF, HoldCheckIn(actor(HEAD), "Q4", "dialog"), T["rate"])


# --- §5 keberatan: the atasan decides; only an escalation to HR changes the decider ---------------------


def test_the_keberatan_goes_to_the_atasan_and_only_hr_reassigns_it_after_escalation() -> None:
    s = reach(KEBERATAN)
    keberatan = s.get(STAFF).keberatan
    assert keberatan is not None and keberatan["decider"] == SEKDA  # STAFF's atasan pejabat penilai
    assert s.get(STAFF).pending_task() == {"task": "decide_keberatan", "assignee": SEKDA}


# --- the boundary of every deadline: due at 23:59:59 means on time until then, late one second after ----


def test_a_deadline_is_missed_only_after_its_last_second() -> None:
    s = reach(EXECUTION)
    due = datetime(2024, 4, 5, 15, 59, 59, tzinfo=UTC)  # 23:59:59 WITA
    with pytest.raises(WrongStage, match="deadline has not passed yet"):
        s.do(STAFF, RecordDeadlineMissed(SYSTEM, "check_in", due), due)
    assert s.do(STAFF, RecordDeadlineMissed(SYSTEM, "check_in", due), due + timedelta(seconds=1)).version


def test_the_keberatan_window_and_decision_close_only_after_their_last_second() -> None:
    s = reach(KEBERATAN)
    appraisal = s.get(STAFF)
    assert appraisal.keberatan is not None
    due = appraisal.keberatan["decision_due"]
    with pytest.raises(WrongStage, match="not yet overdue"):
        s.do(STAFF, EscalateKeberatan(SYSTEM), due)
    assert s.do(STAFF, EscalateKeberatan(SYSTEM), due + timedelta(seconds=1)).stage == KEBERATAN


# --- §2.2/§12 the check-in calendar: quarterly by default, each due at the end of its quarter -----------


def test_periods_are_quarterly_by_default_with_q4_the_last() -> None:
    s = reach(EXECUTION)
    assert s.get(STAFF).periods == ["Q1", "Q2", "Q3", "Q4"]
    assert RULES.period == "quarterly"


def test_the_check_in_calendar_the_review_opening_and_the_reminders_are_the_rule_sets_values() -> None:
    s = reach(EXECUTION)
    plan = schedule(s.app.cycle(s.cycle_id))
    end = lambda m, d: datetime(2024, m, d, 23, 59, 59, tzinfo=WITA)  # noqa: E731
    assert [(c.period, c.due) for c in plan.check_ins] == [
        ("Q1", end(3, 31)),
        ("Q2", end(6, 30)),
        ("Q3", end(9, 30)),
        ("Q4", end(11, 30)),  # the last check-in comes before the review opens on 1 December
    ]
    assert plan.review_opens_at == datetime(2024, 12, 1, 0, 0, 0, tzinfo=WITA)
    assert (plan.reminder_days_before, plan.check_in_reminder_days_before) == ((7, 1), 7)
    assert plan.deadlines["planning"] == end(1, 31)  # the SKP by 31 January (§8, §12)
    other = schedule(s.app.cycle(s.cycle_id), review_opens="11-15", check_in_reminder_days_before=3)
    assert other.review_opens_at == datetime(2024, 11, 15, tzinfo=WITA)
    assert other.check_ins[-1].due == datetime(2024, 11, 14, 23, 59, 59, tzinfo=WITA)
    assert other.check_in_reminder_days_before == 3


def test_a_monthly_cycle_has_twelve_check_ins_each_at_the_end_of_its_month() -> None:
    app = Appraisals()
    definition = DefineCycle(HR_ACTOR, "monthly", "Dinas", "WIT", 2024, participants(), period="monthly")
    cycle = app.cycle(app.define_cycle(definition, at=T["define"]))
    plan = schedule(cycle)
    assert [c.period for c in plan.check_ins] == [f"M{m:02d}" for m in range(1, 13)]
    assert plan.check_ins[1].due == datetime(2024, 2, 29, 23, 59, 59, tzinfo=WIT)  # a leap year


# --- one deadline mapping: each task answers to one cycle deadline ---------------------------------------


@pytest.mark.parametrize(
    ("task", "deadline"),
    [
        ("draft_skp", "planning"),
        ("review_skp", "planning"),
        ("rate", "review"),
        ("deliver_result", "review"),
        ("decide_follow_up", "follow_up"),
        ("finalise", "follow_up"),
        ("check_in", None),
        ("decide_keberatan", None),
    ],
)
def test_each_task_answers_to_its_deadline(task: str, deadline: str | None) -> None:
    assert deadline_of(task) == deadline


# --- NIP plausibility in cycle requests (PP 11/2017 Pasal 23: 18 at the least) ---------------------------


@pytest.mark.parametrize(
    ("nip", "why"),
    [
        ("198503151985011001", "is not after the birth date"),
        ("198503152001011001", "at age 15"),
        ("209001012115011001", "in the future"),
    ],
)
def test_a_cycle_refuses_an_implausible_nip(nip: str, why: str) -> None:
    s = reach(EXECUTION)
    person = {"nip": nip, "name": "X", "unit_id": "u", "appraiser_nip": HEAD, "atasan_nip": SEKDA}
    with pytest.raises(InvalidInput, match=why) as refused:
        s.app.execute_cycle(s.cycle_id, AddParticipant(HR_ACTOR, person), at=T["check_in"])
    assert refused.value.field == "participant.nip"


# --- #9 finding 3: HR's review opening and check-in reminder are the cycle's, and a check-in's due ---------


def test_the_start_records_hrs_review_opening_and_check_in_reminder_and_the_calendar_follows_them() -> None:
    app = Appraisals()
    chosen = app.define_cycle(DefineCycle(HR_ACTOR, "chosen", "Dinas", "WITA", 2024, participants()), at=T["define"])
    app.execute_cycle(chosen, StartCycle(HR_ACTOR, "09-15", 10), at=T["start"])
    cycle = app.cycle(chosen)
    assert (cycle.review_opens, cycle.check_in_reminder_days_before) == ("09-15", 10)
    plan = schedule(cycle)  # nothing passed: the cycle's own record answers
    assert plan.review_opens_at == datetime(2024, 9, 15, tzinfo=WITA)
    assert plan.check_in_reminder_days_before == 10
    assert [(c.period, c.due) for c in plan.check_ins] == [
        ("Q1", datetime(2024, 3, 31, 23, 59, 59, tzinfo=WITA)),
        ("Q2", datetime(2024, 6, 30, 23, 59, 59, tzinfo=WITA)),
        ("Q3", datetime(2024, 9, 14, 23, 59, 59, tzinfo=WITA)),  # before the review HR opens on 15 September
        ("Q4", datetime(2024, 9, 14, 23, 59, 59, tzinfo=WITA)),
    ]
    # Without a choice the start records the rule set's values (DOMAIN.md: 1 December, 7 days), written out.
    default = app.define_cycle(DefineCycle(HR_ACTOR, "default", "Dinas", "WITA", 2024, participants()), at=T["define"])
    app.execute_cycle(default, StartCycle(HR_ACTOR), at=T["start"])
    assert (app.cycle(default).review_opens, app.cycle(default).check_in_reminder_days_before) == ("12-01", 7)


@pytest.mark.parametrize(
    ("review_opens", "reminder_days", "field", "rule"),
    [
        ("02-30", None, "review_opens", "input.date"),  # no such day
        ("13-01", None, "review_opens", "input.date"),
        ("1201", None, "review_opens", "input.date"),
        (None, -1, "check_in_reminder_days_before", "cycle.reminder_days"),
        (None, 61, "check_in_reminder_days_before", "cycle.reminder_days"),
        (None, True, "check_in_reminder_days_before", "cycle.reminder_days"),  # a boolean is no number of days
    ],
)
def test_a_start_with_an_impossible_choice_is_refused_naming_the_field_and_leaves_the_cycle_defined(
    review_opens: str | None, reminder_days: int | None, field: str, rule: str
) -> None:
    app = Appraisals()
    cycle_id = app.define_cycle(DefineCycle(HR_ACTOR, "bad", "Dinas", "WITA", 2024, participants()), at=T["define"])
    with pytest.raises(InvalidInput) as refused:
        app.execute_cycle(cycle_id, StartCycle(HR_ACTOR, review_opens, reminder_days), at=T["start"])
    assert (refused.value.field, refused.value.code) == (field, rule)
    assert app.cycle(cycle_id).status == "defined" and app.cycle(cycle_id).version == 1


@pytest.mark.parametrize(("reminder_days"), [0, 60])
def test_the_check_in_reminder_may_be_on_the_due_day_or_up_to_sixty_days_before(reminder_days: int) -> None:
    app = Appraisals()
    cycle_id = app.define_cycle(DefineCycle(HR_ACTOR, "edge", "Dinas", "WITA", 2024, participants()), at=T["define"])
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR, "12-31", reminder_days), at=T["start"])
    assert schedule(app.cycle(cycle_id)).check_in_reminder_days_before == reminder_days


QUARTER_ENDS = [
    CheckInDue("Q1", datetime(2024, 3, 31, 15, 59, 59, tzinfo=UTC)),
    CheckInDue("Q2", datetime(2024, 6, 30, 15, 59, 59, tzinfo=UTC)),
    CheckInDue("Q3", datetime(2024, 9, 14, 15, 59, 59, tzinfo=UTC)),
    CheckInDue("Q4", datetime(2024, 9, 14, 15, 59, 59, tzinfo=UTC)),
]


@pytest.mark.parametrize(
    ("held", "owed"),
    [
        ((), "Q1"),
        (("Q1",), "Q2"),
        (("Q2",), "Q1"),  # a quarter skipped stays owed, and is the earliest
        (("Q1", "Q2"), "Q3"),
        (("Q1", "Q2", "Q3"), "Q4"),
        (("Q1", "Q2", "Q3", "Q4"), None),  # every check-in held: nothing is due
    ],
)
def test_the_check_in_owed_next_is_the_earliest_period_not_held(held: tuple[str, ...], owed: str | None) -> None:
    found = next_check_in(QUARTER_ENDS, held)
    assert (found.period if found else None) == owed
    backwards = next_check_in(list(reversed(QUARTER_ENDS)), held)  # by due, not by the list's order
    assert (backwards.due if backwards else None) == (found.due if found else None)


def test_a_check_in_task_is_due_when_the_quarter_owed_next_ends() -> None:
    s = reach(EXECUTION)
    plan = schedule(s.app.cycle(s.cycle_id))
    cycle = s.app.cycle(s.cycle_id)
    assert task_due(s.get(STAFF), cycle.deadline, plan.check_ins) == datetime(2024, 3, 31, 23, 59, 59, tzinfo=WITA)
    assert s.app.pending_due(s.get(STAFF)) == datetime(2024, 3, 31, 23, 59, 59, tzinfo=WITA)
    s.do(STAFF, HoldCheckIn(actor(HEAD), "Q1", "berjalan baik"), T["check_in"])
    assert task_due(s.get(STAFF), cycle.deadline, plan.check_ins) == datetime(2024, 6, 30, 23, 59, 59, tzinfo=WITA)
    assert s.app.pending_due(s.get(STAFF)) == datetime(2024, 6, 30, 23, 59, 59, tzinfo=WITA)
    assert task_due(s.get(STAFF), cycle.deadline) is None  # no calendar given: no check-in due is invented
