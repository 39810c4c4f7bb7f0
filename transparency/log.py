"""One log: an event-store partition, its rows read in notification order a page at a time, and its proof tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, Notification

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

    def rows(self, after: int = 0, batch: int = BATCH) -> Iterable[Notification]:
        """Every row after a notification id, in notification order, a batch at a time."""
        while True:
            page = self.page(after, batch)
            yield from page
            if len(page) < batch:
                return
            after = page[-1].id

    def page(self, after: int, limit: int) -> list[Notification]:
        """Up to `limit` rows after a notification id, read with SQLAlchemy Core (no ORM objects)."""
        table = self.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        sqlite = self.engine.dialect.name == "sqlite"
        as_type: sa.types.TypeEngine[Any] = sa.LargeBinary() if sqlite else sa.Uuid()
        oid = sa.type_coerce(table.c.originator_id, as_type)
        query = (
            sa.select(table.c.id, oid.label("oid"), table.c.originator_version, table.c.topic, table.c.state)
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                Notification(
                    id=r.id,
                    originator_id=UUID(bytes=bytes(r.oid)) if sqlite else r.oid,
                    originator_version=r.originator_version,
                    topic=r.topic,
                    state=bytes(r.state),
                )
                for r in conn.execute(query)
            ]
