"""Appraisals: the application service over the domain log.

Load, one command, save. Every command may carry an idempotency key: a key
already applied returns the outcome it produced and writes nothing. Saving a
stale version raises ConcurrencyConflict (optimistic concurrency), never a
lost update. Facts that live in another aggregate (the superior's RHK, the
unit's predikat and calibration) are looked up here and handed to the
aggregate, which owns the rule.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import ApplicationRecorder, IntegrityError

from domain.appraisal import Appraisal
from domain.base import Actor, KinerjaAggregate, require
from domain.cycle import STARTED, AppraisalCycle
from domain.errors import ConcurrencyConflict, InvalidInput, NotFound, WrongStage
from domain.rules import PREDIKATS

A = TypeVar("A", bound=KinerjaAggregate)

# Commands an appraisal accepts by name; the workflow and the API use these names.
APPRAISAL_COMMANDS = (
    "draft_skp",
    "submit_skp",
    "return_skp",
    "approve_skp",
    "report_progress",
    "give_feedback",
    "give_peer_feedback",
    "record_citizen_feedback",
    "hold_check_in",
    "open_review",
    "self_assess",
    "rate",
    "deliver_result",
    "file_keberatan",
    "close_keberatan_window",
    "decide_keberatan",
    "escalate_keberatan",
    "reassign_keberatan_decider",
    "decide_follow_up",
    "finalise",
    "delegate_task",
    "record_reminder",
    "record_deadline_missed",
)
# Arguments the application supplies from other aggregates, never the caller.
CONTEXT_ARGS = {"superior_rhk_ids", "peer_unit", "org_predikat", "calibrated"}


@dataclass(frozen=True)
class Outcome:
    """What a command left behind: enough for a caller to show the new state."""

    id: UUID
    version: int
    stage: str
    pending: dict[str, str] | None
    predikat: str | None
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "id": str(self.id)}


class Appraisals(Application[UUID]):
    """Appraisal cycles and appraisals, with their audit trail."""

    name = "kinerja"

    def construct_recorder(self) -> ApplicationRecorder:
        """The recorder, which creates the events table if it is missing.

        Processes that start together on an empty database (API replicas, workers) race to create
        it: on PostgreSQL the loser fails on the catalogue despite the existence check. The table
        exists by then, so another attempt finds it; any other error is raised after the last one.
        """
        for attempt in range(5):
            try:
                return super().construct_recorder()
            except Exception:  # the driver's error; the domain knows no database driver
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    # --- cycles -----------------------------------------------------------

    def define_cycle(self, by: Actor, key: str = "", **definition: Any) -> UUID:
        cycle_id = AppraisalCycle.create_id(definition.get("agency_id", ""), definition.get("year", 0))
        existing = self._find(AppraisalCycle, cycle_id)
        if existing is not None:
            if key and existing.applied_version(key) is not None:
                return cycle_id
            raise WrongStage(f"agency {existing.agency_id} already has a cycle for {existing.year}")
        cycle = AppraisalCycle.define(by, key=key, **definition)
        self._save(cycle)
        return cycle_id

    def cycle(self, cycle_id: UUID) -> AppraisalCycle:
        return self._get(AppraisalCycle, cycle_id, "cycle")

    def cycle_command(
        self, cycle_id: UUID, name: str, /, *, by: Actor, at: datetime, key: str = "", **args: Any
    ) -> Any:
        """Run one cycle command; returns the cycle's version (or calibration warnings)."""
        if name not in (
            "start",
            "add_participant",
            "remove_participant",
            "extend_deadline",
            "set_org_predikat",
            "close",
        ):
            raise InvalidInput("command", f"unknown cycle command {name!r}")
        cycle = self.cycle(cycle_id)
        if key and cycle.applied_version(key) is not None:
            return cycle.applied_version(key)
        method = getattr(cycle, name)
        _check_args(method, args, set())
        with cycle.command(key):
            method(by=by, at=at, **args)
        self._save(cycle)
        return cycle.version

    def calibrate_unit(
        self, cycle_id: UUID, unit_id: str, *, by: Actor, justification: str, at: datetime, key: str = ""
    ) -> list[str]:
        """Count the unit's rated predikat and record the check against the curve."""
        cycle = self.cycle(cycle_id)
        if key and cycle.applied_version(key) is not None:
            return list(cycle.calibrations.get(unit_id, {}).get("warnings", []))
        counts = dict.fromkeys(PREDIKATS, 0)
        for nip, p in cycle.participants.items():
            if p["unit_id"] != unit_id:
                continue
            appraisal = self._find(Appraisal, Appraisal.create_id(cycle_id, nip))
            if appraisal is None or appraisal.predikat is None:
                raise WrongStage(f"{p['name']} ({nip}) of unit {unit_id} is not rated yet: calibrate a whole unit")
            counts[appraisal.predikat] += 1
        with cycle.command(key):
            warnings = cycle.calibrate(by, unit_id, counts, justification, at)
        self._save(cycle)
        return warnings

    def change_supervisor(
        self,
        cycle_id: UUID,
        nip: str,
        *,
        by: Actor,
        appraiser_nip: str,
        atasan_nip: str,
        reason: str,
        at: datetime,
        key: str = "",
    ) -> Outcome:
        """A mutation: the cycle's master data and the running appraisal change together, atomically."""
        cycle = self.cycle(cycle_id)
        appraisal = self.appraisal(Appraisal.create_id(cycle_id, nip))
        if key and appraisal.applied_version(key) is not None:
            return self._replay(appraisal, key)
        with cycle.command(key), appraisal.command(key):
            cycle.change_supervisor(by, nip, appraiser_nip, atasan_nip, reason, at)
            appraisal.reassign_supervisor(by, appraiser_nip, atasan_nip, reason, at)
        self._save(cycle, appraisal)
        return _outcome(appraisal)

    # --- appraisals ---------------------------------------------------------

    def open_appraisal(self, cycle_id: UUID, nip: str, at: datetime) -> Outcome:
        """Open the employee's appraisal; opening it again returns the one already open."""
        return self._open(self.cycle(cycle_id), nip, at)

    def open_appraisals(self, cycle_id: UUID, nips: list[str], at: datetime) -> list[Outcome]:
        """Open several appraisals with one load of the cycle, whose participants may number 10,000."""
        cycle = self.cycle(cycle_id)
        return [self._open(cycle, nip, at) for nip in nips]

    def _open(self, cycle: AppraisalCycle, nip: str, at: datetime) -> Outcome:
        cycle_id = cycle.id
        if cycle.status != STARTED:
            raise WrongStage(f"the cycle is {cycle.status}; appraisals open once it is started")
        if nip not in cycle.participants:
            raise NotFound(f"{nip} does not take part in cycle {cycle_id}")
        appraisal_id = Appraisal.create_id(cycle_id, nip)
        existing = self._find(Appraisal, appraisal_id)
        if existing is not None:
            return _outcome(existing, replayed=True)
        p = cycle.participants[nip]
        appraisal = Appraisal(
            cycle_id=cycle_id,
            employee_nip=nip,
            employee=p,
            appraiser_nip=p["appraiser_nip"],
            atasan_nip=p["atasan_nip"],
            rule_set_id=cycle.rule_set_id,
            time_zone=cycle.time_zone,
            periods=cycle.periods,
            timestamp=at,
        )
        try:
            self._save(appraisal)
        except ConcurrencyConflict:  # opened by a concurrent caller a moment ago
            return _outcome(self.appraisal(appraisal_id), replayed=True)
        return _outcome(appraisal)

    def appraisal(self, appraisal_id: UUID, version: int | None = None) -> Appraisal:
        return self._get(Appraisal, appraisal_id, "appraisal", version)

    def command(
        self, appraisal_id: UUID, name: str, *, by: Actor | None, at: datetime, key: str = "", **args: Any
    ) -> Outcome:
        """Run one appraisal command by name, at most once per idempotency key."""
        if name not in APPRAISAL_COMMANDS:
            raise InvalidInput("command", f"unknown appraisal command {name!r}")
        appraisal = self.appraisal(appraisal_id)
        if key and appraisal.applied_version(key) is not None:
            return self._replay(appraisal, key)
        method = getattr(appraisal, name)
        context = self._context(appraisal, method, by)
        _check_args(method, args, set(context))
        if "by" in inspect.signature(method).parameters:
            require(by is not None, "this action needs an authenticated actor")
            context["by"] = by
        with appraisal.command(key):
            method(at=at, **args, **context)
        self._save(appraisal)
        return _outcome(appraisal)

    def superior_rhk(self, appraisal: Appraisal, cycle: AppraisalCycle | None = None) -> list[dict[str, Any]] | None:
        """The appraiser's RHK in the same cycle, which the employee's RHK utama support.

        None when the appraiser takes no part in the cycle (the top of the chain: nothing
        cascades); empty while the appraiser has drafted nothing.
        """
        cycle = cycle or self.cycle(appraisal.cycle_id)
        if appraisal.appraiser_nip not in cycle.participants:
            return None
        found = self._find(Appraisal, Appraisal.create_id(cycle.id, appraisal.appraiser_nip))
        return list(found.rhk) if found is not None else []

    def _context(self, appraisal: Appraisal, method: Callable[..., Any], by: Actor | None) -> dict[str, Any]:
        wanted = CONTEXT_ARGS & set(inspect.signature(method).parameters)
        if not wanted:
            return {}
        cycle = self.cycle(appraisal.cycle_id)
        unit = appraisal.employee["unit_id"]
        context: dict[str, Any] = {}
        if "superior_rhk_ids" in wanted:
            superior = self.superior_rhk(appraisal, cycle)
            context["superior_rhk_ids"] = None if superior is None else [r["id"] for r in superior]
        if "peer_unit" in wanted:
            peer = cycle.participants.get(by.nip) if by else None
            context["peer_unit"] = peer["unit_id"] if peer else None
        if "org_predikat" in wanted:
            context["org_predikat"] = cycle.org_predikat.get(unit)
        if "calibrated" in wanted:
            context["calibrated"] = unit in cycle.calibrations
        return context

    # --- persistence --------------------------------------------------------

    def _save(self, *aggregates: KinerjaAggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            names = ", ".join(f"{type(a).__name__} {a.id}" for a in aggregates)
            raise ConcurrencyConflict(f"{names} was changed by another command first; reload and retry") from None

    def _replay(self, appraisal: Appraisal, key: str) -> Outcome:
        version = appraisal.applied_version(key)
        return _outcome(self.appraisal(appraisal.id, version), replayed=True)

    def _get(self, cls: type[A], aggregate_id: UUID, what: str, version: int | None = None) -> A:
        try:
            aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"no {what} {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"{aggregate_id} is not a{'n' if what[0] in 'aeiou' else ''} {what}")
        return aggregate

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            return self._get(cls, aggregate_id, cls.__name__)
        except NotFound:
            return None


def _outcome(appraisal: Appraisal, replayed: bool = False) -> Outcome:
    return Outcome(
        appraisal.id, appraisal.version, appraisal.stage, appraisal.pending_task(), appraisal.predikat, replayed
    )


def _check_args(method: Callable[..., Any], args: dict[str, Any], supplied: set[str]) -> None:
    """Name the unknown or missing argument instead of failing with a TypeError."""
    params = inspect.signature(method).parameters
    accepted = set(params) - {"self", "by", "at"} - supplied
    for name in args:
        if name not in accepted:
            raise InvalidInput(name, f"is not an argument of {method.__name__}")
    for name in accepted - set(args):
        if params[name].default is inspect.Parameter.empty:
            raise InvalidInput(name, f"is required by {method.__name__}")
