"""Employees: my appraisals, the SKP editor, the daily log and progress with evidence, self-assessment,
result and keberatan.

Each action is the service layer's (services/actions.py), as the API's routes call it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from domain.calendar import local_day
from domain.daily_log import EVIDENCE_LIMIT_BYTES, EVIDENCE_PER_ENTRY, TOO_MANY_FILES, wrong_size
from domain.errors import InvalidInput
from domain.explanation import PredikatReasons
from domain.result_commands import FileKeberatan, SelfAssess
from domain.work_commands import DraftSkp, ReportProgress, SubmitSkp
from services.authz import require_writer
from services.daily_log import MAX_FILE_PARTS, Upload, attachment_headers
from services.edge import CSRF_FIELD, CSRF_REFUSED_HEADERS, CSRF_REFUSED_PAGE, form_token_ok
from services.evidence import too_large
from services.labels import label
from services.views import load_appraisal_async, read_appraisal, superior_rhk
from web import explain, forms
from web.documents import document_pdf
from web.outcome import Refused, act_on_form, actions, attempt, receipt_param
from web.render import page, redirect
from web.session import PageActor, same_origin

router = APIRouter(prefix="/saya", dependencies=[Depends(same_origin)])


@router.get("", response_class=HTMLResponse)
async def mine(request: Request, actor: PageActor) -> Response:
    rows = await request.app.state.readside.call("employee_appraisals", actor.nip)
    if len(rows) == 1:
        return redirect(f"/saya/{rows[0]['appraisal_id']}")
    transfers = await request.app.state.transfers.mine(actor)
    return page(request, "mine.html", actor, rows=rows, transfers=transfers)


async def my_page(
    request: Request,
    actor: Any,
    appraisal_id: UUID,
    *,
    error: str = "",
    status: int = 200,
    form: Any = None,
    rhk: list[dict[str, Any]] | None = None,
    extra_rhk: int = 0,
) -> HTMLResponse:
    state = request.app.state
    appraisal, view = await read_appraisal(state.appraisals, actor, appraisal_id, state.clock())
    superior = await run_in_threadpool(superior_rhk, state.appraisals, appraisal)
    why = await run_in_threadpool(state.appraisals.predikat_reasons, appraisal)
    rows = forms.skp_rows(appraisal.rhk if rhk is None else rhk, extra_rhk)
    return page(
        request,
        "employee.html",
        actor,
        status,
        a=view,
        zone=appraisal.time_zone,
        today=local_day(state.clock(), appraisal.time_zone).isoformat(),
        evidence_mb=EVIDENCE_LIMIT_BYTES // 2**20,
        evidence_files=EVIDENCE_PER_ENTRY,
        periods=appraisal.periods,
        superior=superior,
        rows=rows,
        error=error,
        form=form or {},
        why=said(why),
    )


def said(why: PredikatReasons | None) -> dict[str, Any] | None:
    """The reasons of the predikat as the page says them (web/explain.py); None before the rating."""
    if why is None:
        return None
    return {"predikat": label(why.predikat, "predikat"), "reasons": explain.reasons(why), "quoted": explain.quoted(why)}


@router.get("/{appraisal_id}", response_class=HTMLResponse)
async def appraisal(request: Request, appraisal_id: UUID, actor: PageActor) -> HTMLResponse:
    return await my_page(request, actor, appraisal_id)


async def _act(
    request: Request, actor: Any, appraisal_id: UUID, note: str, call: Callable[[Any, str], Any]
) -> Response:
    async def again(form: Any, r: Refused) -> Response:
        rhk = forms.skp(form) if "rhk-0-text" in form else None
        return await my_page(request, actor, appraisal_id, error=r.text, status=r.status, form=dict(form), rhk=rhk)

    return await act_on_form(request, call, done=f"/saya/{appraisal_id}", note=note, again=again)


@router.post("/{appraisal_id}/skp")
async def draft(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    form = await request.form()
    if forms.text(form, "langkah") == "tambah-rhk":  # one more blank RHK, nothing saved yet
        rows = forms.skp(form)
        return await my_page(request, actor, appraisal_id, form=dict(form), rhk=rows, extra_rhk=1)
    act = actions(request)
    if forms.text(form, "langkah") == "ajukan":
        # Submitting from the editor saves what is on the screen first: the SKP submitted is the one
        # the employee sees, never an older draft. Two commands, each with its own idempotency key.
        async def save_and_submit(f: Any, k: str) -> Any:
            await act.draft_skp(appraisal_id, DraftSkp(require_writer(actor), forms.skp(f)), f"{k}:simpan")
            return await act.submit_skp(appraisal_id, SubmitSkp(require_writer(actor)), f"{k}:ajukan")

        return await _act(request, actor, appraisal_id, "skp-diajukan", save_and_submit)
    return await _act(
        request,
        actor,
        appraisal_id,
        "skp-disimpan",
        lambda f, k: act.draft_skp(appraisal_id, DraftSkp(require_writer(actor), forms.skp(f)), k),
    )


@router.post("/{appraisal_id}/skp/ajukan")
async def submit(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "skp-diajukan",
        lambda f, k: act.submit_skp(appraisal_id, SubmitSkp(require_writer(actor)), k),
    )


@router.post("/{appraisal_id}/realisasi")
async def progress(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)

    def report(f: Any) -> ReportProgress:
        return ReportProgress(
            require_writer(actor),
            forms.text(f, "period"),
            forms.text(f, "rhk_id"),
            forms.text(f, "realisation"),
            forms.text(f, "evidence"),
        )

    return await _act(
        request, actor, appraisal_id, "realisasi", lambda f, k: act.report_progress(appraisal_id, report(f), k)
    )


@router.post("/{appraisal_id}/catatan-harian")
async def daily_log(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    """A daily log entry from a phone: one line, its RHK, its day and up to EVIDENCE_PER_ENTRY evidence files
    (multipart, one `multiple` file field). A body larger than those files and a short form is refused unread;
    the route checks its CSRF token itself."""
    form, problem = None, wrong_size("file")
    if not too_large(request.headers.get("content-length")):
        try:
            form = await request.form(max_files=MAX_FILE_PARTS, max_fields=10)
        except (HTTPException, MultiPartException):  # more files than an entry takes: refused unread
            problem = InvalidInput("file", TOO_MANY_FILES, limit=EVIDENCE_PER_ENTRY)
    if form is not None and not form_token_ok(request.scope, form.get(CSRF_FIELD)):
        return HTMLResponse(CSRF_REFUSED_PAGE, 403, headers=CSRF_REFUSED_HEADERS)

    async def log() -> Any:
        if form is None:
            raise problem
        files = [u for u in form.getlist("file") if isinstance(u, UploadFile) and u.filename]
        uploads = [Upload(u.filename or "", await u.read(EVIDENCE_LIMIT_BYTES + 1)) for u in files]
        day, rhk_id, text = forms.text(form, "day"), forms.text(form, "rhk_id"), forms.text(form, "text")
        return await request.app.state.daily_logs.log(appraisal_id, actor, day, rhk_id, text, uploads, forms.key(form))

    try:
        result = await attempt(request, log)
    except Refused as r:
        kept = _refill(form)
        return await my_page(request, actor, appraisal_id, error=r.text, status=r.status, form=kept)
    return redirect(f"/saya/{appraisal_id}", "catatan-harian", **receipt_param(result))


def _refill(form: FormData | None) -> dict[str, str]:
    """The entry's fields to show again after a refusal (never the file: a browser cannot be handed one)."""
    fields = ("day", "rhk_id", "text")
    return {f"harian_{name}": forms.text(form, name) for name in fields} if form is not None else {}


@router.get("/{appraisal_id}/bukti/{sha256}")
async def evidence_file(request: Request, appraisal_id: UUID, sha256: str, actor: PageActor) -> Response:
    """An evidence file a daily log entry cites, as a download, for whoever may read the appraisal."""
    ref, data = await request.app.state.daily_logs.evidence(appraisal_id, actor, sha256)
    return Response(data, media_type=ref["type"], headers=attachment_headers(ref))


@router.post("/{appraisal_id}/penilaian-diri")
async def self_assess(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "penilaian-diri",
        lambda f, k: act.self_assess(appraisal_id, SelfAssess(require_writer(actor), forms.text(f, "text")), k),
    )


@router.post("/{appraisal_id}/keberatan")
async def keberatan(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "keberatan",
        lambda f, k: act.file_keberatan(
            appraisal_id, FileKeberatan(require_writer(actor), forms.text(f, "reasons")), k
        ),
    )


async def _pdf(request: Request, actor: Any, appraisal_id: UUID, kind: str) -> Response:
    appraisal, _ = await load_appraisal_async(request.app.state.appraisals, actor, appraisal_id)
    body = await document_pdf(request, appraisal, kind)
    filename = f"{kind}-{appraisal.employee_nip}-{appraisal_id.hex[:8]}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@router.get("/{appraisal_id}/skp.pdf")
async def skp_pdf(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    """The SKP as a PDF, for whoever may read the appraisal."""
    return await _pdf(request, actor, appraisal_id, "skp")


@router.get("/{appraisal_id}/evaluasi.pdf")
async def evaluation_pdf(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    """The evaluation document (dokumen evaluasi kinerja) as a PDF."""
    return await _pdf(request, actor, appraisal_id, "evaluasi")
