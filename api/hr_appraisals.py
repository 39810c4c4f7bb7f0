"""HR on single appraisals (review opening, follow-up, mutation, keberatan reassignment) and the org import."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import AppraisalsDep, Clock, HRActor, IdempotencyKey, ReadModelsDep, Writes
from api.errors import body as error_body
from api.models import APPRAISER_NIP, EXAMPLE_APPRAISAL, Nip, OutcomeOut, Text
from api.orgdata import import_csv
from api.views import appraisal_step
from domain.appraisal import FINALISED, Appraisal
from domain.errors import DomainError

router = APIRouter(prefix="/hr", tags=["hr"])
AppraisalId = Annotated[UUID, Path(description="the appraisal's id", examples=[EXAMPLE_APPRAISAL])]
Predikat = Literal["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"]
MAX_CSV_BYTES = 5 * 1024 * 1024


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
    notes: str = Field("", max_length=5000)


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
async def open_review(
    appraisal_id: AppraisalId, actor: HRActor, app: AppraisalsDep, commands: Writes, key: IdempotencyKey
) -> dict[str, Any]:
    """Open the annual review now (the calendar opens it on the cycle's date otherwise)."""
    return await appraisal_step(app, commands, actor, appraisal_id, (), "open_review", key)


@router.post("/appraisals/{appraisal_id}/follow-up", response_model=OutcomeOut)
async def decide_follow_up(
    appraisal_id: AppraisalId,
    body: FollowUpIn,
    actor: HRActor,
    app: AppraisalsDep,
    commands: Writes,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Decide the follow-up (promotion, coaching, improvement, tukin, angka kredit) from the agency's table."""
    return await appraisal_step(app, commands, actor, appraisal_id, (), "decide_follow_up", key, **body.model_dump())


@router.post("/appraisals/{appraisal_id}/finalise", response_model=OutcomeOut)
async def finalise(
    appraisal_id: AppraisalId, actor: HRActor, app: AppraisalsDep, commands: Writes, key: IdempotencyKey
) -> dict[str, Any]:
    """Finalise the appraisal after its follow-up; nothing changes it afterwards."""
    return await appraisal_step(app, commands, actor, appraisal_id, (), "finalise", key)


@router.post("/appraisals/{appraisal_id}/keberatan/decider", response_model=OutcomeOut)
async def reassign_decider(
    appraisal_id: AppraisalId,
    body: DeciderIn,
    actor: HRActor,
    app: AppraisalsDep,
    commands: Writes,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Give an escalated keberatan to another decider (neither the employee nor the appraiser)."""
    return await appraisal_step(
        app, commands, actor, appraisal_id, (), "reassign_keberatan_decider", key, **body.model_dump()
    )


@router.post("/appraisals/{appraisal_id}/supervisor", response_model=OutcomeOut)
async def change_supervisor(
    appraisal_id: AppraisalId,
    body: SupervisorIn,
    actor: HRActor,
    app: AppraisalsDep,
    commands: Writes,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Mutation: a new pejabat penilai mid-cycle; pending tasks move to them."""
    appraisal = await run_in_threadpool(app.appraisal, appraisal_id)
    return await commands.change_supervisor(appraisal, actor, key, **body.model_dump())


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
    commands: Writes,
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
    raw = await file.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        return JSONResponse(error_body("InvalidInput", f"file: at most {MAX_CSV_BYTES} bytes", "file"), 422)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return JSONResponse(
            error_body("InvalidInput", f"file: must be UTF-8 text ({e.reason} at byte {e.start})", "file"), 422
        )
    result = await run_in_threadpool(import_csv, app, text, actor, reason, clock())
    problems = [{"line": p.line, "field": p.field, "reason": p.reason} for p in result.problems]
    if problems:
        first = problems[0]
        return JSONResponse(
            error_body(
                "InvalidInput",
                f"line {first['line']}, {first['field']}: {first['reason']} "
                f"({len(problems)} problem(s); nothing was imported)",
                first["field"],
                problems=problems,
            ),
            422,
        )
    await readside.catch_up()
    forwarded = [await _forward(change, actor, app, commands, readside, key) for change in result.supervisor_changes]
    return {
        "ok": True,
        "agencies": result.agencies,
        "events": result.events,
        "supervisor_changes": [row for rows in forwarded for row in rows],
    }


async def _forward(change: Any, actor: Any, app: Any, commands: Any, readside: Any, key: str) -> list[dict[str, Any]]:
    """Send one supervisor change to each running appraisal of the employee."""
    rows = []
    for found in await readside.call("employee_appraisals", change.nip):
        if found["stage"] == FINALISED:
            continue
        row = {
            "nip": change.nip,
            "cycle_id": found["cycle_id"],
            "appraiser_nip": change.appraiser_nip,
            "atasan_nip": change.atasan_nip,
        }
        if not change.appraiser_nip or not change.atasan_nip:
            rows.append({**row, "forwarded": False, "reason": "the new reporting line has no appraiser or atasan"})
            continue
        appraisal: Appraisal = await run_in_threadpool(app.appraisal, UUID(found["appraisal_id"]))
        step_key = hashlib.sha256(f"{key}:{change.nip}:{found['cycle_id']}".encode()).hexdigest()[:32] if key else ""
        try:
            await commands.change_supervisor(
                appraisal, actor, step_key, change.appraiser_nip, change.atasan_nip, change.reason
            )
            rows.append({**row, "forwarded": True, "reason": ""})
        except DomainError as e:
            rows.append({**row, "forwarded": False, "reason": str(e)})
        except Exception as e:  # noqa: BLE001 - reported per employee; the import itself is recorded
            rows.append({**row, "forwarded": False, "reason": f"{type(e).__name__}: {e}"})
    return rows
