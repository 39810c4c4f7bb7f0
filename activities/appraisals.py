"""Thin adapters from Temporal to the Appraisals application: one dataclass in, plain data out.

Every write carries an idempotency key chosen by the workflow (workflow id + update id, or
workflow id + timer), so a retried activity returns the outcome it already produced and
writes nothing (`Outcome.replayed`). A broken business rule fails fast and is not retried; a
concurrency conflict is retried, and the retry reloads the aggregate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import Actor
from domain.errors import ConcurrencyConflict, DomainError, NotFound

# Arguments of appraisal commands that are instants; they travel as ISO strings.
INSTANT_ARGS = ("due",)
NOT_OPENED = "not_opened"


@dataclass
class AppraisalCommand:
    """One appraisal command by name, as `Appraisals.command` takes it."""

    appraisal_id: str
    name: str
    actor_nip: str
    actor_roles: list[str]
    at_iso: str
    key: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class CycleCommand:
    """One cycle command by name (`Appraisals.cycle_command`), or `calibrate_unit`."""

    cycle_id: str
    name: str
    actor_nip: str
    actor_roles: list[str]
    at_iso: str
    key: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class SupervisorChange:
    """A mutation: the employee's appraiser (and the appraiser's superior) change mid-cycle."""

    cycle_id: str
    nip: str
    actor_nip: str
    actor_roles: list[str]
    appraiser_nip: str
    atasan_nip: str
    reason: str
    at_iso: str
    key: str


@dataclass
class AppraisalView:
    """What the workflow needs to keep time for one appraisal."""

    stage: str
    pending: dict[str, str] | None
    version: int
    employee_nip: str
    appraiser_nip: str
    atasan_nip: str
    check_ins: list[str]
    keberatan_deadline: str | None
    keberatan_decision_due: str | None
    keberatan_escalated: bool


class AppraisalActivities:
    """Temporal in, one application command, plain data out."""

    def __init__(self, app: Appraisals) -> None:
        self.app = app

    @activity.defn
    def run_appraisal_command(self, cmd: AppraisalCommand) -> dict[str, Any]:
        args = {
            k: (datetime.fromisoformat(v) if k in INSTANT_ARGS and isinstance(v, str) else v)
            for k, v in cmd.args.items()
        }
        with domain_errors_fail_fast():
            outcome = self.app.command(
                UUID(cmd.appraisal_id),
                cmd.name,
                by=actor(cmd.actor_nip, cmd.actor_roles),
                at=datetime.fromisoformat(cmd.at_iso),
                key=cmd.key,
                **args,
            )
        return outcome.as_dict()

    @activity.defn
    def run_cycle_command(self, cmd: CycleCommand) -> Any:
        by, at = actor(cmd.actor_nip, cmd.actor_roles), datetime.fromisoformat(cmd.at_iso)
        with domain_errors_fail_fast():
            if cmd.name == "calibrate_unit":
                return self.app.calibrate_unit(UUID(cmd.cycle_id), by=by, at=at, key=cmd.key, **cmd.args)
            return self.app.cycle_command(UUID(cmd.cycle_id), cmd.name, by=by, at=at, key=cmd.key, **cmd.args)

    @activity.defn
    def change_supervisor(self, cmd: SupervisorChange) -> dict[str, Any]:
        with domain_errors_fail_fast():
            outcome = self.app.change_supervisor(
                UUID(cmd.cycle_id),
                cmd.nip,
                by=actor(cmd.actor_nip, cmd.actor_roles),
                appraiser_nip=cmd.appraiser_nip,
                atasan_nip=cmd.atasan_nip,
                reason=cmd.reason,
                at=datetime.fromisoformat(cmd.at_iso),
                key=cmd.key,
            )
        return outcome.as_dict()

    @activity.defn
    def read_appraisal(self, appraisal_id: str) -> AppraisalView:
        with domain_errors_fail_fast():
            a = self.app.appraisal(UUID(appraisal_id))
        keberatan = a.keberatan or {}
        due = keberatan.get("decision_due")
        return AppraisalView(
            stage=a.stage,
            pending=a.pending_task(),
            version=a.version,
            employee_nip=a.employee_nip,
            appraiser_nip=a.appraiser_nip,
            atasan_nip=a.atasan_nip,
            check_ins=sorted(a.check_ins),
            keberatan_deadline=a.keberatan_deadline.isoformat() if a.keberatan_deadline else None,
            keberatan_decision_due=due.isoformat() if due else None,
            keberatan_escalated=bool(keberatan.get("escalated")),
        )

    @activity.defn
    def read_cycle(self, cycle_id: str) -> dict[str, Any]:
        """The cycle's status, size, and each named deadline as the UTC instant it ends."""
        with domain_errors_fail_fast():
            cycle = self.app.cycle(UUID(cycle_id))
            deadlines = {name: cycle.deadline(name).isoformat() for name in cycle.deadlines}
        return {"status": cycle.status, "participants": len(cycle.participants), "deadlines": deadlines}

    @activity.defn
    def count_stages(self, cycle_id: str) -> dict[str, Any]:
        """How many of the cycle's participants are at each stage, read from the domain log."""
        with domain_errors_fail_fast():
            cycle = self.app.cycle(UUID(cycle_id))
        counts: dict[str, int] = {}
        for i, nip in enumerate(sorted(cycle.participants)):
            try:
                stage = self.app.appraisal(Appraisal.create_id(cycle.id, nip)).stage
            except NotFound:
                stage = NOT_OPENED
            counts[stage] = counts.get(stage, 0) + 1
            if i % 500 == 499:
                activity.heartbeat(i)
        return {"status": cycle.status, "participants": len(cycle.participants), "stages": counts}


def actor(nip: str, roles: list[str]) -> Actor:
    return Actor(nip, tuple(roles))


@contextmanager
def domain_errors_fail_fast() -> Iterator[None]:
    """Retrying a broken business rule never helps, so don't; a lost race is worth a retry."""
    try:
        yield
    except ConcurrencyConflict as e:
        raise ApplicationError(str(e), type=type(e).__name__) from e
    except DomainError as e:
        raise ApplicationError(str(e), type=type(e).__name__, non_retryable=True) from e
