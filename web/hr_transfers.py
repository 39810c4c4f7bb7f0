"""HR's page for a transfer (mutasi) out of a cycle: within the agency or to another agency, and the transfers
out of and into the agency, with both periods and the year's predikat under the rule set's stated rule.

Like web/hr_people.py, the page calls the same service as the API (services/transfers.py); no rule is
decided here, and only HR reaches it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain.calendar import local_day
from domain.transfer_commands import RecordTransfer
from services.authz import require_hr
from web import forms
from web.hr_admin import hr_only
from web.hr_people import form_on
from web.render import page
from web.session import PageActor, same_origin

router = APIRouter(prefix="/hr", dependencies=[Depends(same_origin)])
FIELDS = ("to_agency_id", "to_unit_id", "to_unit_name", "to_appraiser_nip", "to_atasan_nip", "decree", "reason")


async def _transfers_page(
    request: Request, actor: Any, cycle_id: UUID, status: int = 200, **context: Any
) -> HTMLResponse:
    state = request.app.state
    cycle: dict[str, Any] = await state.cycle_views.cycle(cycle_id)
    people = (await run_in_threadpool(state.appraisals.cycle, cycle_id)).participants
    return page(
        request,
        "hr_mutasi_pegawai.html",
        actor,
        status,
        cycle=cycle,
        people=sorted(people.values(), key=lambda p: p["name"]),
        transfers=await state.transfers.of_agency(actor, cycle["agency_id"]),
        today=local_day(state.clock(), cycle["time_zone"]).isoformat(),
        zone=cycle["time_zone"],
        form=context.pop("form", {}),
        **context,
    )


@router.get("/siklus/{cycle_id}/mutasi-pegawai", response_class=HTMLResponse)
async def transfers(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    hr_only(actor)
    return await _transfers_page(request, actor, cycle_id)


@router.post("/siklus/{cycle_id}/mutasi-pegawai", response_class=HTMLResponse)
async def record_transfer(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    """Record the decree: the old post's appraisal closes, the new post's opens in its unit or agency."""

    async def record(form: FormData) -> dict[str, Any]:
        cmd = RecordTransfer(
            require_hr(actor),
            forms.text(form, "nip"),
            effective=forms.text(form, "effective"),
            **{name: forms.text(form, name) for name in FIELDS},
        )
        return {"recorded": await request.app.state.transfers.record(cycle_id, cmd, forms.key(form))}

    return await form_on(request, actor, cycle_id, _transfers_page, record)
