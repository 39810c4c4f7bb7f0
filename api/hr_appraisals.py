"""HR on single appraisals (review opening, follow-up, mutation, keberatan reassignment) and the org import."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Actions, AppraisalsDep, Clock, HRActor, IdempotencyKey, ReadModelsDep
from api.errors import body as error_body
from api.models import APPRAISER_NIP, EXAMPLE_APPRAISAL, Nip, OptionalText, OutcomeOut, Predikat, Text
from domain.outcome import Outcome
from domain.people_commands import ChangeSupervisor
from domain.result_commands import DecideFollowUp, Finalise, OpenReview, ReassignKeberatanDecider
from services.org import MAX_CSV_BYTES, csv_text, import_and_forward

router = APIRouter(prefix="/hr", tags=["hr"])
AppraisalId = Annotated[UUID, Path(description="the appraisal's id", examples=[EXAMPLE_APPRAISAL])]


class FollowUpIn(BaseModel):
    """Inputs of the follow-up table: earlier predikat (newest first) and years in the current rank."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"previous_predikats": ["baik", "baik"], "years_in_rank": 4, "notes": "Usul kenaikan pangkat reguler."}
            ]
        },
    )
    previous_predikats: list[Predikat] = Field(default_factory=list, max_length=10)
    years_in_rank: int = Field(ge=0, le=45)
    notes: OptionalText = ""


class SupervisorIn(BaseModel):
    """Mutation: the employee's new pejabat penilai and atasan, with the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"appraiser_nip": APPRAISER_NIP, "atasan_nip": "197805202005011003", "reason": "Mutasi jabatan 1 Juli"}
            ]
        },
    )
    appraiser_nip: Nip
    atasan_nip: Nip
    reason: Text


class DeciderIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decider_nip": "197805202005011003", "reason": "Atasan cuti panjang; keberatan dialihkan."}]
        },
    )
    decider_nip: Nip
    reason: Text


class ImportReport(BaseModel):
    """What an import recorded, and where each supervisor change went."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": True,
                    "agencies": ["pemkot-palu"],
                    "events": 43,
                    "supervisor_changes": [
                        {
                            "nip": "199001152015031001",
                            "cycle_id": "5a0e8f7e-1b6f-5d0e-8d59-3c1f0a6b7e21",
                            "appraiser_nip": APPRAISER_NIP,
                            "atasan_nip": "197805202005011003",
                            "forwarded": True,
                            "reason": "",
                        }
                    ],
                }
            ]
        }
    )
    ok: bool
    agencies: list[str]
    events: int
    supervisor_changes: list[dict[str, Any]]


@router.post("/appraisals/{appraisal_id}/review/open", response_model=OutcomeOut)
async def open_review(appraisal_id: AppraisalId, actor: HRActor, actions: Actions, key: IdempotencyKey) -> Outcome:
    """Open the annual review now (the calendar opens it on the cycle's date otherwise)."""
    return await actions.open_review(appraisal_id, OpenReview(actor), key)


@router.post("/appraisals/{appraisal_id}/follow-up", response_model=OutcomeOut)
async def decide_follow_up(
    appraisal_id: AppraisalId, body: FollowUpIn, actor: HRActor, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Decide the follow-up (promotion, coaching, improvement, tukin, angka kredit) from the agency's table."""
    cmd = DecideFollowUp(actor, list(body.previous_predikats), body.years_in_rank, body.notes)
    return await actions.decide_follow_up(appraisal_id, cmd, key)


@router.post("/appraisals/{appraisal_id}/finalise", response_model=OutcomeOut)
async def finalise(appraisal_id: AppraisalId, actor: HRActor, actions: Actions, key: IdempotencyKey) -> Outcome:
    """Finalise the appraisal after its follow-up; nothing changes it afterwards."""
    return await actions.finalise(appraisal_id, Finalise(actor), key)


@router.post("/appraisals/{appraisal_id}/keberatan/decider", response_model=OutcomeOut)
async def reassign_decider(
    appraisal_id: AppraisalId, body: DeciderIn, actor: HRActor, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Give an escalated keberatan to another decider (neither the employee nor the appraiser)."""
    cmd = ReassignKeberatanDecider(actor, body.decider_nip, body.reason)
    return await actions.reassign_keberatan_decider(appraisal_id, cmd, key)


@router.post("/appraisals/{appraisal_id}/supervisor", response_model=OutcomeOut)
async def change_supervisor(
    appraisal_id: AppraisalId, body: SupervisorIn, actor: HRActor, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Mutation: a new pejabat penilai mid-cycle; pending tasks move to them."""
    cmd = ChangeSupervisor(actor, body.appraiser_nip, body.atasan_nip, body.reason)
    return await actions.change_supervisor(appraisal_id, cmd, key)


@router.post(
    "/org/import",
    response_model=ImportReport,
    responses={
        422: {
            "description": "the validation report; nothing was imported",
            "content": {
                "application/json": {
                    "example": {
                        "error": "InvalidInput",
                        "field": "nip",
                        "message": "line 5, nip: digits 1-8 must be a birth date YYYYMMDD, "
                        "got 19851315 (2 problem(s); nothing was imported)",
                        "problems": [
                            {
                                "line": 5,
                                "field": "nip",
                                "reason": "digits 1-8 must be a birth date YYYYMMDD, got 19851315",
                            },
                            {
                                "line": 9,
                                "field": "supervisor_nip",
                                "reason": "no employee 197001012000011009 in agency "
                                "pemkot-palu, neither in this file nor registered before",
                            },
                        ],
                    }
                }
            },
        }
    },
)
async def import_org(
    actor: HRActor,
    app: AppraisalsDep,
    actions: Actions,
    readside: ReadModelsDep,
    key: IdempotencyKey,
    clock: Clock,
    file: Annotated[
        UploadFile,
        File(
            description="CSV: agency_code, agency_name, time_zone, unit_code, unit_name, "
            "nip, name, supervisor_nip[, position, rank, unit_head, "
            "change_reason, effective_date]"
        ),
    ],
    reason: Annotated[str, Form(max_length=500)] = "HR import of the organisation",
) -> Any:
    """Import agencies, units and employees; re-importing the same file changes nothing.

    A changed supervisor is kept as history and forwarded to the employee's running appraisals.
    """
    text = csv_text(await file.read(MAX_CSV_BYTES + 1))
    done = await import_and_forward(app, actions, readside, text, actor, reason, clock(), key)
    problems = [{"line": p.line, "field": p.field, "reason": p.reason} for p in done.result.problems]
    if problems:
        first = problems[0]
        return JSONResponse(
            error_body(
                "InvalidInput",
                f"line {first['line']}, {first['field']}: {first['reason']} "
                f"({len(problems)} problem(s); nothing was imported)",
                str(first["field"]),
                problems=problems,
            ),
            422,
        )
    return {
        "ok": True,
        "agencies": done.result.agencies,
        "events": done.result.events,
        "supervisor_changes": done.forwarded,
    }
