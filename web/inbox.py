"""Supervisors (and the atasan, and HR for its own tasks): the inbox and the form of each task.

Every action is the service layer's (services/actions.py), as the API's routes call it, with the
same authorisation; the predikat preview asks the appraisal's rule set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError
from domain.people_commands import DelegateTask
from domain.result_commands import DecideFollowUp, DecideKeberatan, DeliverResult, Finalise, Rate
from domain.rules import rule_set
from domain.work_commands import ApproveSkp, HoldCheckIn, ReturnSkp
from services.authz import headed_agencies, require_hr, require_writer
from services.errors import ApiError
from services.views import load_appraisal_async, my_tasks, read_appraisal
from web import forms
from web.outcome import Refused, act_on_form, actions
from web.render import page
from web.session import PageActor, same_origin

router = APIRouter(prefix="/tugas", dependencies=[Depends(same_origin)])


# How the inbox may be ordered (?urut=): the read model's urgency order, the nearest due date, the name.
SORTS = {"urgensi": "Urgensi (terlambat dulu)", "batas": "Batas waktu terdekat", "nama": "Nama pegawai"}


def choose(tasks: list[dict[str, Any]], query: Any) -> list[dict[str, Any]]:
    """The tasks matching the inbox's search and filters (?q= name or NIP, unit, tahap, terlambat), in ?urut= order."""
    words = str(query.get("q", ""))[:100].strip().casefold()
    unit, stage = query.get("unit", ""), query.get("tahap", "")
    found = [
        t
        for t in tasks
        if (not words or words in t["employee_name"].casefold() or words in t["employee_nip"])
        and (not unit or t["unit_id"] == unit)
        and (not stage or t["stage"] == stage)
        and (not query.get("terlambat") or t["overdue"])
    ]
    if query.get("urut") == "batas":  # undated tasks last
        found.sort(key=lambda t: (t["due_at"] is None, t["due_at"].timestamp() if t["due_at"] else 0.0))
    elif query.get("urut") == "nama":
        found.sort(key=lambda t: (t["employee_name"].casefold(), t["employee_nip"]))
    return found


@router.get("", response_class=HTMLResponse)
async def inbox(request: Request, actor: PageActor) -> HTMLResponse:
    state = request.app.state
    rows = await my_tasks(state.readside, actor, state.clock())
    cycles = await state.readside.call("cycle_list")
    zones = {c["cycle_id"]: c["time_zone"] for c in cycles}
    units: dict[str, str] = {}
    for cycle_id in {t["cycle_id"] for t in rows}:
        found = await state.readside.call("cycle", cycle_id)
        units.update({u: unit["name"] for u, unit in (found or {}).get("units", {}).items()})
    mine = await state.readside.call("employee_appraisals", actor.nip)
    headed = await run_in_threadpool(headed_agencies, state.appraisals, actor, {c["agency_id"] for c in cycles})
    return page(
        request,
        "inbox.html",
        actor,
        tasks=choose(rows, request.query_params),
        total=len(rows),
        units={t["unit_id"]: units.get(t["unit_id"], t["unit_id"]) for t in rows},
        stages=sorted({t["stage"] for t in rows}),
        sorts=SORTS,
        chosen=request.query_params,
        zones=zones,
        mine=mine,
        agency_head=bool(headed),
    )


async def task_page(
    request: Request,
    actor: Any,
    appraisal_id: UUID,
    *,
    error: str = "",
    status: int = 200,
    form: Any = None,
    preview: dict[str, Any] | None = None,
) -> HTMLResponse:
    state = request.app.state
    appraisal, view = await read_appraisal(state.appraisals, actor, appraisal_id, state.clock())
    pending = view["pending"] or {}
    mine = pending.get("assignee") in (actor.nip, "hr" if "hr" in actor.roles else None)
    return page(
        request,
        "task.html",
        actor,
        status,
        a=view,
        zone=appraisal.time_zone,
        periods=appraisal.periods,
        task=pending.get("task") if mine else None,
        error=error,
        form=form or {},
        preview=preview,
        delegate=appraisal.delegate_nip,
        surveys=await _surveys(request, actor, appraisal_id),
    )


async def _surveys(request: Request, actor: Any, appraisal_id: UUID) -> list[dict[str, Any]] | None:
    """The citizens' surveys about the employee, for whom the service shows them (None: not for this caller)."""
    try:
        return await request.app.state.surveys.about(actor, appraisal_id)
    except ApiError:
        return None


@router.get("/{appraisal_id}", response_class=HTMLResponse)
async def task(request: Request, appraisal_id: UUID, actor: PageActor) -> HTMLResponse:
    return await task_page(request, actor, appraisal_id)


def preview(rule_set_id: str, results: str, values: dict[str, str]) -> dict[str, Any]:
    """What the domain will record: the behaviour rating and the predikat by the rule set's kuadran."""
    rules = rule_set(rule_set_id)
    try:
        behaviour = rules.behaviour_rating(values)
        return {
            "results": results,
            "values": values,
            "behaviour": behaviour,
            "predikat": rules.predikat(results, behaviour),
        }
    except DomainError as e:
        return {"error": str(e)}


async def _act(
    request: Request, actor: Any, appraisal_id: UUID, note: str, call: Callable[[Any, str], Any]
) -> Response:
    async def again(form: Any, r: Refused) -> Response:
        return await task_page(request, actor, appraisal_id, error=r.text, status=r.status, form=dict(form))

    return await act_on_form(request, call, done=f"/tugas/{appraisal_id}", note=note, again=again)


@router.post("/{appraisal_id}/skp/setujui")
async def approve(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "skp-disetujui",
        lambda f, k: act.approve_skp(appraisal_id, ApproveSkp(require_writer(actor)), k),
    )


@router.post("/{appraisal_id}/skp/kembalikan")
async def return_skp(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "skp-dikembalikan",
        lambda f, k: act.return_skp(appraisal_id, ReturnSkp(require_writer(actor), forms.text(f, "reasons")), k),
    )


@router.post("/{appraisal_id}/delegasi")
async def delegate(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "didelegasikan",
        lambda f, k: act.delegate_task(
            appraisal_id, DelegateTask(require_writer(actor), forms.text(f, "to_nip"), forms.text(f, "reason")), k
        ),
    )


@router.post("/{appraisal_id}/checkin")
async def check_in(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "checkin",
        lambda f, k: act.hold_check_in(
            appraisal_id,
            HoldCheckIn(
                require_writer(actor),
                forms.text(f, "period"),
                forms.text(f, "notes"),
                forms.optional(f, "results_rating"),
                forms.optional(f, "behaviour_rating"),
            ),
            k,
        ),
    )


@router.post("/{appraisal_id}/nilai")
async def rate(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    form = await request.form()
    if forms.text(form, "langkah") == "pratinjau":
        appraisal, _ = await load_appraisal_async(request.app.state.appraisals, actor, appraisal_id)
        shown = preview(appraisal.rule_set_id, forms.text(form, "results_rating"), forms.behaviour(form))
        return await task_page(request, actor, appraisal_id, form=dict(form), preview=shown)
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "dinilai",
        lambda f, k: act.rate(
            appraisal_id,
            Rate(require_writer(actor), forms.text(f, "results_rating"), forms.behaviour(f), forms.text(f, "notes")),
            k,
        ),
    )


@router.post("/{appraisal_id}/hasil")
async def deliver(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "hasil",
        lambda f, k: act.deliver_result(appraisal_id, DeliverResult(require_writer(actor)), k),
    )


@router.post("/{appraisal_id}/keberatan")
async def decide(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    form = await request.form()
    amended = forms.text(form, "outcome") == "amended"
    if forms.text(form, "langkah") == "pratinjau":
        appraisal, _ = await load_appraisal_async(request.app.state.appraisals, actor, appraisal_id)
        shown = preview(appraisal.rule_set_id, forms.text(form, "results_rating"), forms.behaviour(form))
        return await task_page(request, actor, appraisal_id, form=dict(form), preview=shown)
    act = actions(request)

    def decision(f: Any) -> DecideKeberatan:
        return DecideKeberatan(
            require_writer(actor),
            forms.text(f, "outcome"),
            forms.text(f, "reasons"),
            forms.optional(f, "results_rating") if amended else None,
            (forms.behaviour(f) or None) if amended else None,
        )

    return await _act(
        request, actor, appraisal_id, "diputuskan", lambda f, k: act.decide_keberatan(appraisal_id, decision(f), k)
    )


@router.post("/{appraisal_id}/tindak-lanjut")
async def follow_up(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)

    def decision(f: Any) -> DecideFollowUp:
        previous = [p for p in f.getlist("previous_predikats") if p]
        return DecideFollowUp(require_hr(actor), previous, forms.integer(f, "years_in_rank"), forms.text(f, "notes"))

    return await _act(
        request, actor, appraisal_id, "tindak-lanjut", lambda f, k: act.decide_follow_up(appraisal_id, decision(f), k)
    )


@router.post("/{appraisal_id}/final")
async def finalise(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request, actor, appraisal_id, "final", lambda f, k: act.finalise(appraisal_id, Finalise(require_hr(actor)), k)
    )
