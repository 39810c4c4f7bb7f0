"""Transfers (mutasi) as HR, the appraisers, the employee and the auditor reach them; one place for who may.

Recording a transfer is three steps, each idempotent under the request's key, so a retried request completes
what an interrupted one began: the domain closes the old post and records the transfer in one transaction;
the old post's workflow is told to stop (the record stays); the destination cycle's workflow takes the new
post (an HR Update: it opens the new appraisal and starts its workflow); the old appraiser's task to evaluate
the months served starts its own workflow (workflows/transfer_evaluation.py: reminder, escalation), which takes
the evaluation as an Update. A transfer recorded before that workflow existed is evaluated in the domain directly.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.base import Actor
from domain.calendar import as_utc, check_instant
from domain.cycle_commands import AddParticipant
from domain.errors import InvalidInput, NotFound, refusal
from domain.outcome import Outcome
from domain.participants import post_of
from domain.skp_lineage import take_over
from domain.text import check_command
from domain.transfer import Transfer
from domain.transfer_commands import EvaluateServedPeriod, RecordTransfer
from domain.work_commands import DraftSkp
from services.actions import AppraisalActions, CycleActions
from services.authz import EMPLOYEE, is_auditor, is_hr, require_hr, require_oversight, require_write, require_writer
from services.errors import ApiError
from services.gateway import Gateway, request_id
from workflows.ids import appraisal_workflow_id, command_key, start_once
from workflows.transfer_evaluation import EvaluationInput, TransferEvaluationWorkflow, transfer_evaluation_workflow_id

NOT_READABLE = refusal("transfer.not_readable", "no transfer {transfer_id} among the ones you may see")


def step_key(actor: Actor, key: str, step: str) -> str:
    """One step's command key, from the request (caller, Idempotency-Key): a retry repeats no step."""
    return hashlib.sha256(f"{request_id(actor, key)}:{step}".encode()).hexdigest()[:40] if key else ""


def readers(transfer: Transfer) -> set[str]:
    """Who reads a transfer besides HR and auditors: the employee, and both posts' appraisers and atasan."""
    posts = (transfer.origin, transfer.destination)
    return {transfer.employee_nip} | {str(p[k]) for p in posts for k in ("appraiser_nip", "atasan_nip")}


class Transfers:
    """One method per step of a transfer, and the reads of it."""

    def __init__(self, gateway: Gateway, actions: AppraisalActions, cycles: CycleActions) -> None:
        self.gateway, self.actions, self.cycles = gateway, actions, cycles
        self.app = gateway.appraisals

    async def record(self, cycle_id: UUID, cmd: RecordTransfer, key: str) -> dict[str, Any]:
        """HR of the origin agency records the decree: the old post closes, the new one opens."""
        require_hr(cmd.by)
        at = self.gateway.clock()
        recorded = step_key(cmd.by, key, "record")
        transfer, post = await run_in_threadpool(lambda: self.app.record_transfer(cycle_id, cmd, at=at, key=recorded))
        origin = transfer.origin
        await self._withdraw(appraisal_workflow_id(origin["cycle_id"], cmd.nip, post_of(origin)), cmd.decree)
        joins = AddParticipant(cmd.by, post)
        await self.cycles.add_participant(
            UUID(str(transfer.destination["cycle_id"])), joins, step_key(cmd.by, key, "join")
        )
        if transfer.evaluation_pending:
            await self._start_evaluation(transfer)
        await self.gateway.readside.wrote(transfer.id)  # the answer names it: a read sent with it waits for it
        return await self.view(transfer.id, cmd.by)

    async def evaluate(self, transfer_id: UUID, cmd: EvaluateServedPeriod, key: str) -> dict[str, Any]:
        """The old post's appraiser evaluates the months served there."""
        require_writer(cmd.by)
        await self._readable(transfer_id, cmd.by)
        check_command(cmd)
        workflow_id = transfer_evaluation_workflow_id(transfer_id)
        handle = self.gateway.client.get_workflow_handle_for(TransferEvaluationWorkflow.run, workflow_id)
        try:
            await self.gateway.update(handle, TransferEvaluationWorkflow.evaluate, cmd, cmd.by, key)
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
            # No workflow to take it (a transfer recorded before it existed, or one it closed already): the domain
            # decides, under the key the workflow would have used, so a retry of a request it took finds it applied.
            at = self.gateway.clock()
            command = command_key(workflow_id, request_id(cmd.by, key)) if key else ""
            await run_in_threadpool(lambda: self.app.evaluate_served_period(transfer_id, cmd, at=at, key=command))
        await self.gateway.readside.wrote(transfer_id)
        return await self.view(transfer_id, cmd.by)

    async def take_over(self, appraisal_id: UUID, rhk_ids: list[str], actor: Actor, key: str) -> Outcome:
        """The employee's new SKP takes over RHK of the old post's SKP, their lineage recorded."""
        appraisal = await run_in_threadpool(self.app.appraisal, appraisal_id)
        require_write(actor, appraisal, EMPLOYEE)

        def draft() -> list[dict[str, Any]]:
            transfer = self.app.transfer_of(appraisal)
            if transfer is None:
                return take_over(appraisal.rhk, None, [], rhk_ids)
            origin = self.app.appraisal(UUID(str(transfer.origin["appraisal_id"])))
            return take_over(appraisal.rhk, str(origin.id), origin.rhk, rhk_ids)

        rhk = await run_in_threadpool(draft)
        return await self.actions.draft_skp(appraisal_id, DraftSkp(actor, rhk), key)

    async def view(self, transfer_id: UUID, actor: Actor) -> dict[str, Any]:
        transfer = await self._readable(transfer_id, actor)
        return await run_in_threadpool(self._view, transfer)

    async def of_agency(self, actor: Actor, agency_id: str) -> list[dict[str, Any]]:
        """HR and auditors: the transfers out of or into an agency (HR of both agencies see each one), found in
        the read model (readmodels/transfer_rows.py), each read from its record."""
        require_oversight(actor)
        return await self._listing(await self.gateway.readside.call("transfer_ids", agency_id=agency_id))

    async def mine(self, actor: Actor) -> list[dict[str, Any]]:
        """The caller's own transfers."""
        return await self._listing(await self.gateway.readside.call("transfer_ids", nip=actor.nip))

    async def _listing(self, ids: list[str]) -> list[dict[str, Any]]:
        found = [await run_in_threadpool(self.app.transfer, UUID(i)) for i in ids]
        return [await run_in_threadpool(self._view, t) for t in found]

    async def in_charge(self, transfer_id: UUID, at: datetime, actor: Actor) -> dict[str, Any]:
        """The auditor's question: whose appraisal the employee was in, and who appraised them, at a moment."""
        require_oversight(actor)
        moment = as_utc(check_instant("at", at))
        transfer = await run_in_threadpool(self.app.transfer, transfer_id)
        return await run_in_threadpool(self._in_charge, transfer, moment)

    def _in_charge(self, transfer: Transfer, moment: datetime) -> dict[str, Any]:
        from domain.audit import Audit  # noqa: PLC0415 - the auditor's reading, only for this question

        starts = as_utc(datetime.fromisoformat(str(transfer.destination["starts_at"])))
        period = "origin" if moment < starts else "destination"
        post = transfer.origin if period == "origin" else transfer.destination
        appraisal_id = UUID(str(post["appraisal_id"]))
        try:
            state = Audit(self.app).state_at(appraisal_id, at=moment)
            appraiser, atasan, version = state["appraiser_nip"], state["atasan_nip"], state["version"]
        except (NotFound, InvalidInput):  # opened after the post began (audit.not_yet): the transfer names them
            appraiser, atasan, version = post["appraiser_nip"], post["atasan_nip"], None
        return {
            "at": moment.isoformat(),
            "period": period,
            "agency_id": post["agency_id"],
            "unit_id": post["unit_id"],
            "appraisal_id": str(appraisal_id),
            "appraisal_version": version,
            "appraiser_nip": appraiser,
            "atasan_nip": atasan,
        }

    def _view(self, transfer: Transfer) -> dict[str, Any]:
        keep = {"employee_nip", "employee_name", "decree", "effective", "reason", "recorded_by", "months", "evaluation"}
        state = {k: v for k, v in vars(transfer).items() if k in keep}
        posts = {
            k: {n: v for n, v in p.items() if n != "participant"}
            for k, p in (("origin", transfer.origin), ("destination", transfer.destination))
        }
        return {
            "id": str(transfer.id),
            "version": transfer.version,
            **state,
            **posts,
            "year": self.app.transfer_year(transfer),
            # the old appraiser's task: due when, still pending, and the calendar's reminder and escalation
            "evaluation_due": transfer.evaluation_due.isoformat(),
            "evaluation_pending": transfer.evaluation_pending,
            "notices": transfer.notices,
        }

    async def _readable(self, transfer_id: UUID, actor: Actor) -> Transfer:
        try:
            transfer = await run_in_threadpool(self.app.transfer, transfer_id)
        except NotFound:
            transfer = None
        if transfer is None or not (is_hr(actor) or is_auditor(actor) or actor.nip in readers(transfer)):
            raise ApiError.of(404, "NotFound", NOT_READABLE, transfer_id=str(transfer_id))
        return transfer

    async def _start_evaluation(self, transfer: Transfer) -> None:
        """The old appraiser's task and its clock (a repeat finds it started)."""
        start = EvaluationInput(
            str(transfer.id), transfer.evaluation_reminder.isoformat(), transfer.evaluation_due.isoformat()
        )
        try:
            await start_once(
                self.gateway.client,
                TransferEvaluationWorkflow.run,
                start,
                id=transfer_evaluation_workflow_id(transfer.id),
                task_queue=self.gateway.task_queue,
            )
        except WorkflowAlreadyStartedError:
            pass  # a retried record

    async def _withdraw(self, workflow_id: str, decree: str) -> None:
        """The old post's workflow stops keeping time (finished already: nothing to stop)."""
        try:
            await self.gateway.client.get_workflow_handle(workflow_id).signal("withdraw", f"mutasi (SK {decree})")
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
