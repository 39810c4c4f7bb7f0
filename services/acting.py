"""Acting heads (Plt/Plh) as the API and the pages use them: HR's designation, its workflow, the register read.

The designation is a domain command on the cycle's register (Appraisals.designate_acting); once recorded, its
workflow (workflows/acting.py) is started under the designation's id, so a repeat starts nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.acting import period_instants
from domain.acting_commands import DesignateActing, EndDesignation
from services.gateway import Gateway
from workflows.acting import ActingInput, ActingWorkflow, acting_workflow_id
from workflows.ids import start_once


async def designate(gateway: Gateway, cycle_id: UUID, cmd: DesignateActing, at: datetime, key: str) -> dict[str, Any]:
    """Record the designation, then start its workflow (or find it started); returns the designation."""
    app = gateway.appraisals
    designation_id = await run_in_threadpool(lambda: app.designate_acting(cycle_id, cmd, at=at, key=key))
    found = await run_in_threadpool(designations, app, cycle_id)
    designation = next(d for d in found if d["id"] == designation_id)
    cycle = await run_in_threadpool(app.cycle, cycle_id)
    begins, ends = period_instants(designation, cycle.time_zone)
    start = ActingInput(str(cycle_id), designation_id, begins.isoformat(), ends.isoformat())
    try:
        await start_once(
            gateway.client,
            ActingWorkflow.run,
            start,
            id=acting_workflow_id(designation_id),
            task_queue=gateway.task_queue,
        )
    except WorkflowAlreadyStartedError:
        pass  # a repeat of the same designation
    return {**designation, "workflow_id": acting_workflow_id(designation_id)}


async def end_early(gateway: Gateway, cycle_id: UUID, cmd: EndDesignation, at: datetime, key: str) -> dict[str, Any]:
    """HR ends a designation early (or cancels it): recorded with the reason, then its workflow is told the new end
    instant, where the tasks go back to the head (a retry records nothing twice and tells it again)."""
    app = gateway.appraisals
    held = await run_in_threadpool(lambda: app.end_designation(cycle_id, cmd, at=at, key=key))
    cycle = await run_in_threadpool(app.cycle, cycle_id)
    _, ends = period_instants(held, cycle.time_zone)
    try:
        await gateway.client.get_workflow_handle(acting_workflow_id(cmd.designation_id)).signal(
            "shorten", ends.isoformat()
        )
    except RPCError as e:
        if e.status != RPCStatusCode.NOT_FOUND:
            raise  # a workflow already over has nothing left to move
    return {**held, "workflow_id": acting_workflow_id(cmd.designation_id)}


def designations(app: Any, cycle_id: UUID) -> list[dict[str, Any]]:
    """The cycle's designations, in the order of their first day."""
    register = app.acting_register(cycle_id)
    if register is None:
        return []
    return sorted(register.designations.values(), key=lambda d: (d["starts"], d["unit_id"]))
