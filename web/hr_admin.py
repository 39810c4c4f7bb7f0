"""HR's work in the browser before a cycle runs: the org import, a new cycle and its start.

Every page calls the same services as the API (services/org.py, services/actions.py, the gateway);
no rule is decided here. Only HR reaches these pages: anyone else is refused (403) with the
Indonesian page every refusal gets. The people of a running cycle (those left out, mutations) are
web/hr_people.py.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain import org_csv
from domain.cascade import cascade_choice
from domain.cycle_commands import DefineCycle
from domain.errors import REQUIRED, InvalidInput
from domain.org_csv import Problem
from services.authz import ONLY_HR, forbidden, is_hr, require_agency, require_hr
from services.catalogue import say
from services.edge import CSRF_FIELD, CSRF_REFUSED_HEADERS, CSRF_REFUSED_PAGE, form_token_ok
from services.org import MAX_CSV_BYTES, Imported, csv_text, import_and_forward, participants_from_org
from web import forms
from web.hr import dashboard
from web.outcome import Refused, actions, attempt
from web.render import page, redirect
from web.session import PageActor, same_origin

router = APIRouter(prefix="/hr", dependencies=[Depends(same_origin)])
SHOWN_EMPLOYEES = 500  # per agency on the import page; the count says how many there are


def hr_only(actor: Any) -> None:
    """Reading an HR page: anyone but HR is told the page is HR's (an auditor too: these pages only write)."""
    if not is_hr(actor):
        raise forbidden(ONLY_HR)


async def _org(request: Request) -> list[dict[str, Any]]:
    """The agencies with org data, each with its units and (the first) employees, as recorded."""
    state = request.app.state
    found = []
    for row in await state.readside.call("org_agencies"):
        agency = await run_in_threadpool(state.appraisals.find_agency, row["agency_id"])
        if agency is None:
            continue
        people = sorted(agency.employees.values(), key=lambda e: (e["unit_id"], e["name"]))
        found.append(
            {
                "code": agency.code,
                "name": agency.name,
                "time_zone": agency.time_zone,
                "units": agency.units,
                "employees": people[:SHOWN_EMPLOYEES],
                "count": len(people),
                "with_email": any("email" in e for e in people),
                "names": {e["nip"]: e["name"] for e in people},
            }
        )
    return found


# --- the org import -------------------------------------------------------------------------------


async def _import_page(request: Request, actor: Any, status: int = 200, **context: Any) -> HTMLResponse:
    return page(
        request,
        "hr_impor.html",
        actor,
        status,
        agencies=await _org(request),
        max_mb=MAX_CSV_BYTES // 2**20,
        columns=(org_csv.REQUIRED, org_csv.OPTIONAL),
        **context,
    )


@router.get("/impor", response_class=HTMLResponse)
async def import_form(request: Request, actor: PageActor) -> HTMLResponse:
    hr_only(actor)
    return await _import_page(request, actor)


@router.post("/impor", response_class=HTMLResponse)
async def import_org(request: Request, actor: PageActor) -> Response:
    """Check the whole file; a per-line report (line, column, rule) and nothing imported, or all of it."""
    form = await request.form(max_files=1, max_fields=10)
    if not form_token_ok(request.scope, form.get(CSRF_FIELD)):  # this route checks its CSRF token itself
        return HTMLResponse(CSRF_REFUSED_PAGE, 403, headers=CSRF_REFUSED_HEADERS)
    require_hr(actor)
    upload, reason = form.get("file"), forms.text(form, "reason") or "Impor data organisasi oleh BKPSDM"
    state = request.app.state
    problems: list[Problem] = []
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("file", REQUIRED)
        text = csv_text(await upload.read(MAX_CSV_BYTES + 1))
    except InvalidInput as e:
        problems = [Problem.refused(0, e)]
    if problems:
        return await _import_page(request, actor, 422, problems=_report(problems))
    try:
        done: Imported = await attempt(
            request,
            lambda: import_and_forward(
                state.appraisals, actions(request), state.readside, text, actor, reason, state.clock(), forms.key(form)
            ),
        )
    except Refused as r:
        return await _import_page(request, actor, r.status, error=r.text)
    if done.result.problems:
        return await _import_page(request, actor, 422, problems=_report(done.result.problems))
    return await _import_page(request, actor, imported=done.result, forwarded=done.forwarded)


def _report(problems: list[Problem]) -> list[dict[str, Any]]:
    """The refused lines: line, column, and the reason in Bahasa Indonesia (the catalogue's text of its code)."""
    return [
        {
            "line": p.line,
            "field": p.field,
            "reason": say(p.code, dict(p.params), "id", p.field, named=False) or p.reason,
        }
        for p in problems
    ]


# --- a new cycle and its start ---------------------------------------------------------------------


@router.get("/siklus-baru", response_class=HTMLResponse)
async def new_cycle_form(request: Request, actor: PageActor) -> HTMLResponse:
    hr_only(actor)
    return await _new_cycle_page(request, actor, form={"agency_id": request.query_params.get("instansi", "")})


async def _new_cycle_page(
    request: Request, actor: Any, status: int = 200, *, form: dict[str, Any], error: str = ""
) -> HTMLResponse:
    year = request.app.state.clock().year + 1
    return page(
        request,
        "hr_siklus_baru.html",
        actor,
        status,
        agencies=await request.app.state.readside.call("org_agencies"),
        form={"year": str(year), "period": "quarterly", **form},
        error=error,
    )


@router.post("/siklus-baru", response_class=HTMLResponse)
async def new_cycle(request: Request, actor: PageActor) -> Response:
    """Define the agency's cycle from its org data; the people left out are listed on the cycle's page."""
    hr_only(actor)  # before anything: a refusal shown on the page would list the agencies with org data
    form = await request.form()
    state = request.app.state

    async def define() -> UUID:
        hr = require_hr(actor)
        agency_id = forms.text(form, "agency_id")
        require_agency(actor, agency_id)  # HR defines its own agency's cycles
        agency = await run_in_threadpool(state.appraisals.agency, agency_id) if agency_id else None
        if agency is None:
            raise InvalidInput("agency_id", REQUIRED)
        participants, _ = await run_in_threadpool(participants_from_org, state.appraisals, agency_id, None)
        planning = forms.text(form, "planning")
        definition = DefineCycle(
            by=hr,
            agency_id=agency.code,
            agency_name=agency.name,
            time_zone=agency.time_zone,
            year=forms.integer(form, "year"),
            participants=participants,
            period=forms.optional(form, "period"),
            deadlines={"planning": planning} if planning else None,
        )
        cycle_id: UUID = await state.gateway.define_cycle(definition, forms.key(form))
        return cycle_id

    try:
        cycle_id: UUID = await attempt(request, define)
    except Refused as r:
        return await _new_cycle_page(request, actor, r.status, form=dict(form), error=r.text)
    return redirect(f"/hr/siklus/{cycle_id}", "siklus-dibuat")


@router.post("/siklus/{cycle_id}/mulai")
async def start(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    """Start the cycle's workflow; a second start (a double click, a retried form) starts nothing more."""
    state = request.app.state
    require_hr(actor)
    found = await run_in_threadpool(state.appraisals.cycle, cycle_id)  # 404 before anything starts
    form = await request.form()

    def days(name: str) -> int | None:
        return None if forms.optional(form, name) is None else forms.integer(form, name)

    async def start() -> bool:
        before, per_level = days("cascade_days_before"), days("cascade_days_per_level")
        cascade_choice(found, before, per_level)  # a 4xx naming the field before anything starts
        try:
            await state.gateway.start_cycle(cycle_id, actor, None, None, before, per_level)
        except WorkflowAlreadyStartedError:
            return False  # started already: the opening's page shows how far it got
        return True

    try:
        _started: bool = await attempt(request, start)
    except Refused as r:
        return await dashboard(request, actor, cycle_id, error=r.text, status=r.status, form=dict(form))
    return redirect(f"/hr/siklus/{cycle_id}/pembukaan", "siklus-dimulai")


@router.get("/siklus/{cycle_id}/pembukaan", response_class=HTMLResponse)
async def opening(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    """The opening's live progress (the page reloads itself until every appraisal is open)."""
    hr_only(actor)
    views = request.app.state.cycle_views
    cycle = await views.cycle(cycle_id)
    progress = await views.progress(cycle_id, request.app.state.clock())
    workflow = progress["workflow"]
    open_now = sum(sum(u["stages"].values()) for u in progress["units"])
    done = bool(workflow.get("opening_done")) and open_now >= cycle["participants"]
    return page(
        request,
        "hr_pembukaan.html",
        actor,
        cycle=cycle,
        progress=progress,
        workflow=workflow,
        open_now=open_now,
        done=done,
        refresh=not done and cycle["status"] != "closed",
        zone=cycle["time_zone"],
    )
