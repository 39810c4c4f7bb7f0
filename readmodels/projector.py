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
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from domain.organisation import Agency
from readmodels.rows import Group, project_agency, project_appraisal, project_cycle, refresh_counts
from readmodels.tables import READ_TABLES, metadata, projection_tracking

log = logging.getLogger(__name__)
_CREATING = threading.Lock()
PROJECTED = {get_topic(AppraisalCycle), get_topic(Appraisal), get_topic(Agency)}


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


class Projector:
    """Appraisal and cycle events -> cycles, appraisals, inbox, progress, distribution and trends."""

    name = "appraisals"

    def __init__(self, app: Appraisals, engine: sa.Engine, batch_size: int = 200) -> None:
        self.app, self.engine, self.batch_size = app, engine, batch_size
        self._tables_ready = False

    # --- the two entry points ---------------------------------------------

    def catch_up(self) -> int:
        """Apply every notification after the tracked position; returns how many this call applied."""
        self.ensure_tables()
        total, more = 0, True
        while more:
            done, more = self._step()
            total += done
        return total

    def rebuild(self) -> int:
        """Drop the read tables, recreate them and replay the whole log from zero."""
        self.ensure_tables()
        with self.engine.begin() as conn:
            self._lock(conn)  # a concurrent catch_up waits, then resumes from zero
            metadata.drop_all(conn, tables=list(READ_TABLES))
            metadata.create_all(conn, tables=list(READ_TABLES))
            conn.execute(self._tracking().values(last_notification_id=0))
        return self.catch_up()

    def position(self) -> int:
        self.ensure_tables()
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(projection_tracking.c.last_notification_id).where(
                        projection_tracking.c.projection == self.name
                    )
                ).scalar_one()
            )

    def ensure_tables(self) -> None:
        if self._tables_ready:
            return
        with _CREATING:  # threads of one process take turns; other processes are retried below
            for attempt in range(5):
                try:
                    metadata.create_all(self.engine, checkfirst=True)
                    break
                except sa.exc.DatabaseError:  # another process created a table between check and create
                    if attempt == 4:
                        raise
                    time.sleep(0.1)
        try:
            with self.engine.begin() as conn:
                conn.execute(projection_tracking.insert().values(projection=self.name, last_notification_id=0))
        except sa.exc.IntegrityError:
            pass  # the row exists: another process, or an earlier run, created it
        self._tables_ready = True

    # --- one batch, one transaction ---------------------------------------

    def _step(self) -> tuple[int, bool]:
        """Apply one batch; returns how many notifications it applied and whether more may follow.

        The batch and the aggregates are read BEFORE the transaction opens, so no lock of the
        read models is held while waiting on the event store; the position is checked again
        under the lock, and a batch another projector applied meanwhile is dropped, not doubled.
        """
        position = self.position()
        notifications = self.app.recorder.select_notifications(position + 1, self.batch_size)
        if not notifications:
            return 0, False
        aggregates = self.load(notifications)
        with self.engine.begin() as conn:
            if self._lock(conn) != position:
                return 0, True  # raced: read again from the other projector's position
            self.apply(conn, aggregates)
            conn.execute(self._tracking().values(last_notification_id=notifications[-1].id))
        return len(notifications), len(notifications) == self.batch_size

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

    def load(self, notifications: Sequence[Notification]) -> list[Aggregate]:
        """Each cycle and appraisal the batch touched, at the last version the batch holds."""
        latest: dict[UUID, int] = {}
        for n in notifications:
            if n.topic.rpartition(".")[0] in PROJECTED:
                latest[UUID(str(n.originator_id))] = (
                    n.originator_version
                )  # keeps first-seen order: cycles before appraisals
        return [self.app.repository.get(aggregate_id, version=version) for aggregate_id, version in latest.items()]

    def apply(self, conn: sa.Connection, aggregates: list[Aggregate]) -> None:
        groups: list[Group] = []
        for aggregate in aggregates:
            if isinstance(aggregate, AppraisalCycle):
                project_cycle(conn, aggregate)
            elif isinstance(aggregate, Appraisal):
                groups.append(project_appraisal(conn, aggregate))
            elif isinstance(aggregate, Agency):
                project_agency(conn, aggregate)
        refresh_counts(conn, groups)


def run(projector: Projector, stop: threading.Event, every_seconds: float = 1.0) -> None:
    """The background loop: catch up, wait, again; an error is logged and retried, never lost."""
    while not stop.is_set():
        try:
            projector.catch_up()
        except Exception:
            log.exception("projection %s failed; retrying in %ss", projector.name, every_seconds)
        stop.wait(every_seconds)
