"""The projector: follows the application's notification log into the read-model tables.

Exactly once: a batch of notifications after the tracked position is read, then
ONE transaction of the read-model database (1) locks this projection's tracking
row, (2) checks the position is still the one the batch follows, (3) applies the
batch and (4) writes the new position. A crash anywhere rolls back rows and
position together; a second projector (another API replica, the background loop)
waits on the row lock, sees the position moved and drops its stale batch.
The event store is only read, so the read models may live in the event store's
database (the default) or in another one.

Why in order is enough: the event store hands out notification ids in commit
order (SQLite serialises writers; eventsourcing-sqlalchemy locks the events table
on PostgreSQL), so nothing can appear later below the tracked position.

Events, not reloads: each stored event is decoded once and applied to the projector's working set
(readmodels/working_set.py), which holds the aggregates it follows in memory; rows are written per
batch with batched SQL and the counts move by deltas (readmodels/rows.py). It runs as its own loop
(`run`, `kinerja projections run`), never inside a request: a request that must see its write waits
for the position (services/readside.py).

Never frozen: a batch one aggregate's rows spoil is applied aggregate by aggregate and the failing
one is recorded and retried later (readmodels/projection_failures.py), while the position goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Sequence
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, Notification
from eventsourcing.utils import get_topic

from domain.acting_facts import ActingFacts
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.appraisal_events import TOPICS as APPRAISAL_EVENTS_ELSEWHERE
from domain.cycle import AppraisalCycle
from domain.opening import CycleRunning
from domain.organisation import Agency
from domain.transfer import Transfer
from readmodels.projection_failures import POISON, TRANSIENT, FailureRecords, Loaded, describe
from readmodels.rows import (
    Deltas,
    cycle_facts,
    project_agency,
    project_appraisal,
    project_cycle,
    project_running,
    write_appraisals,
)
from readmodels.tables import READ_TABLES, metadata, projection_failures, projection_tracking
from readmodels.transfer_rows import project_transfer
from readmodels.wakeup import SqliteChanges, changes_of, wait_for_change
from readmodels.working_set import WorkingSet

log = logging.getLogger(__name__)
_CREATING = threading.Lock()
# An appraisal's acting heads' events are stored under their own module's class (domain/acting_facts.py).
PROJECTED = {
    get_topic(AppraisalCycle),
    get_topic(Appraisal),
    get_topic(ActingFacts),
    get_topic(Agency),
    get_topic(CycleRunning),
    get_topic(Transfer),
}


def make_engine(url: str) -> sa.Engine:
    """An engine for the read models; on SQLite it waits for a writer instead of failing, in WAL mode."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    # WAL (as the event store sets it): screens read while the projector writes. Set here, before
    # any lock is taken, since switching the journal mode needs the file to itself.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    return engine


def create_tables(engine: sa.Engine, tables: sa.MetaData, only: Sequence[sa.Table] | None = None) -> None:
    """Create what is missing; several processes may start together on an empty database."""
    with _CREATING:  # threads of one process take turns; other processes are retried below
        for attempt in range(5):
            try:
                tables.create_all(engine, tables=only, checkfirst=True)
                return
            except sa.exc.DatabaseError:  # another process created a table between check and create
                if attempt == 4:
                    raise
                time.sleep(0.1)


class Projector(FailureRecords):
    """Appraisal and cycle events -> cycles, appraisals, inbox, progress, distribution and trends.

    `log` is the notification log it follows (the application's recorder unless given: one partition's,
    say) and `name` its tracking row, so one projector may run per log, each at its own position.
    """

    name = "appraisals"

    def __init__(
        self,
        app: Appraisals,
        engine: sa.Engine,
        batch_size: int = 200,
        *,
        name: str | None = None,
        log: ApplicationRecorder | None = None,
        rebuild_batch_size: int = 10_000,
        working_set_size: int = 20_000,
    ) -> None:
        self.app, self.engine, self.batch_size = app, engine, batch_size
        self.name = name or self.name
        self.log = log if log is not None else app.recorder
        self.rebuild_batch_size = rebuild_batch_size
        self.working_set = WorkingSet(app.mapper, self._load_one, working_set_size)
        self._tables_ready = False
        # The last failure of a whole catch-up (the connection, say), until a catch-up succeeds again.
        self.last_error: dict[str, str] | None = None
        self.known_position = 0  # the last position this process saw (read, or moved itself)
        self.wake = threading.Event()  # set by a reader waiting for a write: the loop catches up at once
        self.applied = 0  # notifications applied by this process (metrics)

    # --- the entry points ---------------------------------------------------

    def catch_up(self, until: int | None = None, batch_size: int | None = None, *, grow: bool = False) -> int:
        """Apply every notification after the tracked position (up to `until`); returns how many it applied.

        Without `until`, the failed aggregates whose retry time has come are retried afterwards.
        `grow` (the projector's loop): while full batches keep coming, i.e. the projector is behind, each
        batch is twice the last, up to `rebuild_batch_size`. A record touched by several events of a batch
        is written once, so a projector behind by thousands of interleaved events catches up several times
        faster; at the head, batches are `batch_size` again.
        """
        self.ensure_tables()
        first = batch_size or self.batch_size
        total, more, size = 0, True, first
        while more:
            done, more = self._step(until, size)
            total += done
            if grow:
                size = min(size * 2, max(self.rebuild_batch_size, first)) if more and done else first
        if until is None:
            self.retry_failures()
        return total

    def rebuild(self) -> int:
        """Drop the read tables, recreate them and replay the whole log from zero, in large batches."""
        self.ensure_tables()
        with self.engine.begin() as conn:
            self._lock(conn)  # a concurrent catch_up waits, then resumes from zero
            metadata.drop_all(conn, tables=list(READ_TABLES))
            metadata.create_all(conn, tables=list(READ_TABLES))
            conn.execute(projection_failures.delete().where(projection_failures.c.projection == self.name))
            conn.execute(self._tracking().values(last_notification_id=0))
        return self._replay(None, empty=True)

    def replay(self, until: int | None = None) -> int:
        return self._replay(until, empty=False)

    def _replay(self, until: int | None, empty: bool) -> int:
        """From the tracked position (zero, in a rebuild) to the head (or `until`): the log read `rebuild_batch_size`
        notifications at a time and folded into the working set, each touched aggregate's rows written
        once, when the log is read (or when as many aggregates as the working set holds wait to be
        written): one transaction, one statement per table, the counts summed once. Rows are a function
        of the aggregate's state, so this writes what batch after batch would have written. Should
        another projector move the position meanwhile, what was folded is dropped and catch_up goes on
        from there. `empty`: the read tables were just created, so a record's first write has no old rows
        to read back or delete."""
        self.ensure_tables()
        position = self.position()
        if until is not None and position >= until:
            return 0
        last, total, read = position, 0, 0
        waiting: dict[UUID, Loaded] = {}  # first-seen order, each aggregate at the last version read
        written: set[UUID] = set()
        while True:
            notifications = self.log.select_notifications(last + 1, self.rebuild_batch_size, stop=until)
            for loaded in self.load_batch(notifications):
                waiting[loaded.aggregate_id] = loaded
            if notifications:
                last, read = notifications[-1].id, read + len(notifications)
            done = len(notifications) < self.rebuild_batch_size
            if last > position and (done or len(waiting) >= self.working_set.size):
                new = {i for i in waiting if i not in written} if empty else set()
                if not self._commit(position, last, list(waiting.values()), new):
                    self.working_set.forget()
                    return total + self.catch_up(until)
                self.applied += read
                total, position, read = total + read, last, 0
                written.update(waiting)
                waiting.clear()
            if done:
                break
        return total + self.catch_up(until)

    def snapshot(self, tables: Sequence[sa.Table]) -> tuple[int, dict[str, list[dict[str, Any]]]]:
        """The position and every row of `tables`, read under the projector's lock: no batch lands in between."""
        positions, rows = snapshot([self], tables)
        return positions[self.name], rows

    def position(self) -> int:
        self.ensure_tables()
        with self.engine.connect() as conn:
            found = int(
                conn.execute(
                    sa.select(projection_tracking.c.last_notification_id).where(
                        projection_tracking.c.projection == self.name
                    )
                ).scalar_one()
            )
        self._moved_to(found)
        return found

    def head(self) -> int:
        """The last notification id of the log this projector follows."""
        return int(self.log.max_notification_id() or 0)

    def ensure_tables(self) -> None:
        if self._tables_ready:
            return
        create_tables(self.engine, metadata)
        try:
            with self.engine.begin() as conn:
                conn.execute(projection_tracking.insert().values(projection=self.name, last_notification_id=0))
        except sa.exc.IntegrityError:
            pass  # the row exists: another process, or an earlier run, created it
        self._tables_ready = True

    # --- one batch, one transaction ---------------------------------------

    def _step(self, until: int | None, batch_size: int) -> tuple[int, bool]:
        """Apply one batch; returns how many notifications it applied and whether more may follow.

        The batch is read and its events applied to the working set BEFORE the transaction opens, so
        no lock of the read models is held while waiting on the event store; the position is checked
        again under the lock, and a batch another projector applied meanwhile is dropped, not doubled.
        The batch is applied whole in a savepoint; if one aggregate's rows fail (POISON), it is
        applied again aggregate by aggregate, recording each failure, and the position moves on.
        """
        position = self.position()
        if until is not None and position >= until:
            return 0, False
        notifications = self.log.select_notifications(position + 1, batch_size, stop=until)
        if not notifications:
            return 0, False
        batch = self.load_batch(notifications)
        if not self._commit(position, notifications[-1].id, batch):
            return 0, True  # raced: read again from the other projector's position
        last = notifications[-1].id
        self.applied += len(notifications)
        return len(notifications), len(notifications) == batch_size and (until is None or last < until)

    def _commit(self, position: int, last: int, batch: list[Loaded], new: Collection[UUID] = ()) -> bool:
        """Apply `batch` (the aggregates of the notifications after `position` up to `last`) and move the
        position to `last`, in one transaction; False if another projector moved the position first.
        `new`: records known to have no rows yet (see `apply`)."""
        with self.engine.begin() as conn:
            if self._lock(conn) != position:
                return False
            good = [b for b in batch if b.aggregate is not None]
            try:
                with conn.begin_nested():
                    self.apply(conn, [b.aggregate for b in good if b.aggregate is not None], new=new)
                self._healed(conn, good)
            except POISON as e:
                log.warning("projection %s: a batch failed (%s); applying it aggregate by aggregate", self.name, e)
                for loaded in good:
                    self._apply_alone(conn, loaded)
            for loaded in batch:
                if loaded.aggregate is None:
                    self._failed(conn, loaded, loaded.error)
            conn.execute(self._tracking().values(last_notification_id=last))
        self._moved_to(last)
        return True

    def _moved_to(self, position: int) -> None:
        self.known_position = position

    def _lock(self, conn: sa.Connection) -> int:
        # A write first: it takes the row lock on PostgreSQL and the write lock on SQLite
        # before anything is read, so two projectors never apply the same batch.
        touched = conn.execute(self._tracking().values(last_notification_id=projection_tracking.c.last_notification_id))
        if touched.rowcount != 1:
            raise RuntimeError(f"projection {self.name!r} has no tracking row; run ensure_tables()")
        return int(
            conn.execute(
                sa.select(projection_tracking.c.last_notification_id).where(
                    projection_tracking.c.projection == self.name
                )
            ).scalar_one()
        )

    def _tracking(self) -> Any:
        return projection_tracking.update().where(projection_tracking.c.projection == self.name)

    def load_batch(self, notifications: Sequence[Notification]) -> list[Loaded]:
        """Each aggregate the batch touched (first-seen order: cycles before their appraisals), at the last
        version the batch holds (readmodels/working_set.py); one that cannot be had carries its error instead."""
        return self.working_set.advance(notifications, projected)

    def _load_one(self, aggregate_id: UUID, version: int | None, notification_id: int, topic: str) -> Loaded:
        """One aggregate read from the event store (a retry, or one the working set does not hold)."""
        try:
            aggregate: Aggregate = self.app.repository.get(aggregate_id, version=version)
        except TRANSIENT:
            raise
        except Exception as e:  # noqa: BLE001 - a record that cannot be rebuilt is recorded, not fatal
            return Loaded(aggregate_id, version or 0, notification_id, topic, None, describe(e))
        return Loaded(aggregate_id, aggregate.version, notification_id, topic, aggregate)

    def apply(self, conn: sa.Connection, aggregates: list[Aggregate], new: Collection[UUID] = ()) -> None:
        """Write the rows of a batch's aggregates: cycles and agencies first (appraisals read their cycle's
        rows), then the appraisals in one go, then which workflows run; then the counts, once. Appraisals
        in `new` have no rows yet (a rebuild's first write): none are read back or deleted for them."""
        deltas = Deltas()
        for aggregate in aggregates:
            if isinstance(aggregate, AppraisalCycle):
                project_cycle(conn, aggregate)
            elif isinstance(aggregate, Agency):
                project_agency(conn, aggregate)
            elif isinstance(aggregate, Transfer):
                project_transfer(conn, aggregate)
        found = [a for a in aggregates if isinstance(a, Appraisal)]
        facts = cycle_facts(conn, (str(a.cycle_id) for a in found))
        rows = [project_appraisal(a, facts[str(a.cycle_id)]) for a in found]
        write_appraisals(conn, rows, deltas, new={str(i) for i in new})
        # After the appraisals: a batch may hold a page's records and, later, the fact that they run.
        for aggregate in aggregates:
            if isinstance(aggregate, CycleRunning):
                project_running(conn, aggregate, deltas)
        deltas.flush(conn)


def snapshot(
    projectors: Sequence[Projector], tables: Sequence[sa.Table], engine: sa.Engine | None = None
) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """Each projector's position and every row of `tables`, read in one transaction of their read-model
    database (`engine`, when there are none) under every projector's lock (taken in the order of their
    names): no batch of any of them lands in between. The projectors of one store share one database."""
    engine = projectors[0].engine if projectors else engine
    if engine is None:
        raise ValueError("a snapshot needs a projector or an engine")
    create_tables(engine, metadata)
    for projector in projectors:
        projector.ensure_tables()
    with engine.begin() as conn:
        positions = {p.name: p._lock(conn) for p in sorted(projectors, key=lambda p: p.name)}
        return positions, {t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in tables}


def projected(topic: str) -> bool:
    """Whether the projector follows events of this topic (#15's appraisal events live in their own modules)."""
    return topic.rpartition(".")[0] in PROJECTED or topic in APPRAISAL_EVENTS_ELSEWHERE


def run(projector: Projector, stop: threading.Event, every_seconds: float = 1.0, most_seconds: float = 60.0) -> None:
    """The projector's own loop (a thread of the API, or `kinerja projections run`): catch up, then wait
    `every_seconds` or until a reader nudges it (`projector.wake`), again. A failed catch-up (the database
    gone, say) is logged, kept as the projector's last error (status()) and retried after a delay that
    doubles up to a minute. Set `stop` (and `wake`, to end the wait at once) to end it. On SQLite, the idle
    wait also ends when another connection commits to the log's file (readmodels/wakeup.py)."""
    changed = changes_of(getattr(getattr(projector.log, "datastore", None), "engine", None))
    try:
        _run(projector, stop, every_seconds, most_seconds, changed)
    finally:
        if changed is not None:
            changed.close()


def _run(
    projector: Projector,
    stop: threading.Event,
    every_seconds: float,
    most_seconds: float,
    changed: SqliteChanges | None,
) -> None:
    failures = 0
    while not stop.is_set():
        projector.wake.clear()  # a nudge from now on calls for another round
        try:
            projector.catch_up(grow=True)
        except Exception as e:
            failures += 1
            wait = min(every_seconds * 2**failures, most_seconds)
            projector.last_error = {"at": datetime.now(timezone.utc).isoformat(), "error": describe(e)}
            log.exception("projection %s failed; retrying in %.1fs", projector.name, wait)
            stop.wait(wait)
            continue
        failures, projector.last_error = 0, None
        wait_for_change(projector.wake, changed, every_seconds)
