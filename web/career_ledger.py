"""Careers (#14) as pages: the angka kredit ledger, the 9-box and the trends (the exports, the tukin recap, the
what-if and the PPPK dossiers are web/careers.py's). The employee's own ledger, eligibility and trend; HR's
per-unit view, 9-box, talent pool and forms (change of jabatan, potential assessment); the auditor's recompute;
the unit's trend. Every page calls the same service as the API (services/careers.py), which decides who may.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.calendar import parse_day
from domain.rules import DEFAULT_RULE_SET, rule_set
from domain.talent_rules import PARTS, PERFORMANCE, POTENTIAL
from services.authz import is_auditor, is_hr, require_hr
from services.careers import Careers
from web import forms
from web.outcome import Refused, attempt
from web.render import page, redirect
from web.session import PageActor, same_origin

router = APIRouter(prefix="/karier", dependencies=[Depends(same_origin)])


def _careers(request: Request) -> Careers:
    return request.app.state.careers


def _rules() -> dict[str, Any]:
    """What the pages say of the rules with their sources (no rule decided here: the rule set's values)."""
    rules = rule_set(DEFAULT_RULE_SET)
    return {
        "percent": dict(rules.angka_kredit_percent),
        "jenjang": list(rules.career.jenjang.values()),
        "career_source": rules.career.source,
        "talent_source": rules.talent.source,
        "weights": dict(rules.talent.weights),
        "middle_from": rules.talent.middle_from,
        "high_from": rules.talent.high_from,
        "parts": PARTS,
        "performance": PERFORMANCE,
        "potential": POTENTIAL,
        "boxes": {f"{k[0]}|{k[1]}": v for k, v in rules.talent.boxes.items()},
        "pool_boxes": rules.talent.pool_boxes,
    }


@router.get("", response_class=HTMLResponse)
async def mine(request: Request, actor: PageActor) -> Response:
    """The employee's own ledger, eligibility and trend."""
    careers = _careers(request)
    agency_id = await careers.agency_of(actor.nip)
    if agency_id is None:
        return page(request, "karier.html", actor, view=None, own=True, rules=_rules())
    view = await careers.ledger(actor, agency_id, actor.nip)
    return page(request, "karier.html", actor, view=view, own=True, rules=_rules())


@router.get("/instansi", response_class=HTMLResponse)
async def agencies(request: Request, actor: PageActor) -> Response:
    """Where HR and auditors begin: HR goes to its own agency, an auditor picks one."""
    if is_hr(actor):
        own = await _careers(request).agency_of(actor.nip)
        if own:
            return redirect(f"/karier/{own}")
    rows = await request.app.state.readside.call("org_agencies") if is_auditor(actor) or is_hr(actor) else []
    return page(request, "karier_instansi.html", actor, agencies=rows)


@router.get("/{agency_id}", response_class=HTMLResponse)
async def people(request: Request, agency_id: str, actor: PageActor, unit: str = "") -> HTMLResponse:
    """HR's and the auditor's per-unit view: jenjang, balance, last predikat, eligibility of each employee."""
    view = await _careers(request).people(actor, agency_id, unit or None)
    return page(request, "karier_unit.html", actor, view=view, unit=unit, rules=_rules())


async def _person_page(
    request: Request, actor: Any, agency_id: str, nip: str, status: int = 200, **context: Any
) -> HTMLResponse:
    view = await _careers(request).ledger(actor, agency_id, nip)
    return page(
        request,
        "karier.html",
        actor,
        status,
        view=view,
        own=actor.nip == nip,
        rules=_rules(),
        hr_here=is_hr(actor) and actor.nip != nip,
        form=context.pop("form", {}),
        **context,
    )


@router.get("/{agency_id}/pegawai/{nip}", response_class=HTMLResponse)
async def person(request: Request, agency_id: str, nip: str, actor: PageActor) -> HTMLResponse:
    """One employee's ledger and trend, for the employee, their agency's HR and auditors."""
    return await _person_page(request, actor, agency_id, nip)


async def _on_form(
    request: Request,
    actor: Any,
    agency_id: str,
    nip: str,
    act: Callable[[FormData], Awaitable[Any]],
    note: str,
) -> Response:
    """Run a person's form: back to the page with a note, or the page again with the rule said and the input.
    Anyone but HR is refused before the form is read (an auditor as read-only)."""
    require_hr(actor)
    form = await request.form()
    try:
        await attempt(request, lambda: act(form))
    except Refused as r:
        return await _person_page(request, actor, agency_id, nip, r.status, error=r.text, form=dict(form))
    return redirect(f"/karier/{agency_id}/pegawai/{nip}", note)


@router.post("/{agency_id}/pegawai/{nip}/jabatan")
async def change_jabatan(request: Request, agency_id: str, nip: str, actor: PageActor) -> Response:
    """HR records a change of jabatan by decree."""

    async def record(form: FormData) -> Any:
        fields = {
            "position": forms.text(form, "position"),
            "jenjang": forms.text(form, "jenjang"),
            "decree": forms.text(form, "decree"),
            "effective": parse_day("effective", forms.text(form, "effective")),
        }
        return await _careers(request).change_jabatan(actor, agency_id, nip, fields, forms.key(form))

    return await _on_form(request, actor, agency_id, nip, record, "jabatan-tercatat")


@router.post("/{agency_id}/pegawai/{nip}/potensi")
async def record_assessment(request: Request, agency_id: str, nip: str, actor: PageActor) -> Response:
    """HR records a potential assessment (source, date, the score of each part)."""

    async def record(form: FormData) -> Any:
        scores: dict[str, Any] = {}
        for part in PARTS:
            raw = forms.text(form, f"score_{part}").strip().replace(",", ".")
            try:
                scores[part] = float(raw)
            except ValueError:
                scores[part] = raw  # the rule refuses it, naming the part
        on = parse_day("on", forms.text(form, "on"))
        source = forms.text(form, "source")
        return await _careers(request).record_assessment(actor, agency_id, nip, source, on, scores, forms.key(form))

    return await _on_form(request, actor, agency_id, nip, record, "potensi-tercatat")


@router.get("/{agency_id}/pegawai/{nip}/hitung-ulang", response_class=HTMLResponse)
async def recompute(request: Request, agency_id: str, nip: str, actor: PageActor) -> HTMLResponse:
    """The auditor's recompute of one ledger from the appraisals' own events."""
    view = await _careers(request).recompute(actor, agency_id, nip)
    return page(request, "karier_hitung_ulang.html", actor, view=view, rules=_rules())


@router.get("/{agency_id}/talenta", response_class=HTMLResponse)
async def talent(request: Request, agency_id: str, actor: PageActor, tahun: int | None = None) -> HTMLResponse:
    """The 9-box of a year, each person's box across the years, the talent pools per jabatan level."""
    grid = await _careers(request).grid(actor, agency_id, tahun)
    return page(request, "karier_talenta.html", actor, grid=grid, rules=_rules())


@router.get("/{agency_id}/talenta.{fmt}")
async def talent_export(
    request: Request, agency_id: str, fmt: str, actor: PageActor, tahun: int | None = None
) -> Response:
    """The year's 9-box as CSV or JSON, for HR and auditors."""
    body, media = await _careers(request).export(actor, agency_id, tahun, fmt)
    name = f"talenta-{agency_id}.{fmt}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{agency_id}/tren", response_class=HTMLResponse)
async def unit_trend(request: Request, agency_id: str, actor: PageActor, unit: str = "") -> HTMLResponse:
    """Per unit (or the whole agency): predikat over the years and the angka kredit earned and accumulated."""
    view = await _careers(request).unit_trend(actor, agency_id, unit or None)
    return page(request, "karier_tren.html", actor, view=view, unit=unit)
