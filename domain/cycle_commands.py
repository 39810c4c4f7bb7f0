"""HR's commands on a cycle: one frozen dataclass each, from the API through the cycle workflow to the aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.base import Actor


@dataclass(frozen=True)
class DefineCycle:
    """HR's definition of an agency's year; deadlines and period default to the rule set's."""

    by: Actor
    agency_id: str
    agency_name: str
    time_zone: str
    year: int
    participants: list[dict[str, Any]]
    rule_set_id: str = "permenpanrb-6-2022"
    period: str | None = None
    deadlines: dict[str, str] | None = None


@dataclass(frozen=True)
class StartCycle:
    by: Actor


@dataclass(frozen=True)
class AddParticipant:
    by: Actor
    participant: dict[str, Any]


@dataclass(frozen=True)
class RemoveParticipant:
    by: Actor
    nip: str
    reason: str


@dataclass(frozen=True)
class ExtendDeadline:
    by: Actor
    name: str
    until: str  # YYYY-MM-DD, the new last day in the agency's zone
    reason: str


@dataclass(frozen=True)
class SetOrgPredikat:
    by: Actor
    unit_id: str
    predikat: str


@dataclass(frozen=True)
class CalibrateUnit:
    by: Actor
    unit_id: str
    justification: str = ""


@dataclass(frozen=True)
class CloseCycle:
    by: Actor


CycleCommand = StartCycle | AddParticipant | RemoveParticipant | ExtendDeadline | SetOrgPredikat | CloseCycle
