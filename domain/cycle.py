"""The AppraisalCycle aggregate: HR's definition of one agency's appraisal year."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, assert_never
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import calendar
from domain.base import KinerjaAggregate, require
from domain.commands import (
    AddParticipant,
    CalibrateUnit,
    ChangeSupervisor,
    CloseCycle,
    CycleCommand,
    DefineCycle,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
    SetOrgPredikat,
    StartCycle,
)
from domain.errors import InvalidInput, WrongStage
from domain.participants import check_participant, require_not_self_appointed
from domain.rules import ORG_PREDIKATS, PREDIKATS, rule_set
from domain.text import ITEM, text

DEFINED, STARTED, CLOSED = "defined", "started", "closed"
DEADLINES = ("planning", "review", "follow_up")
NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/cycle")
# A cycle's deadlines (and their extensions) fall within its year and the two after it: planning in
# the year, the review and follow-up early in the next; a year more leaves room for extensions.
DEADLINE_YEARS_AFTER = 2


def deadline_span(year: int) -> tuple[date, date]:
    """The first and last day a deadline of the cycle of `year` may fall on."""
    return date(year, 1, 1), date(year + DEADLINE_YEARS_AFTER, 12, 31)


class AppraisalCycle(KinerjaAggregate):
    """An agency's appraisal year: calendar, participants, rule set, organisation predikat."""

    @staticmethod
    def create_id(agency_id: str, year: int) -> UUID:
        return uuid5(NAMESPACE, f"{agency_id}/{year}")

    @classmethod
    def define(cls, cmd: DefineCycle, at: datetime, key: str = "") -> AppraisalCycle:
        by, agency_id, time_zone, year = cmd.by, cmd.agency_id, cmd.time_zone, cmd.year
        require(by.is_hr, "only HR (BKPSDM) defines an appraisal cycle")
        rules = rule_set(cmd.rule_set_id)
        calendar.zone(time_zone)
        if not 2022 <= year <= 2100:
            raise InvalidInput("year", "cycles under PermenPANRB 6/2022 start in 2022")
        if not agency_id.strip():
            raise InvalidInput("agency_id", "is required")
        period = cmd.period or rules.period
        rules.period_names(period)  # a known kind of period
        defaults = {
            "planning": f"{year}-{rules.planning_deadline}",
            "review": f"{year + 1}-{rules.review_deadline}",
            "follow_up": f"{year + 1}-{rules.follow_up_deadline}",
        }
        given = cmd.deadlines or {}
        unknown = set(given) - set(DEADLINES)
        if unknown:
            raise InvalidInput("deadlines", f"unknown deadline {sorted(unknown)[0]!r}; known: {', '.join(DEADLINES)}")
        merged = {name: given.get(name) or defaults[name] for name in DEADLINES}
        for name, day in merged.items():
            calendar.parse_day(f"deadlines.{name}", day, *deadline_span(year))
        checked = [check_participant(p, f"participants[{i}]", at.date()) for i, p in enumerate(cmd.participants)]
        for i, p in enumerate(checked):
            require_not_self_appointed(by, p["appraiser_nip"], p["atasan_nip"], f"participants[{i}]: ")
        nips = [p["nip"] for p in checked]
        if len(set(nips)) != len(nips):
            raise InvalidInput("participants", "a NIP appears twice")
        return cls(
            agency_id=agency_id.strip(),
            year=year,
            agency_name=cmd.agency_name.strip() or agency_id,
            time_zone=time_zone,
            rule_set_id=rules.id,
            period=period,
            deadlines=merged,
            participants={p["nip"]: p for p in checked},
            by=by.nip,
            command_key=key,
            timestamp=at,
        )

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

    @property
    def periods(self) -> list[str]:
        return rule_set(self.rule_set_id).period_names(self.period)

    def deadline(self, name: str) -> datetime:
        """The UTC instant at which a named deadline ends."""
        return calendar.end_of_day(date.fromisoformat(self.deadlines[name]), self.time_zone)

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

    def start(self, cmd: StartCycle, at: datetime) -> None:
        by = cmd.by
        require(by.is_hr, "only HR starts a cycle")
        if self.status != DEFINED:
            raise WrongStage(f"the cycle is {self.status}, not {DEFINED}")
        if not self.participants:
            raise InvalidInput("participants", "a cycle needs at least one participant to start")
        self._started(by.nip, at)

    @event("Started")
    def _started(self, by: str, timestamp: datetime) -> None:
        self.status = STARTED

    def add_participant(self, cmd: AddParticipant, at: datetime) -> None:
        by = cmd.by
        require(by.is_hr, "only HR changes the participants")
        self._require_open()
        p = check_participant(cmd.participant, today=at.date())
        require_not_self_appointed(by, p["appraiser_nip"], p["atasan_nip"], "participant: ")
        if p["nip"] in self.participants:
            raise InvalidInput("participant.nip", f"{p['nip']} already takes part in this cycle")
        self._participant_added(by.nip, p, at)

    @event("ParticipantAdded")
    def _participant_added(self, by: str, participant: dict[str, Any], timestamp: datetime) -> None:
        self.participants[participant["nip"]] = participant
        self.__dict__.setdefault("withdrawn", {}).pop(participant["nip"], None)

    def remove_participant(self, cmd: RemoveParticipant, at: datetime) -> None:
        by, nip, reason = cmd.by, cmd.nip, cmd.reason
        require(by.is_hr, "only HR changes the participants")
        self._require_open()
        if nip not in self.participants:
            raise InvalidInput("nip", f"{nip} does not take part in this cycle")
        require(by.nip != nip, "nobody acts as HR on their own appraisal: another pengelola kinerja must do it")
        if not reason.strip():
            raise InvalidInput("reason", "say why the participant leaves the cycle")
        self._participant_removed(by.nip, nip, reason.strip(), at)

    @event("ParticipantRemoved")
    def _participant_removed(self, by: str, nip: str, reason: str, timestamp: datetime) -> None:
        del self.participants[nip]
        self.__dict__.setdefault("withdrawn", {})[nip] = reason  # no longer an active employee of the cycle

    def change_supervisor(self, cmd: ChangeSupervisor, nip: str, at: datetime) -> None:
        """Keep the cycle's master data in step with a mutation."""
        by, appraiser_nip, atasan_nip, reason = cmd.by, cmd.appraiser_nip, cmd.atasan_nip, cmd.reason
        require(by.is_hr, "only HR records a change of supervisor")
        require(by.nip != nip, "nobody acts as HR on their own appraisal: another pengelola kinerja must do it")
        require_not_self_appointed(by, appraiser_nip, atasan_nip)
        self._require_open()
        if nip not in self.participants:
            raise InvalidInput("nip", f"{nip} does not take part in this cycle")
        check_participant({**self.participants[nip], "appraiser_nip": appraiser_nip, "atasan_nip": atasan_nip})
        self._supervisor_changed(by.nip, nip, appraiser_nip, atasan_nip, reason, at)

    @event("SupervisorChanged")
    def _supervisor_changed(
        self, by: str, nip: str, appraiser_nip: str, atasan_nip: str, reason: str, timestamp: datetime
    ) -> None:
        self.participants[nip] = {**self.participants[nip], "appraiser_nip": appraiser_nip, "atasan_nip": atasan_nip}

    def extend_deadline(self, cmd: ExtendDeadline, at: datetime) -> None:
        by, name, until, reason = cmd.by, cmd.name, cmd.until, cmd.reason
        require(by.is_hr, "only HR extends a deadline")
        self._require_open()
        if name not in self.deadlines:
            raise InvalidInput("deadline", f"must be one of {', '.join(self.deadlines)}")
        new_day = calendar.parse_day("until", until, *deadline_span(self.year))
        if new_day <= date.fromisoformat(self.deadlines[name]):
            raise InvalidInput("until", f"an extension must move the {name} deadline later than {self.deadlines[name]}")
        if not reason.strip():
            raise InvalidInput("reason", "an extension must record its reason")
        self._deadline_extended(by.nip, name, self.deadlines[name], new_day.isoformat(), reason.strip(), at)

    @event("DeadlineExtended")
    def _deadline_extended(
        self, by: str, name: str, previous: str, until: str, reason: str, timestamp: datetime
    ) -> None:
        self.deadlines[name] = until
        self.extensions.append({"deadline": name, "from": previous, "until": until, "reason": reason, "by": by})

    def set_org_predikat(self, cmd: SetOrgPredikat, at: datetime) -> None:
        """The head of the organisation one level up fixes the unit's predikat (§2.3 step 1)."""
        by, unit_id, predikat = cmd.by, cmd.unit_id, cmd.predikat
        require(by.is_hr, "HR records the organisation predikat set by the level above")
        self._require_open()
        if predikat not in ORG_PREDIKATS:
            raise InvalidInput("predikat", f"must be one of {', '.join(ORG_PREDIKATS)}")
        if unit_id not in self.units():
            raise InvalidInput("unit_id", f"no participant works in unit {unit_id!r}")
        if unit_id in self.calibrations:
            raise WrongStage(
                f"the organisation predikat of unit {unit_id!r} is frozen once the unit is calibrated: "
                f"it stays {self.org_predikat[unit_id]!r}, the predikat its distribution was checked against"
            )
        self._org_predikat_set(by.nip, unit_id, predikat, at)

    @event("OrganisationPredikatSet")
    def _org_predikat_set(self, by: str, unit_id: str, predikat: str, timestamp: datetime) -> None:
        self.org_predikat[unit_id] = predikat

    def calibrate(self, cmd: CalibrateUnit, counts: dict[str, int], at: datetime) -> list[str]:
        """Check a unit's predikat against the curve; deviations need a recorded justification."""
        by, unit_id, justification = cmd.by, cmd.unit_id, cmd.justification
        require(by.is_hr, "HR calibrates the distribution")
        self._require_open()
        if unit_id not in self.org_predikat:
            raise WrongStage(f"set the organisation predikat of unit {unit_id!r} before calibrating")
        warnings = [w.message for w in rule_set(self.rule_set_id).check_curve(self.org_predikat[unit_id], counts)]
        if warnings and not justification.strip():
            raise InvalidInput("justification", "the distribution deviates from the curve: " + "; ".join(warnings))
        self._calibrated(
            by.nip,
            unit_id,
            self.org_predikat[unit_id],
            {p: counts.get(p, 0) for p in PREDIKATS},
            warnings,
            justification.strip(),
            at,
        )
        return warnings

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

    def close(self, cmd: CloseCycle, open_appraisals: dict[str, str], at: datetime) -> None:
        """Close the year. `open_appraisals` (NIP -> stage) are the participants not finalised yet:
        each must be named in `cmd.exceptions` with the reason it stays open, or the cycle stays open."""
        by = cmd.by
        require(by.is_hr, "only HR closes a cycle")
        self._require_open()
        exceptions: dict[str, str] = {}
        for nip, reason in sorted(cmd.exceptions.items()):
            if nip not in open_appraisals:
                raise InvalidInput(f"exceptions.{nip}", "names no open appraisal of this cycle")
            exceptions[nip] = text(f"exceptions.{nip}", reason, ITEM)
        missing = [nip for nip in sorted(open_appraisals) if nip not in exceptions]
        if missing:
            listed = ", ".join(f"{nip} ({open_appraisals[nip]})" for nip in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise WrongStage(
                f"the cycle has {len(missing)} open appraisal(s) not named as exceptions: {listed}{more}; "
                "finalise them, or name each one in exceptions with the reason it stays open"
            )
        self._closed(by.nip, at, exceptions=exceptions)

    @event("Closed")
    def _closed(self, by: str, timestamp: datetime, exceptions: dict[str, str] | None = None) -> None:
        # exceptions: the appraisals left open, each with HR's reason (events before issue 8 carry none).
        self.__dict__["reopens_to"] = self.status
        self.status = CLOSED
        self.__dict__["open_exceptions"] = dict(exceptions or {})

    def reopen(self, cmd: ReopenCycle, at: datetime) -> None:
        """HR reopens a closed cycle, with the reason; it returns to the status it was closed from."""
        require(cmd.by.is_hr, "only HR reopens a cycle")
        if self.status != CLOSED:
            raise WrongStage(f"the cycle is {self.status}: only a closed cycle is reopened")
        self._reopened(cmd.by.nip, text("reason", cmd.reason, ITEM), at)

    @event("Reopened")
    def _reopened(self, by: str, reason: str, timestamp: datetime) -> None:
        self.status = self.__dict__.get("reopens_to", STARTED)
        self.__dict__["open_exceptions"] = {}

    def units(self) -> set[str]:
        return {p["unit_id"] for p in self.participants.values()}

    def _require_open(self) -> None:
        if self.status == CLOSED:
            raise WrongStage("the cycle is closed")
