"""Auditors (and HR): find an appraisal, then its timeline, chain verification, state at a date, diff, recompute.

Read-only; every answer comes from the API's audit routes (api/audit.py) over domain/audit.py.
A chosen date means the end of that day (23.59.59) in the agency's zone, as the domain counts days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api import audit as api
from api import hr
from api.authz import require_oversight
from domain import calendar
from domain.audit import Audit
from web.outcome import Refused, attempt
from web.render import page, redirect
from web.session import PageActor

router = APIRouter(prefix="/audit")


@router.get("", response_class=HTMLResponse)
async def cycles(request: Request, actor: PageActor, cari: str = "") -> Response:
    require_oversight(actor)
    if cari.strip():
        return redirect(f"/audit/penilaian/{cari.strip()}")
    rows = await hr.list_cycles(actor, request.app.state.readside)
    return page(request, "audit_home.html", actor, cycles=rows)


@router.get("/siklus/{cycle_id}", response_class=HTMLResponse)
async def cycle(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    state = request.app.state
    rows = await hr.cycle_appraisals(cycle_id, require_oversight(actor), state.appraisals, state.readside)
    found = await run_in_threadpool(state.appraisals.cycle, cycle_id)
    return page(request, "audit_cycle.html", actor, rows=rows, cycle=found)


def _end_of(day: str, zone: str, field: str) -> datetime:
    return calendar.end_of_day(calendar.parse_day(field, day), zone)


@router.get("/penilaian/{appraisal_id}", response_class=HTMLResponse)
async def record(
    request: Request, appraisal_id: UUID, actor: PageActor, pada: str = "", dari: str = "", sampai: str = ""
) -> HTMLResponse:
    who = require_oversight(actor)
    state = request.app.state
    audit = Audit(state.appraisals)
    appraisal = await run_in_threadpool(state.appraisals.appraisal, appraisal_id)
    zone = appraisal.time_zone
    history = await run_in_threadpool(api.history, appraisal_id, audit, who)
    chain = await run_in_threadpool(api.verify, appraisal_id, audit, who)
    recomputed = await run_in_threadpool(api.recompute, appraisal_id, audit, who)
    context: dict[str, Any] = {"state": None, "diff": None, "error": ""}
    try:
        if pada:
            context["state"] = await attempt(
                request,
                lambda: run_in_threadpool(api.state, appraisal_id, audit, who, None, _end_of(pada, zone, "pada")),
            )
        if dari and sampai:
            context["diff"] = await attempt(
                request,
                lambda: run_in_threadpool(
                    api.diff, appraisal_id, audit, who, _end_of(dari, zone, "dari"), _end_of(sampai, zone, "sampai")
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
