"""The partition directory: which agency (so which log) each record belongs to.

One row per record, written before the record's first event (domain/partitions.py) and never
changed: a record never moves between partitions (a transfer between agencies opens a new
record in the new agency's log). It lives beside the logs, in the default database.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

CHUNK = 500
metadata = sa.MetaData()
directory = sa.Table(
    "kinerja_partition_directory",
    metadata,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("agency", sa.Text(), nullable=False, index=True),
)


class SqlDirectory:
    """The directory in a SQL database (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        for attempt in range(5):  # processes starting together race to create it
            try:
                metadata.create_all(engine, checkfirst=True)
                break
            except sa.exc.DatabaseError:
                if attempt == 4:
                    raise

    def agency_of(self, record_id: UUID) -> str | None:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(directory.c.agency).where(directory.c.record_id == str(record_id)))
            return found.scalar_one_or_none()

    def register(self, entries: Mapping[UUID, str]) -> None:
        """Add entries once; one already there with another agency is a ValueError (a record never moves)."""
        items = list(entries.items())
        for start in range(0, len(items), CHUNK):  # a move registers every record at once
            self._register([{"record_id": str(k), "agency": v} for k, v in items[start : start + CHUNK]])

    def _register(self, rows: list[dict[str, str]]) -> None:
        insert = (postgresql if self.engine.dialect.name == "postgresql" else sqlite).insert(directory)
        with self.engine.begin() as conn:
            conn.execute(insert.on_conflict_do_nothing(index_elements=["record_id"]), rows)
            held: dict[str, str] = {
                r.record_id: r.agency
                for r in conn.execute(
                    sa.select(directory.c.record_id, directory.c.agency).where(
                        directory.c.record_id.in_([r["record_id"] for r in rows])
                    )
                )
            }
        moved = sorted(
            f"{r['record_id']} ({held[r['record_id']]}, not {r['agency']})"
            for r in rows
            if held.get(r["record_id"]) != r["agency"]
        )
        if moved:
            raise ValueError(f"records belong to another agency's partition: {', '.join(moved)}")

    def agencies(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(directory.c.agency).distinct().order_by(directory.c.agency)).scalars())
