"""Reading one appraisal or cycle for a screen, with the caller's right to see it checked."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from api.authz import require_read, require_write
from api.commands import Commands
from domain import calendar
from domain.application import Appraisals
from domain.appraisal import RESULT_DELIVERED, Appraisal
from domain.audit import jsonable
from domain.base import Actor
from domain.cycle import AppraisalCycle


def load_appraisal(app: Appraisals, actor: Actor, appraisal_id: UUID) -> tuple[Appraisal, set[str]]:
    """The appraisal if the caller may see it (else 404), and how the caller relates to it."""
    appraisal = app.appraisal(appraisal_id)
    return appraisal, require_read(actor, appraisal)


def days_left(deadline: datetime | None, zone: str, now: datetime | None = None) -> int | None:
    """Calendar days left in the agency's zone: 0 means today is the last day, negative means closed."""
    if deadline is None:
        return None
    now = now or datetime.now(timezone.utc)
    if now > deadline:
        return -1
    return (calendar.local_day(deadline, zone) - calendar.local_day(now, zone)).days


def appraisal_view(appraisal: Appraisal, relations: set[str], now: datetime | None = None) -> dict[str, Any]:
    deadline = appraisal.keberatan_deadline
    open_for_keberatan = appraisal.stage == RESULT_DELIVERED
    return jsonable(
        {
            "id": appraisal.id,
            "version": appraisal.version,
            "cycle_id": appraisal.cycle_id,
            "employee_nip": appraisal.employee_nip,
            "employee": appraisal.employee,
            "appraiser_nip": appraisal.appraiser_nip,
            "atasan_nip": appraisal.atasan_nip,
            "rule_set_id": appraisal.rule_set_id,
            "stage": appraisal.stage,
            "skp_status": appraisal.skp_status,
            "rhk": appraisal.rhk,
            "skp_returns": appraisal.skp_returns,
            "progress": appraisal.progress,
            "check_ins": appraisal.check_ins,
            "self_assessment": appraisal.self_assessment,
            "rating": appraisal.rating,
            "predikat": appraisal.predikat,
            "keberatan": appraisal.keberatan,
            "keberatan_deadline": deadline,
            "keberatan_days_left": days_left(deadline, appraisal.time_zone, now) if open_for_keberatan else None,
            "follow_up": appraisal.follow_up,
            "pending": appraisal.pending_task(),
            "your_relations": sorted(relations),
        }
    )


def cycle_view(cycle: AppraisalCycle) -> dict[str, Any]:
    return jsonable(
        {
            "id": cycle.id,
            "version": cycle.version,
            "agency_id": cycle.agency_id,
            "agency_name": cycle.agency_name,
            "year": cycle.year,
            "time_zone": cycle.time_zone,
            "rule_set_id": cycle.rule_set_id,
            "period": cycle.period,
            "status": cycle.status,
            "deadlines": cycle.deadlines,
            "extensions": cycle.extensions,
            "participants": len(cycle.participants),
            "units": sorted(cycle.units()),
            "org_predikat": cycle.org_predikat,
            "calibrations": cycle.calibrations,
        }
    )


async def load_appraisal_async(app: Appraisals, actor: Actor, appraisal_id: UUID) -> tuple[Appraisal, set[str]]:
    """load_appraisal off the event loop (the event store is synchronous)."""
    return await run_in_threadpool(load_appraisal, app, actor, appraisal_id)


def superior_rhk(app: Appraisals, appraisal: Appraisal) -> list[dict[str, str]] | None:
    """The appraiser's own RHK (id, text) in the same cycle; None at the top of the chain."""
    found = app.superior_rhk(appraisal)
    return None if found is None else [{"id": r["id"], "text": r["text"]} for r in found]


async def appraisal_step(
    app: Appraisals,
    commands: Commands,
    actor: Actor,
    appraisal_id: UUID,
    allowed: tuple[str, ...],
    name: str,
    key: str,
    **args: Any,
) -> dict[str, Any]:
    """One write on one appraisal: the route-level check here, the domain's own rule in the workflow."""
    appraisal = await run_in_threadpool(app.appraisal, appraisal_id)
    require_write(actor, appraisal, *allowed)
    return await commands.appraisal(appraisal, name, actor, key, **args)
