"""Citizens, no login: the SKM survey about a service unit or an employee, rate-limited per address and employee."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import CurrentActor, SurveysDep
from api.models import EMPLOYEE_NIP, Code, Comment, Nip, checked
from domain.skm import ELEMENTS, HIGHEST, LOWEST
from domain.text import CODE

router = APIRouter(prefix="/feedback", tags=["feedback"])
Score = Annotated[int, Field(strict=True, ge=LOWEST, le=HIGHEST)]  # JSON true or 3.0 is no answer
FULL_ANSWERS: dict[str, Any] = dict.fromkeys(ELEMENTS, 3) | {"perilaku_pelaksana": 4, "waktu_penyelesaian": 4}


def rate_limited(request: Request, surveys: SurveysDep) -> None:
    """Count one survey from this client address (the peer, or a trusted proxy's forward): 429 past the limit."""
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
                    "answers": FULL_ANSWERS,
                    "comment": "Pelayanan cepat dan ramah.",
                },
                {"agency_id": "pemkot-palu", "employee_nip": EMPLOYEE_NIP, "answers": FULL_ANSWERS},
            ]
        },
    )
    agency_id: Code
    unit_id: Code | None = None
    employee_nip: Nip | None = None
    answers: dict[str, Score] = Field(description=f"every element, each {LOWEST}-{HIGHEST}: {', '.join(ELEMENTS)}")
    comment: Comment = ""

    @model_validator(mode="after")
    def _target(self) -> SurveyIn:
        """Which elements must be answered is the domain's rule (domain/skm.py), checked by the service."""
        if (self.unit_id is None) == (self.employee_nip is None):
            raise ValueError("give exactly one of unit_id or employee_nip")
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
                    "employee_nip": None,
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
    employee_nip: str | None = Field(None, description="the employee the survey is about, shown to their appraiser")


@router.post("/surveys", response_model=SurveyOut, status_code=201, dependencies=[Depends(rate_limited)])
async def submit_survey(body: SurveyIn, surveys: SurveysDep) -> dict[str, Any]:
    """Submit an SKM survey (all nine elements). One about an employee is kept beside their appraisal, never
    written into it: their appraiser sees it (GET /tasks/appraisals/{id}/surveys)."""
    return await surveys.submit(
        agency_id=body.agency_id,
        unit_id=body.unit_id,
        employee_nip=body.employee_nip,
        answers=dict(body.answers),
        comment=body.comment,
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
    agency_id: Annotated[str, Path(max_length=100), checked(CODE)],
    unit_id: Annotated[str, Path(max_length=100), checked(CODE)],
    surveys: SurveysDep,
) -> dict[str, Any]:
    """The unit's published SKM result: responses, mean per element, NI, IKM and quality."""
    return await surveys.summary(agency_id, unit_id)


class SurveyAbout(BaseModel):
    id: int
    received_at: datetime
    answers: dict[str, int]
    ni: float
    comment: str


surveys_router = APIRouter(prefix="/tasks", tags=["tasks"])


@surveys_router.get("/appraisals/{appraisal_id}/surveys", response_model=list[SurveyAbout])
async def surveys_about(appraisal_id: UUID, actor: CurrentActor, surveys: SurveysDep) -> list[dict[str, Any]]:
    """The citizens' surveys about the appraised employee, for their appraiser, atasan and HR (newest first)."""
    return await surveys.about(actor, appraisal_id)
