"""The national roll-up: every agency's appraisals by stage and predikat, and the nation's totals.

A query over the read tables every agency's projector writes (keyed by agency: one projector per
agency's log when the store is partitioned, partitioning/projection.py; the one projector of the
single log otherwise), so it is as fresh as the slowest agency's projection, whose position it shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from readmodels.projector import create_tables
from readmodels.tables import appraisals, cycles, metadata, projection_tracking


def national_rollup(engine: sa.Engine, year: int | None = None) -> dict[str, Any]:
    """{"year", "agencies": [{agency_id, agency_name, year, appraisals, by_stage, by_predikat}], "national", "positions"}.

    The read tables are made first when missing (what a projector has not made yet reads as nothing projected):
    asking whether one of them exists says nothing of the others while a projector is creating them."""
    create_tables(engine, metadata)
    a = appraisals
    counted = (
        sa.select(a.c.agency_id, a.c.year, a.c.stage, a.c.predikat, sa.func.count().label("n"))
        .group_by(a.c.agency_id, a.c.year, a.c.stage, a.c.predikat)
        .order_by(a.c.agency_id, a.c.year)
    )
    names = sa.select(cycles.c.agency_id, cycles.c.year, cycles.c.agency_name)
    if year is not None:
        counted, names = counted.where(a.c.year == year), names.where(cycles.c.year == year)
    with engine.connect() as conn:
        rows = conn.execute(counted).all()
        agency_names = {(r.agency_id, r.year): r.agency_name for r in conn.execute(names)}
        positions = {p.projection: int(p.last_notification_id) for p in conn.execute(sa.select(projection_tracking))}
    agencies: dict[tuple[str, int], list[Any]] = {}
    for r in rows:
        agencies.setdefault((r.agency_id, r.year), []).append(r)
    listed = [
        {"agency_id": agency, "agency_name": agency_names.get((agency, y), agency), "year": y, **_totals(found)}
        for (agency, y), found in agencies.items()
    ]
    return {"year": year, "agencies": listed, "national": _totals(rows), "positions": positions}


def _totals(rows: Sequence[Any]) -> dict[str, Any]:
    stages: Counter[str] = Counter()
    predikat: Counter[str] = Counter()
    for r in rows:
        stages[r.stage] += r.n
        if r.predikat:
            predikat[r.predikat] += r.n
    return {"appraisals": sum(stages.values()), "by_stage": dict(stages), "by_predikat": dict(predikat)}
