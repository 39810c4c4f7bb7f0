"""The cost of the Merkle tree over a log, per 100,000 events, against reading the same rows.

For each backend (a SQLite file; PostgreSQL at KINERJA_TEST_POSTGRES_URL, skipped if it does not
answer) it writes N sealed rows of a realistic size (the sealing recorder, in batches), then
measures, interleaved A B B A:
  A  building the stored tree from zero (LogTree.extend: read, hash, store every subtree),
  B  the baseline: reading the same rows in notification order (what any projector pays).
Then it grows the log by 1,000 rows and times extending the tree by them (it reads only
those), and times proofs and a signed checkpoint at size N. Prints a table and one line:

    RESULT merkle_tree events=... <backend>_build_s=... <backend>_read_s=... ...

    .venv/bin/python bench/merkle_tree.py [--events 100000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from settings import Settings, event_store_env
from transparency.checkpoint import Checkpoint
from transparency.log import Log
from transparency.tree import LogTree
from transparency.wiring import log_signer

POSTGRES_URL = os.environ.get("KINERJA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/kinerja_test")
STATE = {
    "timestamp": {"_type_": "datetime_iso", "_data_": "2025-01-20T02:00:00+00:00"},
    "by": "198501012010011001",
    "notes": "x" * 300,
    "prev_digest": "0" * 64,
    "digest": "1" * 64,
}


class Bench(Application[uuid.UUID]):
    name = "kinerja"


def write_rows(app: Bench, count: int, start: int = 0) -> None:
    state = json.dumps(STATE).encode()
    oid = uuid.uuid4()
    for first in range(start, start + count, 1000):
        batch = []
        for i in range(first, min(first + 1000, start + count)):
            if i % 20 == 0:
                oid = uuid.uuid4()
            batch.append(StoredEvent(oid, i % 20 + 1, "domain.appraisal:Appraisal.Noted", state))
        app.recorder.insert_events(batch)


def reset_tree(log: Log) -> None:
    with log.engine.begin() as conn:
        for table in (log.tables.leaves, log.tables.nodes):
            conn.execute(sa.delete(table))
        conn.execute(sa.update(log.tables.state).values(size=0, last_notification_id=0))


def timed(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


def run(url: str, events: int, keys: Path) -> dict[str, float]:
    settings = Settings(database_url=url, log_keys_dir=str(keys), witnesses=[])
    app = Bench(env=event_store_env(url, settings))
    write_rows(app, events)
    log = Log.of(app)
    tree = LogTree(log)
    tree.ensure_tables()

    def build() -> None:
        reset_tree(log)
        assert LogTree(log).extend() == events

    def read() -> None:
        assert sum(1 for _ in log.rows()) == events

    a1, b1, b2, a2 = timed(build), timed(read), timed(read), timed(build)
    write_rows(app, 1000, start=events)
    incremental = timed(tree.extend)
    proof_s = timed(lambda: [tree.inclusion_proof(i, events) for i in range(0, events, events // 100)]) / 100
    note = str(Checkpoint(log_signer(settings, log).name, events, tree.root(events)).sign(log_signer(settings, log)))
    app.close()
    return {
        "build_s": statistics.mean([a1, a2]),
        "read_s": statistics.mean([b1, b2]),
        "incremental_1000_s": incremental,
        "inclusion_proof_ms": proof_s * 1000,
        "inclusion_hashes": len(tree.inclusion_proof(events // 2, events)),
        "consistency_hashes": len(tree.consistency_proof(events // 3, events)),
        "checkpoint_bytes": len(note.encode()),
    }


def reachable(url: str) -> bool:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
            conn.commit()
        engine.dispose()
    except Exception:  # noqa: BLE001 - any failure means "skip this backend"
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{tmp}/bench.db", args.events, Path(tmp) / "keys")
        if not args.skip_postgres and reachable(POSTGRES_URL):
            results["postgres"] = run(POSTGRES_URL, args.events, Path(tmp) / "keys")
        else:
            print(f"PostgreSQL skipped ({POSTGRES_URL} unreachable or --skip-postgres)")
    per_100k = 100_000 / args.events
    print(f"{'backend':<10}{'build tree':>12}{'read rows':>12}{'ratio':>8}{'+1,000 rows':>13}{'proof':>10}")
    line = [f"RESULT merkle_tree events={args.events}"]
    for backend, r in results.items():
        ratio = r["build_s"] / r["read_s"]
        print(
            f"{backend:<10}{r['build_s']:>11.2f}s{r['read_s']:>11.2f}s{ratio:>8.2f}{r['incremental_1000_s']:>12.3f}s"
            f"{r['inclusion_proof_ms']:>8.2f}ms"
        )
        line += [
            f"{backend}_build_per_100k_s={r['build_s'] * per_100k:.2f}",
            f"{backend}_read_per_100k_s={r['read_s'] * per_100k:.2f}",
            f"{backend}_ratio={ratio:.2f}",
            f"{backend}_extend_1000_s={r['incremental_1000_s']:.3f}",
            f"{backend}_inclusion_proof_ms={r['inclusion_proof_ms']:.2f}",
        ]
    any_result = next(iter(results.values()))
    line += [
        f"inclusion_proof_hashes={any_result['inclusion_hashes']}",
        f"consistency_proof_hashes={any_result['consistency_hashes']}",
        f"checkpoint_bytes={any_result['checkpoint_bytes']}",
        f"loadavg={os.getloadavg()[0]:.2f}",
    ]
    print(" ".join(line))


if __name__ == "__main__":
    main()
