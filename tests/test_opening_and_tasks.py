"""Opening appraisals and the one task each stage waits for (DOMAIN.md §4 approval order).

Planning waits for the employee's draft, then the pejabat penilai's review; execution for the
check-ins; review for the rating, then its delivery; a keberatan for the atasan's decision (§5);
follow-up for HR; a delivered result waits for nobody until the 14-day window ends.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.audit import Audit
from domain.cycle_commands import StartCycle
from domain.errors import ConcurrencyConflict, NotFound, WrongStage
from domain.opening import CycleRunning
from domain.result_commands import DecideKeberatan
from domain.store import RACE
from tests.factories import ANALIS, HEAD, HR_ACTOR, OUTSIDER, SEKDA, STAFF, Scenario, T, actor, define_cycle, reach


def test_an_appraisal_opens_only_in_a_started_cycle_and_only_for_a_participant() -> None:
    app = Appraisals()
    cycle_id = define_cycle(app, start=False)
    with pytest.raises(WrongStage, match="^the cycle is defined; appraisals open once it is started$"):
        app.open_appraisal(cycle_id, STAFF, T["open"])
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])
    with pytest.raises(NotFound, match=f"^{OUTSIDER} does not take part in cycle {cycle_id}$"):
        app.open_appraisal(cycle_id, OUTSIDER, T["open"])
    first = app.open_appraisal(cycle_id, STAFF, T["open"])
    again = app.open_appraisal(cycle_id, STAFF, T["open"] + timedelta(days=1))
    assert (first.replayed, again.replayed, again.version, again.stage) == (False, True, 1, "planning")


def test_an_appraisal_opened_by_a_concurrent_caller_first_is_answered_as_replayed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = Scenario.new()
    s.open(STAFF)
    monkeypatch.setattr(s.app, "_find", lambda cls, aggregate_id: None)  # the check ran before the other save
    late = s.app.open_appraisal(s.cycle_id, STAFF, T["open"])
    assert (late.id, late.version, late.stage, late.replayed) == (s.id(STAFF), 1, "planning", True)


def test_an_unknown_or_foreign_record_is_not_an_appraisal() -> None:
    s = Scenario.new()
    missing = Appraisal.create_id(s.cycle_id, OUTSIDER)
    with pytest.raises(NotFound, match=f"^no appraisal {missing}$"):
        s.app.appraisal(missing)
    with pytest.raises(NotFound, match=f"^{s.cycle_id} is not an appraisal$"):
        s.app.appraisal(s.cycle_id)


def test_each_stage_waits_for_one_task_and_a_delivered_result_for_nobody() -> None:
    s = reach("keberatan")
    assert s.get(STAFF).pending_task() == {"task": "decide_keberatan", "assignee": SEKDA}
    when = T["deliver"] + timedelta(days=3)
    s.do(STAFF, DecideKeberatan(actor(SEKDA), "upheld", "bukti sudah dinilai"), when)
    assert s.get(STAFF).pending_task() == {"task": "decide_follow_up", "assignee": "hr"}
    delivered = reach("result_delivered")
    assert delivered.get(STAFF).pending_task() is None
    done = reach("finalised")
    assert done.get(STAFF).pending_task() is None


def test_a_command_the_appraisal_does_not_know_is_refused_not_ignored() -> None:
    s = reach("execution")
    appraisal = s.get(STAFF)
    stranger: Any = StartCycle(HR_ACTOR)  # a cycle's command, not an appraisal's
    with pytest.raises(AssertionError):
        appraisal.execute(stranger, T["check_in"], None)
    assert appraisal.pending_events == []


# --- the fact that an appraisal's workflow runs (domain/opening.py) --------------------------------------
# README "Open means its workflow runs": once Temporal accepted a page of starts, the opening activity
# records their NIPs on the cycle's one CycleRunning record, one event per page; a retried page records
# nothing twice, nothing recorded is taken back, and progress counts an appraisal open only from it.
PAGES = [
    pytest.param([[STAFF, HEAD]], [[HEAD, STAFF]], [HEAD, STAFF], id="one-page"),
    pytest.param([[STAFF], [STAFF]], [[STAFF], []], [STAFF], id="a-retried-page"),
    pytest.param(
        [[STAFF, HEAD], [ANALIS, STAFF, ANALIS]], [[HEAD, STAFF], [ANALIS]], [HEAD, STAFF, ANALIS], id="pages-overlap"
    ),
    pytest.param([[ANALIS], [STAFF, HEAD]], [[ANALIS], [HEAD, STAFF]], [ANALIS, HEAD, STAFF], id="in-recorded-order"),
    pytest.param([[]], [[]], [], id="an-empty-page"),
]


@pytest.mark.parametrize(("pages", "answers", "recorded"), PAGES)
def test_each_page_records_only_the_nips_new_to_the_cycles_record(
    pages: list[list[str]], answers: list[list[str]], recorded: list[str]
) -> None:
    s = Scenario.new()
    other = define_cycle(s.app, agency_id="pemkot-lain")
    assert s.app.workflows_running(s.cycle_id) == frozenset()
    at = [T["open"] + timedelta(minutes=i) for i in range(len(pages))]
    assert [
        s.app.record_workflows_started(s.cycle_id, page, when) for page, when in zip(pages, at, strict=True)
    ] == answers
    assert s.app.workflows_running(s.cycle_id) == frozenset(recorded)
    assert s.app.workflows_running(other) == frozenset()  # one record per cycle
    record_id = CycleRunning.create_id(s.cycle_id)
    assert record_id != CycleRunning.create_id(other)
    if not recorded:
        with pytest.raises(NotFound):  # nothing to record: no record at all
            Audit(s.app).history(record_id)
        return
    record = s.app.repository.get(record_id)
    assert (record.cycle_id, record.nips, record.running()) == (s.cycle_id, recorded, frozenset(recorded))
    facts = [(e["type"], e["at"]) for e in Audit(s.app).history(record_id)]
    pages_recorded = [when.isoformat() for answer, when in zip(answers, at, strict=True) if answer]
    assert facts == [("Begun", pages_recorded[0]), *(("WorkflowsStarted", when) for when in pages_recorded)]


def test_a_page_that_lost_a_race_is_recorded_again_over_the_other_page(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Scenario.new()
    save, raced = s.app._save, []

    def another_page_first(*aggregates: Any) -> None:
        if not raced:  # another page (a participant added meanwhile) is saved between the read and the save
            monkeypatch.setattr(s.app, "_save", save)
            raced.append(s.app.record_workflows_started(s.cycle_id, [STAFF, ANALIS], T["open"]))
        save(*aggregates)

    monkeypatch.setattr(s.app, "_save", another_page_first)
    assert s.app.record_workflows_started(s.cycle_id, [STAFF, HEAD], T["open"]) == [HEAD]
    assert raced == [[STAFF, ANALIS]]  # NIP order
    assert s.app.workflows_running(s.cycle_id) == {HEAD, STAFF, ANALIS}


@pytest.mark.parametrize(("losses", "recorded"), [(1, True), (4, True), (5, False)])
def test_a_page_is_tried_five_times_then_the_conflict_is_said(
    monkeypatch: pytest.MonkeyPatch, losses: int, recorded: bool
) -> None:
    s = Scenario.new()
    save, tries = s.app._save, []

    def losing(*aggregates: Any) -> None:
        tries.append(1)
        if len(tries) <= losses:
            raise ConcurrencyConflict(RACE, names="CycleRunning")
        save(*aggregates)

    monkeypatch.setattr(s.app, "_save", losing)
    if recorded:
        assert s.app.record_workflows_started(s.cycle_id, [STAFF], T["open"]) == [STAFF]
    else:
        with pytest.raises(ConcurrencyConflict):
            s.app.record_workflows_started(s.cycle_id, [STAFF], T["open"])
    assert len(tries) == min(losses + 1, 5)
    assert s.app.workflows_running(s.cycle_id) == (frozenset({STAFF}) if recorded else frozenset())
