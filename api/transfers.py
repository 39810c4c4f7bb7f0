"""Transfers (mutasi): HR records one, the old appraiser evaluates the months served, the employee takes RHK
over into the new SKP and reads both periods with the year's predikat, the auditor asks who was in charge when."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, HRActor, IdempotencyKey, Oversight, Writer
from api.models import (
    APPRAISER_NIP,
    EMPLOYEE_NIP,
    EXAMPLE_APPRAISAL,
    Code,
    Name,
    Nip,
    OptionalText,
    OutcomeOut,
    Rating,
    Text,
)
from domain.outcome import Outcome
from domain.transfer_commands import EvaluateServedPeriod, RecordTransfer
from services.transfers import Transfers

router = APIRouter(tags=["transfers"])
TransferId = Annotated[UUID, Path(description="the transfer's id")]


def get_transfers(request: Request) -> Transfers:
    """Transfers: recording, evaluation, taking RHK over, the reads (shared with the pages)."""
    return request.app.state.transfers


TransfersDep = Annotated[Transfers, Depends(get_transfers)]


class TransferIn(BaseModel):
    """The decree: who moves, to which agency (the same one within it), unit, appraiser and atasan, from when."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "nip": EMPLOYEE_NIP,
                    "to_agency_id": "pemprov-sulteng",
                    "to_unit_id": "bidang-perencanaan",
                    "to_unit_name": "Bidang Perencanaan",
                    "to_appraiser_nip": APPRAISER_NIP,
                    "to_atasan_nip": "197805202005011003",
                    "effective": "2027-06-01",
                    "decree": "821/123/BKD/2027",
                    "reason": "Mutasi antarinstansi",
                }
            ]
        },
    )
    nip: Nip
    to_agency_id: Code
    to_unit_id: Code
    to_unit_name: Name
    to_position: OptionalText = ""
    to_appraiser_nip: Nip
    to_atasan_nip: Nip
    effective: date
    decree: Code
    reason: Text


class ServedPeriodIn(BaseModel):
    """The old appraiser's periodic evaluation of the months served in the old post."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"results_rating": "sesuai", "behaviour_rating": "sesuai", "notes": "Jan-Mei"}]
        },
    )
    results_rating: Rating
    behaviour_rating: Rating
    notes: OptionalText = ""


class TakeOverIn(BaseModel):
    """The ids of the old SKP's RHK to take over into the new SKP's draft."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rhk_ids": ["R1"]}]})
    rhk_ids: list[Code] = Field(min_length=1, max_length=50)


class InCharge(BaseModel):
    """Whose appraisal the employee was in at a moment, and who appraised them then."""

    at: str
    period: str
    agency_id: str
    unit_id: str
    appraisal_id: str
    appraisal_version: int | None
    appraiser_nip: str
    atasan_nip: str


@router.post("/hr/cycles/{cycle_id}/transfers", status_code=201)
async def record_transfer(
    cycle_id: UUID, body: TransferIn, actor: HRActor, transfers: TransfersDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Record a transfer out of this cycle: the old post closes, the new post's appraisal opens."""
    values = body.model_dump()
    cmd = RecordTransfer(actor, **{**values, "effective": body.effective.isoformat()})
    return await transfers.record(cycle_id, cmd, key)


@router.get("/hr/agencies/{agency_id}/transfers")
async def agency_transfers(agency_id: str, actor: Oversight, transfers: TransfersDep) -> list[dict[str, Any]]:
    """The transfers out of and into an agency: HR of both agencies see each one."""
    return await transfers.of_agency(actor, agency_id)


@router.get("/employees/me/transfers")
async def my_transfers(actor: CurrentActor, transfers: TransfersDep) -> list[dict[str, Any]]:
    """The caller's own transfers, each with both periods and the year's predikat under the stated rule."""
    return await transfers.mine(actor)


@router.get("/transfers/{transfer_id}")
async def transfer(transfer_id: TransferId, actor: CurrentActor, transfers: TransfersDep) -> dict[str, Any]:
    """One transfer: both posts, the months served, the evaluations and the year's predikat with its rule."""
    return await transfers.view(transfer_id, actor)


@router.post("/transfers/{transfer_id}/evaluation")
async def evaluate_served_period(
    transfer_id: TransferId, body: ServedPeriodIn, actor: Writer, transfers: TransfersDep, key: IdempotencyKey
) -> dict[str, Any]:
    """The old post's pejabat penilai evaluates the months served there."""
    cmd = EvaluateServedPeriod(actor, body.results_rating, body.behaviour_rating, body.notes)
    return await transfers.evaluate(transfer_id, cmd, key)


@router.post("/employees/appraisals/{appraisal_id}/skp/take-over", response_model=OutcomeOut)
async def take_over_rhk(
    appraisal_id: Annotated[UUID, Path(examples=[EXAMPLE_APPRAISAL])],
    body: TakeOverIn,
    actor: Writer,
    transfers: TransfersDep,
    key: IdempotencyKey,
) -> Outcome:
    """Take RHK of the old post's SKP over into the new SKP's draft; each records where it came from."""
    return await transfers.take_over(appraisal_id, list(body.rhk_ids), actor, key)


@router.get("/audit/transfers/{transfer_id}/in-charge", response_model=InCharge)
async def in_charge(
    transfer_id: TransferId,
    at: Annotated[datetime, Query(description="the moment, with its time zone")],
    actor: Oversight,
    transfers: TransfersDep,
) -> dict[str, Any]:
    """Who was in charge of the employee at a moment: the post, its appraisal and its appraiser then."""
    return await transfers.in_charge(transfer_id, at, actor)
