"""One log: an event-store partition, its rows read in notification order a page at a time, and its proof tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent

from transparency.tables import LogTables, log_tables

BATCH = 2000


@dataclass(frozen=True)
class Log:
    """One event-store partition: its name, its recorder (to read rows) and its proof tables."""

    name: str
    recorder: ApplicationRecorder
    tables: LogTables

    @classmethod
    def of(cls, app: Application[Any]) -> Log:
        recorder = app.recorder
        events_table = getattr(recorder, "events_table_name", f"{app.name.lower()}_events")
        return cls(app.name.lower(), recorder, log_tables(events_table, getattr(recorder, "schema_name", None)))

    @property
    def engine(self) -> sa.Engine:
        engine = getattr(getattr(self.recorder, "datastore", None), "engine", None)
        if engine is None:
            raise TypeError(f"log {self.name} is not stored in a SQL database")
        found: sa.Engine = engine
        return found

    def rows(self, after: int = 0, batch: int = BATCH, conn: sa.Connection | None = None) -> Iterable[Notification]:
        """Every row after a notification id, in notification order, a batch at a time (in `conn`'s snapshot if given)."""
        while True:
            page = self.page(after, batch, conn)
            yield from page
            if len(page) < batch:
                return
            after = page[-1].id

    def page(self, after: int, limit: int, conn: sa.Connection | None = None) -> list[Notification]:
        """Up to `limit` rows after a notification id, read with SQLAlchemy Core (no ORM objects), on `conn` if given."""
        table = self.events_table
        sqlite = self.engine.dialect.name == "sqlite"
        as_type: sa.types.TypeEngine[Any] = sa.LargeBinary() if sqlite else sa.Uuid()
        oid = sa.type_coerce(table.c.originator_id, as_type)
        query = (
            sa.select(table.c.id, oid.label("oid"), table.c.originator_version, table.c.topic, table.c.state)
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(limit)
        )
        if conn is not None:
            return self._notifications(conn.execute(query), sqlite)
        with self.engine.connect() as own:
            return self._notifications(own.execute(query), sqlite)

    def record(self, conn: sa.Connection, record_id: UUID) -> list[StoredEvent]:
        """One record's stored events in version order, read on `conn` (e.g. in a snapshot)."""
        events = self.events_table
        query = (
            sa.select(events.c.originator_version, events.c.topic, events.c.state)
            .where(events.c.originator_id == record_id)
            .order_by(events.c.originator_version)
        )
        return [StoredEvent(record_id, r.originator_version, r.topic, bytes(r.state)) for r in conn.execute(query)]

    @property
    def events_table(self) -> sa.Table:
        table: sa.Table = self.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        return table

    @staticmethod
    def _notifications(found: Iterable[Any], sqlite: bool) -> list[Notification]:
        return [
            Notification(
                id=r.id,
                originator_id=UUID(bytes=bytes(r.oid)) if sqlite else r.oid,
                originator_version=r.originator_version,
                topic=r.topic,
                state=bytes(r.state),
            )
            for r in found
        ]
