"""What the screens of #15 ask: the blocked cascade chains per unit and whom they wait on, the subordinates
waiting on one superior's RHK, and the wrong supervisors flagged for HR."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from readmodels.tables import appraisals, cascade_waits, supervisor_flags

# The superior's own appraisal in the same cycle: no row, no participant, so nothing cascades and nothing waits.
_superior = appraisals.alias("superior")
_JOIN = cascade_waits.join(
    _superior,
    sa.and_(_superior.c.cycle_id == cascade_waits.c.cycle_id, _superior.c.employee_nip == cascade_waits.c.waits_on),
)
# "empty": the superior has drafted no RHK yet, so the chain is blocked on them; otherwise the waiting RHK only
# need their link (the employee's, or the appraiser's during the review of the SKP).
_COLUMNS = (
    *cascade_waits.c,
    _superior.c.employee_name.label("superior_name"),
    (_superior.c.skp_status == "empty").label("blocked"),
)


def cascade_waits_of(db: sa.Engine, cycle_id: str) -> list[dict[str, Any]]:
    """Per unit, the SKPs whose RHK utama wait, each with the superior they wait on and whether that superior
    has RHK yet (`blocked`: not yet); units by name, blocked chains first."""
    query = (
        sa.select(*_COLUMNS)
        .select_from(_JOIN)
        .where(cascade_waits.c.cycle_id == str(cycle_id))
        .order_by(cascade_waits.c.unit_name, cascade_waits.c.waits_on, cascade_waits.c.employee_name)
    )
    with db.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    units: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        units[(row["unit_id"], row["unit_name"])].append(row)
    result = []
    for (unit_id, unit_name), waits in units.items():
        superiors: dict[str, dict[str, Any]] = {}
        for row in waits:
            who = superiors.setdefault(
                row["waits_on"],
                {"nip": row["waits_on"], "name": row["superior_name"], "blocked": bool(row["blocked"]), "waiting": []},
            )
            who["waiting"].append(
                {
                    "appraisal_id": row["appraisal_id"],
                    "nip": row["employee_nip"],
                    "name": row["employee_name"],
                    "rhk_ids": row["rhk_ids"],
                    "skp_status": row["skp_status"],
                }
            )
        ordered = sorted(superiors.values(), key=lambda s: (not s["blocked"], s["name"]))
        result.append({"unit_id": unit_id, "unit_name": unit_name, "superiors": ordered})
    return result


def waiting_on(db: sa.Engine, nip: str) -> list[dict[str, Any]]:
    """The subordinates whose SKP waits on `nip`'s RHK (in any cycle where `nip` has drafted none yet)."""
    query = (
        sa.select(*_COLUMNS)
        .select_from(_JOIN)
        .where(cascade_waits.c.waits_on == nip, _superior.c.skp_status == "empty")
        .order_by(cascade_waits.c.employee_name)
    )
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def open_supervisor_flags(db: sa.Engine, cycle_id: str | None = None) -> list[dict[str, Any]]:
    """The wrong supervisors flagged and not yet answered (HR's tasks), oldest first."""
    where = [supervisor_flags.c.cycle_id == str(cycle_id)] if cycle_id else []
    query = sa.select(supervisor_flags).where(*where).order_by(supervisor_flags.c.flagged_at)
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
