"""The rows of #15 an appraisal projects: its RHK waiting for the superior's, and a flagged wrong supervisor."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.appraisal import PLANNING, Appraisal
from domain.cascade import waiting_ids
from domain.supervisor_flag import open_flag
from readmodels.tables import cascade_waits, supervisor_flags


def cascade_rows(appraisal: Appraisal) -> dict[sa.Table, list[dict[str, Any]]]:
    """The appraisal's waiting row (an SKP in planning whose RHK utama name no superior RHK yet) and its
    open flag row, by table (readmodels/rows.py writes them with the appraisal's other rows). Whether the superior takes part in the cycle (else nothing cascades and nothing waits) is
    asked when reading, by the superior's own row in rm_appraisals (readmodels/cascade_queries.py)."""
    appraisal_id, employee = str(appraisal.id), appraisal.employee
    waiting = waiting_ids(appraisal.rhk) if appraisal.stage == PLANNING else []
    rows = []
    if waiting:
        rows = [
            {
                "appraisal_id": appraisal_id,
                "cycle_id": str(appraisal.cycle_id),
                "employee_nip": appraisal.employee_nip,
                "employee_name": employee["name"],
                "unit_id": employee["unit_id"],
                "unit_name": employee.get("unit_name") or employee["unit_id"],
                "waits_on": appraisal.appraiser_nip,
                "rhk_ids": waiting,
                "skp_status": appraisal.skp_status,
            }
        ]
    flag = open_flag(appraisal)
    flags = []
    if flag is not None:
        flags = [
            {
                "appraisal_id": appraisal_id,
                "cycle_id": str(appraisal.cycle_id),
                "employee_nip": appraisal.employee_nip,
                "employee_name": employee["name"],
                "unit_id": employee["unit_id"],
                "flagged_by": flag["by"],
                "role": flag["role"],
                "appraiser_nip": flag["appraiser_nip"],
                "reason": flag["reason"],
                "flagged_at": flag["at"],
            }
        ]
    return {cascade_waits: rows, supervisor_flags: flags}
