"""PPPK contracts and their renewal dossiers (#14): HR of the agency records an employee's contract (a durable timer
then produces the dossier six months before its end), lists the dossiers and decides each; auditors read."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentActor, HRActor, IdempotencyKey
from api.models import Code, Nip, OptionalText
from services.pppk import Contracts

router = APIRouter(tags=["careers"])
Day = Annotated[str, Field(pattern=r"^(\d{4}-\d{2}-\d{2})?$", examples=["2027-06-30"])]


def get_contracts(request: Request) -> Contracts:
    return request.app.state.contracts


ContractsDep = Annotated[Contracts, Depends(get_contracts)]


class ContractIn(BaseModel):
    """PNS (no contract), or PPPK full-time or part-time with the contract's first and last day."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employment": "pppk", "contract_start": "2025-07-01", "contract_end": "2027-06-30"}]
        },
    )
    employment: Literal["pns", "pppk", "pppk_paruh_waktu"]
    contract_start: Day = ""
    contract_end: Day = ""


class RenewalDecisionIn(BaseModel):
    """HR's decision on a PPPK contract's renewal, with a note."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"decision": "diperpanjang", "note": "kinerja baik"}]}
    )
    decision: Literal["diperpanjang", "tidak_diperpanjang"]
    note: OptionalText = ""


@router.put("/hr/agencies/{agency_id}/employees/{nip}/contract", response_model=dict[str, Any])
async def record_contract(
    agency_id: Annotated[Code, Path()],
    nip: Annotated[Nip, Path()],
    body: ContractIn,
    actor: HRActor,
    contracts: ContractsDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Record an employee's employment and contract (PP 49/2018 Pasal 37: a PPPK contract runs at least a year);
    for PPPK the renewal dossier's timer starts."""
    return await contracts.record(actor, agency_id, nip, body.model_dump(), key)


@router.get("/hr/agencies/{agency_id}/pppk-dossiers", response_model=list[dict[str, Any]])
async def dossiers(agency_id: Annotated[Code, Path()], actor: CurrentActor, contracts: ContractsDep) -> Any:
    """Every PPPK contract of the agency with its dossier's due day and, once produced, the dossier."""
    return await run_in_threadpool(contracts.listing, actor, agency_id)


@router.get("/hr/pppk-dossiers/{dossier_id}", response_model=dict[str, Any])
async def read_dossier(
    dossier_id: Annotated[UUID, Path()], actor: CurrentActor, contracts: ContractsDep
) -> dict[str, Any]:
    """One dossier: the results over the contract, the recommendation with its reasons and source, HR's decision."""
    return await run_in_threadpool(contracts.read, actor, dossier_id)


@router.post("/hr/pppk-dossiers/{dossier_id}/decision", response_model=dict[str, Any])
async def decide(
    dossier_id: Annotated[UUID, Path()],
    body: RenewalDecisionIn,
    actor: HRActor,
    contracts: ContractsDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """HR's decision on the renewal (the PPK approves outside Kinerja), once."""
    return await run_in_threadpool(contracts.decide, actor, dossier_id, body.decision, body.note, key)
