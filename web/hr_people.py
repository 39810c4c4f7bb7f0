"""HR's pages for the people of a cycle: those left out of it, added by hand, and a change of supervisor (mutasi).

Like web/hr_admin.py, every page calls the same services as the API (services/actions.py,
services/org.py); no rule is decided here, and only HR reaches these pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.calendar import local_day, parse_day
from domain.cycle_commands import AddParticipant
from domain.organisation import Agency
from services.authz import require_hr
from services.org import record_mutation
from web import forms
from web.hr_admin import hr_only
from web.outcome import Refused, actions, attempt, cycle_actions
from web.render import page, redirect
from web.session import PageActor, same_origin

router = APIRouter(prefix="/hr", dependencies=[Depends(same_origin)])

# A cycle's page shown again: (request, actor, cycle, status, **what it shows).
CyclePage = Callable[..., Awaitable[HTMLResponse]]


async def _cycle_and_agency(request: Request, cycle_id: UUID) -> tuple[dict[str, Any], Agency | None]:
    """The cycle as recorded, and its agency's org data (None for a cycle defined without it)."""
    state = request.app.state
    cycle: dict[str, Any] = await state.cycle_views.cycle(cycle_id)
    return cycle, await run_in_threadpool(state.appraisals.find_agency, cycle["agency_id"])


async def form_on(
    request: Request,
    actor: Any,
    cycle_id: UUID,
    shown: CyclePage,
    act: Callable[[FormData], Awaitable[Response | dict[str, Any]]],
) -> Response:
    """Run a cycle page's form: its answer (a redirect, or what the page shows besides), or, refused, the
    page again with the rule in Bahasa Indonesia and what was typed. Anyone but HR is refused first: a refusal
    shown on the page would list the org data it holds."""
    hr_only(actor)
    form = await request.form()
    try:
        done: Response | dict[str, Any] = await attempt(request, partial(act, form))
    except Refused as r:
        return await shown(request, actor, cycle_id, r.status, error=r.text, form=dict(form))
    return done if isinstance(done, Response) else await shown(request, actor, cycle_id, **done)


# --- people left out -------------------------------------------------------------------------------


async def _left_out(request: Request, cycle_id: UUID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The cycle, and the employees of its agency's org data who do not take part, with the reason."""
    taking_part = set((await run_in_threadpool(request.app.state.appraisals.cycle, cycle_id)).participants)
    cycle, agency = await _cycle_and_agency(request, cycle_id)
    if agency is None:
        return cycle, []
    skipped = dict(agency.participants().skipped)
    rows = []
    for nip, e in sorted(agency.employees.items(), key=lambda item: item[1]["name"]):
        if nip in taking_part:
            continue
        appraiser, atasan = agency.reporting_line(nip)
        rows.append(
            {
                "nip": nip,
                "name": e["name"],
                "unit": agency.units.get(e["unit_id"], {}).get("name", e["unit_id"]),
                "appraiser_nip": appraiser or "",
                "atasan_nip": atasan or "",
                "skipped": nip in skipped,
            }
        )
    return cycle, rows


async def _participants_page(
    request: Request, actor: Any, cycle_id: UUID, status: int = 200, **context: Any
) -> HTMLResponse:
    cycle, rows = await _left_out(request, cycle_id)
    return page(
        request, "hr_peserta.html", actor, status, cycle=cycle, left_out=rows, form=context.pop("form", {}), **context
    )


@router.get("/siklus/{cycle_id}/peserta", response_class=HTMLResponse)
async def participants(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    hr_only(actor)
    return await _participants_page(request, actor, cycle_id)


@router.post("/siklus/{cycle_id}/peserta", response_class=HTMLResponse)
async def add_participant(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    """Add one person left out, with the pejabat penilai and atasan HR names; the appraisal opens at once."""

    async def add(form: FormData) -> Response:
        hr = require_hr(actor)
        cycle = await request.app.state.cycle_views.cycle(cycle_id)
        agency = await run_in_threadpool(request.app.state.appraisals.agency, cycle["agency_id"])
        nip = forms.text(form, "nip")
        person = agency.participant(nip, forms.text(form, f"appraiser-{nip}"), forms.text(form, f"atasan-{nip}"))
        await cycle_actions(request).add_participant(cycle_id, AddParticipant(hr, person), forms.key(form))
        return redirect(f"/hr/siklus/{cycle_id}/peserta", "peserta-ditambah")

    return await form_on(request, actor, cycle_id, _participants_page, add)


# --- a change of supervisor (mutasi) ---------------------------------------------------------------


async def _mutation_page(
    request: Request, actor: Any, cycle_id: UUID, status: int = 200, **context: Any
) -> HTMLResponse:
    cycle, agency = await _cycle_and_agency(request, cycle_id)
    people = sorted((agency.employees.values() if agency else []), key=lambda e: e["name"])
    return page(
        request,
        "hr_mutasi.html",
        actor,
        status,
        cycle=cycle,
        people=people,
        names={e["nip"]: e["name"] for e in people},
        history=list(reversed(agency.supervisor_history)) if agency else [],
        today=local_day(request.app.state.clock(), cycle["time_zone"]).isoformat(),
        zone=cycle["time_zone"],
        form=context.pop("form", {}),
        **context,
    )


@router.get("/siklus/{cycle_id}/mutasi", response_class=HTMLResponse)
async def mutation_form(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    hr_only(actor)
    # A flagged wrong supervisor links here with the employee chosen (#15, web/templates/hr.html).
    return await _mutation_page(request, actor, cycle_id, form={"nip": request.query_params.get("nip", "")[:18]})


@router.post("/siklus/{cycle_id}/mutasi", response_class=HTMLResponse)
async def mutation(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    """Record the new supervisor in the org data from its effective date; running appraisals follow."""
    state = request.app.state

    async def record(form: FormData) -> dict[str, Any]:
        hr = require_hr(actor)
        cycle = await state.cycle_views.cycle(cycle_id)
        effective: date = parse_day("effective_date", forms.text(form, "effective_date"))
        forwarded = await record_mutation(
            state.appraisals,
            actions(request),
            state.readside,
            cycle["agency_id"],
            forms.text(form, "nip"),
            forms.text(form, "supervisor_nip"),
            actor=hr,
            reason=forms.text(form, "reason"),
            effective=effective,
            at=state.clock(),
            key=forms.key(form),
        )
        return {"forwarded": forwarded, "recorded": True}

    return await form_on(request, actor, cycle_id, _mutation_page, record)
