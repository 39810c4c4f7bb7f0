"""State at a moment of a long appraisal: the auditor's `state_at` vs the full replay it replaced.

Builds one appraisal of --events events (default 500: the SKP, then a year of daily log entries and
progress reports) through the real commands, on a SQLite file and on PostgreSQL (KINERJA_TEST_POSTGRES_URL,
or the local default), with the production store: sealed rows, and snapshots under the key derived from
the log's sealing key (domain/snapshots.py). Then it asks for the state at the latest moment and at
random moments (seeded) of the history, in rounds interleaved A,B,B,A:

  A (baseline): the code before snapshots, the full replay: every event decoded to find the moment's
                version, then eventsourcing's repository.get decoding them again from the first one;
  B (Kinerja):  Audit.state_at: the rows read once, the version found from their business times, the
                record rebuilt from its latest verified snapshot and the events after it.

Each answer of B is checked equal to A's. The integrity check before a read (transparency/integrity.py)
is left out of both: it is the same for both and is measured with the API. Ends with
`RESULT state_at p50_ms=<B's worst p50 over databases and kinds of moment> ...`.

    .venv/bin/python bench/state_at.py [--events 500] [--rounds 6] [--queries 10] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.support import DEFAULT_POSTGRES_URL, loadavg, postgres_problem
from domain.application import Appraisals
from domain.audit import HIDDEN_STATE, Audit, jsonable
from domain.calendar import as_utc
from domain.work_commands import LogDailyWork, ReportProgress
from tests.factories import STAFF, Scenario, actor

PREFIX = "benchstateat"


class BenchAppraisals(Appraisals):
    """The real application under its own table names, so the bench never touches the app's tables."""

    name = PREFIX


def drop_bench_tables(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table.startswith(PREFIX):
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


def build(url: str, keys: str, events: int) -> tuple[Appraisals, UUID]:
    """One appraisal of `events` events: the SKP to execution, then daily entries and progress reports."""
    env = {
        "PERSISTENCE_MODULE": "transparency.persistence:SealingFactory",
        "SQLALCHEMY_URL": url,
        "SEAL_KEYS_DIR": keys,
        "SEAL_ORIGIN_PREFIX": "bench.local",
    }
    app = BenchAppraisals(env=env)
    s = Scenario.new(app)
    s.plan(STAFF)
    appraisal_id = s.id(STAFF)
    rhk_id = s.get(STAFF).rhk[0]["id"]
    start = datetime(2024, 2, 1, 1, 0, tzinfo=UTC)
    n = 0
    while s.get(STAFF).version < events:
        at = start + timedelta(hours=13 * n)
        if n % 25 == 24:
            cmd: Any = ReportProgress(actor(STAFF), "Q1" if at.month <= 3 else "Q2", rhk_id, f"laporan {n}")
        else:
            cmd = LogDailyWork(actor(STAFF), (at + timedelta(hours=8)).date().isoformat(), rhk_id, f"kegiatan {n}")
        s.do(STAFF, cmd, at, key=f"bench-{n}")
        n += 1
    return app, appraisal_id


def full_replay(app: Appraisals, record_id: UUID, at: datetime) -> dict[str, Any]:
    """The state_at before this change (domain/audit.py at 63f2e19): decode all to find the version,
    then repository.get(version), which decodes from the first event again."""
    events: list[Any] = [app.mapper.to_domain_event(s) for s in app.recorder.select_events(record_id)]
    version = 0
    for e in events:
        if as_utc(e.timestamp) <= at:
            version = e.originator_version
    aggregate: Any = app.repository.get(record_id, version=version)
    state = {k.lstrip("_"): v for k, v in vars(aggregate).items() if k not in HIDDEN_STATE}
    found: dict[str, Any] = jsonable({"id": aggregate.id, "version": aggregate.version, **state})
    return found


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    answer = fn()
    return (time.perf_counter() - start) * 1000, answer


def bench(backend: str, url: str, args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-keys-") as keys:
        started = time.perf_counter()
        app, record_id = build(url, keys, args.events)
        built = time.perf_counter() - started
        audit = Audit(app)
        times = [as_utc(app.mapper.to_domain_event(s).timestamp) for s in app.recorder.select_events(record_id)]
        kept = app.snapshots_kept
        n_snapshots = len(kept.recorder.select_events(record_id)) if kept is not None else 0
        print(f"{backend}: {len(times)} events written in {built:.1f}s, {n_snapshots} snapshots")
        rng = random.Random(args.seed)
        latest = times[-1] + timedelta(days=1)
        moments = {
            "latest": [latest] * args.queries,
            "random": [rng.uniform(times[0].timestamp(), times[-1].timestamp()) for _ in range(args.queries)],
        }
        moments["random"] = [datetime.fromtimestamp(t, UTC) for t in moments["random"]]
        found: dict[str, dict[str, list[float]]] = {k: {"A": [], "B": []} for k in moments}
        ways: dict[str, Callable[[datetime], Any]] = {
            "A": lambda at: full_replay(app, record_id, at),
            "B": lambda at: audit.state_at(record_id, at=at),
        }
        for _ in range(args.rounds):
            for way in ("A", "B", "B", "A"):
                for kind, ats in moments.items():
                    for at in ats:
                        ms, answer = timed(lambda: ways[way](at))  # noqa: B023 - called at once
                        found[kind][way].append(ms)
                        if way == "B" and answer != full_replay(app, record_id, at):
                            raise SystemExit(f"{backend}: state_at at {at} differs from the full replay")
        return found


def p50(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500, help="events of the appraisal (default 500)")
    parser.add_argument("--rounds", type=int, default=6, help="A,B,B,A rounds (default 6)")
    parser.add_argument("--queries", type=int, default=10, help="moments of each kind per block (default 10)")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-") as tmp:
        results["sqlite"] = bench("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    pg_url = os.environ.get("KINERJA_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    if args.skip_postgres:
        print("postgres: skipped (--skip-postgres)")
    elif (problem := postgres_problem(pg_url)) is not None:
        print(f"postgres: SKIPPED, not reachable at {pg_url} ({problem}); run `make postgres`")
    else:
        drop_bench_tables(pg_url)
        try:
            results["postgres"] = bench("postgres", pg_url, args)
        finally:
            drop_bench_tables(pg_url)

    print(f"\n{'backend':<10} {'moment':<8} {'A full replay p50/p90 ms':>26} {'B state_at p50/p90 ms':>24} {'B/A':>6}")
    worst, parts = 0.0, []
    for backend, kinds in results.items():
        for kind, ways in kinds.items():
            a, b = ways["A"], ways["B"]
            qa, qb = statistics.quantiles(a, n=10), statistics.quantiles(b, n=10)
            print(
                f"{backend:<10} {kind:<8} {p50(a):>17.1f} / {qa[8]:>6.1f} {p50(b):>15.1f} / {qb[8]:>6.1f}"
                f" {p50(b) / p50(a):>6.2f}"
            )
            worst = max(worst, p50(b))
            parts.append(f"{backend}_{kind}_ms={p50(b):.1f} {backend}_{kind}_baseline_ms={p50(a):.1f}")
    print(f"events={args.events} loadavg={loadavg()}")
    print(f"RESULT state_at p50_ms={worst:.1f} {' '.join(parts)}")


if __name__ == "__main__":
    main()
