"""HR designates acting heads (Plt/Plh) of a cycle's units, and reads who acted when."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from api.deps import AppraisalsDep, Clock, HRActor, IdempotencyKey, Oversight, Writes
from api.models import EXAMPLE_CYCLE, Code, Item, Nip, OneOf, Text
from domain.acting import KINDS
from domain.acting_commands import DesignateActing, EndDesignation
from services import acting

router = APIRouter(prefix="/hr", tags=["hr"])
CycleId = Annotated[UUID, Path(description="the cycle's id", examples=[EXAMPLE_CYCLE])]
ActingKind = Annotated[str, OneOf(KINDS)]


class ActingIn(BaseModel):
    """An acting head for a unit's head, from the first day to the last (agency-local days), under a decree."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "UNIT-PELAYANAN",
                    "acting_nip": "198503152010011002",
                    "kind": "plt",
                    "starts": "2027-03-01",
                    "ends": "2027-04-30",
                    "decree": "800/112/BKPSDM/2027",
                }
            ]
        },
    )
    unit_id: Code
    acting_nip: Nip
    kind: ActingKind
    starts: Code
    ends: Code
    decree: Item


class EndIn(BaseModel):
    """The designation's new last day (agency-local; the day before its first cancels it) and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ends": "2027-03-31", "reason": "Kepala bidang kembali bertugas lebih awal"}]},
    )
    ends: Code
    reason: Text


class DesignationOut(BaseModel):
    id: str
    unit_id: str
    head_nip: str
    acting_nip: str
    acting_name: str
    kind: str
    starts: str
    ends: str
    decree: str
    by: str
    at: str
    began: dict[str, Any] | None
    ended: dict[str, Any] | None
    shortened: dict[str, Any] | None = None
    joined: dict[str, Any] | None = None
    workflow_id: str = ""


@router.post("/cycles/{cycle_id}/acting", response_model=DesignationOut, status_code=201)
async def designate(
    cycle_id: CycleId, body: ActingIn, actor: HRActor, writes: Writes, clock: Clock, key: IdempotencyKey
) -> dict[str, Any]:
    """Designate a Plt or Plh for a unit's head: from the first day the acting head is the pejabat penilai (or
    atasan) of the head's appraisals and has their tasks; after the last day they go back to the head."""
    cmd = DesignateActing(actor, body.unit_id, body.acting_nip, body.kind, body.starts, body.ends, body.decree)
    return await acting.designate(writes, cycle_id, cmd, clock(), key)


@router.post("/cycles/{cycle_id}/acting/{designation_id}/end", response_model=DesignationOut)
async def end_early(
    cycle_id: CycleId,
    designation_id: Annotated[UUID, Path(description="the designation's id")],
    body: EndIn,
    actor: HRActor,
    writes: Writes,
    clock: Clock,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """End a designation before its last day (or cancel one not begun): recorded with the reason; at the new end
    the tasks go back to the head."""
    cmd = EndDesignation(actor, str(designation_id), body.ends, body.reason)
    return await acting.end_early(writes, cycle_id, cmd, clock(), key)


@router.get("/cycles/{cycle_id}/acting", response_model=list[DesignationOut])
async def designations(cycle_id: CycleId, actor: Oversight, app: AppraisalsDep) -> list[dict[str, Any]]:
    """The cycle's designations, whom each reached at its start and end, and whom it could not."""
    return await run_in_threadpool(acting.designations, app, cycle_id)
