"""From aggregate state to read-model rows, inside the projector's transaction.

Each row is a function of the aggregate's state (and, for due dates, of its
cycle's rows), never of the order or batching of events, so a projection caught
up event by event equals one rebuilt from zero. Counts are recomputed from the
per-appraisal rows of the (cycle, unit) groups a batch touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from domain.cycle_calendar import DEADLINES
from domain.opening import CycleRunning
from domain.organisation import Agency
from domain.schedule import CheckInDue, schedule
from domain.tasks import task_due, tasks_bounded_by
from readmodels.cascade_rows import project_cascade
from readmodels.tables import (
    appraisal_periods,
    appraisals,
    check_in_dues,
    cycle_progress,
    cycles,
    distribution,
    employees,
    inbox,
    trends,
    workflows_running,
)

ANNUAL = "annual"
Group = tuple[str, str]  # (cycle_id, unit_id)


def project_agency(conn: sa.Connection, agency: Agency) -> None:
    """The agency's employees as the org master data holds them now."""
    rows = [
        {"nip": nip, "agency_id": agency.code, "unit_id": str(e.get("unit_id", "")), "name": str(e.get("name", ""))}
        for nip, e in agency.employees.items()
    ]
    conn.execute(employees.delete().where(employees.c.agency_id == agency.code))
    if rows:
        conn.execute(employees.delete().where(employees.c.nip.in_([r["nip"] for r in rows])))  # moved agency
        conn.execute(employees.insert(), rows)


def project_cycle(conn: sa.Connection, cycle: AppraisalCycle) -> None:
    """Upsert the cycle's row and its check-in dues; a moved deadline moves the due date of every inbox
    task it bounds. The check-in dues are the domain's (domain/schedule.py) under the review opening the
    cycle recorded at its start: they are fixed from that event on, before any appraisal is opened."""
    cycle_id = str(cycle.id)
    old = conn.execute(sa.select(cycles).where(cycles.c.cycle_id == cycle_id)).mappings().first()
    units: dict[str, dict[str, Any]] = {}
    for p in cycle.participants.values():
        unit = units.setdefault(p["unit_id"], {"name": p["unit_name"], "participants": 0})
        unit["participants"] += 1
    row = {
        "cycle_id": cycle_id,
        "agency_id": cycle.agency_id,
        "agency_name": cycle.agency_name,
        "year": cycle.year,
        "time_zone": cycle.time_zone,
        "rule_set_id": cycle.rule_set_id,
        "period": cycle.period,
        "status": cycle.status,
        "org_predikat": dict(cycle.org_predikat),
        "units": units,
        "version": cycle.version,
        **{f"{name}_due": cycle.deadline(name) for name in DEADLINES},
    }
    _replace(conn, cycles, cycles.c.cycle_id == cycle_id, [row])
    dues = [{"cycle_id": cycle_id, "period": c.period, "due_at": c.due} for c in schedule(cycle).check_ins]
    _replace(conn, check_in_dues, check_in_dues.c.cycle_id == cycle_id, dues)
    for name in DEADLINES:
        if old is not None and old[f"{name}_due"] != row[f"{name}_due"]:
            where = sa.and_(inbox.c.cycle_id == cycle_id, inbox.c.task.in_(tasks_bounded_by(name)))
            conn.execute(inbox.update().where(where).values(due_at=row[f"{name}_due"]))


def project_appraisal(conn: sa.Connection, appraisal: Appraisal) -> Group:
    """Replace the appraisal's row, its predikat per period and its inbox entry; return its group."""
    appraisal_id, cycle_id = str(appraisal.id), str(appraisal.cycle_id)
    cycle = conn.execute(sa.select(cycles).where(cycles.c.cycle_id == cycle_id)).mappings().one()
    employee = appraisal.employee
    rating = appraisal.rating or {}
    row = {
        "appraisal_id": appraisal_id,
        "cycle_id": cycle_id,
        "agency_id": cycle["agency_id"],
        "year": cycle["year"],
        "employee_nip": appraisal.employee_nip,
        "employee_name": employee["name"],
        "unit_id": employee["unit_id"],
        "unit_name": employee.get("unit_name") or employee["unit_id"],
        "appraiser_nip": appraisal.appraiser_nip,
        "atasan_nip": appraisal.atasan_nip,
        "stage": appraisal.stage,
        "skp_status": appraisal.skp_status,
        "predikat": appraisal.predikat,
        "results_rating": rating.get("results"),
        "behaviour_rating": rating.get("behaviour"),
        "keberatan_status": keberatan_status(appraisal),
        "rule_set_id": appraisal.rule_set_id,
        "updated_at": appraisal.modified_on,
        "version": appraisal.version,
    }
    _replace(conn, appraisals, appraisals.c.appraisal_id == appraisal_id, [row])
    periods = [
        {"appraisal_id": appraisal_id, "period": period, "predikat": c["predikat"]}
        for period, c in sorted(appraisal.check_ins.items())
        if c.get("predikat")
    ]
    if appraisal.predikat:
        periods.append({"appraisal_id": appraisal_id, "period": ANNUAL, "predikat": appraisal.predikat})
    _replace(conn, appraisal_periods, appraisal_periods.c.appraisal_id == appraisal_id, periods)
    task = appraisal.pending_task()
    entry = []
    if task is not None:
        periods_due = conn.execute(sa.select(check_in_dues).where(check_in_dues.c.cycle_id == cycle_id)).mappings()
        check_ins = [CheckInDue(r["period"], r["due_at"]) for r in periods_due]
        due = task_due(appraisal, lambda name: cycle[f"{name}_due"], check_ins)
        entry = [
            {
                "appraisal_id": appraisal_id,
                "cycle_id": cycle_id,
                "employee_nip": appraisal.employee_nip,
                "employee_name": employee["name"],
                "unit_id": employee["unit_id"],
                "task": task["task"],
                "assignee_nip": task["assignee"],
                "due_at": due,
                "stage": appraisal.stage,
            }
        ]
    _replace(conn, inbox, inbox.c.appraisal_id == appraisal_id, entry)
    project_cascade(conn, appraisal, _replace)
    return cycle_id, employee["unit_id"]


def project_running(conn: sa.Connection, running: CycleRunning) -> list[Group]:
    """Mark the cycle's appraisals whose workflow runs; return the groups whose progress changes."""
    cycle_id, w = str(running.cycle_id), workflows_running
    known = set(conn.execute(sa.select(w.c.employee_nip).where(w.c.cycle_id == cycle_id)).scalars())
    new = [nip for nip in running.nips if nip not in known]
    for start in range(0, len(new), 500):
        conn.execute(w.insert(), [{"cycle_id": cycle_id, "employee_nip": nip} for nip in new[start : start + 500]])
    units: set[str] = set()
    for start in range(0, len(new), 500):
        part = new[start : start + 500]
        query = sa.select(appraisals.c.unit_id).where(
            appraisals.c.cycle_id == cycle_id, appraisals.c.employee_nip.in_(part)
        )
        units.update(conn.execute(query.distinct()).scalars())
    return [(cycle_id, unit) for unit in sorted(units)]


def keberatan_status(appraisal: Appraisal) -> str | None:
    k = appraisal.keberatan
    if k is None:
        return None
    if k.get("outcome"):
        return str(k["outcome"])
    return "escalated" if k.get("escalated") else "filed"


def refresh_counts(conn: sa.Connection, groups: Iterable[Group]) -> None:
    """Recount progress, distribution and trends of each touched (cycle, unit) from the appraisal rows."""
    a, p = appraisals, appraisal_periods
    for cycle_id, unit_id in sorted(set(groups)):
        in_group = sa.and_(a.c.cycle_id == cycle_id, a.c.unit_id == unit_id)
        w = workflows_running
        _recount(  # open means its workflow runs: a record still waiting for it is not counted yet
            conn,
            cycle_progress,
            [a.c.cycle_id, a.c.unit_id, a.c.stage],
            in_group,
            sa.and_(cycle_progress.c.cycle_id == cycle_id, cycle_progress.c.unit_id == unit_id),
            join=a.join(w, sa.and_(w.c.cycle_id == a.c.cycle_id, w.c.employee_nip == a.c.employee_nip)),
        )
        _recount(
            conn,
            distribution,
            [a.c.cycle_id, a.c.unit_id, a.c.predikat],
            sa.and_(in_group, a.c.predikat.is_not(None)),
            sa.and_(distribution.c.cycle_id == cycle_id, distribution.c.unit_id == unit_id),
        )
        agency_id, year = conn.execute(
            sa.select(cycles.c.agency_id, cycles.c.year).where(cycles.c.cycle_id == cycle_id)
        ).one()
        # A trend row is keyed by agency and year: recount over every cycle of that agency-year.
        same_year = sa.and_(a.c.agency_id == agency_id, a.c.year == year, a.c.unit_id == unit_id)
        _recount(
            conn,
            trends,
            [a.c.agency_id, a.c.year, p.c.period, a.c.unit_id, p.c.predikat],
            same_year,
            sa.and_(trends.c.agency_id == agency_id, trends.c.year == year, trends.c.unit_id == unit_id),
            join=p.join(a, p.c.appraisal_id == a.c.appraisal_id),
        )


def _recount(
    conn: sa.Connection, table: sa.Table, keys: list[Any], where: Any, existing: Any, join: Any = None
) -> None:
    query = sa.select(*keys, sa.func.count().label("count")).where(where).group_by(*keys)
    if join is not None:
        query = query.select_from(join)
    conn.execute(table.delete().where(existing))
    conn.execute(table.insert().from_select([c.name for c in table.columns], query))


def _replace(conn: sa.Connection, table: sa.Table, where: Any, rows: list[dict[str, Any]]) -> None:
    conn.execute(table.delete().where(where))
    if rows:
        conn.execute(table.insert(), rows)
