"""A projection's failed aggregates: recorded with their error, skipped, retried, reported.

Never frozen (finding 5 of #8): one NUL in a name, written before the text rules
existed, made PostgreSQL refuse the batch, and the projector retried that batch
for ever while every inbox and dashboard stood still. Two kinds of failure are
now told apart. A failure of the database connection (OperationalError and
kin) may pass: the batch is retried whole, with backoff, and nothing is skipped.
A failure of one aggregate's rows (a value the database refuses, a row the code
cannot build) fails the same way on every retry, so retrying the batch would
freeze everything behind it: the batch is applied again aggregate by aggregate,
each in a savepoint; the failing one is recorded in rm_projection_failures (its
event, version and error) and left at its last good rows, and the others and the
position go on. A failed aggregate is projected again whenever a later event of
it arrives, and retried on its own with a growing delay, so a fix in the code
heals it without a rebuild. `status()` says how far the read models are behind
and what failed last (/health and the HR dashboard show it).

`FailureRecords` is mixed into the Projector (readmodels/projector.py).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing import persistence
from eventsourcing.domain import Aggregate

from domain.application import Appraisals
from domain.text import scrub
from readmodels.rows import among
from readmodels.tables import appraisals, cycles, projection_failures

log = logging.getLogger("readmodels.projector")  # the projector's log, as before the split
# Failures the connection may cure: the batch is retried whole (with backoff), nothing is skipped.
# Loading a record goes through eventsourcing's recorder, which re-raises SQLAlchemy's as its own classes.
TRANSIENT = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
    persistence.OperationalError,
    persistence.InterfaceError,
)
# Failures of one aggregate's rows that recur on every retry: that aggregate is recorded and skipped.
POISON = (
    sa.exc.DataError,
    sa.exc.IntegrityError,
    sa.exc.ProgrammingError,
    sa.exc.NoResultFound,
    sa.exc.MultipleResultsFound,
    LookupError,
    ValueError,
    TypeError,
    AttributeError,
)
FIRST_RETRY, LAST_RETRY = timedelta(seconds=10), timedelta(hours=1)


def summary(
    head: int, position: int, failing: int, last: Mapping[Any, Any] | None, loop_error: dict[str, str] | None
) -> dict[str, Any]:
    """A projection's status: how far behind its log, how many aggregates failed, the newer of its newest failed
    aggregate (`last`, a row of rm_projection_failures) and its loop's last failure of a whole catch-up."""
    last_error: dict[str, Any] | None = None
    if last is not None:
        last_error = {
            "at": last["failed_at"].isoformat(),
            "aggregate_id": last["aggregate_id"],
            "version": last["version"],
            "notification_id": last["notification_id"],
            "error": last["error"],
            "attempts": last["attempts"],
        }
    if loop_error is not None and (last_error is None or loop_error["at"] > last_error["at"]):
        last_error = dict(loop_error)
    return {
        "ok": failing == 0 and loop_error is None,
        "position": position,
        "head": head,
        "behind": max(head - position, 0),
        "failing_aggregates": failing,
        "last_error": last_error,
    }


@dataclass(frozen=True)
class Loaded:
    """An aggregate of a batch, at the last version the batch holds, and that event's notification id."""

    aggregate_id: UUID
    version: int
    notification_id: int
    topic: str
    aggregate: Aggregate | None = None
    error: str = ""


def describe(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return scrub(f"{type(cause).__name__}: {str(cause).strip()}", 1000)


class FailureRecords:
    """The Projector's record of the aggregates it could not project, and of how far it is behind."""

    name: str
    app: Appraisals
    engine: sa.Engine
    last_error: dict[str, str] | None

    def status(self, agencies: Collection[str] | None = None) -> dict[str, Any]:
        """How far the read models are behind the log, how many aggregates failed, and the last error. With
        `agencies`, only the failures of their records (an appraisal or a cycle whose read-model row names one
        of them: HR of one agency reads no other agency's record ids or errors); a failure of the whole
        catch-up (the connection, say) concerns every agency and stays."""
        self.ensure_tables()
        head = self.head()
        position = self.position()
        f = projection_failures
        with self.engine.connect() as conn:
            mine = f.c.projection == self.name
            if agencies is not None:
                named = sorted(agencies)
                mine &= f.c.aggregate_id.in_(
                    sa.select(appraisals.c.appraisal_id).where(appraisals.c.agency_id.in_(named))
                ) | f.c.aggregate_id.in_(sa.select(cycles.c.cycle_id).where(cycles.c.agency_id.in_(named)))
            failing = int(conn.execute(sa.select(sa.func.count()).select_from(f).where(mine)).scalar_one())
            last = conn.execute(sa.select(f).where(mine).order_by(f.c.failed_at.desc()).limit(1)).mappings().first()
        return summary(head, position, failing, last, self.last_error)

    def failures(self) -> list[dict[str, Any]]:
        """Every aggregate whose projection failed, oldest first."""
        self.ensure_tables()
        f = projection_failures
        query = sa.select(f).where(f.c.projection == self.name).order_by(f.c.failed_at, f.c.aggregate_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def retry_failures(self, now: datetime | None = None) -> int:
        """Project again each failed aggregate whose retry time has come; returns how many now succeeded."""
        now = now or datetime.now(timezone.utc)
        f = projection_failures
        due = sa.select(f).where(f.c.projection == self.name, f.c.retry_at <= now).order_by(f.c.retry_at)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(due).mappings()]
        healed = 0
        for row in rows:
            loaded = self._load_one(UUID(row["aggregate_id"]), None, row["notification_id"], row["topic"])
            with self.engine.begin() as conn:
                self._lock(conn)
                if not self._still_failing(conn, row):
                    continue  # a batch projected it (or it failed again) since it was loaded: this load may be older
                if loaded.aggregate is not None and self._apply_alone(conn, loaded):
                    healed += 1
        return healed

    def _still_failing(self, conn: sa.Connection, row: dict[str, Any]) -> bool:
        """The failure as the retry read it, unchanged (read under the projector's lock)."""
        f = projection_failures
        now = conn.execute(
            sa.select(f.c.notification_id, f.c.attempts).where(
                f.c.projection == self.name, f.c.aggregate_id == row["aggregate_id"]
            )
        ).first()
        return now is not None and (now.notification_id, now.attempts) == (row["notification_id"], row["attempts"])

    def _apply_alone(self, conn: sa.Connection, loaded: Loaded) -> bool:
        """One aggregate in its own savepoint; a failure is recorded and the transaction goes on."""
        assert loaded.aggregate is not None
        try:
            with conn.begin_nested():
                self.apply(conn, [loaded.aggregate])
        except POISON as e:
            self._failed(conn, loaded, describe(e))
            return False
        self._healed(conn, [loaded])
        return True

    def _failed(self, conn: sa.Connection, loaded: Loaded, error: str) -> None:
        log.error(
            "projection %s: %s %s (version %s, notification %s) cannot be projected: %s",
            self.name,
            loaded.topic.rpartition(":")[2] or "aggregate",
            loaded.aggregate_id,
            loaded.version,
            loaded.notification_id,
            error,
        )
        f = projection_failures
        key = sa.and_(f.c.projection == self.name, f.c.aggregate_id == str(loaded.aggregate_id))
        attempts = conn.execute(sa.select(f.c.attempts).where(key)).scalar() or 0
        now = datetime.now(timezone.utc)
        row = {
            "notification_id": loaded.notification_id,
            "version": loaded.version,
            "topic": loaded.topic[:300],
            "error": error,
            "attempts": attempts + 1,
            "failed_at": now,
            "retry_at": now + min(FIRST_RETRY * 2**attempts, LAST_RETRY),
        }
        if attempts:
            conn.execute(f.update().where(key).values(**row))
        else:
            conn.execute(f.insert().values(projection=self.name, aggregate_id=str(loaded.aggregate_id), **row))

    def _healed(self, conn: sa.Connection, loaded: Sequence[Loaded]) -> None:
        """Aggregates projected now are no longer failing."""
        ids = [str(b.aggregate_id) for b in loaded]
        f = projection_failures
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            conn.execute(f.delete().where(f.c.projection == self.name, among(conn, f.c.aggregate_id, part)))

    if TYPE_CHECKING:  # the Projector's own (readmodels/projector.py)

        def ensure_tables(self) -> None: ...
        def position(self) -> int: ...
        def head(self) -> int: ...
        def apply(self, conn: sa.Connection, aggregates: list[Aggregate]) -> None: ...
        def _lock(self, conn: sa.Connection) -> int: ...
        def _load_one(self, aggregate_id: UUID, version: int | None, notification_id: int, topic: str) -> Loaded: ...
