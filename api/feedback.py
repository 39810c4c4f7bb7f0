"""Citizens, no login: the SKM survey about a service unit or an employee, rate-limited per client."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import IdempotencyKey, SurveysDep
from api.models import EMPLOYEE_NIP, Nip
from domain.errors import InvalidInput
from domain.skm import ELEMENTS, HIGHEST, LOWEST, check_answers

router = APIRouter(prefix="/feedback", tags=["feedback"])
Score = Annotated[int, Field(ge=LOWEST, le=HIGHEST)]


def rate_limited(request: Request, surveys: SurveysDep) -> None:
    """One token per request from this client address; 429 with Retry-After when the bucket is empty."""
    surveys.rate_limit(request.client.host if request.client else "unknown")


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
        try:
            check_answers(dict(self.answers))
        except InvalidInput as e:
            raise ValueError(str(e).removeprefix("answers: ")) from None
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


@router.post("/surveys", response_model=SurveyOut, status_code=201, dependencies=[Depends(rate_limited)])
async def submit_survey(body: SurveyIn, request: Request, surveys: SurveysDep, key: IdempotencyKey) -> dict[str, Any]:
    """Submit an SKM survey; about an employee it also enters their appraisal as citizen feedback."""
    return await surveys.submit(
        agency_id=body.agency_id,
        unit_id=body.unit_id,
        employee_nip=body.employee_nip,
        answers=dict(body.answers),
        comment=body.comment,
        client=request.client.host if request.client else "unknown",
        key=key,
    )


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
    surveys: SurveysDep,
) -> dict[str, Any]:
    """The unit's published SKM result: responses, mean per element, NI, IKM and quality."""
    return await surveys.summary(agency_id, unit_id)
