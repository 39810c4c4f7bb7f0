"""Read-model integrity (finding 8 of #8): rebuild the projections from the log and name every row that differs.

An SQL UPDATE on rm_appraisals or rm_distribution changed the HR list and the distribution, and
no check noticed: the read models are trusted by every screen but protected by nothing. They are
a function of the log (readmodels/rows.py), so the check is a rebuild: the projector replays the
log, up to the live position, into a scratch place (a schema of its own on PostgreSQL, a database
file of its own on SQLite and elsewhere), and every read table is compared with the live one row
by row, by primary key. The live rows and their position are read under the projector's lock, so
they belong together; the scratch place is dropped afterwards. `kinerja audit verify --read-models`
and GET /api/v1/audit/read-models/verify run it.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from domain.application import Appraisals
from domain.audit import jsonable
from partitioning.projection import projectors_of
from readmodels.projector import Projector, make_engine, snapshot
from readmodels.tables import READ_TABLES

Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]  # table -> primary key -> row
CHANGED, MISSING, UNEXPECTED = "changed", "missing", "unexpected"


@dataclass(frozen=True)
class RowDifference:
    """One row that is not what the log says: changed (columns differ), missing (live lacks it) or unexpected."""

    table: str
    key: dict[str, Any]
    kind: str
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)  # column -> {"live": .., "rebuilt": ..}

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.kind == CHANGED:
            what = "; ".join(f"{c}: live {d['live']!r}, from the log {d['rebuilt']!r}" for c, d in self.columns.items())
            return f"{self.table} [{where}] changed: {what}"
        if self.kind == MISSING:
            return f"{self.table} [{where}] is missing from the live read models"
        return f"{self.table} [{where}] is in the live read models but not in the log"


@dataclass
class ReadModelReport:
    ok: bool
    position: int
    rows: dict[str, int]
    differences: list[RowDifference]
    rebuild_failures: list[dict[str, Any]]
    positions: dict[str, int] = field(default_factory=dict)  # each projector's (one per agency's log, if partitioned)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "position": self.position,
            "positions": self.positions,
            "rows": self.rows,
            "differences": [jsonable(asdict(d)) for d in self.differences],
            "described": [str(d) for d in self.differences],
            "rebuild_failures": [jsonable(f) for f in self.rebuild_failures],
        }


def verify_read_models(app: Appraisals, engine: sa.Engine) -> ReadModelReport:
    """Rebuild into a scratch place up to the live positions; every live row compared with its rebuilt twin.

    A partitioned store's read tables are written by one projector per agency's log
    (partitioning/projection.py): the live rows are read under all their locks at once, and each
    agency's log is replayed into the scratch place up to its own live position."""
    projectors = projectors_of(app, engine)
    positions, live = snapshot(projectors, READ_TABLES, engine)
    with scratch(engine) as place:
        rebuilt_projectors = [Projector(p.app, place, name=p.name, log=p.log) for p in projectors]
        for p in rebuilt_projectors:
            p.replay(until=positions[p.name])
        rebuilt = snapshot(rebuilt_projectors, READ_TABLES, place)[1]
        failures = [f for p in rebuilt_projectors for f in p.failures()]
    differences = [d for table in READ_TABLES for d in compare(table, live[table.name], rebuilt[table.name])]
    return ReadModelReport(
        ok=not differences,
        position=sum(positions.values()),
        rows={t.name: len(rebuilt[t.name]) for t in READ_TABLES},
        differences=differences,
        rebuild_failures=failures,
        positions=positions,
    )


def compare(table: sa.Table, live: list[dict[str, Any]], rebuilt: list[dict[str, Any]]) -> list[RowDifference]:
    keys = [c.name for c in table.primary_key.columns]

    def by_key(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {tuple(r[k] for k in keys): r for r in rows}

    ours, theirs = by_key(live), by_key(rebuilt)
    found = []
    for key in sorted(ours.keys() | theirs.keys(), key=repr):
        named = dict(zip(keys, key, strict=True))
        if key not in ours:
            found.append(
                RowDifference(
                    table.name,
                    named,
                    MISSING,
                    {c: {"live": None, "rebuilt": v} for c, v in theirs[key].items() if c not in keys},
                )
            )
        elif key not in theirs:
            found.append(
                RowDifference(
                    table.name,
                    named,
                    UNEXPECTED,
                    {c: {"live": v, "rebuilt": None} for c, v in ours[key].items() if c not in keys},
                )
            )
        else:
            changed = {
                c: {"live": ours[key][c], "rebuilt": theirs[key][c]}
                for c in ours[key]
                if ours[key][c] != theirs[key][c]
            }
            if changed:
                found.append(RowDifference(table.name, named, CHANGED, changed))
    return found


@contextmanager
def scratch(engine: sa.Engine) -> Iterator[sa.Engine]:
    """An empty place for a rebuild: a schema of its own on PostgreSQL, a database file elsewhere; dropped after."""
    if engine.dialect.name != "postgresql":
        with tempfile.TemporaryDirectory(prefix="kinerja-verify-") as folder:
            place = make_engine(f"sqlite:///{Path(folder) / 'read-models.db'}")
            try:
                yield place
            finally:
                place.dispose()
        return
    schema = f"rm_verify_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    place = sa.create_engine(engine.url, poolclass=NullPool, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield place
    finally:
        place.dispose()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
