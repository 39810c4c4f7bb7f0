"""Receipts: a person's proof of their action (the event it wrote, sealed by the agency), and its check.

Every write answers with its receipt (`receipt` in the answer). Fetch it again here, completed
with the inclusion proof once a checkpoint covers the event; anyone can check a receipt
(no login), offline against the signed checkpoint in it and against the log as it is now.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentActor, ProofDep
from domain.errors import InvalidInput, refusal
from services.proof import MAX_RECEIPT

RECEIPT_TOO_BIG = refusal("receipt.size", "a receipt is at most {limit} KiB")
NOT_JSON = refusal("receipt.json", "the receipt is not JSON")

router = APIRouter(prefix="/receipts", tags=["receipts"])

EXAMPLE_EVENT: dict[str, Any] = {
    "record_id": "0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11",
    "version": 3,
    "notification_id": 41,
    "type": "SkpSubmitted",
    "at": "2025-01-20T02:00:00+00:00",
    "by": "198501012010011001",
    "digest": "9c1e…",
}


class ReceiptOut(BaseModel):
    """The event the action wrote (its stored row, base64), the agency's seal, and the proof once checkpointed."""

    format: str
    log: str
    event: dict[str, Any]
    seal: str
    proof: dict[str, Any] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "format": "kinerja-receipt/v1",
                    "log": "kinerja.local/kinerja",
                    "event": {**EXAMPLE_EVENT, "topic": "domain.appraisal:Appraisal.SkpSubmitted", "state": "eyJ…"},
                    "seal": "kinerja.local/kinerja\nseal 41\n…\n\n— kinerja.local/kinerja Az3g…\n",
                    "proof": None,
                }
            ]
        }
    )


class ReceiptCheckOut(BaseModel):
    ok: bool
    reason: str
    origin: str
    event: dict[str, Any]
    witnessed: list[dict[str, Any]]
    checks: list[dict[str, Any]]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": True,
                    "reason": "",
                    "origin": "kinerja.local/kinerja",
                    "event": EXAMPLE_EVENT,
                    "witnessed": [{"witness": "inspektorat.example.go.id/witness", "time": 1767225600}],
                    "checks": [{"check": "seal", "ok": True, "detail": "sealed by kinerja.local/kinerja"}],
                }
            ]
        }
    )


@router.get("/{record_id}/{version}", response_model=ReceiptOut)
async def receipt(
    record_id: UUID,
    version: Annotated[int, Path(ge=1, le=1_000_000, examples=[3])],
    actor: CurrentActor,
    proof: ProofDep,
) -> dict[str, Any]:
    """The receipt of one event of a record you may read, with its inclusion proof once a checkpoint covers it."""
    return await run_in_threadpool(proof.receipt_for, actor, record_id, version)


@router.post(
    "/verify",
    response_model=ReceiptCheckOut,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": ReceiptOut.model_json_schema()}}}
    },
)
async def verify(request: Request, proof: ProofDep) -> dict[str, Any]:
    """Check a receipt (no login): the agency's seal, the checkpoint and inclusion proof, and the log now."""
    raw = await request.body()
    if len(raw) > MAX_RECEIPT:
        raise InvalidInput("body", RECEIPT_TOO_BIG, limit=MAX_RECEIPT // 1024)
    try:
        document = json.loads(raw)
    except ValueError:
        raise InvalidInput("body", NOT_JSON) from None
    return await run_in_threadpool(proof.verify, document)
