"""The org master data as the API uses it: cycle participants, and the CSV import with its forwarding.

The import itself is the application service's (Appraisals.import_org, domain/org_import.py); here
a recorded change of supervisor is forwarded to each running appraisal of the employee.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from activities.errors import refusal_in
from domain import org_csv
from domain.application import Appraisals
from domain.appraisal import FINALISED
from domain.base import Actor
from domain.errors import DomainError, InvalidInput, NotFound, Refusal, refusal
from domain.org_changes import ImportResult, SupervisorChange
from domain.organisation import Agency
from domain.people_commands import ChangeSupervisor
from services.actions import AppraisalActions
from services.authz import bound, require_agency
from services.pppk import start_contract
from services.readside import ReadSide

NO_ORG_DATA = refusal(
    "org.no_data",
    "no org data for agency {agency_id!r}: import it first (POST /api/v1/hr/org/import) or list the participants",
)
NOBODY_IN_UNITS = refusal("org.nobody_in_units", "no employee of {agency_id!r} can take part in these units")
FILE_TOO_BIG = refusal("org.file_size", "at most {limit} bytes")
NO_REPORTING_LINE = refusal("org.no_reporting_line", "the new reporting line has no appraiser or atasan")
NOT_UTF8 = refusal("org.encoding", "must be UTF-8 text ({reason} at byte {byte})")


def participants_from_org(
    app: Appraisals, agency_id: str, unit_ids: list[str] | None
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The agency's employees as participants, and who was left out with the reason."""
    try:
        people = app.cycle_participants(agency_id, set(unit_ids) if unit_ids else None)
    except NotFound:
        raise InvalidInput("participants", NO_ORG_DATA, agency_id=agency_id) from None
    if not people.participants:
        raise InvalidInput("unit_ids", NOBODY_IN_UNITS, agency_id=agency_id)
    return people.participants, [{"nip": nip, "reason": why} for nip, why in people.skipped]


MAX_CSV_BYTES = 5 * 1024 * 1024


def csv_text(raw: bytes) -> str:
    """An uploaded org file as text (read at most MAX_CSV_BYTES + 1 bytes of it): UTF-8, a BOM allowed."""
    if len(raw) > MAX_CSV_BYTES:
        raise InvalidInput("file", FILE_TOO_BIG, limit=MAX_CSV_BYTES)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput("file", NOT_UTF8, reason=e.reason, byte=e.start) from None


async def import_csv(app: Appraisals, text: str, actor: Actor, reason: str, at: datetime) -> ImportResult:
    """Check the whole file, then record the differences (all or nothing)."""
    return await run_in_threadpool(lambda: app.import_org(text, by=actor, at=at, reason=reason))


@dataclass
class Imported:
    """An import's result, and where each supervisor change went (empty when the file was refused)."""

    result: ImportResult
    forwarded: list[dict[str, Any]]


async def import_and_forward(
    app: Appraisals,
    actions: AppraisalActions,
    readside: ReadSide,
    text: str,
    actor: Actor,
    reason: str,
    at: datetime,
    key: str,
) -> Imported:
    """The import (all or nothing); when recorded, each supervisor change goes to the running appraisals. HR bound
    to an agency imports only that agency's lines (services/authz.py): one of another agency refuses the file."""
    if bound(actor):
        lines, _ = org_csv.read(text, lambda _code: None)
        for code in sorted({line.agency_code for line in lines}):
            require_agency(actor, code)
    result = await import_csv(app, text, actor, reason, at)
    if result.problems:
        return Imported(result, [])
    for agency in result.agencies:
        await readside.wrote(Agency.create_id(agency))
    await readside.settle()
    forwarded = [await forward(change, actor, actions, readside, key) for change in result.supervisor_changes]
    for agency_id, nip, contract in result.contracts:  # #14: each PPPK contract's renewal timer
        zone = (await run_in_threadpool(app.agency, agency_id)).time_zone
        await start_contract(actions.gateway.client, actions.gateway.task_queue, agency_id, nip, contract, zone)
    return Imported(result, [row for rows in forwarded for row in rows])


async def record_mutation(
    app: Appraisals,
    actions: AppraisalActions,
    readside: ReadSide,
    agency_id: str,
    nip: str,
    supervisor_nip: str,
    *,
    actor: Actor,
    reason: str,
    effective: date,
    at: datetime,
    key: str,
) -> list[dict[str, Any]]:
    """A change of supervisor in the org data from its effective date, forwarded to the running appraisals
    of the employee (and of those they supervise, whose atasan changes)."""
    changes = await run_in_threadpool(
        lambda: app.change_org_supervisor(
            agency_id, nip, supervisor_nip, by=actor, at=at, reason=reason, effective=effective, key=key
        )
    )
    await readside.wrote(Agency.create_id(agency_id))
    await readside.settle()
    forwarded = [await forward(change, actor, actions, readside, key) for change in changes]
    return [row for rows in forwarded for row in rows]


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
            rows.append({**row, "forwarded": False, **_said(NO_REPORTING_LINE, {})})
            continue
        step_key = hashlib.sha256(f"{key}:{change.nip}:{found['cycle_id']}".encode()).hexdigest()[:32] if key else ""
        cmd = ChangeSupervisor(actor, change.appraiser_nip, change.atasan_nip, change.reason)
        try:
            await actions.change_supervisor(UUID(found["appraisal_id"]), cmd, step_key)
            rows.append({**row, "forwarded": True, "reason": ""})
        except DomainError as e:
            rows.append({**row, "forwarded": False, "reason": str(e), "code": e.code, "params": e.params})
        except Exception as e:  # noqa: BLE001 - reported per employee; the import itself is recorded
            found = refusal_in(e)  # a domain refusal inside the workflow carries its code
            rows.append({**row, "forwarded": False, "reason": f"{type(e).__name__}: {e}", **(found or {})})
    return rows


def _said(said: Refusal, params: dict[str, Any]) -> dict[str, Any]:
    return {"reason": said.say(params), "code": said.code, "params": params}
