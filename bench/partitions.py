"""Event-store saves on PostgreSQL: one log for everyone vs one log per agency vs raw INSERTs.

eventsourcing-sqlalchemy takes `LOCK TABLE <log>_events IN EXCLUSIVE MODE` in every insert
transaction (notification ids in commit order), so one events table admits one writer at a time
whatever the number of writers. Per agency, each log has its own table and so its own lock.

Three modes, each with the same number of writer processes (default 16), each writer saving one
event per transaction (as an activity does: one command, one save) on aggregates of its own:

- **one**: every writer saves into one log (`bench_one_events`, sealed as Kinerja's store is);
- **partitioned**: 4 agencies x 4 writers, each agency its own log (`bench_p<k>_events`), opened
  through Kinerja's partitioned store (`partitioning/store.py`): the routing, the directory and
  the shared datastore are in the measured path;
- **raw**: plain SQLAlchemy Core INSERTs of rows of the same shape and size (id, originator,
  version, topic, state; the same unique index), one transaction per row, into one table.

Rounds interleaved one, partitioned, raw, raw, partitioned, one (A,B,C,C,B,A); each mode's rate is
its total events over its total time. Where the CPU goes, per save: the writers' own (Python and the
driver), PostgreSQL's (the backends of the bench's database and the server's own processes, from
/proc, if the server runs on this machine) and the
machine's idle share and the rest (the kernel's own, other work) while the mode ran. Ends with
`RESULT partitions speedup=<partitioned/one> raw_ratio=<partitioned/raw> ...`.

    .venv/bin/python bench/partitions.py                 # 16 writers x 150 saves per round
    .venv/bin/python bench/partitions.py --saves 25      # the CI size (make bench)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import event

from domain.chain import ChainedAggregate
from partitioning.store import open_partitioned as open_store
from settings import Settings

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kinerja_test"
AGENCIES = 4
AGGREGATES_PER_WRITER = 5
RAW_TABLE = "bench_raw_events"
MODES = ("one", "partitioned", "raw")
CORES = os.cpu_count() or 1


class Probe(ChainedAggregate):
    @event("Opened")
    def __init__(self, agency_id: str, timestamp: datetime) -> None:
        self.agency_id = agency_id
        self.n = 0

    @event("Noted")
    def note(self, text: str, timestamp: datetime) -> None:
        self.n += 1


class OneLog(Application):
    name = "bench_one"


def env_of(url: str, keys: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "transparency.persistence:SealingFactory",
        "SQLALCHEMY_URL": url,
        "SEAL_KEYS_DIR": keys,
        "SEAL_ORIGIN_PREFIX": "bench.local",
    }


def partition_code(k: int) -> str:
    return f"bench-agency-{k}"


def open_partitioned(url: str, keys: str) -> Any:
    settings = Settings(database_url=url, log_keys_dir=keys, log_origin_prefix="bench.local")
    return open_store(env_of(url, keys), settings, check_reads=False)


def now() -> datetime:
    return datetime.now(UTC)


def writer(
    mode: str, index: int, url: str, keys: str, saves: int, samples: list[tuple[str, int]], barrier: Any, out: Any
) -> None:
    """One writer process: open its store, wait for the others, save `saves` events one per transaction."""
    if mode == "raw":
        engine = sa.create_engine(url)
        table = raw_table(sa.MetaData())
        ids = [uuid.uuid4() for _ in range(AGGREGATES_PER_WRITER)]
        rows = []
        for k in range(saves):
            topic, size = samples[k % len(samples)]
            rows.append(
                {
                    "originator_id": ids[k % len(ids)],
                    "version": k // len(ids) + 1,
                    "topic": topic,
                    "state": os.urandom(size),
                }
            )
        insert = table.insert()
        with engine.connect():
            pass  # the pool's first connection before the clock, as the stores open theirs
        barrier.wait()
        start, cpu = time.perf_counter(), time.process_time()
        for row in rows:
            with engine.begin() as conn:
                conn.execute(insert, row)
        out.put((start, time.perf_counter(), saves, time.process_time() - cpu))
        barrier.wait()  # the backend stays until PostgreSQL's CPU is read
        engine.dispose()
        return
    if mode == "one":
        store: Any = OneLog(env=env_of(url, keys))
        agency = "one"
    else:
        store = open_partitioned(url, keys)
        agency = partition_code(index % AGENCIES)
    probes = [Probe(agency_id=agency, timestamp=now()) for _ in range(AGGREGATES_PER_WRITER)]
    store.save(*probes)  # the aggregates exist before the clock starts: every timed save is one event
    barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for k in range(saves):
        probe = probes[k % len(probes)]
        probe.note(text=f"progress entry {k} of writer {index}", timestamp=now())
        store.save(probe)
    out.put((start, time.perf_counter(), saves, time.process_time() - cpu))
    barrier.wait()  # the backend stays until PostgreSQL's CPU is read
    store.close()


def raw_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        RAW_TABLE,
        metadata,
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("originator_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Index(f"{RAW_TABLE}_aggregate_idx", "originator_id", "version", unique=True),
    )


def reset(url: str) -> None:
    """Drop every table of an earlier round (logs, seals, directory entries of the bench agencies, raw)."""
    engine = sa.create_engine(url)
    names = [
        t
        for t in sa.inspect(engine).get_table_names()
        if t.startswith(("bench_one_", RAW_TABLE, "kinerja_bench_agency_"))
    ]
    with engine.begin() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        if "kinerja_partition_directory" in sa.inspect(conn).get_table_names():
            conn.execute(sa.text("DELETE FROM kinerja_partition_directory WHERE agency LIKE 'bench-agency-%'"))
    engine.dispose()


def prepare(mode: str, url: str, keys: str) -> None:
    """Create the mode's tables and keys once, before the writers start (they would race to create them)."""
    reset(url)
    if mode == "raw":
        engine = sa.create_engine(url)
        raw_table(sa.MetaData()).create(engine)
        engine.dispose()
    elif mode == "one":
        OneLog(env=env_of(url, keys)).close()
    else:
        store = open_partitioned(url, keys)
        for k in range(AGENCIES):
            store.partition(partition_code(k))
        store.close()


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL process on this machine that works for `database`: its
    backends and the server's own (WAL writer, checkpointer...), not other databases' backends (other
    work on the same server). Empty if the server is elsewhere."""
    found: dict[int, float] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                title = f.read().decode(errors="replace")
        except OSError:
            continue  # gone
        if stat[stat.index("(") + 1 : stat.rindex(")")] != "postgres":
            continue
        backend = "(" in title or "[local]" in title  # "postgres: 15/main: <user> <database> <host>(<port>) ..."
        if backend and f" {database} " not in title:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(pid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return found


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """The CPU the processes used between two readings (a process that started between them, all of its)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def machine_cpu() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the machine since boot, every core."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


@dataclass
class Round:
    mode: str
    events: int
    seconds: float
    cpu: float  # the writers' own CPU seconds (Python, the driver), not PostgreSQL's
    postgres: float  # PostgreSQL's CPU seconds while the writers ran
    idle: float  # the machine's idle CPU seconds (every core) while the writers ran
    others: float  # the rest of the machine's busy CPU seconds: the kernel's own, other work

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def run_round(mode: str, url: str, keys: str, writers: int, saves: int, samples: list[tuple[str, int]]) -> Round:
    prepare(mode, url, keys)
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(writers + 1), ctx.Queue()  # this process reads PostgreSQL's CPU at both ends
    procs = [
        ctx.Process(target=writer, args=(mode, i, url, keys, saves, samples, barrier, out)) for i in range(writers)
    ]
    for p in procs:
        p.start()
    database = sa.make_url(url).database or ""
    barrier.wait()
    pg, (busy, idle) = postgres_cpu(database), machine_cpu()
    results = [out.get(timeout=600) for _ in procs]
    pg_used, (busy_after, idle_after) = cpu_since(pg, postgres_cpu(database)), machine_cpu()
    barrier.wait()  # the writers close their connections (ending their backends) only now
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a {mode} writer failed (exit {p.exitcode})")
    start, end = min(r[0] for r in results), max(r[1] for r in results)
    cpu = sum(r[3] for r in results)
    others = busy_after - busy - cpu - pg_used
    return Round(mode, sum(r[2] for r in results), end - start, cpu, pg_used, idle_after - idle, others)


def samples_of(url: str, keys: str) -> list[tuple[str, int]]:
    """(topic, size) of the rows a writer stores, for the raw INSERTs of the same shape."""
    reset(url)
    app = OneLog(env=env_of(url, keys))
    probe = Probe(agency_id="one", timestamp=now())
    for k in range(9):
        probe.note(text=f"progress entry {k} of writer 0", timestamp=now())
    app.save(probe)
    found = [(e.topic, len(e.state)) for e in app.recorder.select_events(probe.id)]
    app.close()
    return found


def postgres_url() -> str:
    return os.environ.get("KINERJA_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=16, help="writer processes in every mode (default 16)")
    parser.add_argument("--saves", type=int, default=150, help="saves per writer per round (default 150)")
    args = parser.parse_args()
    if args.writers % AGENCIES:
        raise SystemExit(f"--writers must be a multiple of {AGENCIES} (the agencies)")
    url = postgres_url()
    try:
        sa.create_engine(url, connect_args={"connect_timeout": 3}).connect().close()
    except Exception as error:  # noqa: BLE001
        raise SystemExit(f"PostgreSQL not reachable at {url}: {error}; run scripts/ensure-postgres.sh") from None
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-partitions-") as keys:
        samples = samples_of(url, keys)
        order = ["one", "partitioned", "raw", "raw", "partitioned", "one"]
        for mode in order:
            r = run_round(mode, url, keys, args.writers, args.saves, samples)
            rounds.append(r)
            print(
                f"{mode:<12} {r.events:>6} events in {r.seconds:6.2f} s: {r.rate:8,.0f} ev/s, "
                f"writers' CPU {r.cpu / r.events * 1000:.2f} ms per save ({r.cpu / (r.seconds * CORES):.0%} of the machine), "
                f"PostgreSQL's {r.postgres / r.events * 1000:.2f} ms ({r.postgres / (r.seconds * CORES):.0%}), "
                f"the rest {r.others / (r.seconds * CORES):.0%}, idle {r.idle / (r.seconds * CORES):.0%}",
                flush=True,
            )
        reset(url)
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[:3]
    rate = {
        m: sum(r.events for r in rounds if r.mode == m) / sum(r.seconds for r in rounds if r.mode == m) for m in MODES
    }
    cpu = {
        m: sum(r.cpu for r in rounds if r.mode == m) / sum(r.events for r in rounds if r.mode == m) * 1000
        for m in MODES
    }
    share = {m: cpu[m] / 1000 * rate[m] / CORES for m in MODES}  # of the machine's cores, while the mode ran
    pg_cpu = {
        m: sum(r.postgres for r in rounds if r.mode == m) / sum(r.events for r in rounds if r.mode == m) * 1000
        for m in MODES
    }
    idle = {
        m: sum(r.idle for r in rounds if r.mode == m) / (sum(r.seconds for r in rounds if r.mode == m) * CORES)
        for m in MODES
    }
    print(f"load average before {' '.join(load_before)}, after {' '.join(load_after)}")
    print(
        "writers' own CPU per save (ms): "
        + ", ".join(f"{m} {cpu[m]:.2f} ({share[m]:.0%} of {CORES} cores)" for m in MODES)
    )
    print(
        "PostgreSQL's CPU per save (ms): "
        + ", ".join(f"{m} {pg_cpu[m]:.2f} (machine idle {idle[m]:.0%})" for m in MODES)
    )
    print(
        f"RESULT partitions speedup={rate['partitioned'] / rate['one']:.2f} "
        f"raw_ratio={rate['partitioned'] / rate['raw']:.2f} one_ev_s={rate['one']:.0f} "
        f"partitioned_ev_s={rate['partitioned']:.0f} raw_rows_s={rate['raw']:.0f} "
        f"one_cpu_ms={cpu['one']:.2f} partitioned_cpu_ms={cpu['partitioned']:.2f} raw_cpu_ms={cpu['raw']:.2f} "
        f"one_pg_ms={pg_cpu['one']:.2f} partitioned_pg_ms={pg_cpu['partitioned']:.2f} raw_pg_ms={pg_cpu['raw']:.2f} "
        f"partitioned_idle={idle['partitioned']:.2f} "
        f"writers={args.writers} agencies={AGENCIES} cores={CORES} loadavg={'/'.join(load_after)}"
    )


if __name__ == "__main__":
    main()
