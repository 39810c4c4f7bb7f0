"""The careers pages (#14), in Bahasa Indonesia: the national export of a finished cycle, the finance office's
monthly tukin recap, the what-if under another rule set, and the PPPK contracts with their renewal dossiers.

Each calls the same service as the API (services/exports.py, services/pppk.py), which checks that the caller is
HR of the cycle's agency (or an auditor, to read); no rule is decided here.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.appraisal import Appraisal
from domain.calendar import local_day
from domain.errors import NotFound
from domain.rule_migration import MigrateRuleSet
from domain.rules import RULE_SETS
from domain.stages import FINALISED
from services.authz import require_agency_hr
from web import forms
from web.outcome import Refused, attempt
from web.render import page
from web.session import PageActor, same_origin

router = APIRouter(prefix="/hr", dependencies=[Depends(same_origin)])


async def _cycle(request: Request, cycle_id: UUID) -> Any:
    return await run_in_threadpool(request.app.state.appraisals.cycle, cycle_id)


def _cycle_view(cycle: Any) -> dict[str, Any]:
    return {"id": str(cycle.id), "year": cycle.year, "agency_id": cycle.agency_id, "agency_name": cycle.agency_name}


# --- the national export ----------------------------------------------------------------------------------


async def _export_page(request: Request, actor: Any, cycle_id: UUID, status: int = 200, **context: Any) -> HTMLResponse:
    exports = request.app.state.exports
    listing = await run_in_threadpool(exports.listing, actor, cycle_id)
    cycle = await _cycle(request, cycle_id)
    return page(
        request,
        "hr_ekspor.html",
        actor,
        status,
        cycle=_cycle_view(cycle),
        listing=listing,
        zone=cycle.time_zone,
        **context,
    )


@router.get("/siklus/{cycle_id}/ekspor", response_class=HTMLResponse)
async def export_page(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    return await _export_page(request, actor, cycle_id)


@router.post("/siklus/{cycle_id}/ekspor", response_class=HTMLResponse)
async def export(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    try:
        done = await attempt(request, lambda: run_in_threadpool(request.app.state.exports.export, actor, cycle_id))
    except Refused as r:
        return await _export_page(request, actor, cycle_id, r.status, error=r.text)
    return await _export_page(request, actor, cycle_id, done=done)


@router.get("/siklus/{cycle_id}/ekspor/berkas.{kind}")
async def export_file(request: Request, cycle_id: UUID, kind: str, actor: PageActor) -> Response:
    chosen = "csv" if kind == "csv" else "json"
    body = await run_in_threadpool(request.app.state.exports.download, actor, cycle_id, chosen)
    media = "text/csv; charset=utf-8" if chosen == "csv" else "application/json"
    name = f"ekspor-kinerja-{cycle_id}.{chosen}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- the tukin recap --------------------------------------------------------------------------------------


def _month(request: Request, year: int) -> str:
    return request.query_params.get("bulan") or f"{year + 1}-01"


@router.get("/siklus/{cycle_id}/rekap-tukin", response_class=HTMLResponse)
async def tukin_recap(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    cycle = await _cycle(request, cycle_id)
    month = _month(request, cycle.year)
    months = [f"{cycle.year + 1}-{m:02d}" for m in range(1, 13)]
    require_agency_hr(actor, cycle.agency_id, auditors_read=True)
    try:
        recap = await attempt(
            request, lambda: run_in_threadpool(request.app.state.exports.recap, actor, cycle_id, month)
        )
    except Refused as r:
        return page(
            request,
            "hr_rekap_tukin.html",
            actor,
            r.status,
            cycle=_cycle_view(cycle),
            error=r.text,
            months=months,
            month=month,
            recap=None,
        )
    return page(
        request, "hr_rekap_tukin.html", actor, cycle=_cycle_view(cycle), recap=recap, months=months, month=month
    )


@router.get("/siklus/{cycle_id}/rekap-tukin.csv")
async def tukin_recap_csv(request: Request, cycle_id: UUID, actor: PageActor) -> Response:
    cycle = await _cycle(request, cycle_id)
    month = _month(request, cycle.year)
    body = await run_in_threadpool(request.app.state.exports.recap_csv, actor, cycle_id, month)
    name = f"rekap-tukin-{cycle.agency_id}-{month}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# --- what-if under another rule set -----------------------------------------------------------------------


@router.get("/siklus/{cycle_id}/simulasi-aturan", response_class=HTMLResponse)
async def what_if_page(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    return await what_if(request, cycle_id, actor)


async def what_if(request: Request, cycle_id: UUID, actor: Any, status: int = 200, **context: Any) -> HTMLResponse:
    cycle = await _cycle(request, cycle_id)
    known = list(RULE_SETS)  # chosen by position (?aturan=1): the page shows names, never ids
    others = [r for r in known if r != cycle.rule_set_id]
    chosen = request.query_params.get("aturan", "")
    target = known[int(chosen)] if chosen.isdigit() and int(chosen) < len(known) else (others or known)[0]
    found = await attempt(
        request, lambda: run_in_threadpool(request.app.state.exports.what_if, actor, cycle_id, target)
    )
    return page(
        request,
        "hr_simulasi.html",
        actor,
        status,
        cycle=_cycle_view(cycle),
        found=found,
        rule_sets=known,
        target=target,
        in_flight=await run_in_threadpool(_in_flight, request.app.state.appraisals, cycle),
        **context,
    )


def _in_flight(app: Any, cycle: Any) -> list[dict[str, Any]]:
    """The cycle's appraisals not finalised and without a follow-up decision: those a migration may move."""
    out = []
    for nip, participant in sorted(cycle.participants.items(), key=lambda x: x[1]["name"]):
        try:
            a = app.appraisal(Appraisal.create_id(cycle.id, nip, participant))
        except NotFound:
            continue
        if a.stage != FINALISED and a.follow_up is None:
            row = {"appraisal_id": str(a.id), "nip": nip, "name": participant["name"], "rule_set_id": a.rule_set_id}
            out.append(row)
    return out


@router.post("/siklus/{cycle_id}/simulasi-aturan", response_class=HTMLResponse)
async def migrate(request: Request, cycle_id: UUID, actor: PageActor) -> HTMLResponse:
    """HR moves one in-flight appraisal to another rule set, saying why (recorded with who and when)."""
    cycle = await _cycle(request, cycle_id)
    require_agency_hr(actor, cycle.agency_id)
    form = await request.form()
    known = list(RULE_SETS)
    chosen = forms.text(form, "aturan")
    rule_set_id = known[int(chosen)] if chosen.isdigit() and int(chosen) < len(known) else chosen
    try:
        appraisal_id = UUID(forms.text(form, "penilaian"))
    except ValueError:
        appraisal_id = UUID(int=0)
    cmd = MigrateRuleSet(actor, rule_set_id, forms.text(form, "alasan"))
    try:
        await attempt(request, lambda: request.app.state.actions.migrate_rule_set(appraisal_id, cmd, forms.key(form)))
    except Refused as r:
        return await what_if(request, cycle_id, actor, status=r.status, migration_error=r.text)
    return await what_if(request, cycle_id, actor, migrated=rule_set_id)


# --- PPPK contracts and dossiers --------------------------------------------------------------------------


async def _contracts_page(
    request: Request, actor: Any, agency_id: str, status: int = 200, **context: Any
) -> HTMLResponse:
    listed = await run_in_threadpool(request.app.state.contracts.listing, actor, agency_id)
    agency = await run_in_threadpool(request.app.state.appraisals.agency, agency_id)
    people = sorted(agency.employees.values(), key=lambda e: e["name"])
    form = context.pop("form", {})
    return page(
        request, "hr_pppk.html", actor, status, agency=agency, listed=listed, people=people, form=form, **context
    )


@router.get("/instansi/{agency_id}/pppk", response_class=HTMLResponse)
async def contracts(request: Request, agency_id: str, actor: PageActor) -> HTMLResponse:
    return await _contracts_page(request, actor, agency_id)


@router.post("/instansi/{agency_id}/pppk", response_class=HTMLResponse)
async def record_contract(request: Request, agency_id: str, actor: PageActor) -> HTMLResponse:
    """HR records an employee's employment and contract; a PPPK contract's renewal timer starts."""
    require_agency_hr(actor, agency_id)
    form = await request.form()
    found = {name: forms.text(form, name) for name in ("employment", "contract_start", "contract_end")}
    try:
        done = await attempt(
            request,
            lambda: request.app.state.contracts.record(
                actor, agency_id, forms.text(form, "nip"), found, forms.key(form)
            ),
        )
    except Refused as r:
        return await _contracts_page(request, actor, agency_id, r.status, error=r.text, form=dict(form))
    return await _contracts_page(request, actor, agency_id, recorded=done)


async def _dossier_page(
    request: Request, actor: Any, dossier_id: UUID, status: int = 200, **context: Any
) -> HTMLResponse:
    d = await run_in_threadpool(request.app.state.contracts.read, actor, dossier_id)
    agency = await run_in_threadpool(request.app.state.appraisals.agency, d["agency_id"])
    today = local_day(request.app.state.clock(), agency.time_zone).isoformat()
    return page(request, "hr_pppk_dosir.html", actor, status, d=d, agency=agency, today=today, **context)


@router.get("/pppk/{dossier_id}", response_class=HTMLResponse)
async def dossier(request: Request, dossier_id: UUID, actor: PageActor) -> HTMLResponse:
    return await _dossier_page(request, actor, dossier_id)


@router.post("/pppk/{dossier_id}", response_class=HTMLResponse)
async def decide(request: Request, dossier_id: UUID, actor: PageActor) -> Response:
    form = await request.form()
    contracts_ = request.app.state.contracts
    found = await run_in_threadpool(contracts_.read, actor, dossier_id)
    require_agency_hr(actor, found["agency_id"])  # an auditor reads, never decides

    def act() -> Any:
        return contracts_.decide(
            actor, dossier_id, forms.text(form, "keputusan"), forms.text(form, "catatan"), forms.key(form)
        )

    try:
        await attempt(request, lambda: run_in_threadpool(act))
    except Refused as r:
        return await _dossier_page(request, actor, dossier_id, r.status, error=r.text, form=dict(form))
    return RedirectResponse(f"/hr/pppk/{dossier_id}?pesan=dosir-diputuskan", status_code=303)
