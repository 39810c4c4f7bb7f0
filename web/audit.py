"""Auditors (and HR): find an appraisal, then its timeline, chain verification, state at a date, diff, recompute.

Read-only; every answer comes from domain/audit.py, as the API's audit routes (api/audit.py) give it.
A chosen date means the end of that day (23.59.59) in the agency's zone, as the domain counts days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from domain import calendar
from domain.audit import Audit
from services.authz import log_scope, require_oversight
from services.errors import ApiError
from web.outcome import Refused, attempt
from web.render import page, redirect
from web.session import PageActor

router = APIRouter(prefix="/audit")


@router.get("", response_class=HTMLResponse)
async def cycles(request: Request, actor: PageActor, cari: str = "") -> Response:
    require_oversight(actor)
    if cari.strip():
        return redirect(f"/audit/penilaian/{cari.strip()}")
    rows = await request.app.state.cycle_views.cycles(actor)
    proof = request.app.state.proof
    try:
        scope = log_scope(actor, None, partitioned=proof.partitioned)
    except ApiError:  # HR of one agency on the single log, which holds every agency's: no log-wide figures
        latest = []
    else:
        latest = await run_in_threadpool(proof.checkpoints, 1, scope)  # each log's newest (one per agency)
    return page(request, "audit_home.html", actor, cycles=rows, latest=latest)


@router.get("/bukti", response_class=HTMLResponse)
async def proof(request: Request, actor: PageActor, instansi: str = "") -> HTMLResponse:
    """The whole log verified now (chains, seals, checkpoints, witnesses), and every checkpoint with its witnesses;
    a partitioned store's every agency's log (or `instansi`'s), each on its own (services/proof.py)."""
    proof = request.app.state.proof
    scope = log_scope(actor, instansi.strip() or None, partitioned=proof.partitioned)  # HR of one agency: its own
    report = await run_in_threadpool(proof.log_report, scope)
    logs = report.get("logs", [report])
    return page(
        request, "audit_proof.html", actor, report=report, logs=logs, partitioned="logs" in report, instansi=instansi
    )


@router.get("/siklus/{cycle_id}", response_class=HTMLResponse)
async def cycle(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    state = request.app.state
    require_oversight(actor)
    rows = await state.cycle_views.appraisals_of(cycle_id)
    found = await run_in_threadpool(state.appraisals.cycle, cycle_id)
    return page(request, "audit_cycle.html", actor, rows=rows, cycle=found)


def _end_of(day: str, zone: str, field: str) -> datetime:
    return calendar.end_of_day(calendar.parse_day(field, day), zone)


@router.get("/penilaian/{appraisal_id}", response_class=HTMLResponse)
async def record(
    request: Request, appraisal_id: UUID, actor: PageActor, pada: str = "", dari: str = "", sampai: str = ""
) -> HTMLResponse:
    require_oversight(actor)
    state = request.app.state
    audit = Audit(state.appraisals)
    appraisal = await run_in_threadpool(state.appraisals.appraisal, appraisal_id)
    zone = appraisal.time_zone
    history = await run_in_threadpool(audit.history, appraisal_id)
    chain = (await run_in_threadpool(audit.verify, appraisal_id)).as_dict()
    recomputed = await run_in_threadpool(audit.recompute, appraisal_id)
    context: dict[str, Any] = {"state": None, "diff": None, "error": ""}
    try:
        if pada:
            context["state"] = await attempt(
                request,
                lambda: run_in_threadpool(lambda: audit.state_at(appraisal_id, at=_end_of(pada, zone, "pada"))),
            )
        if dari and sampai:
            context["diff"] = await attempt(
                request,
                lambda: run_in_threadpool(
                    audit.diff, appraisal_id, _end_of(dari, zone, "dari"), _end_of(sampai, zone, "sampai")
                ),
            )
    except Refused as r:
        context["error"] = r.text
    return page(
        request,
        "audit.html",
        actor,
        appraisal=appraisal,
        zone=zone,
        history=history,
        chain=chain,
        recomputed=recomputed,
        pada=pada,
        dari=dari,
        sampai=sampai,
        **context,
    )
