"""Citizens, no login: the SKM survey (Survei Kepuasan Masyarakat) for a service unit, phone first.

The answer is scored and stored by the API's own route (api/feedback.py), rate limit included.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api import feedback
from domain.skm import ELEMENTS
from web import forms
from web.outcome import Refused, attempt
from web.render import page
from web.session import same_origin

router = APIRouter(prefix="/survei", dependencies=[Depends(same_origin)])

# The nine SKM elements (PermenPANRB 14/2017) and the answer scale, as the questionnaire words them.
ELEMENT_LABELS = {
    "persyaratan": "Kesesuaian persyaratan pelayanan dengan jenis pelayanannya",
    "prosedur": "Kemudahan prosedur pelayanan",
    "waktu_penyelesaian": "Kecepatan waktu dalam memberikan pelayanan",
    "biaya_tarif": "Kewajaran biaya/tarif dalam pelayanan",
    "produk_layanan": "Kesesuaian produk pelayanan dengan standar pelayanan",
    "kompetensi_pelaksana": "Kompetensi/kemampuan petugas dalam pelayanan",
    "perilaku_pelaksana": "Perilaku petugas dalam pelayanan (kesopanan dan keramahan)",
    "penanganan_pengaduan": "Penanganan pengaduan, saran dan masukan",
    "sarana_prasarana": "Kualitas sarana dan prasarana",
}
SCALE = {1: "Tidak baik", 2: "Kurang baik", 3: "Baik", 4: "Sangat baik"}


def _unit(app: Any, agency_id: str, unit_id: str) -> dict[str, str]:
    from readmodels.org_import import find_agency  # noqa: PLC0415 - the org data, as api/feedback.py reads it

    agency = find_agency(app, agency_id)
    unit = agency.units.get(unit_id) if agency is not None else None
    return {"agency": agency.name if agency is not None else agency_id, "unit": unit["name"] if unit else unit_id}


async def _page(request: Request, agency_id: str, unit_id: str, **context: Any) -> HTMLResponse:
    names = await run_in_threadpool(_unit, request.app.state.appraisals, agency_id, unit_id)
    return page(
        request,
        "survey.html",
        None,
        context.pop("status", 200),
        agency_id=agency_id,
        unit_id=unit_id,
        names=names,
        elements=ELEMENT_LABELS,
        scale=SCALE,
        **context,
    )


@router.get("/{agency_id}/{unit_id}", response_class=HTMLResponse)
async def survey(request: Request, agency_id: str, unit_id: str) -> HTMLResponse:
    return await _page(request, agency_id, unit_id, form={})


@router.post("/{agency_id}/{unit_id}")
async def answer(request: Request, agency_id: str, unit_id: str) -> Response:
    state = request.app.state
    form = await request.form()
    answers = {e: forms.text(form, e) for e in ELEMENTS if forms.text(form, e)}

    async def submit() -> dict[str, Any]:
        feedback.rate_limited(request, state.feedback_bucket)
        body = feedback.SurveyIn(
            agency_id=agency_id,
            unit_id=unit_id,
            answers=answers,  # type: ignore[arg-type]
            comment=forms.text(form, "comment"),
        )
        return await feedback.submit_survey(
            body, request, state.appraisals, state.readside, state.commands, forms.key(form)
        )

    try:
        result = await attempt(request, submit)
    except Refused as r:
        return await _page(request, agency_id, unit_id, form=dict(form), error=r.text, status=r.status)
    return await _page(request, agency_id, unit_id, form={}, result=result)
