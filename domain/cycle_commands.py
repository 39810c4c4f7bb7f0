"""HR's commands on a cycle: one frozen dataclass each, from the API through the cycle workflow to the aggregate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.base import Actor
from domain.text import Code, Item, OptionalName, OptionalText, Text


@dataclass(frozen=True)
class DefineCycle:
    """HR's definition of an agency's year; deadlines and period default to the rule set's."""

    by: Actor
    agency_id: Code
    agency_name: OptionalName
    time_zone: Code
    year: int
    participants: list[dict[str, Any]]
    rule_set_id: Code = "permenpanrb-6-2022"
    period: str | None = None
    deadlines: dict[str, str] | None = None


@dataclass(frozen=True)
class StartCycle:
    """Start the cycle; HR may choose the review opening (month-day of the cycle year, agency time) and how
    many days before each check-in's due its reminder goes, and how much earlier than the planning deadline the
    RHK of superiors whose subordinates cascade from them are due (#15, domain/cascade.py:cascade_choice).
    None: the rule set's (domain/schedule.py)."""

    by: Actor
    review_opens: str | None = None
    check_in_reminder_days_before: int | None = None
    cascade_days_before: int | None = None
    cascade_days_per_level: int | None = None


@dataclass(frozen=True)
class AddParticipant:
    by: Actor
    participant: dict[str, Any]


@dataclass(frozen=True)
class RemoveParticipant:
    by: Actor
    nip: Code
    reason: Text


@dataclass(frozen=True)
class ExtendDeadline:
    by: Actor
    name: Code
    until: Code  # YYYY-MM-DD, the new last day in the agency's zone
    reason: Item


@dataclass(frozen=True)
class SetOrgPredikat:
    by: Actor
    unit_id: Code
    predikat: Code


@dataclass(frozen=True)
class CalibrateUnit:
    by: Actor
    unit_id: Code
    justification: OptionalText = ""


@dataclass(frozen=True)
class CloseCycle:
    """Close the year; every appraisal still open is named in `exceptions` (NIP -> why it stays open)."""

    by: Actor
    exceptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReopenCycle:
    by: Actor
    reason: Item


# Closing is not among them: it needs the appraisals' stages (Appraisals.close_cycle, domain/cycle_service.py, looks them up).
CycleCommand = StartCycle | AddParticipant | RemoveParticipant | ExtendDeadline | SetOrgPredikat | ReopenCycle
