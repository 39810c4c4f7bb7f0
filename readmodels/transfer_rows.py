"""The transfers' read model (#15): one row per mutasi, in whichever agency's log the record lives.

HR of the origin and of the destination agency list transfers from here (by either agency column), the
employee by NIP, and the inbox shows the old appraiser's task to evaluate the months served while the
evaluation is pending (and the old atasan's once it is escalated). A partitioned store projects each
agency's log into these same tables, so the destination's HR sees a transfer recorded in the origin's log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.calendar import as_utc
from domain.transfer import ESCALATE, EVALUATE_TASK, Transfer
from readmodels.tables import transfers


def project_transfer(conn: sa.Connection, transfer: Transfer) -> None:
    """Replace the transfer's row with its state now."""
    escalated = transfer.notices.get(ESCALATE)
    row = {
        "transfer_id": str(transfer.id),
        "origin_agency_id": str(transfer.origin["agency_id"]),
        "destination_agency_id": str(transfer.destination["agency_id"]),
        "employee_nip": transfer.employee_nip,
        "employee_name": transfer.employee_name,
        "origin_cycle_id": str(transfer.origin["cycle_id"]),
        "origin_appraisal_id": str(transfer.origin["appraisal_id"]),
        "origin_unit_id": str(transfer.origin["unit_id"]),
        "old_appraiser_nip": str(transfer.origin["appraiser_nip"]),
        "escalated_to": str(escalated["escalated_to"]) if escalated else None,
        "evaluation_pending": transfer.evaluation_pending,
        "evaluation_due": transfer.evaluation_due,
        "recorded_at": as_utc(transfer.created_on),
        "version": transfer.version,
    }
    conn.execute(transfers.delete().where(transfers.c.transfer_id == row["transfer_id"]))
    conn.execute(transfers.insert(), [row])


def transfer_ids(db: sa.Engine, *, agency_id: str | None = None, nip: str | None = None) -> list[str]:
    """The transfers out of or into an agency, or of an employee, oldest first."""
    query = sa.select(transfers.c.transfer_id).order_by(transfers.c.recorded_at, transfers.c.transfer_id)
    if agency_id is not None:
        query = query.where(
            sa.or_(transfers.c.origin_agency_id == agency_id, transfers.c.destination_agency_id == agency_id)
        )
    if nip is not None:
        query = query.where(transfers.c.employee_nip == nip)
    with db.connect() as conn:
        return [str(t) for t in conn.execute(query).scalars()]


def evaluation_tasks(db: sa.Engine, nip: str, now: Any) -> list[dict[str, Any]]:
    """The evaluations of months served that wait for this NIP: as the old appraiser, or as the old atasan once
    escalated. Shaped like the inbox's rows (the origin appraisal's id, the task, the due instant)."""
    mine = sa.or_(transfers.c.old_appraiser_nip == nip, transfers.c.escalated_to == nip)
    query = sa.select(transfers).where(transfers.c.evaluation_pending, mine).order_by(transfers.c.evaluation_due)
    with db.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        {
            "appraisal_id": row["origin_appraisal_id"],
            "cycle_id": row["origin_cycle_id"],
            "employee_nip": row["employee_nip"],
            "employee_name": row["employee_name"],
            "unit_id": row["origin_unit_id"],
            "task": EVALUATE_TASK,
            "assignee_nip": row["old_appraiser_nip"],
            "due_at": row["evaluation_due"],
            "stage": "mutasi",
            "overdue": row["evaluation_due"] < as_utc(now),
            "transfer_id": row["transfer_id"],
            "escalated_to": row["escalated_to"],
        }
        for row in rows
    ]
