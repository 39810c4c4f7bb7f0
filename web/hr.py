"""HR (pengelola kinerja): the dashboard of a cycle and its actions, through the service layer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.appraisal import FINALISED
from domain.cascade import cascade_default
from domain.cycle_commands import CalibrateUnit, CloseCycle, ExtendDeadline, ReopenCycle, SetOrgPredikat
from domain.errors import refusal
from domain.result_commands import OpenReview
from services.authz import (
    bound,
    headed_agencies,
    is_auditor,
    is_hr,
    require_agency_overview,
    require_hr,
    require_oversight,
)
from services.errors import ApiError
from web import forms
from web.chart import unit_chart
from web.outcome import Refused, act_on_form, actions, cycle_actions
from web.render import page, redirect
from web.session import PageActor, same_origin

NO_DEAD_LETTER = refusal("outbox.no_dead_letter", "no dead-lettered notification {message_id!r}")

router = APIRouter(prefix="/hr", dependencies=[Depends(same_origin)])


def status_of(actor: Any, agencies: set[str]) -> set[str] | None:
    """Whose read-model status a page shows: every agency's to auditors and a central pengelola; other HR their
    own agency's (none, when nobody named it); the head of an agency the agencies of the cycles the page shows."""
    if bound(actor):
        return {actor.agency}
    return None if is_hr(actor) or is_auditor(actor) else agencies


@router.get("", response_class=HTMLResponse)
async def cycles(request: Request, actor: PageActor) -> Response:
    state = request.app.state
    rows = await state.cycle_views.cycles(actor)
    if not (is_hr(actor) or is_auditor(actor)):  # the head of an agency: its cycles only, read-only
        headed = await run_in_threadpool(headed_agencies, state.appraisals, actor, {r["agency_id"] for r in rows})
        rows = [row for row in rows if row["agency_id"] in headed]
        if not rows:
            require_oversight(actor)  # anyone else: refused as before
    if len(rows) == 1:
        return redirect(f"/hr/siklus/{rows[0]['cycle_id']}")
    # HR bound to an agency: that agency's mails (services/authz.py); a central pengelola: every agency's; HR
    # whose agency nobody named: none.
    own = actor.agency if bound(actor) else None
    notifications = await state.readside.notifications(state.clock(), own) if is_hr(actor) and own != "" else None
    return page(
        request,
        "hr_home.html",
        actor,
        cycles=rows,
        read_models=await state.readside.status(status_of(actor, {r["agency_id"] for r in rows})),
        notifications=notifications,
        read_only=not is_hr(actor),
    )


async def dashboard(
    request: Request, actor: Any, cycle_id: UUID, *, error: str = "", status: int = 200, form: Any = None
) -> HTMLResponse:
    state = request.app.state
    views = state.cycle_views
    cycle = await views.cycle(cycle_id)
    await run_in_threadpool(require_agency_overview, state.appraisals, actor, cycle["agency_id"])
    progress = await views.progress(cycle_id, state.clock())
    distribution = await views.distribution(cycle_id)
    trends = await views.trends(cycle["agency_id"])
    people: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in await views.appraisals_of(cycle_id):
        people[row["unit_id"]].append(row)
    charts = [unit_chart(cycle["rule_set_id"], row) for row in distribution]
    rows = [row for unit_rows in people.values() for row in unit_rows]
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
        still_open=[row for row in rows if row["stage"] != FINALISED],
        names={row["employee_nip"]: row["employee_name"] for row in rows},
        zone=cycle["time_zone"],
        read_only=not is_hr(actor),  # auditors and the head of the agency see, and are offered no action
        detail_links=is_hr(actor) or is_auditor(actor),  # the head reads the agency's figures, not each record
        error=error,
        form=form or {},
        unit_names={u["unit_id"]: u["unit_name"] for u in progress["units"]},
        read_models=await state.readside.status(status_of(actor, {cycle["agency_id"]})),
        cascade=await state.readside.call("cascade_waits_of", str(cycle_id)),  # #15: blocked chains per unit
        cascade_default=cascade_default(cycle["rule_set_id"]),
        flags=await state.readside.call("open_supervisor_flags", str(cycle_id)),  # #15: HR's tasks
        # The agency's mails and their delivery (HR and auditors; the head of the agency reads figures only).
        notifications=await state.readside.notifications(state.clock(), cycle["agency_id"])
        if is_hr(actor) or is_auditor(actor)
        else None,
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
    cycles = cycle_actions(request)

    def extension(f: Any) -> ExtendDeadline:
        return ExtendDeadline(require_hr(actor), forms.text(f, "name"), forms.text(f, "until"), forms.text(f, "reason"))

    return await _act(
        request, actor, cycle_id, "perpanjangan", lambda f, k: cycles.extend_deadline(cycle_id, extension(f), k)
    )


@router.post("/siklus/{cycle_id}/unit/{unit_id}/predikat")
async def org_predikat(request: Request, cycle_id: UUID, unit_id: str, actor: PageActor) -> Response:
    cycles = cycle_actions(request)
    return await _act(
        request,
        actor,
        cycle_id,
        "predikat-org",
        lambda f, k: cycles.set_org_predikat(
            cycle_id, SetOrgPredikat(require_hr(actor), unit_id, forms.text(f, "predikat")), k
        ),
    )


@router.post("/siklus/{cycle_id}/unit/{unit_id}/kalibrasi")
async def calibrate(request: Request, cycle_id: UUID, unit_id: str, actor: PageActor) -> Response:
    cycles = cycle_actions(request)
    return await _act(
        request,
        actor,
        cycle_id,
        "kalibrasi",
        lambda f, k: cycles.calibrate_unit(
            cycle_id, CalibrateUnit(require_hr(actor), unit_id, forms.text(f, "justification")), k
        ),
    )


@router.post("/siklus/{cycle_id}/tutup")
async def close(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    """Close the cycle; each appraisal still open is named with the reason it stays open (alasan:<NIP>)."""
    cycles = cycle_actions(request)

    def closing(f: Any) -> CloseCycle:
        named = {key.split(":", 1)[1]: forms.text(f, key) for key in f if key.startswith("alasan:")}
        return CloseCycle(require_hr(actor), {nip: reason for nip, reason in named.items() if reason})

    return await _act(request, actor, cycle_id, "siklus-ditutup", lambda f, k: cycles.close(cycle_id, closing(f), k))


@router.post("/siklus/{cycle_id}/buka-kembali")
async def reopen(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    cycles = cycle_actions(request)
    return await _act(
        request,
        actor,
        cycle_id,
        "siklus-dibuka",
        lambda f, k: cycles.reopen(cycle_id, ReopenCycle(require_hr(actor), forms.text(f, "reason")), k),
    )


@router.post("/siklus/{cycle_id}/penilaian/{appraisal_id}/buka")
async def open_review(request: Request, cycle_id: UUID, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request, actor, cycle_id, "review", lambda f, k: act.open_review(appraisal_id, OpenReview(require_hr(actor)), k)
    )


@router.post("/notifikasi/kirim-ulang")
async def retry_notification(request: Request, actor: PageActor) -> Response:
    """HR sends a dead-lettered mail again (after fixing the address in the org CSV, say)."""
    require_hr(actor)
    form = await request.form()
    message_id = forms.text(form, "message_id")[:100]
    if not await request.app.state.readside.retry_notification(message_id, request.app.state.clock()):
        raise ApiError.of(404, "NotFound", NO_DEAD_LETTER, "message_id", message_id=message_id)
    return redirect("/hr", "notifikasi-dikirim-ulang")
