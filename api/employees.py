"""Employees: my appraisals, my SKP, progress with evidence, self-assessment, result, keberatan."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Actions, AppraisalsDep, Clock, CurrentActor, DailyLogsDep, IdempotencyKey, ReadModelsDep, Writer
from api.employee_models import AppraisalSummary, KeberatanIn, ProgressIn, ResultOut, SkpIn, TextIn
from api.models import (
    EXAMPLE_APPRAISAL,
    AppraisalOut,
    OutcomeOut,
)
from api.responses import ErrorBody
from domain.appraisal import FINALISED, FOLLOW_UP, KEBERATAN, RESULT_DELIVERED
from domain.daily_log import EVIDENCE_TYPES
from domain.errors import WrongStage, refusal
from domain.outcome import Outcome
from domain.result_commands import FileKeberatan, SelfAssess
from domain.work_commands import DraftSkp, ReportProgress, SubmitSkp
from services import views
from services.daily_log import attachment_headers
from services.views import load_appraisal_async, superior_rhk

NOT_DELIVERED = refusal("result.not_delivered", "the result is not delivered yet (the appraisal is at {stage})")

router = APIRouter(prefix="/employees", tags=["employees"])
AppraisalId = Annotated[UUID, Path(description="the appraisal's id", examples=[EXAMPLE_APPRAISAL])]


@router.get("/me/appraisals", response_model=list[AppraisalSummary])
async def my_appraisals(actor: CurrentActor, readside: ReadModelsDep) -> list[dict[str, Any]]:
    """My appraisals, newest year first (from the read model)."""
    return await readside.call("employee_appraisals", actor.nip)


@router.get("/appraisals/{appraisal_id}", response_model=AppraisalOut)
async def read_appraisal(
    appraisal_id: AppraisalId, actor: CurrentActor, app: AppraisalsDep, clock: Clock
) -> dict[str, Any]:
    """One appraisal: for the employee, the appraiser, the atasan, HR and auditors (others: 404)."""
    _, view = await views.read_appraisal(app, actor, appraisal_id, clock())
    return view


@router.get(
    "/appraisals/{appraisal_id}/evidence/{sha256}",
    response_class=Response,
    responses={
        200: {
            "description": "the evidence file, as an attachment (never rendered: nosniff, CSP sandbox)",
            "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in EVIDENCE_TYPES},
        },
        409: {"model": ErrorBody, "description": "the stored file no longer has its SHA-256 (IntegrityBroken)"},
    },
)
async def read_evidence(
    appraisal_id: AppraisalId,
    sha256: Annotated[str, Path(description="the SHA-256 a daily log entry records", max_length=64)],
    actor: CurrentActor,
    logs: DailyLogsDep,
) -> Response:
    """An evidence file a daily log entry of the appraisal cites: for whoever may read the appraisal
    (the employee, the appraiser, the atasan, HR, auditors); any other caller or digest: 404."""
    ref, data = await logs.evidence(appraisal_id, actor, sha256)
    return Response(data, media_type=ref["type"], headers=attachment_headers(ref))


@router.get("/appraisals/{appraisal_id}/result", response_model=ResultOut)
async def read_result(
    appraisal_id: AppraisalId, actor: CurrentActor, app: AppraisalsDep, clock: Clock
) -> dict[str, Any]:
    """My result once delivered, with the days left to file a keberatan."""
    appraisal, view = await views.read_appraisal(app, actor, appraisal_id, clock())
    if appraisal.stage not in (RESULT_DELIVERED, KEBERATAN, FOLLOW_UP, FINALISED):
        raise WrongStage(NOT_DELIVERED, stage=appraisal.stage)
    return {"appraisal_id": view["id"], **{k: view[k] for k in ResultOut.model_fields if k in view}}


@router.get("/appraisals/{appraisal_id}/superior-rhk", response_model=list[dict[str, str]] | None)
async def read_superior_rhk(appraisal_id: AppraisalId, actor: CurrentActor, app: AppraisalsDep) -> Any:
    """The pejabat penilai's RHK this SKP's RHK utama cascade from (null: nothing to cascade from)."""
    appraisal, _ = await load_appraisal_async(app, actor, appraisal_id)
    return await run_in_threadpool(superior_rhk, app, appraisal)


@router.put("/appraisals/{appraisal_id}/skp", response_model=OutcomeOut)
async def draft_skp(
    appraisal_id: AppraisalId, body: SkpIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Draft (or redraft after a return) my SKP."""
    return await actions.draft_skp(appraisal_id, DraftSkp(actor, [r.model_dump() for r in body.rhk]), key)


@router.post("/appraisals/{appraisal_id}/skp/submit", response_model=OutcomeOut)
async def submit_skp(appraisal_id: AppraisalId, actor: Writer, actions: Actions, key: IdempotencyKey) -> Outcome:
    """Submit my SKP to my pejabat penilai."""
    return await actions.submit_skp(appraisal_id, SubmitSkp(actor), key)


@router.post("/appraisals/{appraisal_id}/progress", response_model=OutcomeOut)
async def report_progress(
    appraisal_id: AppraisalId, body: ProgressIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Report the realisation of one RHK for a period, with evidence."""
    cmd = ReportProgress(actor, body.period, body.rhk_id, body.realisation, body.evidence)
    return await actions.report_progress(appraisal_id, cmd, key)


@router.post("/appraisals/{appraisal_id}/self-assessment", response_model=OutcomeOut)
async def self_assess(
    appraisal_id: AppraisalId, body: TextIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Write my self-assessment (penilaian diri) while the review is open."""
    return await actions.self_assess(appraisal_id, SelfAssess(actor, body.text), key)


@router.post("/appraisals/{appraisal_id}/keberatan", response_model=OutcomeOut)
async def file_keberatan(
    appraisal_id: AppraisalId, body: KeberatanIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """File a keberatan within the window (see keberatan_days_left on the result)."""
    return await actions.file_keberatan(appraisal_id, FileKeberatan(actor, body.reasons), key)
