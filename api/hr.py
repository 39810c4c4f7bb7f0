"""HR (pengelola kinerja): define, start, extend, close a cycle; organisation predikat; calibration; dashboards."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.deps import (
    AppraisalsDep,
    Clock,
    Cycles,
    CycleViewsDep,
    HRActor,
    IdempotencyKey,
    Oversight,
    Writes,
)
from api.hr_models import (
    CalibrationIn,
    CloseIn,
    CycleCreated,
    CycleIn,
    CycleResult,
    ExtensionIn,
    OrgPredikatIn,
    ReopenIn,
    StartedOut,
    StartIn,
)
from api.hr_views import CycleAppraisalRow, CycleOut, CycleRow, DistributionRow, ProgressOut, TrendRow
from api.models import EXAMPLE_CYCLE, DeadlineName, checked
from domain.cascade import cascade_choice
from domain.cycle_commands import CalibrateUnit, CloseCycle, DefineCycle, ExtendDeadline, ReopenCycle, SetOrgPredikat
from domain.schedule import start_choice
from domain.text import CODE
from services.authz import require_agency
from services.org import participants_from_org

router = APIRouter(prefix="/hr", tags=["hr"])
CycleId = Annotated[UUID, Path(description="the cycle's id", examples=[EXAMPLE_CYCLE])]
UnitId = Annotated[str, Path(min_length=1, max_length=100, examples=["UNIT-PELAYANAN"]), checked(CODE)]


@router.post("/cycles", response_model=CycleCreated, status_code=201)
async def define_cycle(
    body: CycleIn, actor: HRActor, app: AppraisalsDep, commands: Writes, key: IdempotencyKey
) -> dict[str, Any]:
    """Define an agency's cycle: calendar, rule set, participants (given, or from the org data)."""
    require_agency(actor, body.agency_id)  # HR defines its own agency's cycles
    skipped: list[dict[str, str]] = []
    if body.participants is not None:
        participants = [p.model_dump() for p in body.participants]
    else:
        participants, skipped = await run_in_threadpool(participants_from_org, app, body.agency_id, body.unit_ids)
    definition = body.model_dump(exclude={"participants", "unit_ids"})
    cycle_id = await commands.define_cycle(DefineCycle(by=actor, **definition, participants=participants), key)
    return {"id": str(cycle_id), "participants": len(participants), "skipped": skipped}


@router.get("/cycles", response_model=list[CycleRow])
async def list_cycles(actor: Oversight, views: CycleViewsDep) -> list[dict[str, Any]]:
    """Every cycle, newest year first (from the read model); HR's own agency's (services/authz.py)."""
    return await views.cycles(actor)


@router.get("/cycles/{cycle_id}/appraisals", response_model=list[CycleAppraisalRow])
async def cycle_appraisals(
    cycle_id: CycleId,
    _: Oversight,
    views: CycleViewsDep,
    unit_id: Annotated[str | None, Query(max_length=100), checked(CODE)] = None,
) -> list[dict[str, Any]]:
    """The cycle's appraisals (or one unit's): stage and predikat of each, for HR and auditors."""
    return await views.appraisals_of(cycle_id, unit_id)


@router.get("/cycles/{cycle_id}", response_model=CycleOut)
async def read_cycle(cycle_id: CycleId, _: Oversight, views: CycleViewsDep) -> dict[str, Any]:
    """The cycle as recorded: calendar, extensions, units, organisation predikat, calibrations."""
    return await views.cycle(cycle_id)


@router.post("/cycles/{cycle_id}/start", response_model=StartedOut, status_code=202)
async def start_cycle(
    cycle_id: CycleId,
    actor: HRActor,
    app: AppraisalsDep,
    commands: Writes,
    key: IdempotencyKey,
    body: StartIn | None = None,
) -> dict[str, Any]:
    """Start the cycle's workflow: it starts the cycle and opens every participant's appraisal.

    Answers 202 at once; follow the opening on the progress route. Without an Idempotency-Key a
    second start is 409; with one, a repeat answers 202 again and starts nothing.
    """
    body = body or StartIn.model_validate({})
    cycle = await run_in_threadpool(app.cycle, cycle_id)  # 404 before anything starts
    start_choice(cycle, body.review_opens, body.check_in_reminder_days_before)  # 422 before anything starts
    cascade_choice(cycle, body.cascade_days_before, body.cascade_days_per_level)
    try:
        workflow_id = await commands.start_cycle(
            cycle_id,
            actor,
            body.review_opens,
            body.check_in_reminder_days_before,
            body.cascade_days_before,
            body.cascade_days_per_level,
        )
    except WorkflowAlreadyStartedError as e:
        if not key:
            raise
        workflow_id = e.workflow_id
    return {
        "id": str(cycle_id),
        "workflow_id": workflow_id,
        "status": "starting",
        "progress": f"/api/v1/hr/cycles/{cycle_id}/progress",
    }


@router.post("/cycles/{cycle_id}/deadlines/{name}/extension", response_model=CycleResult)
async def extend_deadline(
    cycle_id: CycleId, name: DeadlineName, body: ExtensionIn, actor: HRActor, cycles: Cycles, key: IdempotencyKey
) -> dict[str, Any]:
    """Move a deadline later, with the reason; running appraisals move their timers."""
    return await cycles.extend_deadline(cycle_id, ExtendDeadline(actor, name, body.until, body.reason), key)


@router.put("/cycles/{cycle_id}/units/{unit_id}/org-predikat", response_model=CycleResult)
async def set_org_predikat(
    cycle_id: CycleId, unit_id: UnitId, body: OrgPredikatIn, actor: HRActor, cycles: Cycles, key: IdempotencyKey
) -> dict[str, Any]:
    """Record the unit's organisation predikat set by the level above (drives the curve)."""
    return await cycles.set_org_predikat(cycle_id, SetOrgPredikat(actor, unit_id, body.predikat), key)


@router.post("/cycles/{cycle_id}/units/{unit_id}/calibration", response_model=CycleResult)
async def calibrate_unit(
    cycle_id: CycleId, unit_id: UnitId, body: CalibrationIn, actor: HRActor, cycles: Cycles, key: IdempotencyKey
) -> dict[str, Any]:
    """Check the unit's predikat against the curve; deviations need a justification (warn, not block)."""
    return await cycles.calibrate_unit(cycle_id, CalibrateUnit(actor, unit_id, body.justification), key)


@router.post("/cycles/{cycle_id}/close", response_model=CycleResult)
async def close_cycle(
    cycle_id: CycleId, actor: HRActor, cycles: Cycles, key: IdempotencyKey, body: CloseIn | None = None
) -> dict[str, Any]:
    """Close the cycle. Refused (409) while an appraisal is open, unless each open one is named with a reason."""
    exceptions = dict(body.exceptions) if body is not None else {}
    return await cycles.close(cycle_id, CloseCycle(actor, exceptions), key)


@router.post("/cycles/{cycle_id}/reopen", response_model=CycleResult)
async def reopen_cycle(
    cycle_id: CycleId, body: ReopenIn, actor: HRActor, cycles: Cycles, key: IdempotencyKey
) -> dict[str, Any]:
    """Reopen a closed cycle, with the reason; its workflow serves HR's changes again."""
    return await cycles.reopen(cycle_id, ReopenCycle(actor, body.reason), key)


@router.get("/cycles/{cycle_id}/progress", response_model=ProgressOut)
async def progress(cycle_id: CycleId, _: Oversight, views: CycleViewsDep, clock: Clock) -> dict[str, Any]:
    """Per unit and stage (read model), and the cycle workflow's opening counters and failures."""
    return await views.progress(cycle_id, clock())


@router.get("/cycles/{cycle_id}/distribution", response_model=list[DistributionRow])
async def distribution(cycle_id: CycleId, _: Oversight, views: CycleViewsDep) -> list[dict[str, Any]]:
    """Predikat per unit against the curve of the unit's organisation predikat."""
    return await views.distribution(cycle_id)


@router.get("/trends", response_model=list[TrendRow])
async def trends(
    _: Oversight,
    views: CycleViewsDep,
    agency_id: Annotated[str, Query(min_length=1, max_length=100, examples=["pemkot-palu"]), checked(CODE)],
    unit_id: Annotated[str | None, Query(max_length=100, examples=["UNIT-PELAYANAN"]), checked(CODE)] = None,
) -> list[dict[str, Any]]:
    """Predikat counts across periods and years, for the agency or one unit."""
    return await views.trends(agency_id, unit_id)
