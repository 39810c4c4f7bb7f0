"""HR's page of acting heads (Plt/Plh): designate one for a unit's head with the decree, and see who acted when.

It calls the same service as the API (services/acting.py); no rule is decided here, and only HR reaches it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.acting import KINDS, unit_head
from domain.acting_commands import DesignateActing, EndDesignation
from domain.calendar import local_day
from services import acting
from services.authz import require_hr
from web import forms
from web.hr_admin import hr_only
from web.hr_people import form_on
from web.render import page, redirect
from web.session import PageActor, same_origin

router = APIRouter(prefix="/hr", dependencies=[Depends(same_origin)])
KIND_NAMES = {"plt": "Plt (pelaksana tugas)", "plh": "Plh (pelaksana harian)"}


async def _acting_page(request: Request, actor: Any, cycle_id: UUID, status: int = 200, **context: Any) -> HTMLResponse:
    state = request.app.state
    cycle_view: dict[str, Any] = await state.cycle_views.cycle(cycle_id)
    cycle = await run_in_threadpool(state.appraisals.cycle, cycle_id)
    people = sorted(cycle.participants.values(), key=lambda p: p["name"])
    units: dict[str, dict[str, Any]] = {}
    for p in people:
        units.setdefault(p["unit_id"], {"id": p["unit_id"], "name": p.get("unit_name") or p["unit_id"]})
    for unit in units.values():
        unit["head_nip"] = unit_head(cycle.participants, unit["id"]) or ""
    names = {p["nip"]: p["name"] for p in people}
    found = await run_in_threadpool(acting.designations, state.appraisals, cycle_id)
    today = local_day(state.clock(), cycle.time_zone).isoformat()
    return page(
        request,
        "hr_plt.html",
        actor,
        status,
        cycle=cycle_view,
        units=sorted(units.values(), key=lambda u: u["name"]),
        people=people,
        names=names,
        designations=found,
        kinds=[(k, KIND_NAMES[k]) for k in KINDS],
        kind_names=KIND_NAMES,
        today=today,
        zone=cycle.time_zone,
        form=context.pop("form", {}),
        **context,
    )


@router.get("/siklus/{cycle_id}/plt", response_class=HTMLResponse)
async def acting_heads(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    hr_only(actor)
    return await _acting_page(request, actor, cycle_id)


@router.post("/siklus/{cycle_id}/plt", response_class=HTMLResponse)
async def designate(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    """Record the designation; its workflow moves the head's tasks on the first day and back after the last."""
    state = request.app.state

    async def record(form: FormData) -> Response:
        cmd = DesignateActing(
            require_hr(actor),
            forms.text(form, "unit_id"),
            forms.text(form, "acting_nip"),
            forms.text(form, "kind"),
            forms.text(form, "starts"),
            forms.text(form, "ends"),
            forms.text(form, "decree"),
        )
        await acting.designate(state.gateway, cycle_id, cmd, state.clock(), forms.key(form))
        return redirect(f"/hr/siklus/{cycle_id}/plt", "plt-ditunjuk")

    return await form_on(request, actor, cycle_id, _acting_page, record)


@router.post("/siklus/{cycle_id}/plt/{designation_id}/akhiri", response_class=HTMLResponse)
async def end_early(request: Request, cycle_id: UUID, designation_id: UUID, actor: PageActor) -> Response:
    """End a designation early (or cancel one not begun) with the reason; the tasks go back after the new last day."""
    state = request.app.state

    async def end(form: FormData) -> Response:
        cmd = EndDesignation(
            require_hr(actor), str(designation_id), forms.text(form, "ends"), forms.text(form, "reason")
        )
        await acting.end_early(state.gateway, cycle_id, cmd, state.clock(), forms.key(form))
        return redirect(f"/hr/siklus/{cycle_id}/plt", "plt-diakhiri")

    return await form_on(request, actor, cycle_id, _acting_page, end)
