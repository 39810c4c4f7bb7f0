"""The read models of a partitioned store: one projector per agency's log, each with its own tracking row.

Every projector writes the same read tables, keyed by cycle and appraisal (so by agency): the
agencies' rows never overlap, and the national roll-up (readmodels/national.py) is a query over
them. Each follows its own log from its own position (`appraisals@<agency>` in
rm_projection_tracking), in its own loop (`run_partitions`: one thread per agency, new agencies
picked up as they appear; `kinerja partitions project` runs it as a process of its own).
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from domain.application import Appraisals
from domain.partitions import PartitionedAppraisals
from readmodels.projector import Projector, run
from readmodels.tables import projection_failures, projection_tracking

PREFIX = "appraisals@"


def tracking_name(agency_code: str) -> str:
    return f"{PREFIX}{agency_code}"[:100]


def projector_for(store: PartitionedAppraisals, agency_code: str, engine: sa.Engine) -> Projector:
    return Projector(store.partition(agency_code), engine, name=tracking_name(agency_code))


def projectors_of(app: Appraisals, engine: sa.Engine) -> list[Projector]:
    """Every projector that writes the read tables of this store: one per agency's log when it is
    partitioned (none before the first agency's record), else the one of its single log."""
    if isinstance(app, PartitionedAppraisals):
        return [projector_for(app, code, engine) for code in sorted(app.partitions())]
    return [Projector(app, engine)]


def positions(engine: sa.Engine) -> dict[str, int]:
    """Each agency's projected position in its log."""
    if not sa.inspect(engine).has_table(projection_tracking.name):
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(projection_tracking.c.projection, projection_tracking.c.last_notification_id).where(
                projection_tracking.c.projection.startswith(PREFIX)
            )
        )
        return {name.removeprefix(PREFIX): int(at) for name, at in rows}


def rebuild_all(store: PartitionedAppraisals, engine: sa.Engine) -> int:
    """Drop the read tables once, then project every agency's log from its first row; returns the events applied."""
    projectors = projectors_of(store, engine)
    if not projectors:
        return 0
    total = projectors[0].rebuild()  # drops and recreates every read table, resets its own position
    for p in projectors[1:]:
        p.ensure_tables()
        with engine.begin() as conn:
            conn.execute(projection_failures.delete().where(projection_failures.c.projection == p.name))
            conn.execute(
                projection_tracking.update()
                .where(projection_tracking.c.projection == p.name)
                .values(last_notification_id=0)
            )
        total += p.replay()
    return total


def run_partitions(
    store: PartitionedAppraisals,
    engine: sa.Engine,
    stop: threading.Event,
    every_seconds: float = 1.0,
    *,
    projectors: dict[str, Projector] | None = None,
    discover: threading.Event | None = None,
) -> None:
    """One projection loop per agency's log until `stop`; agencies that appear later get theirs within seconds,
    at once when `discover` is set (a wake-up naming a log without a loop yet). Each projector is also put in
    `projectors` by its log's name, for the wake-ups (readmodels/wakeup.py)."""
    loops: dict[str, threading.Thread] = {}
    while not stop.is_set():
        for code in store.directory.agencies():
            if code not in loops:
                projector = projector_for(store, code, engine)
                if projectors is not None:
                    projectors[store.partition(code).name] = projector
                loops[code] = threading.Thread(
                    target=run, args=(projector, stop, every_seconds), name=f"projector {code}", daemon=True
                )
                loops[code].start()
        if discover is None:
            stop.wait(max(every_seconds, 5.0))
        else:
            discover.wait(max(every_seconds, 5.0))
            discover.clear()
    for thread in loops.values():
        thread.join(timeout=10)
