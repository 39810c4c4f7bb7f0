"""The commands of any stage: delegation, a change of supervisor, the calendar's reminders and missed deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.base import Actor
from domain.text import Code, Text


@dataclass(frozen=True)
class DelegateTask:
    """The pejabat penilai lets someone act for them; delegating to oneself takes the tasks back."""

    by: Actor
    to_nip: Code
    reason: Text


@dataclass(frozen=True)
class ChangeSupervisor:
    """A mutation: the employee's pejabat penilai (and the atasan) change mid-cycle."""

    by: Actor
    appraiser_nip: Code
    atasan_nip: Code
    reason: Text


@dataclass(frozen=True)
class RecordReminder:
    by: Actor
    task: Code
    to: Code
    due: datetime


@dataclass(frozen=True)
class RecordDeadlineMissed:
    """The calendar saw a deadline pass; the domain decides whom the task escalates to."""

    by: Actor
    task: str
    due: datetime
