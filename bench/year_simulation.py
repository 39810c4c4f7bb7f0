"""A year of one large agency on PostgreSQL: daily log entries written while the read models follow.

Run by hand, not in CI (at full size it writes over a million events):

  1. one agency's cycle of 20,000 employees x --scale (units of 20, each appraised by its head outside
     the cycle), started, every appraisal opened and its SKP drafted, submitted and approved (4 events
     each), through the domain's own commands (Appraisals), as the workflows' activities run them;
  2. --days working days from 2 January: every employee logs one daily entry a day (LogDailyWork), the
     way the API writes it (straight to the domain: services/gateway.py:Gateway.record), by --writers
     threads, as API replicas would;
  3. meanwhile one projector (readmodels/projector.py) follows the log in its own thread, as the
     background loop does.

It prints, every --report seconds and at the end: events written and their rate, events projected and
their rate, and the projection lag (notifications not projected yet; the seconds they stand for at the
writers' rate). The last line:

    RESULT year_simulation events=... written_per_s=... projected_per_s=... lag_events=... scale=...

Full size (20,000 employees x 250 days = 5,000,000 daily entries, 1,000,000 after 50 days):

    .venv/bin/python bench/year_simulation.py --scale 1 --days 50

A smaller run on a shared machine (the figures scale with the machine, not with the agency):

    .venv/bin/python bench/year_simulation.py --scale 0.01 --days 20
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.support import DEFAULT_POSTGRES_URL, loadavg, postgres_problem
from chaos.cluster import database
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import Actor
from domain.cycle_commands import DefineCycle, StartCycle
from domain.work_commands import ApproveSkp, DraftSkp, LogDailyWork, SubmitSkp
from readmodels.projector import Projector, make_engine

FULL_SIZE = 20_000
UNIT = 20
YEAR = 2027
HR = Actor("196001012000011001", ("hr",))
AGENCY = "AG-YEAR"
ATASAN = "196003031985031001"
RHK = [
    {
        "id": "R1",
        "kind": "utama",
        "text": "Layanan administrasi kependudukan tepat waktu",
        "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Dokumen diterbitkan", "target": "1200"}],
    }
]


def nip(i: int, head: bool = False) -> str:
    """A plausible, unique NIP: born in 1980-1999 (heads: 1965), appointed at 25, a serial per thousand."""
    born = 1965 if head else 1980 + i // 1000
    return f"{born}0101{born + 25}01{'1' if head else '2'}{i % 1000:03d}"


def people(n: int) -> list[dict[str, Any]]:
    found = []
    for i in range(n):
        unit = i // UNIT
        found.append(
            {
                "nip": nip(i),
                "name": f"Pegawai {i + 1}",
                "unit_id": f"U{unit + 1:04d}",
                "unit_name": f"Bidang {unit + 1}",
                "appraiser_nip": nip(unit, head=True),
                "atasan_nip": ATASAN,
            }
        )
    return found


def working_days(n: int) -> list[date]:
    days: list[date] = []
    day = date(YEAR, 1, 2)
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


class Counter:
    def __init__(self) -> None:
        self.lock, self.n = threading.Lock(), 0

    def add(self, k: int = 1) -> None:
        with self.lock:
            self.n += k


def setup(app: Appraisals, staff: list[dict[str, Any]], writers: int) -> tuple[UUID, list[UUID]]:
    """The cycle started, every appraisal opened and planned (draft, submit, approve)."""
    at = datetime(YEAR, 1, 1, 1, 0, tzinfo=UTC)
    cycle_id = app.define_cycle(DefineCycle(HR, AGENCY, "Dinas Uji Setahun", "WIB", YEAR, staff), at=at)
    app.execute_cycle(cycle_id, StartCycle(HR), at=at)
    for page in range(0, len(staff), 500):
        app.open_appraisals(cycle_id, [p["nip"] for p in staff[page : page + 500]], at)
    ids = [Appraisal.create_id(cycle_id, p["nip"]) for p in staff]

    def plan(k: int) -> None:
        p, appraisal_id = staff[k], ids[k]
        app.execute(appraisal_id, DraftSkp(Actor(p["nip"]), RHK), at=at, key=f"draft-{k}")
        app.execute(appraisal_id, SubmitSkp(Actor(p["nip"])), at=at, key=f"submit-{k}")
        app.execute(appraisal_id, ApproveSkp(Actor(p["appraiser_nip"])), at=at, key=f"approve-{k}")

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(plan, range(len(staff))))
    return cycle_id, ids


def run(url: str, args: argparse.Namespace, keys: str) -> str:
    env = {
        "PERSISTENCE_MODULE": "transparency.persistence:SealingFactory",
        "SQLALCHEMY_URL": url,
        "SEAL_KEYS_DIR": keys,
        "SEAL_ORIGIN_PREFIX": "bench.local",
    }
    app = Appraisals(env=env)
    staff = people(max(UNIT, round(FULL_SIZE * args.scale)))
    started = time.monotonic()
    cycle_id, ids = setup(app, staff, args.writers)
    print(f"{len(staff)} appraisals planned in {time.monotonic() - started:.0f} s", flush=True)

    projector = Projector(app, make_engine(url), batch_size=500)
    written, stop = Counter(), threading.Event()
    projected = Counter()

    def follow() -> None:
        while not stop.is_set():
            done = projector.catch_up()
            projected.add(done)
            if not done:
                time.sleep(0.2)

    head = sa.create_engine(url)

    def newest() -> int:
        with head.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT max(id) FROM {app.name}_events")).scalar() or 0)

    following = threading.Thread(target=follow, name="projector", daemon=True)
    projector.catch_up()  # the setup's events, not timed
    following.start()
    days = working_days(args.days)
    t0 = time.monotonic()
    last = [t0]

    def log_day(k: int, day: date) -> None:
        p = staff[k]
        at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)  # 16:00 WIB
        entry = LogDailyWork(Actor(p["nip"]), day.isoformat(), "R1", f"kegiatan {day.isoformat()}")
        app.execute(ids[k], entry, at=at, key=f"daily-{k}-{day.isoformat()}")
        written.add()
        now = time.monotonic()
        if now - last[0] >= args.report:
            last[0] = now
            lag = newest() - projector.position()
            elapsed = now - t0
            print(
                f"{elapsed:6.0f} s  day {day}  written {written.n} ({written.n / elapsed:.0f}/s)  "
                f"projected {projected.n} ({projected.n / elapsed:.0f}/s)  lag {lag}  load {loadavg()}",
                flush=True,
            )

    with ThreadPoolExecutor(args.writers) as pool:
        for day in days:
            list(pool.map(lambda k: log_day(k, day), range(len(staff))))  # noqa: B023 - run at once
    write_s = time.monotonic() - t0
    lag_end = newest() - projector.position()
    while newest() - projector.position() > 0 and time.monotonic() - t0 < write_s * 3 + 60:
        time.sleep(0.5)
    stop.set()
    following.join(timeout=60)
    drained_s = time.monotonic() - t0
    events = written.n
    total = newest()
    written_rate = events / write_s
    projected_rate = (projected.n) / drained_s
    print(
        f"\n{len(staff)} employees x {len(days)} days: {events} daily entries in {write_s:.0f} s "
        f"({written_rate:.0f}/s, {args.writers} writers); {total} events in the log"
    )
    print(
        f"projected {projected.n} in {drained_s:.0f} s ({projected_rate:.0f}/s); lag when the writers stopped: {lag_end}"
    )
    print(f"load {loadavg()}")
    return (
        f"RESULT year_simulation events={total} daily_entries={events} written_per_s={written_rate:.0f} "
        f"projected_per_s={projected_rate:.0f} lag_events={lag_end} lag_s={lag_end / written_rate:.1f} "
        f"scale={args.scale} days={len(days)} writers={args.writers}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the 20,000 employees (default 1)")
    parser.add_argument(
        "--days", type=int, default=50, help="working days (default 50: 1,000,000 entries at full size)"
    )
    parser.add_argument("--writers", type=int, default=4, help="writer threads, as API replicas (default 4)")
    parser.add_argument("--report", type=float, default=30.0, help="seconds between progress lines")
    args = parser.parse_args()
    server = os.environ.get("KINERJA_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    if (problem := postgres_problem(server)) is not None:
        raise SystemExit(f"PostgreSQL is needed: not reachable at {server} ({problem})")
    with tempfile.TemporaryDirectory(prefix="kinerja-year-") as keys, database(server) as url:
        result = run(url.render_as_string(hide_password=False), args, keys)
    print(result)


if __name__ == "__main__":
    main()
