"""Citizens, no login: the SKM survey (Survei Kepuasan Masyarakat) for a service unit, phone first.

The answer is scored and stored by the service layer (services/surveys.py), rate limit included, as for the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

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


async def _page(request: Request, agency_id: str, unit_id: str, **context: Any) -> HTMLResponse:
    names = await run_in_threadpool(request.app.state.surveys.unit_names, agency_id, unit_id)
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
    surveys = request.app.state.surveys
    form = await request.form()

    async def submit() -> dict[str, Any]:
        client = request.client.host if request.client else "unknown"
        surveys.rate_limit(client)
        answers = {e: forms.integer(form, e) for e in ELEMENTS if forms.text(form, e)}
        return await surveys.submit(
            agency_id=agency_id,
            unit_id=unit_id,
            employee_nip=None,
            answers=answers,
            comment=forms.text(form, "comment"),
        )

    try:
        result: dict[str, Any] = await attempt(request, submit)
    except Refused as r:
        return await _page(request, agency_id, unit_id, form=dict(form), error=r.text, status=r.status)
    return await _page(request, agency_id, unit_id, form={}, result=result)
