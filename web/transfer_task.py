"""The old appraiser's task after a transfer (#15): evaluate the months the employee served in the old post.

The inbox links here (task `evaluate_served_period`); the page shows the transfer's periods and a form with the
two ratings, sent to the same service as the API (services/transfers.py: the evaluation's workflow takes it).
Who may read it is the service's rule (the employee, both posts' appraisers and atasan, HR, auditors); who may
evaluate is the domain's (the old pejabat penilai).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.transfer_commands import EvaluateServedPeriod
from web import forms
from web.outcome import Refused, attempt
from web.render import page
from web.session import PageActor, same_origin

router = APIRouter(prefix="/tugas/mutasi", dependencies=[Depends(same_origin)])


async def _page(request: Request, actor: Any, transfer_id: UUID, status: int = 200, **context: Any) -> HTMLResponse:
    transfer = await request.app.state.transfers.view(transfer_id, actor)
    return page(request, "tugas_mutasi.html", actor, status, t=transfer, form=context.pop("form", {}), **context)


@router.get("/{transfer_id}", response_class=HTMLResponse)
async def evaluation_task(request: Request, transfer_id: UUID, actor: PageActor) -> HTMLResponse:
    return await _page(request, actor, transfer_id, done=request.query_params.get("selesai") == "1")


@router.post("/{transfer_id}", response_class=HTMLResponse)
async def evaluate(request: Request, transfer_id: UUID, actor: PageActor) -> Response:
    """The old appraiser's periodic evaluation of the months served; refused, the page again says why."""
    form = await request.form()

    async def send() -> Any:
        cmd = EvaluateServedPeriod(
            actor, forms.text(form, "results_rating"), forms.text(form, "behaviour_rating"), forms.text(form, "notes")
        )
        return await request.app.state.transfers.evaluate(transfer_id, cmd, forms.key(form))

    try:
        await attempt(request, send)
    except Refused as r:
        return await _page(request, actor, transfer_id, r.status, error=r.text, form=dict(form))
    return RedirectResponse(f"/tugas/mutasi/{transfer_id}?selesai=1", status_code=303)
