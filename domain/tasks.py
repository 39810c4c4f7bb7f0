"""When an appraisal's pending task falls due: the cycle deadline each task answers to, the check-in the
appraiser owes next (domain/schedule.py), the keberatan's decision deadline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from domain.appraisal import Appraisal
from domain.schedule import CheckInDue, next_check_in

# Task (Appraisal.pending_task) -> the AppraisalCycle deadline that bounds it.
TASK_DEADLINES = {
    "draft_skp": "planning",
    "review_skp": "planning",
    "rate": "review",
    "deliver_result": "review",
    "decide_follow_up": "follow_up",
    "finalise": "follow_up",
}


def deadline_of(task: str) -> str | None:
    """The cycle deadline a task answers to; None for a task without one (a check-in, a keberatan: their
    dues are their own, see task_due)."""
    return TASK_DEADLINES.get(task)


def tasks_bounded_by(deadline: str) -> list[str]:
    return [task for task, name in TASK_DEADLINES.items() if name == deadline]


def task_due(
    appraisal: Appraisal, deadline: Callable[[str], datetime], check_ins: Sequence[CheckInDue] = ()
) -> datetime | None:
    """The UTC instant the pending task is due, or None (no task, or every check-in held).

    `deadline` answers a cycle deadline by name, e.g. `AppraisalCycle.deadline`; `check_ins` are the
    cycle's check-in dues (`schedule(cycle).check_ins`): a check-in is due when the earliest period not
    held yet falls due, the instant the workflow's reminder of that check-in names.
    """
    task = appraisal.pending_task()
    if task is None:
        return None
    if task["task"] == "decide_keberatan":
        assert appraisal.keberatan is not None
        due: datetime = appraisal.keberatan["decision_due"]
        return due
    if task["task"] == "check_in":
        owed = next_check_in(check_ins, appraisal.check_ins)
        return owed.due if owed else None
    name = deadline_of(task["task"])
    return deadline(name) if name else None
