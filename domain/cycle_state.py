"""The cycle's statuses, the state its rules read, and the guards they share.

The AppraisalCycle aggregate (domain/cycle.py) holds this state and records its events; its rules
live beside it as mixins over `CycleState`: the calendar (domain/cycle_calendar.py), the
participants (cycle_participants.py), the calibration (cycle_calibration.py) and the status
(cycle_status.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from domain import calendar
from domain.errors import WrongStage, refusal
from domain.rules import rule_set

CYCLE_CLOSED = refusal("cycle.closed", "the cycle is closed")

DEFINED, STARTED, CLOSED = "defined", "started", "closed"


class CycleState:
    """The state of one cycle as the rules read it (set by the aggregate's events)."""

    agency_id: str
    year: int
    agency_name: str
    time_zone: str
    rule_set_id: str
    period: str
    deadlines: dict[str, str]
    extensions: list[dict[str, str]]
    participants: dict[str, dict[str, Any]]
    status: str
    org_predikat: dict[str, str]
    calibrations: dict[str, dict[str, Any]]
    # HR's choice at the start (domain/schedule.py, start_choice): None before the start, and for a cycle
    # whose Started event was recorded before it carried the choice (the rule set's values apply).
    review_opens: str | None = None
    check_in_reminder_days_before: int | None = None
    # #15: the superiors' earlier RHK deadline, days before the planning deadline and more per level below
    # (domain/cascade.py:cascade_choice); None likewise: the rule set's.
    cascade_days_before: int | None = None
    cascade_days_per_level: int | None = None

    @property
    def periods(self) -> list[str]:
        return rule_set(self.rule_set_id).period_names(self.period)

    def deadline(self, name: str) -> datetime:
        """The UTC instant at which a named deadline ends."""
        return calendar.end_of_day(date.fromisoformat(self.deadlines[name]), self.time_zone)

    def units(self) -> set[str]:
        return {p["unit_id"] for p in self.participants.values()}

    def unit_name(self, unit_id: str) -> str:
        """A unit's name as its participants were listed (its code when none names it)."""
        names = (p.get("unit_name") for p in self.participants.values() if p["unit_id"] == unit_id)
        return next((str(n) for n in names if n), unit_id)

    def _require_open(self) -> None:
        if self.status == CLOSED:
            raise WrongStage(CYCLE_CLOSED)

    if TYPE_CHECKING:  # the events, recorded by domain/cycle.py

        def _started(
            self,
            by: str,
            timestamp: datetime,
            review_opens: str | None = None,
            check_in_reminder_days_before: int | None = None,
            cascade_days_before: int | None = None,
            cascade_days_per_level: int | None = None,
        ) -> None: ...
        def _participant_added(self, by: str, participant: dict[str, Any], timestamp: datetime) -> None: ...
        def _participant_removed(self, by: str, nip: str, reason: str, timestamp: datetime) -> None: ...
        def _supervisor_changed(
            self, by: str, nip: str, appraiser_nip: str, atasan_nip: str, reason: str, timestamp: datetime
        ) -> None: ...
        def _deadline_extended(
            self, by: str, name: str, previous: str, until: str, reason: str, timestamp: datetime
        ) -> None: ...
        def _org_predikat_set(self, by: str, unit_id: str, predikat: str, timestamp: datetime) -> None: ...
        def _calibrated(
            self,
            by: str,
            unit_id: str,
            org_predikat: str,
            counts: dict[str, int],
            warnings: list[str],
            justification: str,
            timestamp: datetime,
        ) -> None: ...
        def _closed(self, by: str, timestamp: datetime, exceptions: dict[str, str] | None = None) -> None: ...
        def _reopened(self, by: str, reason: str, timestamp: datetime) -> None: ...
