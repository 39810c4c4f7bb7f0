"""Citizens, no login: the SKM survey about a service unit or an employee, rate-limited per client."""

from __future__ import annotations

import math
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from api.commands import CITIZEN
from api.deps import AppraisalsDep, FeedbackBucket, IdempotencyKey, ReadModelsDep, Writes
from api.errors import ApiError
from api.models import EMPLOYEE_NIP, Nip
from api.skm import SurveyStore
from domain.appraisal import FINALISED
from domain.errors import InvalidInput, NotFound
from domain.skm import ELEMENTS, score

router = APIRouter(prefix="/feedback", tags=["feedback"])
Score = Annotated[int, Field(ge=1, le=4)]


def rate_limited(request: Request, bucket: FeedbackBucket) -> None:
    """One token per request from this client address; 429 with Retry-After when the bucket is empty."""
    client = request.client.host if request.client else "unknown"
    wait = bucket.take(client)
    if wait > 0:
        raise ApiError(
            429,
            "TooManyRequests",
            f"too many surveys from this address; retry in {math.ceil(wait)} s",
            headers={"Retry-After": str(math.ceil(wait))},
        )


class SurveyIn(BaseModel):
    """Answers on the SKM scale 1-4 (1 tidak baik .. 4 sangat baik), about a unit or an employee."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "agency_id": "pemkot-palu",
                    "unit_id": "UNIT-PELAYANAN",
                    "answers": {"persyaratan": 4, "prosedur": 3, "waktu_penyelesaian": 3, "perilaku_pelaksana": 4},
                    "comment": "Pelayanan cepat dan ramah.",
                },
                {"agency_id": "pemkot-palu", "employee_nip": EMPLOYEE_NIP, "answers": {"perilaku_pelaksana": 4}},
            ]
        },
    )
    agency_id: str = Field(min_length=1, max_length=100)
    unit_id: str | None = Field(None, min_length=1, max_length=100)
    employee_nip: Nip | None = None
    answers: dict[str, Score] = Field(min_length=1, max_length=len(ELEMENTS))
    comment: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _target_and_elements(self) -> SurveyIn:
        if (self.unit_id is None) == (self.employee_nip is None):
            raise ValueError("give exactly one of unit_id or employee_nip")
        unknown = sorted(set(self.answers) - set(ELEMENTS))
        if unknown:
            raise ValueError(f"unknown SKM element {unknown[0]!r}; known: {', '.join(ELEMENTS)}")
        return self


class SurveyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 17,
                    "ni": 3.5,
                    "ikm": 87.5,
                    "perception": 3,
                    "quality": "B",
                    "performance": "Baik",
                    "recorded_in_appraisal": False,
                }
            ]
        }
    )
    id: int
    ni: float
    ikm: float
    perception: int
    quality: str
    performance: str
    recorded_in_appraisal: bool


def _store(readside: Any) -> SurveyStore:
    if readside.engine is None:
        raise ApiError(503, "ReadModelsUnavailable", "the survey store is not configured on this server")
    return SurveyStore(readside.engine)


@router.post("/surveys", response_model=SurveyOut, status_code=201, dependencies=[Depends(rate_limited)])
async def submit_survey(
    body: SurveyIn, request: Request, app: AppraisalsDep, readside: ReadModelsDep, commands: Writes, key: IdempotencyKey
) -> dict[str, Any]:
    """Submit an SKM survey; about an employee it also enters their appraisal as citizen feedback."""
    if key:  # citizens share one actor: scope their keys by address
        key = f"{request.client.host if request.client else 'unknown'}:{key}"
    result = score(dict(body.answers))
    unit_id, recorded = body.unit_id, False
    if body.employee_nip is not None:
        appraisal = await _current_appraisal(app, readside, body.agency_id, body.employee_nip)
        unit_id = appraisal.employee["unit_id"]
        comment = f"SKM NI {result['ni']} ({result['quality']}). {body.comment}".strip()
        await commands.appraisal(
            appraisal,
            "record_citizen_feedback",
            CITIZEN,
            key,
            score=result["perception"],
            comment=comment,
            channel="skm",
        )
        recorded = True
    else:
        await run_in_threadpool(_check_unit, app, body.agency_id, body.unit_id)
    assert unit_id is not None
    row_id = await run_in_threadpool(
        _store(readside).add, body.agency_id, unit_id, body.employee_nip, dict(body.answers), body.comment
    )
    return {"id": row_id, **result, "recorded_in_appraisal": recorded}


class SummaryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "agency_id": "pemkot-palu",
                    "unit_id": "UNIT-PELAYANAN",
                    "responses": 120,
                    "elements": {"persyaratan": 3.4, "prosedur": 3.1, "perilaku_pelaksana": 3.7},
                    "ni": 3.4,
                    "ikm": 85.0,
                    "perception": 3,
                    "quality": "B",
                    "performance": "Baik",
                }
            ]
        }
    )
    agency_id: str
    unit_id: str
    responses: int
    elements: dict[str, float]
    ni: float | None = None
    ikm: float | None = None
    perception: int | None = None
    quality: str | None = None
    performance: str | None = None


@router.get("/units/{agency_id}/{unit_id}", response_model=SummaryOut)
async def unit_summary(
    agency_id: Annotated[str, Path(max_length=100)],
    unit_id: Annotated[str, Path(max_length=100)],
    readside: ReadModelsDep,
) -> dict[str, Any]:
    """The unit's published SKM result: responses, mean per element, NI, IKM and quality."""
    return await run_in_threadpool(_store(readside).summary, agency_id, unit_id)


def _check_unit(app: Any, agency_id: str, unit_id: str | None) -> None:
    from readmodels.org_import import find_agency  # noqa: PLC0415

    agency = find_agency(app, agency_id)
    if agency is None:
        raise InvalidInput("agency_id", f"no agency {agency_id!r}")
    if unit_id not in agency.units:
        raise InvalidInput("unit_id", f"no unit {unit_id!r} in {agency_id}")


async def _current_appraisal(app: Any, readside: Any, agency_id: str, nip: str) -> Any:
    rows = [
        r
        for r in await readside.call("employee_appraisals", nip)
        if r["agency_id"] == agency_id and r["stage"] != FINALISED
    ]
    if not rows:
        raise NotFound(f"employee_nip: {nip} has no appraisal in progress at {agency_id}")
    return await run_in_threadpool(app.appraisal, UUID(rows[0]["appraisal_id"]))
