"""Supervisors' bulk work (#13): approve several SKPs, or deliver several results, with one confirmation.

The inbox's checkboxes name the tasks; a confirmation page lists them with a fresh bulk key; the
confirmed request sends each one as its own command through the service layer (its own workflow
Update, its own domain event) with its own idempotency key derived from the bulk key and the
appraisal, so a retried confirmation repeats nothing. Each item answers for itself: one refused
(an SKP changed meanwhile) leaves the others done.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from domain.errors import DomainError, InvalidInput, refusal
from services.actions import BULK_TASKS, MAX_BULK
from services.authz import require_writer
from services.bulk import each
from services.errors import ApiError
from services.refusals import bulk_refusal
from services.views import load_appraisal_async, my_tasks
from web import forms
from web.outcome import Refused, actions, attempt
from web.render import page, redirect
from web.session import PageActor, same_origin

NOT_A_TASK = refusal("bulk.not_a_task", "not a task of the inbox: {value!r}")
NOT_IN_BULK = refusal("bulk.not_bulk", "{task!r} cannot be done in bulk")
TOO_MANY = refusal("bulk.too_many", "at most {limit} tasks at once")

router = APIRouter(prefix="/tugas", dependencies=[Depends(same_origin)])


def chosen(form: Any) -> list[tuple[UUID, str]]:
    """The ticked tasks (pilih=<appraisal id>:<task>), each once, in the inbox's order."""
    items: list[tuple[UUID, str]] = []
    for value in form.getlist("pilih"):
        appraisal, _, task = str(value).partition(":")
        try:
            item = (UUID(appraisal), task)
        except ValueError:
            raise InvalidInput("pilih", NOT_A_TASK, value=str(value)[:80]) from None
        if task not in BULK_TASKS:
            raise InvalidInput("pilih", NOT_IN_BULK, task=task[:40])
        if item not in items:
            items.append(item)
    if len(items) > MAX_BULK:
        raise InvalidInput("pilih", TOO_MANY, limit=MAX_BULK)
    return items


def every(form: Any, waiting: list[dict[str, Any]], nip: str) -> list[tuple[UUID, str]]:
    """`semua=<task>` (the inbox's "pick all" of a large unit): every such task waiting for the caller, in the
    inbox's order, up to MAX_BULK."""
    task = str(form.get("semua") or "")
    if not task:
        return []
    if task not in BULK_TASKS:
        raise InvalidInput("semua", NOT_IN_BULK, task=task[:40])
    mine = [(UUID(str(t["appraisal_id"])), task) for t in waiting if t["task"] == task and t["assignee_nip"] == nip]
    return mine[:MAX_BULK]


async def _named(request: Request, actor: Any, appraisal_id: UUID) -> dict[str, str]:
    try:
        appraisal, _ = await load_appraisal_async(request.app.state.appraisals, actor, appraisal_id)
    except (DomainError, ApiError):
        return {}
    return {"employee_name": str(appraisal.employee.get("name", "")), "employee_nip": appraisal.employee_nip}


@router.post("/massal", response_class=HTMLResponse)
async def bulk(request: Request, actor: PageActor) -> Response:
    """`langkah=konfirmasi`: the confirmation page; `langkah=jalankan`: each item, and the result of each."""
    form = await request.form()
    require_writer(actor)
    state = request.app.state
    waiting = await my_tasks(state.readside, actor, state.clock())
    try:
        items = await attempt(request, lambda: every(form, waiting, actor.nip) or chosen(form))
    except Refused as r:
        return page(request, "bulk.html", actor, r.status, error=r.text, rows=[], step="konfirmasi")
    if not items:
        return redirect("/tugas", "tidak-ada-pilihan")
    tasks = {(str(t["appraisal_id"]), t["task"]): t for t in waiting}
    rows = [{**tasks.get((str(a), task), {}), "appraisal_id": a, "task": task} for a, task in items]
    for row in rows:
        if not row.get("employee_name"):  # no longer in the inbox: named only if the caller may read it
            row.update(await _named(request, actor, row["appraisal_id"]))
    if forms.text(form, "langkah") != "jalankan":
        return page(request, "bulk.html", actor, rows=rows, step="konfirmasi")
    key = forms.key(form)
    if not key:
        return page(
            request,
            "bulk.html",
            actor,
            422,
            error="Formulir konfirmasi tidak lengkap: muat ulang kotak tugas.",
            rows=[],
            step="konfirmasi",
        )
    act = actions(request)

    async def run(appraisal_id: UUID, task: str) -> tuple[bool, str]:
        async def one() -> Any:
            return await act.bulk_item(appraisal_id, task, actor, key)

        try:
            await attempt(request, one)
        except Refused as r:
            return False, bulk_refusal(r.kind, r.said)
        return True, ""

    for row, (done, reason) in zip(rows, await each(items, run), strict=True):
        row["done"] = done
        if not done:
            row["reason"] = reason
    return page(request, "bulk.html", actor, rows=rows, step="hasil", done=sum(1 for r in rows if r["done"]))
