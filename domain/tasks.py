"""When an appraisal's pending task falls due: the cycle deadline each task answers to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.appraisal import Appraisal

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
    """The cycle deadline a task answers to; None for a task without one (a check-in, a keberatan)."""
    return TASK_DEADLINES.get(task)


def tasks_bounded_by(deadline: str) -> list[str]:
    return [task for task, name in TASK_DEADLINES.items() if name == deadline]


def task_due(appraisal: Appraisal, deadline: Callable[[str], datetime]) -> datetime | None:
    """The UTC instant the pending task is due, or None (no task, or no deadline such as a check-in).

    `deadline` answers a cycle deadline by name, e.g. `AppraisalCycle.deadline`.
    """
    task = appraisal.pending_task()
    if task is None:
        return None
    if task["task"] == "decide_keberatan":
        assert appraisal.keberatan is not None
        due: datetime = appraisal.keberatan["decision_due"]
        return due
    name = deadline_of(task["task"])
    return deadline(name) if name else None
