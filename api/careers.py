"""Careers (#14): the angka kredit ledger with its eligibility, HR's changes of jabatan and potential
assessments, the 9-box with its talent pools and export, the trends across years, the auditor's recompute.

Who may is the service's (services/careers.py): an employee reads their own ledger only, HR reads and writes
in its own agency only, an auditor reads everything and writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, IdempotencyKey
from api.models import Code, Name, Nip
from domain.talent_rules import PARTS
from services.careers import NOT_READABLE, Careers
from services.errors import ApiError

router = APIRouter(tags=["careers"])


def get_careers(request: Request) -> Careers:
    """The ledger, the 9-box and the trends (shared with the pages)."""
    return request.app.state.careers


CareersDep = Annotated[Careers, Depends(get_careers)]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="the year of the results (latest by default)")]


class JabatanIn(BaseModel):
    """A change of jabatan by decree: the new position, its jenjang (a code of the rule set), from when."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "position": "Analis SDM Aparatur Ahli Muda",
                    "jenjang": "ahli_muda",
                    "decree": "800/12/BKPSDM/2026",
                    "effective": "2026-07-01",
                }
            ]
        },
    )
    position: Name
    jenjang: Code
    decree: Code
    effective: date


class AssessmentIn(BaseModel):
    """A potential assessment: who assessed (source), when, and the score (0-100) of each part."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "Assessment center BKD Provinsi",
                    "on": "2026-06-15",
                    "scores": {"competency": 82, "potential": 75, "qualification": 80, "integrity": 90},
                }
            ]
        },
    )
    source: Name
    on: date
    scores: dict[str, Any] = Field(description=f"one score 0-100 for each of {', '.join(PARTS)}")


@router.get("/careers/me")
async def my_ledger(actor: CurrentActor, careers: CareersDep) -> dict[str, Any]:
    """The caller's own angka kredit ledger, eligibility for the next jenjang and trend across years."""
    agency_id = await careers.agency_of(actor.nip)
    if agency_id is None:
        raise ApiError.of(404, "NotFound", NOT_READABLE, nip=actor.nip)
    return await careers.ledger(actor, agency_id, actor.nip)


@router.get("/careers/{agency_id}/employees/{nip}")
async def ledger(agency_id: str, nip: str, actor: CurrentActor, careers: CareersDep) -> dict[str, Any]:
    """One employee's ledger: the employee, their agency's HR, auditors (404 for anyone else)."""
    return await careers.ledger(actor, agency_id, nip)


@router.get("/careers/{agency_id}/employees/{nip}/recompute")
async def recompute(agency_id: str, nip: str, actor: CurrentActor, careers: CareersDep) -> dict[str, Any]:
    """The ledger derived again from each appraisal's own events under the rule set in force that year."""
    return await careers.recompute(actor, agency_id, nip)


@router.get("/careers/{agency_id}/people")
async def people(
    agency_id: str, actor: CurrentActor, careers: CareersDep, unit_id: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    """Per unit: each employee's jenjang, balance, last predikat and eligibility (own HR, auditors)."""
    return await careers.people(actor, agency_id, unit_id)


@router.post("/careers/{agency_id}/employees/{nip}/jabatan", status_code=201)
async def change_jabatan(
    agency_id: str, nip: Nip, body: JabatanIn, actor: CurrentActor, careers: CareersDep, key: IdempotencyKey
) -> dict[str, Any]:
    """HR records a change of jabatan by decree: the balance carries over, a move up spends what it needed."""
    return await careers.change_jabatan(actor, agency_id, nip, body.model_dump(), key)


@router.post("/careers/{agency_id}/employees/{nip}/potential-assessments", status_code=201)
async def record_assessment(
    agency_id: str, nip: Nip, body: AssessmentIn, actor: CurrentActor, careers: CareersDep, key: IdempotencyKey
) -> dict[str, Any]:
    """HR records a potential assessment of an employee of its agency."""
    return await careers.record_assessment(actor, agency_id, nip, body.source, body.on, body.scores, key)


@router.get("/careers/{agency_id}/talent")
async def talent(agency_id: str, actor: CurrentActor, careers: CareersDep, year: Year = None) -> dict[str, Any]:
    """The 9-box of a year, each person's box across the years, and the talent pools per jabatan level."""
    return await careers.grid(actor, agency_id, year)


@router.get("/careers/{agency_id}/talent/export")
async def talent_export(
    agency_id: str,
    actor: CurrentActor,
    careers: CareersDep,
    year: Year = None,
    format: Annotated[str, Query(description="csv or json")] = "csv",
) -> Response:
    """The year's 9-box as CSV or JSON (one row per person placed)."""
    body, media = await careers.export(actor, agency_id, year, format)
    name = f"talenta-{agency_id}.{format}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/careers/{agency_id}/trend")
async def trend(
    agency_id: str, actor: CurrentActor, careers: CareersDep, unit_id: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    """Per unit (or the whole agency): predikat over the years and the angka kredit earned and accumulated."""
    return await careers.unit_trend(actor, agency_id, unit_id)
