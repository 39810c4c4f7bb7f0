"""The org master data as the API uses it: cycle participants, and the CSV import with its forwarding.

The import itself is the application service's (Appraisals.import_org, domain/org_import.py); here
a recorded change of supervisor is forwarded to each running appraisal of the employee.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from domain.appraisal import FINALISED
from domain.base import Actor
from domain.commands import ChangeSupervisor
from domain.errors import DomainError, InvalidInput, NotFound
from domain.org_import import ImportResult, SupervisorChange
from services.actions import AppraisalActions
from services.readside import ReadSide


def participants_from_org(
    app: Appraisals, agency_id: str, unit_ids: list[str] | None
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The agency's employees as participants, and who was left out with the reason."""
    try:
        people = app.cycle_participants(agency_id, set(unit_ids) if unit_ids else None)
    except NotFound:
        raise InvalidInput(
            "participants",
            f"no org data for agency {agency_id!r}: import it first (POST /api/v1/hr/org/import) or list the participants",
        ) from None
    if not people.participants:
        raise InvalidInput("unit_ids", f"no employee of {agency_id!r} can take part in these units")
    return people.participants, [{"nip": nip, "reason": why} for nip, why in people.skipped]


async def import_csv(app: Appraisals, text: str, actor: Actor, reason: str, at: datetime) -> ImportResult:
    """Check the whole file, then record the differences (all or nothing)."""
    return await run_in_threadpool(lambda: app.import_org(text, by=actor, at=at, reason=reason))


async def forward(
    change: SupervisorChange, actor: Actor, actions: AppraisalActions, readside: ReadSide, key: str
) -> list[dict[str, Any]]:
    """Send one supervisor change to each running appraisal of the employee."""
    rows = []
    for found in await readside.call("employee_appraisals", change.nip):
        if found["stage"] == FINALISED:
            continue
        row = {
            "nip": change.nip,
            "cycle_id": found["cycle_id"],
            "appraiser_nip": change.appraiser_nip,
            "atasan_nip": change.atasan_nip,
        }
        if not change.appraiser_nip or not change.atasan_nip:
            rows.append({**row, "forwarded": False, "reason": "the new reporting line has no appraiser or atasan"})
            continue
        step_key = hashlib.sha256(f"{key}:{change.nip}:{found['cycle_id']}".encode()).hexdigest()[:32] if key else ""
        cmd = ChangeSupervisor(actor, change.appraiser_nip, change.atasan_nip, change.reason)
        try:
            await actions.change_supervisor(UUID(found["appraisal_id"]), cmd, step_key)
            rows.append({**row, "forwarded": True, "reason": ""})
        except DomainError as e:
            rows.append({**row, "forwarded": False, "reason": str(e)})
        except Exception as e:  # noqa: BLE001 - reported per employee; the import itself is recorded
            rows.append({**row, "forwarded": False, "reason": f"{type(e).__name__}: {e}"})
    return rows
