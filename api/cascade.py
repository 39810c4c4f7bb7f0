"""#15 over HTTP: an RHK waiting for the superior's is linked; a wrong supervisor is flagged and HR answers;
HR sees the blocked cascade chains; a superior sees the subordinates waiting on their RHK."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Actions, AppraisalsDep, CurrentActor, HRActor, IdempotencyKey, Oversight, ReadModelsDep, Writer
from api.models import EXAMPLE_APPRAISAL, EXAMPLE_CYCLE, Code, OutcomeOut, Text
from domain.outcome import Outcome
from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor
from domain.work_commands import LinkRhk
from services.views import of_agency, waiting_on_me

router = APIRouter(tags=["cascade"])
AppraisalId = Annotated[UUID, Path(description="the appraisal's id", examples=[EXAMPLE_APPRAISAL])]
CycleId = Annotated[UUID, Path(description="the cycle's id", examples=[EXAMPLE_CYCLE])]


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rhk_id": "R1", "supports": "K1"}]})
    rhk_id: Code
    supports: Code


class ReasonIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Atasan langsung saya Kepala Seksi Pelayanan, bukan Kabid."}]},
    )
    reason: Text


class FlagIn(ReasonIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "Atasan langsung saya Kepala Seksi Pelayanan.", "about": "appraiser"}]
        },
    )
    about: Code = Field(
        "appraiser", description='what is wrong: "appraiser" (the pejabat penilai) or "atasan" (their own superior)'
    )


@router.post("/employees/appraisals/{appraisal_id}/skp/links", response_model=OutcomeOut)
async def link_rhk(
    appraisal_id: AppraisalId, body: LinkIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """Link an RHK that waited ("menunggu RHK atasan") to one of the superior's RHK: the employee, or the
    pejabat penilai while the SKP is with them. Approval needs every RHK utama linked."""
    return await actions.link_rhk(appraisal_id, LinkRhk(actor, body.rhk_id, body.supports), key)


@router.post("/employees/appraisals/{appraisal_id}/supervisor-flag", response_model=OutcomeOut)
async def flag_wrong_supervisor(
    appraisal_id: AppraisalId, body: FlagIn, actor: Writer, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """ "Atasan saya salah": the employee, or the person named as their pejabat penilai, flags the pejabat penilai
    (or, `about` "atasan", the atasan) with a reason; HR gets a task. HR corrects it with a change of supervisor
    (the mutasi) naming another person for it, which resolves the flag in the log, or dismisses it."""
    cmd = FlagWrongSupervisor(actor, body.reason, body.about)
    return await actions.flag_wrong_supervisor(appraisal_id, cmd, key)


@router.post("/hr/appraisals/{appraisal_id}/supervisor-flag/dismiss", response_model=OutcomeOut)
async def dismiss_supervisor_flag(
    appraisal_id: AppraisalId, body: ReasonIn, actor: HRActor, actions: Actions, key: IdempotencyKey
) -> Outcome:
    """HR finds the named pejabat penilai right: the flag is answered, with why, in the appraisal's log."""
    return await actions.dismiss_supervisor_flag(appraisal_id, DismissSupervisorFlag(actor, body.reason), key)


@router.get("/hr/cycles/{cycle_id}/cascade", response_model=list[dict[str, Any]])
async def blocked_chains(cycle_id: CycleId, readside: ReadModelsDep, _: Oversight) -> Any:
    """Per unit, the SKPs whose RHK utama wait, grouped by the superior they wait on (`blocked`: that superior
    has no RHK yet; otherwise only the links are missing)."""
    return await readside.call("cascade_waits_of", str(cycle_id))


@router.get("/hr/supervisor-flags", response_model=list[dict[str, Any]])
async def supervisor_flags(readside: ReadModelsDep, actor: Oversight, cycle_id: UUID | None = None) -> Any:
    """The wrong supervisors flagged and not yet answered (HR's tasks, of HR's own agency), oldest first."""
    return await of_agency(
        readside, actor, await readside.call("open_supervisor_flags", str(cycle_id) if cycle_id else None)
    )


@router.get("/tasks/me/waiting-subordinates", response_model=list[dict[str, Any]])
async def waiting_subordinates(actor: CurrentActor, readside: ReadModelsDep, app: AppraisalsDep) -> Any:
    """ "N bawahan menunggu RHK Anda": the subordinates whose SKP waits on my RHK, while I have drafted none, each
    with `due`, my own earlier deadline for my RHK in that cycle (reminded before, escalated after)."""
    return await waiting_on_me(app, readside, actor)
