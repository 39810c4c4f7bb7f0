"""Rebuilding the read models from the log, against a raw SELECT of the same rows (issue #10).

For each backend (a SQLite file in a temp dir; PostgreSQL at KINERJA_TEST_POSTGRES_URL, in a schema of
its own, skipped if it does not answer) it writes a log like a real year: one cycle, N appraisals of
~25 events each (opening, SKP drafted, submitted, approved, progress reports, four check-ins, review,
rating, delivery, the keberatan window closing), interleaved step by step across the appraisals as a
year interleaves them, and the cycle's record of which workflows run. The events are the domain's own:
one appraisal is driven through the real commands and its stored events are copied for the others
(new ids, names and units of 50). Then, interleaved A B B A:
  A  `Projector.rebuild()`: drop the read models and project the whole log from zero, a fresh projector;
  B  the baseline: `SELECT *` of the same event rows in notification order, every row fetched;
and, between the B runs, twice
  C  the floor: the same SELECT, and each row's JSON decoded by the store's transcoder (no domain, no
     writes): the least a projection that reads the events' payloads in Python can cost.
Ends with one line (ratio = mean A / mean B, per backend; the goal is <= 2.0; floor_ratio = mean C /
mean B, what decoding alone costs against the scan):

    RESULT rebuild ratio=<worst backend> sqlite_ratio=... sqlite_floor_ratio=... postgres_ratio=... events=...

    PYTHONPATH=. .venv/bin/python bench/projections.py [--appraisals 4200] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

from bench.support import loadavg
from domain.application import Appraisals
from domain.opening import CycleRunning
from domain.work_commands import HoldCheckIn, ReportProgress
from readmodels.projector import Projector, make_engine
from tests.factories import HEAD, STAFF, Scenario, T, actor

POSTGRES_URL = os.environ.get("KINERJA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/kinerja_test")
SCHEMA = "bench_projections"
UNITS = 50
PROGRESS_REPORTS = 12


def template() -> tuple[Scenario, list[Any]]:
    """One appraisal's year through the real commands (in memory): its domain events, and the scenario."""
    s = Scenario.new(Appraisals())
    s.plan(STAFF)
    for k in range(PROGRESS_REPORTS):
        period = f"Q{k % 4 + 1}"
        s.do(STAFF, ReportProgress(actor(STAFF), period, "004-1", f"{100 + k} surat"), T["approve"] + timedelta(days=k))
    for q in range(1, 5):
        s.do(STAFF, HoldCheckIn(actor(HEAD), f"Q{q}", "dialog kinerja", "sesuai", "sesuai"), T["check_in"])
    s.deliver()
    s.close_window(STAFF)
    stored = s.app.recorder.select_events(s.id(STAFF))
    return s, [s.app.mapper.to_domain_event(e) for e in stored]


def clone(events: list[Any], k: int) -> list[Any]:
    """The template's events as another employee's appraisal: a new id, NIP, name and unit."""
    new_id, nip = uuid.uuid4(), f"1990{k:08d}2015032"[:18]
    unit = f"unit-{k % UNITS:02d}"
    copies = []
    for e in events:
        c = copy.copy(e)
        c.__dict__["originator_id"] = new_id
        if "employee" in c.__dict__:
            c.__dict__["employee"] = {
                **c.employee,
                "nip": nip,
                "name": f"Pegawai {k}",
                "unit_id": unit,
                "unit_name": unit,
            }
            c.__dict__["employee_nip"] = nip
        copies.append(c)
    return copies


def write_log(url: str, appraisals: int) -> tuple[Appraisals, int]:
    """The interleaved year in an empty store at `url`; returns the application and the number of events."""
    s, events = template()
    # The production recorder (transparency/persistence.py, how the projector reads the log), unsealed:
    # seals are written beside the rows and a rebuild does not read them.
    app = Appraisals(env={"PERSISTENCE_MODULE": "transparency.persistence:SealingFactory", "SQLALCHEMY_URL": url})
    mapper = app.mapper
    cycle_events = [s.app.mapper.to_domain_event(e) for e in s.app.recorder.select_events(s.cycle_id)]
    app.recorder.insert_events([mapper.to_stored_event(e) for e in cycle_events])
    clones = [clone(events, k) for k in range(appraisals)]
    count = len(cycle_events)
    for step in range(len(events)):
        rows: list[StoredEvent] = [mapper.to_stored_event(c[step]) for c in clones]
        for start in range(0, len(rows), 1000):
            app.recorder.insert_events(rows[start : start + 1000])
        count += len(rows)
        if step == 0:  # the opening activity records the started workflows, a page of 500 at a time
            running = CycleRunning(cycle_id=s.cycle_id, timestamp=T["open"])
            nips = [c[0].employee_nip for c in clones]
            for start in range(0, len(nips), 500):
                running.record(nips[start : start + 500], T["open"])
            pending = running.collect_events()
            app.recorder.insert_events([mapper.to_stored_event(e) for e in pending])
            count += len(pending)
    return app, count


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench(backend: str, url: str, appraisals: int) -> dict[str, float]:
    started = time.perf_counter()
    app, events = write_log(url, appraisals)
    print(f"{backend}: wrote {events} events ({appraisals} appraisals) in {time.perf_counter() - started:.1f} s")
    engine = make_engine(url)
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    projected: list[int] = []

    def rebuild() -> None:
        projector = Projector(app, engine)
        projected.append(projector.rebuild())
        assert projector.working_set.loads == 0, "a rebuild from zero reloads no aggregate"

    def select() -> None:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all()
        assert len(rows) == events

    decode = app.mapper.transcoder.decode

    def decoded() -> None:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all()
        states = [decode(bytes(r.state)) for r in rows]
        assert len(states) == events

    a1, b1, c1, c2, b2, a2 = (timed(f) for f in (rebuild, select, decoded, decoded, select, rebuild))
    assert projected == [events, events], projected
    rebuild_s, select_s, floor_s = statistics.mean([a1, a2]), statistics.mean([b1, b2]), statistics.mean([c1, c2])
    print(
        f"{backend}: rebuild {a1:.2f} / {a2:.2f} s ({events / rebuild_s:,.0f} ev/s), "
        f"raw select {b1:.2f} / {b2:.2f} s, select + JSON decode {c1:.2f} / {c2:.2f} s, "
        f"ratio {rebuild_s / select_s:.2f}, floor {floor_s / select_s:.2f}  (loadavg {loadavg()})"
    )
    app.close()
    engine.dispose()
    return {
        "events": events,
        "rebuild_s": rebuild_s,
        "select_s": select_s,
        "ratio": rebuild_s / select_s,
        "floor_ratio": floor_s / select_s,
    }


def postgres_url() -> str | None:
    """A URL whose connections use a schema of their own (created empty), or None if PostgreSQL does not answer."""
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
    except sa.exc.OperationalError as e:
        print(f"postgres: skipped ({str(e).splitlines()[0]})")
        return None
    joiner = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{SCHEMA}"


def drop_schema() -> None:
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--appraisals", type=int, default=4200, help="appraisals of ~24 events each (default 4200: over 100,000 events)"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kinerja-bench-") as folder:
        results["sqlite"] = bench("sqlite", f"sqlite:///{Path(folder) / 'kinerja.db'}", args.appraisals)
    if not args.skip_postgres:
        url = postgres_url()
        if url is not None:
            try:
                results["postgres"] = bench("postgres", url, args.appraisals)
            finally:
                drop_schema()
    figures = " ".join(
        f"{b}_ratio={r['ratio']:.2f} {b}_floor_ratio={r['floor_ratio']:.2f} "
        f"{b}_rebuild_s={r['rebuild_s']:.2f} {b}_select_s={r['select_s']:.2f}"
        for b, r in results.items()
    )
    worst = max(r["ratio"] for r in results.values())
    events = max(int(r["events"]) for r in results.values())
    print(f"RESULT rebuild ratio={worst:.2f} {figures} events={events} loadavg={loadavg().replace(' ', '/')}")


if __name__ == "__main__":
    main()
