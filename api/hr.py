"""HR (pengelola kinerja): define, start, extend, close a cycle; organisation predikat; calibration; dashboards."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.deps import AppraisalsDep, Clock, HRActor, IdempotencyKey, Oversight, ReadModelsDep, Writes
from api.hr_models import (
    CalibrationIn,
    CycleAppraisalRow,
    CycleCreated,
    CycleIn,
    CycleOut,
    CycleResult,
    CycleRow,
    DistributionRow,
    ExtensionIn,
    OrgPredikatIn,
    ProgressOut,
    StartedOut,
    StartIn,
    TrendRow,
)
from api.models import EXAMPLE_CYCLE
from api.orgdata import participants_from_org
from api.views import cycle_view

router = APIRouter(prefix="/hr", tags=["hr"])
CycleId = Annotated[UUID, Path(description="the cycle's id", examples=[EXAMPLE_CYCLE])]
UnitId = Annotated[str, Path(min_length=1, max_length=100, examples=["UNIT-PELAYANAN"])]


@router.post("/cycles", response_model=CycleCreated, status_code=201)
async def define_cycle(
    body: CycleIn, actor: HRActor, app: AppraisalsDep, commands: Writes, key: IdempotencyKey
) -> dict[str, Any]:
    """Define an agency's cycle: calendar, rule set, participants (given, or from the org data)."""
    skipped: list[dict[str, str]] = []
    if body.participants is not None:
        participants = [p.model_dump() for p in body.participants]
    else:
        participants, skipped = await run_in_threadpool(participants_from_org, app, body.agency_id, body.unit_ids)
    definition = body.model_dump(exclude={"participants", "unit_ids"})
    cycle_id = await commands.define_cycle(actor, key, **definition, participants=participants)
    return {"id": str(cycle_id), "participants": len(participants), "skipped": skipped}


@router.get("/cycles", response_model=list[CycleRow])
async def list_cycles(_: Oversight, readside: ReadModelsDep) -> list[dict[str, Any]]:
    """Every cycle, newest year first (from the read model)."""
    return await readside.call("cycle_list")


@router.get("/cycles/{cycle_id}/appraisals", response_model=list[CycleAppraisalRow])
async def cycle_appraisals(
    cycle_id: CycleId,
    _: Oversight,
    app: AppraisalsDep,
    readside: ReadModelsDep,
    unit_id: Annotated[str | None, Query(max_length=100)] = None,
) -> list[dict[str, Any]]:
    """The cycle's appraisals (or one unit's): stage and predikat of each, for HR and auditors."""
    await run_in_threadpool(app.cycle, cycle_id)
    return await readside.call("cycle_appraisals", str(cycle_id), unit_id)


@router.get("/cycles/{cycle_id}", response_model=CycleOut)
def read_cycle(cycle_id: CycleId, _: Oversight, app: AppraisalsDep) -> dict[str, Any]:
    """The cycle as recorded: calendar, extensions, units, organisation predikat, calibrations."""
    return cycle_view(app.cycle(cycle_id))


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
    body = body or StartIn()
    await run_in_threadpool(app.cycle, cycle_id)  # 404 before anything starts
    try:
        workflow_id = await commands.start_cycle(cycle_id, actor, body.review_opens, body.check_in_reminder_days_before)
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
    cycle_id: CycleId,
    name: Literal["planning", "review", "follow_up"],
    body: ExtensionIn,
    actor: HRActor,
    commands: Writes,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Move a deadline later, with the reason; running appraisals move their timers."""
    return await commands.cycle(cycle_id, "extend_deadline", actor, key, name=name, **body.model_dump())


@router.put("/cycles/{cycle_id}/units/{unit_id}/org-predikat", response_model=CycleResult)
async def set_org_predikat(
    cycle_id: CycleId, unit_id: UnitId, body: OrgPredikatIn, actor: HRActor, commands: Writes, key: IdempotencyKey
) -> dict[str, Any]:
    """Record the unit's organisation predikat set by the level above (drives the curve)."""
    return await commands.cycle(cycle_id, "set_org_predikat", actor, key, unit_id=unit_id, predikat=body.predikat)


@router.post("/cycles/{cycle_id}/units/{unit_id}/calibration", response_model=CycleResult)
async def calibrate_unit(
    cycle_id: CycleId, unit_id: UnitId, body: CalibrationIn, actor: HRActor, commands: Writes, key: IdempotencyKey
) -> dict[str, Any]:
    """Check the unit's predikat against the curve; deviations need a justification (warn, not block)."""
    return await commands.cycle(
        cycle_id, "calibrate_unit", actor, key, unit_id=unit_id, justification=body.justification
    )


@router.post("/cycles/{cycle_id}/close", response_model=CycleResult)
async def close_cycle(cycle_id: CycleId, actor: HRActor, commands: Writes, key: IdempotencyKey) -> dict[str, Any]:
    """Close the cycle."""
    return await commands.cycle(cycle_id, "close", actor, key)


@router.get("/cycles/{cycle_id}/progress", response_model=ProgressOut)
async def progress(
    cycle_id: CycleId, _: Oversight, app: AppraisalsDep, readside: ReadModelsDep, commands: Writes, clock: Clock
) -> dict[str, Any]:
    """Per unit and stage (read model), and the cycle workflow's opening counters and failures."""
    await run_in_threadpool(app.cycle, cycle_id)
    units = await readside.call("progress", str(cycle_id), clock())
    return {"cycle_id": str(cycle_id), "units": units, "workflow": await commands.cycle_progress(cycle_id)}


@router.get("/cycles/{cycle_id}/distribution", response_model=list[DistributionRow])
async def distribution(
    cycle_id: CycleId, _: Oversight, app: AppraisalsDep, readside: ReadModelsDep
) -> list[dict[str, Any]]:
    """Predikat per unit against the curve of the unit's organisation predikat."""
    await run_in_threadpool(app.cycle, cycle_id)
    return await readside.call("unit_distribution", str(cycle_id))


@router.get("/trends", response_model=list[TrendRow])
async def trends(
    _: Oversight,
    readside: ReadModelsDep,
    agency_id: Annotated[str, Query(min_length=1, examples=["pemkot-palu"])],
    unit_id: Annotated[str | None, Query(examples=["UNIT-PELAYANAN"])] = None,
) -> list[dict[str, Any]]:
    """Predikat counts across periods and years, for the agency or one unit."""
    return await readside.call("predikat_trends", agency_id, unit_id)
