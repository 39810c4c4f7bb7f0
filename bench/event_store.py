"""Event store throughput: eventsourcing(-sqlalchemy) with hash-chained events vs raw SQLAlchemy Core.

For each backend (a SQLite file in a temp dir; PostgreSQL at KINERJA_TEST_POSTGRES_URL or
the local default) it
  (a) appends N events through an eventsourcing Application, one aggregate per 10 events,
      saving after every event (one command per save, as the activities do), then reads
      them back with repository.get per aggregate and with recorder.select_events;
  (b) inserts N rows of the same shape and size with SQLAlchemy Core, one transaction per
      row, into a table in the same database, then selects them back per aggregate.
An in-memory run (no database) shows the domain, hash-chain and transcoding cost alone.

    .venv/bin/python bench/event_store.py [--events 5000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import event

from domain.chain import ChainedAggregate

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kinerja_test"
EVENTS_PER_AGGREGATE = 10
RAW_TABLE = "bench_raw_events"


class Probe(ChainedAggregate):
    @event("Opened")
    def __init__(self, name: str, timestamp: datetime) -> None:
        self.name = name
        self.n = 0

    @event("Noted")
    def note(self, text: str, timestamp: datetime) -> None:
        self.n += 1


class ProbeBench(Application):
    pass


@dataclass
class Row:
    backend: str
    operation: str
    events: int
    es_seconds: float
    raw_seconds: float | None

    @property
    def es_rate(self) -> float:
        return self.events / self.es_seconds

    @property
    def raw_rate(self) -> float | None:
        return None if self.raw_seconds is None else self.events / self.raw_seconds


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def now() -> datetime:
    return datetime.now(UTC)


def run_eventsourcing(app: Application, n_events: int) -> tuple[list[uuid.UUID], float, float, float]:
    """Append n_events, saving after each one; return ids and write/get/select seconds."""
    ids: list[uuid.UUID] = []

    def write() -> None:
        for i in range(n_events // EVENTS_PER_AGGREGATE):
            probe = Probe(name=f"probe-{i}", timestamp=now())
            app.save(probe)
            for j in range(EVENTS_PER_AGGREGATE - 1):
                probe.note(text=f"note {j} on probe {i}", timestamp=now())
                app.save(probe)
            ids.append(probe.id)

    write_s = timed(write)

    def get_all() -> None:
        for aggregate_id in ids:
            probe = app.repository.get(aggregate_id)
            assert probe.n == EVENTS_PER_AGGREGATE - 1

    def select_all() -> None:
        for aggregate_id in ids:
            assert len(app.recorder.select_events(aggregate_id)) == EVENTS_PER_AGGREGATE

    return ids, write_s, timed(get_all), timed(select_all)


def run_raw(url: str, samples: list[tuple[str, int]], n_events: int) -> tuple[float, float]:
    """Insert n_events rows (one transaction each) shaped like the stored events; select them back."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = sa.Table(
        RAW_TABLE,
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("originator_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        # Same uniqueness the event store enforces, so both pay for one index.
        sa.Index(f"{RAW_TABLE}_aggregate_idx", "originator_id", "version", unique=True),
    )
    metadata.drop_all(engine)
    metadata.create_all(engine)
    insert = table.insert()
    rows = []
    ids = [uuid.uuid4() for _ in range(n_events // EVENTS_PER_AGGREGATE)]
    for k in range(len(ids) * EVENTS_PER_AGGREGATE):
        topic, size = samples[k % len(samples)]
        rows.append(
            {
                "originator_id": ids[k // EVENTS_PER_AGGREGATE],
                "version": k % EVENTS_PER_AGGREGATE + 1,
                "topic": topic,
                "state": os.urandom(size),
            }
        )

    def write() -> None:
        for row in rows:
            with engine.begin() as connection:
                connection.execute(insert, row)

    def read() -> None:
        query = sa.select(table).where(table.c.originator_id == sa.bindparam("oid")).order_by(table.c.version)
        for aggregate_id in ids:
            with engine.connect() as connection:
                assert len(connection.execute(query, {"oid": aggregate_id}).all()) == EVENTS_PER_AGGREGATE

    try:
        return timed(write), timed(read)
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def drop_es_table(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {ProbeBench.name.lower()}_events"))
    engine.dispose()


def bench_backend(backend: str, url: str, n_events: int) -> tuple[list[Row], str]:
    drop_es_table(url)
    app = ProbeBench(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url})
    try:
        ids, write_s, get_s, select_s = run_eventsourcing(app, n_events)
        stored = [e for i in ids for e in app.recorder.select_events(i)]
    finally:
        app.close()
    samples = [(e.topic, len(e.state)) for e in stored]
    sizes = [size for _, size in samples]
    raw_write_s, raw_read_s = run_raw(url, samples, len(stored))
    drop_es_table(url)
    n = len(stored)
    note = f"{backend}: {n} events, stored payload {min(sizes)}-{max(sizes)} bytes (mean {statistics.mean(sizes):.0f})"
    return [
        Row(backend, "append, 1 save per event", n, write_s, raw_write_s),
        Row(backend, "read: repository.get / aggregate", n, get_s, raw_read_s),
        Row(backend, "read: recorder.select_events", n, select_s, raw_read_s),
    ], note


def bench_memory(n_events: int) -> list[Row]:
    app = ProbeBench(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ids, write_s, get_s, select_s = run_eventsourcing(app, n_events)
    n = len(ids) * EVENTS_PER_AGGREGATE
    return [
        Row("memory", "append, 1 save per event", n, write_s, None),
        Row("memory", "read: repository.get / aggregate", n, get_s, None),
    ]


def postgres_problem(url: str) -> str | None:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return f"{type(error).__name__}: {str(getattr(error, 'orig', None) or error).strip().splitlines()[0]}"
    return None


def print_table(rows: list[Row]) -> None:
    header = f"{'backend':<10} {'operation':<34} {'eventsourcing ev/s':>19} {'raw SQLA ev/s':>14} {'ratio es/raw':>13}"
    print(header)
    print("-" * len(header))
    for r in rows:
        raw = "-" if r.raw_rate is None else f"{r.raw_rate:,.0f}"
        ratio = "-" if r.raw_rate is None else f"{r.es_rate / r.raw_rate:.2f}"
        print(f"{r.backend:<10} {r.operation:<34} {r.es_rate:>19,.0f} {raw:>14} {ratio:>13}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events per backend (default 5000)")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    n_events = max(EVENTS_PER_AGGREGATE, args.events - args.events % EVENTS_PER_AGGREGATE)

    rows: list[Row] = []
    notes: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-") as tmp:
        sqlite_rows, note = bench_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", n_events)
        rows += sqlite_rows
        notes.append(note)

    pg_url = os.environ.get("KINERJA_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    if args.skip_postgres:
        notes.append("postgres: skipped (--skip-postgres)")
    elif (problem := postgres_problem(pg_url)) is not None:
        notes.append(f"postgres: SKIPPED, not reachable at {pg_url} ({problem}); run `make postgres`")
    else:
        pg_rows, note = bench_backend("postgres", pg_url, n_events)
        rows += pg_rows
        notes.append(note)

    rows += bench_memory(n_events)
    print()
    print_table(rows)
    print()
    for note in notes:
        print(note)
    print("raw reads are one SELECT per aggregate (10 rows), the same access pattern as the event store reads")
    print("memory = eventsourcing.popo, no database: domain + hash chain + transcoding cost only")
    print(f"total {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
