"""From aggregate state to read-model rows, inside the projector's transaction, a batch at a time.

Each row is a function of the aggregate's state (and, for due dates, of its cycle's rows), never of
the order or batching of events, so a projection caught up event by event equals one rebuilt from zero.
The counts (progress, distribution, trends) change by deltas: what an appraisal's old rows counted
(read back from the read model, in the same transaction) is taken away and what its new rows count is
added, so counts always equal a recount of the rows present (tests/test_readmodels.py checks it).
Rows are written with one DELETE per few hundred ids and one executemany INSERT per table and batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from domain.cycle_calendar import DEADLINES
from domain.opening import CycleRunning
from domain.organisation import Agency
from domain.schedule import CheckInDue, schedule
from domain.tasks import task_due, tasks_bounded_by
from readmodels.cascade_rows import cascade_rows
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
CHUNK = 500  # ids per IN (...): well below SQLite's bound-parameter limit


@dataclass
class AppraisalRows:
    """An appraisal's rows in rm_appraisals, rm_appraisal_periods and rm_inbox, and its other tables' (#15's
    cascade waits and supervisor flags: readmodels/cascade_rows.py), each keyed by appraisal_id."""

    row: dict[str, Any]
    periods: list[dict[str, Any]]
    inbox: list[dict[str, Any]]
    others: dict[sa.Table, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class CycleFacts:
    """What an appraisal's rows need of its cycle, read once per batch from the read model."""

    row: Mapping[str, Any]
    check_ins: list[CheckInDue]


@dataclass
class Deltas:
    """Changes to the counts, summed over a batch and written once (`flush`)."""

    progress: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    distribution: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    trends: Counter[tuple[Any, ...]] = field(default_factory=Counter)

    def count(self, row: Mapping[str, Any], periods: Iterable[Mapping[str, Any]], running: bool, sign: int) -> None:
        """Add (sign=1) or take away (sign=-1) what one appraisal's rows count."""
        cycle_id, unit_id = row["cycle_id"], row["unit_id"]
        if running:  # open means its workflow runs: a record still waiting for it is not counted yet
            self.progress[(cycle_id, unit_id, row["stage"])] += sign
        if row["predikat"] is not None:
            self.distribution[(cycle_id, unit_id, row["predikat"])] += sign
        for p in periods:
            self.trends[(row["agency_id"], row["year"], p["period"], unit_id, p["predikat"])] += sign

    def flush(self, conn: sa.Connection) -> None:
        for table, counts in (
            (cycle_progress, self.progress),
            (distribution, self.distribution),
            (trends, self.trends),
        ):
            add_counts(conn, table, counts)
            counts.clear()


def project_agency(conn: sa.Connection, agency: Agency) -> None:
    """The agency's employees as the org master data holds them now."""
    rows = [
        {"nip": nip, "agency_id": agency.code, "unit_id": str(e.get("unit_id", "")), "name": str(e.get("name", ""))}
        for nip, e in agency.employees.items()
    ]
    conn.execute(employees.delete().where(employees.c.agency_id == agency.code))
    if rows:
        delete_in(conn, employees, employees.c.nip, [r["nip"] for r in rows])  # moved agency
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


def cycle_facts(conn: sa.Connection, cycle_ids: Iterable[str]) -> dict[str, CycleFacts]:
    """The cycle rows and check-in dues of these cycles, as the read model holds them (one query each)."""
    wanted = sorted(set(cycle_ids))
    if not wanted:
        return {}
    rows = {r["cycle_id"]: r for r in conn.execute(sa.select(cycles).where(cycles.c.cycle_id.in_(wanted))).mappings()}
    dues: dict[str, list[CheckInDue]] = {c: [] for c in rows}
    query = sa.select(check_in_dues).where(check_in_dues.c.cycle_id.in_(wanted))
    for r in conn.execute(query.order_by(check_in_dues.c.cycle_id, check_in_dues.c.period)).mappings():
        dues[r["cycle_id"]].append(CheckInDue(r["period"], r["due_at"]))
    return {c: CycleFacts(dict(row), dues[c]) for c, row in rows.items()}


def project_appraisal(appraisal: Appraisal, cycle: CycleFacts) -> AppraisalRows:
    """The appraisal's row, its predikat per period and its inbox entry (a pure function of the two)."""
    appraisal_id, cycle_id = str(appraisal.id), str(appraisal.cycle_id)
    employee, rating, c = appraisal.employee, appraisal.rating or {}, cycle.row
    row = {
        "appraisal_id": appraisal_id,
        "cycle_id": cycle_id,
        "agency_id": c["agency_id"],
        "year": c["year"],
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
    periods = [
        {"appraisal_id": appraisal_id, "period": period, "predikat": ci["predikat"]}
        for period, ci in sorted(appraisal.check_ins.items())
        if ci.get("predikat")
    ]
    if appraisal.predikat:
        periods.append({"appraisal_id": appraisal_id, "period": ANNUAL, "predikat": appraisal.predikat})
    task = appraisal.pending_task()
    entry = []
    if task is not None:
        entry.append(
            {
                "appraisal_id": appraisal_id,
                "cycle_id": cycle_id,
                "employee_nip": appraisal.employee_nip,
                "employee_name": employee["name"],
                "unit_id": employee["unit_id"],
                "task": task["task"],
                "assignee_nip": task["assignee"],
                "due_at": task_due(appraisal, lambda name: c[f"{name}_due"], cycle.check_ins),
                "stage": appraisal.stage,
            }
        )
    return AppraisalRows(row, periods, entry, cascade_rows(appraisal))


def write_appraisals(
    conn: sa.Connection, projected: Sequence[AppraisalRows], deltas: Deltas, new: Collection[str] = ()
) -> None:
    """Replace the appraisals' rows; the counts move by what their old rows counted and their new ones count.
    Appraisals whose ids are in `new` are known to have no rows yet: nothing is read back or deleted for them."""
    if not projected:
        return
    ids = [p.row["appraisal_id"] for p in projected]
    had = [i for i in ids if i not in new] if new else ids
    old_rows = {r["appraisal_id"]: r for r in select_in(conn, appraisals, appraisals.c.appraisal_id, had)}
    old_periods: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for r in select_in(conn, appraisal_periods, appraisal_periods.c.appraisal_id, had):
        old_periods[r["appraisal_id"]].append(r)
    pairs = [(p.row["cycle_id"], p.row["employee_nip"]) for p in projected]
    pairs += [(r["cycle_id"], r["employee_nip"]) for r in old_rows.values()]
    running = running_among(conn, pairs)
    for p in projected:
        old = old_rows.get(p.row["appraisal_id"])
        if old is not None:
            deltas.count(old, old_periods[old["appraisal_id"]], (old["cycle_id"], old["employee_nip"]) in running, -1)
        deltas.count(p.row, p.periods, (p.row["cycle_id"], p.row["employee_nip"]) in running, 1)
    tables: dict[sa.Table, list[dict[str, Any]]] = {
        appraisals: [p.row for p in projected],
        appraisal_periods: [r for p in projected for r in p.periods],
        inbox: [r for p in projected for r in p.inbox],
    }
    for p in projected:
        for table, rows in p.others.items():
            tables.setdefault(table, []).extend(rows)
    for table, rows in tables.items():
        delete_in(conn, table, table.c.appraisal_id, had)
        if rows:
            conn.execute(table.insert(), rows)


def project_running(conn: sa.Connection, running: CycleRunning, deltas: Deltas) -> None:
    """Mark the cycle's appraisals whose workflow runs; each one with rows now counts in progress."""
    cycle_id, w = str(running.cycle_id), workflows_running
    known = set(conn.execute(sa.select(w.c.employee_nip).where(w.c.cycle_id == cycle_id)).scalars())
    new = [nip for nip in running.nips if nip not in known]
    if not new:
        return
    conn.execute(w.insert(), [{"cycle_id": cycle_id, "employee_nip": nip} for nip in new])
    a = appraisals
    for start in range(0, len(new), CHUNK):
        query = sa.select(a.c.unit_id, a.c.stage).where(
            a.c.cycle_id == cycle_id, among(conn, a.c.employee_nip, new[start : start + CHUNK])
        )
        for unit_id, stage in conn.execute(query):
            deltas.progress[(cycle_id, unit_id, stage)] += 1


def running_among(conn: sa.Connection, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (cycle_id, employee_nip) of these have a running workflow recorded."""
    by_cycle: dict[str, set[str]] = {}
    for cycle_id, nip in pairs:
        by_cycle.setdefault(cycle_id, set()).add(nip)
    w, found = workflows_running, set[tuple[str, str]]()
    for cycle_id, nips in by_cycle.items():
        listed = sorted(nips)
        for start in range(0, len(listed), CHUNK):
            query = sa.select(w.c.employee_nip).where(
                w.c.cycle_id == cycle_id, among(conn, w.c.employee_nip, listed[start : start + CHUNK])
            )
            found.update((cycle_id, nip) for nip in conn.execute(query).scalars())
    return found


def keberatan_status(appraisal: Appraisal) -> str | None:
    k = appraisal.keberatan
    if k is None:
        return None
    if k.get("outcome"):
        return str(k["outcome"])
    return "escalated" if k.get("escalated") else "filed"


def add_counts(conn: sa.Connection, table: sa.Table, counts: Mapping[tuple[Any, ...], int]) -> None:
    """count += delta for each key (one multi-row upsert); rows that reach zero are removed, as a recount
    would never have written them."""
    changed = {k: n for k, n in counts.items() if n}
    if not changed:
        return
    keys = [c.name for c in table.primary_key.columns]
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    upsert = insert.on_conflict_do_update(
        index_elements=keys, set_={"count": table.c["count"] + insert.excluded["count"]}
    )
    conn.execute(upsert, [{**dict(zip(keys, k, strict=True)), "count": n} for k, n in sorted(changed.items())])
    if any(n < 0 for n in changed.values()):
        conn.execute(table.delete().where(table.c["count"] <= 0))


def among(conn: sa.Connection, column: Any, values: Sequence[str]) -> Any:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter: a statement with a few
    hundred ids costs no rendering per id and its text is the same whatever their number, so the driver
    prepares it once (cProfile of the projector's loop: the IN lists were a sixth of its time)."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(sa.String)))
    return column.in_(values)


def select_in(conn: sa.Connection, table: sa.Table, column: Any, ids: Sequence[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        query = sa.select(table).where(among(conn, column, ids[start : start + CHUNK]))
        found.extend(dict(r) for r in conn.execute(query).mappings())
    return found


def delete_in(conn: sa.Connection, table: sa.Table, column: Any, ids: Sequence[str]) -> None:
    for start in range(0, len(ids), CHUNK):
        conn.execute(table.delete().where(among(conn, column, ids[start : start + CHUNK])))


def _replace(conn: sa.Connection, table: sa.Table, where: Any, rows: list[dict[str, Any]]) -> None:
    conn.execute(table.delete().where(where))
    if rows:
        conn.execute(table.insert(), rows)
