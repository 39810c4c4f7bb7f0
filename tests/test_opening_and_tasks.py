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
from domain.cycle_commands import StartCycle
from domain.errors import NotFound, WrongStage
from domain.result_commands import DecideKeberatan
from tests.factories import HR_ACTOR, OUTSIDER, SEKDA, STAFF, Scenario, T, actor, define_cycle, reach


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
