"""What screens ask of the read models: plain functions over an engine, no web framework.

Rules are never copied here: the curve check calls the cycle's rule set.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from domain.calendar import as_utc
from domain.rules import PREDIKATS, rule_set
from domain.stages import FINALISED
from readmodels.cascade_queries import cascade_waits_of, open_supervisor_flags, waiting_on  # noqa: F401 - #15's reads
from readmodels.national import national_rollup  # noqa: F401 - #10's roll-up over every agency's log
from readmodels.rows import ANNUAL
from readmodels.tables import appraisals, cycle_progress, cycles, distribution, employees, inbox, trends
from readmodels.transfer_rows import evaluation_tasks, transfer_ids  # noqa: F401 - #15's transfer reads


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else datetime.now(timezone.utc)


def assignee_inbox(db: sa.Engine, assignee: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """The tasks waiting for a NIP (or "hr"): overdue first, then by due date, undated last."""
    now = _now(now)
    overdue = sa.case((inbox.c.due_at < now, 0), else_=1)
    undated = sa.case((inbox.c.due_at.is_(None), 1), else_=0)
    query = (
        sa.select(inbox)
        .where(inbox.c.assignee_nip == assignee)
        .order_by(overdue, undated, inbox.c.due_at, inbox.c.employee_name, inbox.c.appraisal_id)
    )
    with db.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{**row, "overdue": row["due_at"] is not None and row["due_at"] < now} for row in rows]


def employee_appraisals(db: sa.Engine, nip: str) -> list[dict[str, Any]]:
    """An employee's appraisals, newest year first."""
    query = sa.select(appraisals).where(appraisals.c.employee_nip == nip).order_by(appraisals.c.year.desc())
    with db.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def employee(db: sa.Engine, nip: str) -> dict[str, Any] | None:
    """The employee with this NIP in any agency's org master data, or None."""
    with db.connect() as conn:
        row = conn.execute(sa.select(employees).where(employees.c.nip == nip)).mappings().first()
    return dict(row) if row is not None else None


def cycle(db: sa.Engine, cycle_id: str) -> dict[str, Any] | None:
    with db.connect() as conn:
        row = conn.execute(sa.select(cycles).where(cycles.c.cycle_id == str(cycle_id))).mappings().first()
    return dict(row) if row is not None else None


def cycle_list(db: sa.Engine) -> list[dict[str, Any]]:
    """Every cycle, newest year first: what a dashboard offers to open."""
    query = sa.select(
        cycles.c.cycle_id, cycles.c.agency_id, cycles.c.agency_name, cycles.c.year, cycles.c.status, cycles.c.time_zone
    ).order_by(cycles.c.year.desc(), cycles.c.agency_name)
    with db.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def org_agencies(db: sa.Engine) -> list[dict[str, Any]]:
    """The agencies with org master data, and how many employees each has."""
    query = (
        sa.select(employees.c.agency_id, sa.func.count().label("employees"))
        .group_by(employees.c.agency_id)
        .order_by(employees.c.agency_id)
    )
    with db.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def cycle_appraisals(db: sa.Engine, cycle_id: str, unit_id: str | None = None) -> list[dict[str, Any]]:
    """The appraisals of a cycle (or of one of its units), by unit then employee name."""
    where = [appraisals.c.cycle_id == str(cycle_id)] + ([appraisals.c.unit_id == unit_id] if unit_id else [])
    query = sa.select(appraisals).where(*where).order_by(appraisals.c.unit_id, appraisals.c.employee_name)
    with db.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def progress(db: sa.Engine, cycle_id: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per unit: participants, appraisals per stage, not yet opened, and overdue tasks per stage."""
    now, cycle_id = _now(now), str(cycle_id)
    found = cycle(db, cycle_id)
    if found is None:
        return []
    late = (
        sa.select(inbox.c.unit_id, inbox.c.stage, sa.func.count())
        .where(inbox.c.cycle_id == cycle_id, inbox.c.due_at < now)
        .group_by(inbox.c.unit_id, inbox.c.stage)
    )
    with db.connect() as conn:
        counts = conn.execute(sa.select(cycle_progress).where(cycle_progress.c.cycle_id == cycle_id)).mappings().all()
        overdue_rows = conn.execute(late).all()
    stages: dict[str, dict[str, int]] = defaultdict(dict)
    for row in counts:
        stages[row["unit_id"]][row["stage"]] = row["count"]
    overdue: dict[str, dict[str, int]] = defaultdict(dict)
    for unit_id, stage, n in overdue_rows:
        overdue[unit_id][stage] = n
    result = []
    for unit_id in sorted(set(found["units"]) | set(stages)):
        unit = found["units"].get(unit_id, {"name": unit_id, "participants": 0})
        opened = sum(stages[unit_id].values())
        result.append(
            {
                "unit_id": unit_id,
                "unit_name": unit["name"],
                "participants": unit["participants"],
                "stages": dict(stages[unit_id]),
                "not_opened": max(unit["participants"] - opened, 0),
                "overdue": dict(overdue[unit_id]),
                "overdue_total": sum(overdue[unit_id].values()),
            }
        )
    return result


def unit_distribution(db: sa.Engine, cycle_id: str) -> list[dict[str, Any]]:
    """Per unit: predikat counts and the rule set's curve check against the unit's organisation predikat."""
    cycle_id = str(cycle_id)
    found = cycle(db, cycle_id)
    if found is None:
        return []
    rules = rule_set(found["rule_set_id"])
    with db.connect() as conn:
        rows = conn.execute(sa.select(distribution).where(distribution.c.cycle_id == cycle_id)).mappings().all()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PREDIKATS, 0))
    for row in rows:
        counts[row["unit_id"]][row["predikat"]] = row["count"]
    result = []
    for unit_id in sorted(set(found["units"]) | set(counts)):
        org = found["org_predikat"].get(unit_id)
        unit_counts = counts[unit_id]
        warnings = [w.message for w in rules.check_curve(org, unit_counts)] if org else None
        result.append(
            {
                "unit_id": unit_id,
                "org_predikat": org,
                "counts": dict(unit_counts),
                "rated": sum(unit_counts.values()),
                "curve_warnings": warnings,
            }
        )
    return result


def predikat_trends(db: sa.Engine, agency_id: str, unit_id: str | None = None) -> list[dict[str, Any]]:
    """Predikat counts per year and period (check-ins, then "annual"), for the agency or one unit."""
    where = [trends.c.agency_id == agency_id] + ([trends.c.unit_id == unit_id] if unit_id is not None else [])
    query = (
        sa.select(trends.c.year, trends.c.period, trends.c.predikat, sa.func.sum(trends.c.count))
        .where(*where)
        .group_by(trends.c.year, trends.c.period, trends.c.predikat)
    )
    with db.connect() as conn:
        rows = conn.execute(query).all()
    series: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(PREDIKATS, 0))
    for year, period, predikat, n in rows:
        series[(year, period)][predikat] = int(n)
    # Periods sort by name (Q1..Q4, M01..M12) and the annual predikat closes each year.
    ordered = sorted(series, key=lambda k: (k[0], k[1] == ANNUAL, k[1]))
    return [{"year": year, "period": period, "counts": series[(year, period)]} for year, period in ordered]


def agency_results(db: sa.Engine, agency_id: str) -> list[dict[str, Any]]:
    """Every finalised appraisal of the agency (#14: the facts of the angka kredit ledger and the 9-box),
    oldest year first; of two posts in one year (a transfer), the later one closes the year."""
    query = (
        sa.select(
            appraisals.c.appraisal_id,
            appraisals.c.employee_nip,
            appraisals.c.employee_name,
            appraisals.c.unit_id,
            appraisals.c.unit_name,
            appraisals.c.year,
            appraisals.c.predikat,
            appraisals.c.rule_set_id,
            appraisals.c.updated_at,
        )
        .where(appraisals.c.agency_id == agency_id, appraisals.c.stage == FINALISED)
        .order_by(appraisals.c.year, appraisals.c.updated_at)
    )
    with db.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]
