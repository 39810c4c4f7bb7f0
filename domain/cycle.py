"""The AppraisalCycle aggregate: HR's definition of one agency's appraisal year.

Its rules live beside it as mixins over `CycleState` (domain/cycle_state.py): the calendar
(domain/cycle_calendar.py), the participants (cycle_participants.py), the calibration
(cycle_calibration.py) and the status (cycle_status.py). This module holds the events, all declared
here, on this class, so their stored topics (`domain.cycle:AppraisalCycle.<Event>`) and the hash
chain over them never change when rules move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, assert_never
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import KinerjaAggregate
from domain.cycle_calendar import CycleCalendar, defined_cycle
from domain.cycle_calibration import CycleCalibration
from domain.cycle_commands import (
    AddParticipant,
    CycleCommand,
    DefineCycle,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
    SetOrgPredikat,
    StartCycle,
)
from domain.cycle_participants import CycleParticipants
from domain.cycle_state import CLOSED, DEFINED, STARTED
from domain.cycle_status import CycleStatus

NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/cycle")


class AppraisalCycle(KinerjaAggregate, CycleCalendar, CycleParticipants, CycleCalibration, CycleStatus):
    """An agency's appraisal year: calendar, participants, rule set, organisation predikat."""

    @staticmethod
    def create_id(agency_id: str, year: int) -> UUID:
        return uuid5(NAMESPACE, f"{agency_id}/{year}")

    @classmethod
    def define(cls, cmd: DefineCycle, at: datetime, key: str = "") -> AppraisalCycle:
        return cls(**defined_cycle(cmd, at), command_key=key, timestamp=at)

    @event("Defined")
    def __init__(
        self,
        agency_id: str,
        year: int,
        agency_name: str,
        time_zone: str,
        rule_set_id: str,
        period: str,
        deadlines: dict[str, str],
        participants: dict[str, dict[str, Any]],
        by: str,
        command_key: str,  # the idempotency key of the defining command, kept in the event
        timestamp: datetime,
    ) -> None:
        self.agency_id, self.year, self.agency_name = agency_id, year, agency_name
        self.time_zone, self.rule_set_id, self.period = time_zone, rule_set_id, period
        self.deadlines = dict(deadlines)
        self.extensions: list[dict[str, str]] = []
        self.participants = dict(participants)
        self.status = DEFINED
        self.org_predikat: dict[str, str] = {}
        self.calibrations: dict[str, dict[str, Any]] = {}

    def execute(self, cmd: CycleCommand, at: datetime) -> None:
        """Run one of HR's commands on the cycle."""
        match cmd:
            case StartCycle():
                self.start(cmd, at)
            case AddParticipant():
                self.add_participant(cmd, at)
            case RemoveParticipant():
                self.remove_participant(cmd, at)
            case ExtendDeadline():
                self.extend_deadline(cmd, at)
            case SetOrgPredikat():
                self.set_org_predikat(cmd, at)
            case ReopenCycle():
                self.reopen(cmd, at)
            case _:
                assert_never(cmd)

    # --- the facts (events) ---------------------------------------------------

    @event("Started")
    def _started(
        self,
        by: str,
        timestamp: datetime,
        review_opens: str | None = None,
        check_in_reminder_days_before: int | None = None,
        cascade_days_before: int | None = None,
        cascade_days_per_level: int | None = None,
    ) -> None:
        # HR's review opening (month-day) and check-in reminder offset, as domain/schedule.py completes them, and
        # the superiors' earlier RHK deadline (#15, domain/cascade.py:cascade_choice). Events stored before they
        # were recorded carry none of them: the defaults leave the rule set's in force (no upcasting: the stored
        # event is decoded as it was written, so its digest still proves it).
        self.status = STARTED
        self.review_opens, self.check_in_reminder_days_before = review_opens, check_in_reminder_days_before
        self.cascade_days_before, self.cascade_days_per_level = cascade_days_before, cascade_days_per_level

    @event("ParticipantAdded")
    def _participant_added(self, by: str, participant: dict[str, Any], timestamp: datetime) -> None:
        self.participants[participant["nip"]] = participant
        self.__dict__.setdefault("withdrawn", {}).pop(participant["nip"], None)

    @event("ParticipantRemoved")
    def _participant_removed(self, by: str, nip: str, reason: str, timestamp: datetime) -> None:
        del self.participants[nip]
        self.__dict__.setdefault("withdrawn", {})[nip] = reason  # no longer an active employee of the cycle

    @event("SupervisorChanged")
    def _supervisor_changed(
        self, by: str, nip: str, appraiser_nip: str, atasan_nip: str, reason: str, timestamp: datetime
    ) -> None:
        self.participants[nip] = {**self.participants[nip], "appraiser_nip": appraiser_nip, "atasan_nip": atasan_nip}

    @event("DeadlineExtended")
    def _deadline_extended(
        self, by: str, name: str, previous: str, until: str, reason: str, timestamp: datetime
    ) -> None:
        self.deadlines[name] = until
        self.extensions.append({"deadline": name, "from": previous, "until": until, "reason": reason, "by": by})

    @event("OrganisationPredikatSet")
    def _org_predikat_set(self, by: str, unit_id: str, predikat: str, timestamp: datetime) -> None:
        self.org_predikat[unit_id] = predikat

    @event("Calibrated")
    def _calibrated(
        self,
        by: str,
        unit_id: str,
        org_predikat: str,
        counts: dict[str, int],
        warnings: list[str],
        justification: str,
        timestamp: datetime,
    ) -> None:
        self.calibrations[unit_id] = {
            "org_predikat": org_predikat,
            "counts": counts,
            "warnings": warnings,
            "justification": justification,
        }

    @event("Closed")
    def _closed(self, by: str, timestamp: datetime, exceptions: dict[str, str] | None = None) -> None:
        # exceptions: the appraisals left open, each with HR's reason (events before issue 8 carry none).
        self.__dict__["reopens_to"] = self.status
        self.status = CLOSED
        self.__dict__["open_exceptions"] = dict(exceptions or {})

    @event("Reopened")
    def _reopened(self, by: str, reason: str, timestamp: datetime) -> None:
        self.status = self.__dict__.get("reopens_to", STARTED)
        self.__dict__["open_exceptions"] = {}
