"""Supervisors (pejabat penilai) and atasan: pending tasks and the steps they take on them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Actions, Clock, CurrentActor, IdempotencyKey, ReadModelsDep, Writer
from api.models import (
    APPRAISER_NIP,
    EMPLOYEE_NIP,
    EXAMPLE_APPRAISAL,
    EXAMPLE_CYCLE,
    Code,
    DecisionOutcome,
    Nip,
    OptionalText,
    OutcomeOut,
    Rating,
    Text,
)
from domain.outcome import Outcome
from domain.people_commands import DelegateTask
from domain.result_commands import DecideKeberatan, DeliverResult, Rate
from domain.rules import BERAKHLAK
from domain.work_commands import ApproveSkp, GiveFeedback, HoldCheckIn, ReturnSkp
from services import views

router = APIRouter(prefix="/tasks", tags=["tasks"])
AppraisalId = Annotated[UUID, Path(description="the appraisal's id", examples=[EXAMPLE_APPRAISAL])]
BEHAVIOUR_EXAMPLE: dict[str, Any] = dict.fromkeys(BERAKHLAK, "sesuai")


class TaskOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "appraisal_id": EXAMPLE_APPRAISAL,
                    "cycle_id": EXAMPLE_CYCLE,
                    "employee_nip": EMPLOYEE_NIP,
                    "employee_name": "Budi Santoso",
                    "unit_id": "UNIT-PELAYANAN",
                    "task": "review_skp",
                    "assignee_nip": APPRAISER_NIP,
                    "due_at": "2025-01-31T15:59:59+00:00",
                    "stage": "planning",
                    "overdue": False,
                }
            ]
        },
    )
    appraisal_id: str
    task: str
    assignee_nip: str
    overdue: bool


class ReturnIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reasons": "IKI rhk-1 belum terukur: tetapkan target kuantitas."}]},
    )
    reasons: Text


class DelegationIn(BaseModel):
    """Let someone act as pejabat penilai; delegating to oneself takes the tasks back."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to_nip": APPRAISER_NIP, "reason": "Cuti besar 1-31 Desember; dilimpahkan kepada Kepala Seksi."}
            ]
        },
    )
    to_nip: Nip
    reason: Text


class FeedbackIn(BaseModel):
    """Umpan balik berkelanjutan on an RHK id or a BerAKHLAK value."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"about": "rhk-1", "text": "Capaian Q1 baik; percepat verifikasi berkas."}]},
    )
    about: Code
    text: Text


class CheckInIn(BaseModel):
    """A periodic dialogue; give both ratings to set a periodic predikat."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period": "Q1",
                    "notes": "Target triwulan tercapai.",
                    "results_rating": "sesuai",
                    "behaviour_rating": "sesuai",
                }
            ]
        },
    )
    period: Code
    notes: Text
    results_rating: Rating | None = None
    behaviour_rating: Rating | None = None


class RatingIn(BaseModel):
    """Hasil kerja and each of the seven BerAKHLAK values; the predikat follows from the kuadran."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"results_rating": "sesuai", "behaviour_ratings": BEHAVIOUR_EXAMPLE, "notes": "Kinerja stabil."}
            ]
        },
    )
    results_rating: Rating
    behaviour_ratings: dict[str, Rating] = Field(min_length=1)
    notes: OptionalText = ""


class DecisionIn(BaseModel):
    """The atasan's final decision on a keberatan (Pasal 59(4)): uphold, or amend the ratings."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "upheld", "reasons": "Rating sesuai bukti dukung."},
                {"outcome": "amended", "reasons": "Realisasi Q4 terbukti.", "results_rating": "di_atas"},
            ]
        },
    )
    outcome: DecisionOutcome
    reasons: Text
    results_rating: Rating | None = None
    behaviour_ratings: dict[str, Rating] | None = None


@router.get("/me", response_model=list[TaskOut])
async def my_tasks(actor: CurrentActor, readside: ReadModelsDep, clock: Clock) -> list[dict[str, Any]]:
    """What waits for me, overdue first (HR also sees the tasks assigned to "hr")."""
    return await views.my_tasks(readside, actor, clock())


@router.post("/appraisals/{appraisal_id}/skp/approve", response_model=OutcomeOut)
async def approve_skp(appraisal_id: AppraisalId, actor: Writer, actions: Actions, key: IdempotencyKey) -> Outcome:
    """Approve the submitted SKP of a direct subordinate."""
    return await actions.approve_skp(appraisal_id, ApproveSkp(actor), key)


@router.post("/appraisals/{appraisal_id}/skp/return", response_model=OutcomeOut)
async def return_skp(
    appraisal_id: AppraisalId, body: ReturnIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Return the submitted SKP to the employee, saying why."""
    return await actions.return_skp(appraisal_id, ReturnSkp(actor, body.reasons), key)


@router.post("/appraisals/{appraisal_id}/feedback", response_model=OutcomeOut)
async def give_feedback(
    appraisal_id: AppraisalId, body: FeedbackIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Continuous feedback on an RHK or a BerAKHLAK value."""
    return await actions.give_feedback(appraisal_id, GiveFeedback(actor, body.about, body.text), key)


@router.post("/appraisals/{appraisal_id}/check-ins", response_model=OutcomeOut)
async def hold_check_in(
    appraisal_id: AppraisalId, body: CheckInIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Record a periodic check-in (optionally with periodic ratings)."""
    cmd = HoldCheckIn(actor, body.period, body.notes, body.results_rating, body.behaviour_rating)
    return await actions.hold_check_in(appraisal_id, cmd, key)


@router.post("/appraisals/{appraisal_id}/rating", response_model=OutcomeOut)
async def rate(
    appraisal_id: AppraisalId, body: RatingIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Rate results and behaviour; the domain sets the predikat by the kuadran."""
    cmd = Rate(actor, body.results_rating, dict(body.behaviour_ratings), body.notes)
    return await actions.rate(appraisal_id, cmd, key)


@router.post("/appraisals/{appraisal_id}/result", response_model=OutcomeOut)
async def deliver_result(appraisal_id: AppraisalId, actor: Writer, actions: Actions, key: IdempotencyKey) -> Outcome:
    """Deliver the result to the employee (after the unit's calibration); the keberatan window opens."""
    return await actions.deliver_result(appraisal_id, DeliverResult(actor), key)


@router.post("/appraisals/{appraisal_id}/keberatan/decision", response_model=OutcomeOut)
async def decide_keberatan(
    appraisal_id: AppraisalId, body: DecisionIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Decide a keberatan as the atasan pejabat penilai (or the decider HR assigned)."""
    values = dict(body.behaviour_ratings) if body.behaviour_ratings is not None else None
    cmd = DecideKeberatan(actor, body.outcome, body.reasons, body.results_rating, values)
    return await actions.decide_keberatan(appraisal_id, cmd, key)


@router.post("/appraisals/{appraisal_id}/delegation", response_model=OutcomeOut)
async def delegate_task(
    appraisal_id: AppraisalId, body: DelegationIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Delegate the pejabat penilai's tasks on this appraisal, with a reason (recorded in the log)."""
    return await actions.delegate_task(appraisal_id, DelegateTask(actor, body.to_nip, body.reason), key)
