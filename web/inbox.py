"""Supervisors (and the atasan, and HR for its own tasks): the inbox and the form of each task.

Every action is the service layer's (services/actions.py), as the API's routes call it, with the
same authorisation; the forms' submissions are in web/task_forms.py.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from domain.errors import NotFound
from services.actions import BULK_TASKS
from services.authz import bound, headed_agencies, is_hr
from services.errors import ApiError
from services.views import my_tasks, read_appraisal, superior_rhk, waiting_on_me
from web.render import page
from web.session import PageActor, same_origin

router = APIRouter(prefix="/tugas", dependencies=[Depends(same_origin)])


# From this many tasks (a kepala sekolah with forty teachers) the inbox groups them by stage, and offers to pick
# every SKP approval (or result delivery) waiting for the caller at once.
GROUPED_FROM = 40
ALL_LABELS = {
    "review_skp": "Pilih semua SKP yang menunggu persetujuan",
    "deliver_result": "Pilih semua hasil yang siap disampaikan",
}

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
        waiting=await waiting_on_me(state.appraisals, state.readside, actor),  # #15: "N bawahan menunggu RHK Anda"
        grouped=len(rows) >= GROUPED_FROM,
        bulk_counts=bulk_counts(rows, actor.nip),
        all_labels=ALL_LABELS,
        dossiers=await run_in_threadpool(waiting_dossiers, state, actor, {c["agency_id"] for c in cycles}),
    )


def waiting_dossiers(state: Any, actor: Any, agency_ids: set[str]) -> list[dict[str, Any]]:
    """#14: HR's tasks of the PPPK renewal dossiers produced and not yet decided, in the agencies it is HR of."""
    if not is_hr(actor):
        return []
    found = []
    # HR bound to one agency (#15) reads only its own; a central pengelola asks every agency with a cycle.
    for agency_id in sorted({actor.agency} if bound(actor) else agency_ids):
        try:
            found += [{**d, "agency_id": agency_id} for d in state.contracts.waiting(actor, agency_id)]
        except (ApiError, NotFound):  # HR of another agency, or an agency without master data
            continue
    return found


def bulk_counts(rows: list[dict[str, Any]], nip: str) -> dict[str, int]:
    """How many of each kind of bulk task wait for the caller (HR's inbox tasks are not the caller's own)."""
    return {task: sum(1 for t in rows if t["task"] == task and t["assignee_nip"] == nip) for task in BULK_TASKS}


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
        superior=await run_in_threadpool(superior_rhk, state.appraisals, appraisal),  # #15: links during review
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
