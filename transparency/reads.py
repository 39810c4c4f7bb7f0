"""One record's rows read with SQLAlchemy Core, for every load of a record.

eventsourcing-sqlalchemy's `select_events` builds an ORM object per row in a session and expires them
all at its rollback: for an appraisal of 200 events that cost about six times the query itself (measured
with bench/state_at.py's history). The same rows, in the same order and limits, read as plain tuples.
The notification log (`select_notifications`, what projectors and checkpoints follow) is read the same
way: with the ORM, a projector's rebuild spent more time building and expiring row objects than
applying the events (cProfile of bench/projections.py).
Inside a transaction the recorder opened (its context variable is set) and on an in-memory SQLite
database (one connection behind a lock), the library's own read is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing_sqlalchemy.datastore import transactions
from eventsourcing_sqlalchemy.recorders import SQLAlchemyAggregateRecorder, SQLAlchemyApplicationRecorder

RAW = sa.types.NullType()  # no result processing: the DBAPI's own value


def as_uuid(raw: Any) -> UUID:
    """An originator id as a driver returned it without the column type: bytes (SQLite), a string, a UUID."""
    if isinstance(raw, (bytes, memoryview)):
        return UUID(bytes=bytes(raw))
    return raw if isinstance(raw, UUID) else UUID(str(raw))


def reading(engine: Any) -> Any:
    """A connection for one SELECT. On PostgreSQL in autocommit: one statement is its own snapshot, and
    the BEGIN and the ROLLBACK of the pool's reset were two more round trips than the query itself
    (bench/state_at.py: a record's state read two such SELECTs, the events and the latest snapshot)."""
    if engine.dialect.name != "postgresql":
        return engine.connect()
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


class CoreReads(SQLAlchemyAggregateRecorder):
    """`select_events` without the ORM; everything else as eventsourcing-sqlalchemy does it."""

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        engine: Any = self.datastore.engine
        if transactions.get(None) is not None or self.datastore.access_lock is not None or engine is None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        query = self._query(gt is not None, lte is not None, desc, limit is not None)
        params = {"oid": originator_id, "gt": gt, "lte": lte, "limit": limit}
        with reading(engine) as conn:
            rows = conn.execute(query, {k: v for k, v in params.items() if v is not None}).all()
        return [
            StoredEvent(originator_id, version, topic, bytes(state) if isinstance(state, memoryview) else state)
            for version, topic, state in rows
        ]

    def _query(self, gt: bool, lte: bool, desc: bool, limit: bool) -> Any:
        """The statement for one combination of limits, built once (building it costs as much as running it)."""
        key = (gt, lte, desc, limit)
        queries: dict[tuple[bool, ...], Any] = self.__dict__.setdefault("_queries", {})
        if key not in queries:
            c = self.events_record_cls.__table__.c
            query = sa.select(c.originator_version, c.topic, c.state).where(c.originator_id == sa.bindparam("oid"))
            if gt:
                query = query.where(c.originator_version > sa.bindparam("gt"))
            if lte:
                query = query.where(c.originator_version <= sa.bindparam("lte"))
            query = query.order_by(c.originator_version.desc() if desc else c.originator_version)
            if limit:
                query = query.limit(sa.bindparam("limit"))
            queries[key] = query
        return queries[key]


class CoreNotifications(SQLAlchemyApplicationRecorder):
    """`select_notifications` without the ORM: the same rows, bounds and order as plain tuples."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        engine: Any = self.datastore.engine
        if transactions.get(None) is not None or self.datastore.access_lock is not None or engine is None:
            return super().select_notifications(start, limit, stop, topics, inclusive_of_start=inclusive_of_start)
        c = self.events_record_cls.__table__.c
        # The id as the driver gives it (PostgreSQL's uuid, SQLite's 16 bytes), made a UUID below: the
        # column type's own result processing cost more per row than the rest of the read (cProfile).
        query = sa.select(c.id, sa.type_coerce(c.originator_id, RAW), c.originator_version, c.topic, c.state)
        if start is not None:
            query = query.where(c.id >= start if inclusive_of_start else c.id > start)
        if stop is not None:
            query = query.where(c.id <= stop)
        if topics:
            query = query.where(c.topic.in_(list(topics)))
        query = query.order_by(c.id).limit(limit)
        with reading(engine) as conn:
            rows = conn.execute(query).all()
        return [
            Notification(
                id=i,
                originator_id=oid if type(oid) is UUID else as_uuid(oid),
                originator_version=version,
                topic=topic,
                state=bytes(state) if isinstance(state, memoryview) else state,
            )
            for i, oid, version, topic, state in rows
        ]
