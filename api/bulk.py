"""A supervisor's bulk work over HTTP: many SKP approvals (or result deliveries) in one request, each its own
command (services/bulk.py)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Actions, IdempotencyKey, Writer
from api.models import EXAMPLE_APPRAISAL, OneOf
from domain.errors import InvalidInput
from services.actions import BULK_TASKS, MAX_BULK, NO_BULK_KEY
from services.bulk import bulk

router = APIRouter(prefix="/tasks", tags=["tasks"])
BulkTask = Annotated[str, OneOf(BULK_TASKS)]


class BulkItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    appraisal_id: UUID
    task: BulkTask = "review_skp"


class BulkIn(BaseModel):
    """The tasks of the caller's inbox to do at once; each is its own command under its own key."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"items": [{"appraisal_id": EXAMPLE_APPRAISAL, "task": "review_skp"}]}]},
    )
    items: list[BulkItemIn] = Field(min_length=1, max_length=MAX_BULK)


class BulkItemOut(BaseModel):
    appraisal_id: str
    task: str
    done: bool
    stage: str | None = None
    version: int | None = None
    status: int | None = None
    error: dict[str, Any] | None = None


@router.post("/bulk", response_model=list[BulkItemOut])
async def do_in_bulk(
    request: Request, body: BulkIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> list[dict[str, Any]]:
    """Approve SKPs (or deliver results) in one pass: each item answers for itself, a refused one with the
    error body it would have had alone. Requires an Idempotency-Key: a repeat does none of the items twice."""
    if not key:
        raise InvalidInput("Idempotency-Key", NO_BULK_KEY)
    items = list(dict.fromkeys((item.appraisal_id, item.task) for item in body.items))
    return await bulk(request, actions, items, actor, key)
