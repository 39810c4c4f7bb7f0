"""Careers out of Kinerja (#14): the national export of a finished cycle, its CSV and JSON, the finance office's
monthly tukin recap, and the what-if of the cycle under another rule set. HR of the cycle's agency (auditors read)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from api.deps import Actions, CurrentActor, HRActor, IdempotencyKey, Writer
from api.models import Code, OutcomeOut, Text
from domain.outcome import Outcome
from domain.rule_migration import MigrateRuleSet
from services.exports import Exports

router = APIRouter(tags=["careers"])
CycleId = Annotated[UUID, Path(description="the cycle's id")]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM of the year after the cycle's")]


def get_exports(request: Request) -> Exports:
    return request.app.state.exports


ExportsDep = Annotated[Exports, Depends(get_exports)]


@router.post("/hr/cycles/{cycle_id}/export", response_model=dict[str, Any])
async def export(cycle_id: CycleId, actor: Writer, exports: ExportsDep, _: IdempotencyKey) -> dict[str, Any]:
    """Queue the cycle's final results for SIASN/payroll and deliver what has not arrived (a repeat sends nothing
    twice): counts added / corrected / unchanged, delivered / failed, and the outbox's state counts."""
    return await run_in_threadpool(exports.export, actor, cycle_id)


@router.get("/hr/cycles/{cycle_id}/export", response_model=dict[str, Any])
async def export_records(cycle_id: CycleId, actor: CurrentActor, exports: ExportsDep) -> dict[str, Any]:
    """The cycle's export records with their delivery state (pending, delivered, failed) and attempts."""
    return await run_in_threadpool(exports.listing, actor, cycle_id)


@router.get("/hr/cycles/{cycle_id}/export.{kind}")
async def export_file(
    cycle_id: CycleId, kind: Literal["csv", "json"], actor: CurrentActor, exports: ExportsDep
) -> Response:
    """The records as sent, in the documented layout (docs/national-export.md): CSV (';', neutralised) or JSON."""
    body = await run_in_threadpool(exports.download, actor, cycle_id, kind)
    media = "text/csv; charset=utf-8" if kind == "csv" else "application/json"
    name = f"ekspor-kinerja-{cycle_id}.{kind}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/hr/cycles/{cycle_id}/tukin-recap", response_model=dict[str, Any])
async def tukin_recap(cycle_id: CycleId, month: Month, actor: CurrentActor, exports: ExportsDep) -> dict[str, Any]:
    """Per unit: each employee's final predikat and monthly tunjangan kinerja cut (the rule set's follow-up table)."""
    return await run_in_threadpool(exports.recap, actor, cycle_id, month)


@router.get("/hr/cycles/{cycle_id}/tukin-recap.csv")
async def tukin_recap_csv(cycle_id: CycleId, month: Month, actor: CurrentActor, exports: ExportsDep) -> Response:
    body = await run_in_threadpool(exports.recap_csv, actor, cycle_id, month)
    name = f"rekap-tukin-{month}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/audit/cycles/{cycle_id}/what-if", response_model=dict[str, Any])
async def what_if(
    cycle_id: CycleId,
    actor: CurrentActor,
    exports: ExportsDep,
    rule_set_id: Annotated[str, Query(max_length=100, description="the rule set to recompute under")],
) -> dict[str, Any]:
    """The finished cycle's recorded ratings under another rule set: per employee and per unit, what would change."""
    return await run_in_threadpool(exports.what_if, actor, cycle_id, rule_set_id)


class MigrationIn(BaseModel):
    """The rule set to move to, and why (recorded in the appraisal's log with who and when)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"rule_set_id": "permenpanrb-6-2022-tukin-klh-6-2025", "reason": "Perkada tukin baru"}]
        },
    )
    rule_set_id: Code
    reason: Text


@router.post("/hr/appraisals/{appraisal_id}/rule-set", response_model=OutcomeOut)
async def migrate_rule_set(
    appraisal_id: Annotated[UUID, Path(description="the appraisal's id")],
    body: MigrationIn,
    actor: HRActor,
    actions: Actions,
    key: IdempotencyKey,
) -> Outcome:
    """Move an in-flight appraisal to another registered rule set of the same calendar: HR of its agency, with a
    reason; refused once the follow-up is decided. The event records who, when, why, and the predikat the new
    rules give an appraisal already rated."""
    return await actions.migrate_rule_set(appraisal_id, MigrateRuleSet(actor, body.rule_set_id, body.reason), key)
