"""HR (pengelola kinerja): the dashboard of a cycle and its actions, through the API's HR routes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api import hr as api
from api import hr_appraisals
from api.authz import require_hr, require_oversight
from web import forms
from web.chart import unit_chart
from web.outcome import Refused, act_on_form
from web.render import page, redirect
from web.session import PageActor, same_origin

router = APIRouter(prefix="/hr", dependencies=[Depends(same_origin)])


@router.get("", response_class=HTMLResponse)
async def cycles(request: Request, actor: PageActor) -> Response:
    rows = await api.list_cycles(require_oversight(actor), request.app.state.readside)
    if len(rows) == 1:
        return redirect(f"/hr/siklus/{rows[0]['cycle_id']}")
    return page(request, "hr_home.html", actor, cycles=rows)


async def dashboard(
    request: Request, actor: Any, cycle_id: UUID, *, error: str = "", status: int = 200, form: Any = None
) -> HTMLResponse:
    state = request.app.state
    who = require_oversight(actor)
    cycle = await run_in_threadpool(api.read_cycle, cycle_id, who, state.appraisals)
    progress = await api.progress(cycle_id, who, state.appraisals, state.readside, state.commands, state.clock)
    distribution = await api.distribution(cycle_id, who, state.appraisals, state.readside)
    trends = await api.trends(who, state.readside, cycle["agency_id"])
    people: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in await api.cycle_appraisals(cycle_id, who, state.appraisals, state.readside):
        people[row["unit_id"]].append(row)
    charts = [unit_chart(cycle["rule_set_id"], row) for row in distribution]
    return page(
        request,
        "hr.html",
        actor,
        status,
        cycle=cycle,
        progress=progress,
        charts=charts,
        trends=trends,
        people=people,
        zone=cycle["time_zone"],
        error=error,
        form=form or {},
        unit_names={u["unit_id"]: u["unit_name"] for u in progress["units"]},
    )


@router.get("/siklus/{cycle_id}", response_class=HTMLResponse)
async def cycle(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    return await dashboard(request, actor, cycle_id)


async def _act(request: Request, actor: Any, cycle_id: UUID, note: str, call: Callable[[Any, str], Any]) -> Response:
    async def again(form: Any, r: Refused) -> Response:
        return await dashboard(request, actor, cycle_id, error=r.text, status=r.status, form=dict(form))

    return await act_on_form(request, call, done=f"/hr/siklus/{cycle_id}", note=note, again=again)


@router.post("/siklus/{cycle_id}/perpanjangan")
async def extend(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    commands = request.app.state.commands
    return await _act(
        request,
        actor,
        cycle_id,
        "perpanjangan",
        lambda f, k: api.extend_deadline(
            cycle_id,
            forms.text(f, "name"),  # type: ignore[arg-type]
            api.ExtensionIn(until=forms.text(f, "until"), reason=forms.text(f, "reason")),
            require_hr(actor),
            commands,
            k,
        ),
    )


@router.post("/siklus/{cycle_id}/unit/{unit_id}/predikat")
async def org_predikat(request: Request, cycle_id: UUID, unit_id: str, actor: PageActor) -> Response:
    commands = request.app.state.commands
    return await _act(
        request,
        actor,
        cycle_id,
        "predikat-org",
        lambda f, k: api.set_org_predikat(
            cycle_id,
            unit_id,
            api.OrgPredikatIn(predikat=forms.text(f, "predikat")),  # type: ignore[arg-type]
            require_hr(actor),
            commands,
            k,
        ),
    )


@router.post("/siklus/{cycle_id}/unit/{unit_id}/kalibrasi")
async def calibrate(request: Request, cycle_id: UUID, unit_id: str, actor: PageActor) -> Response:
    commands = request.app.state.commands
    return await _act(
        request,
        actor,
        cycle_id,
        "kalibrasi",
        lambda f, k: api.calibrate_unit(
            cycle_id,
            unit_id,
            api.CalibrationIn(justification=forms.text(f, "justification")),
            require_hr(actor),
            commands,
            k,
        ),
    )


@router.post("/siklus/{cycle_id}/penilaian/{appraisal_id}/buka")
async def open_review(request: Request, cycle_id: UUID, appraisal_id: UUID, actor: PageActor) -> Response:
    state = request.app.state
    return await _act(
        request,
        actor,
        cycle_id,
        "review",
        lambda f, k: hr_appraisals.open_review(appraisal_id, require_hr(actor), state.appraisals, state.commands, k),
    )
