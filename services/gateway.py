"""The write side: every change goes to Temporal (a workflow start or an Update), one per request.

Idempotency: the caller's Idempotency-Key names the request; each HTTP attempt at it is an Update of
its own id, `<request>~<attempt>` (workflows/ids.py), and the workflows derive the domain command key
from the request part alone. So a repeat is answered by the domain (same command key, `replayed`)
and never writes twice, and an attempt that failed for want of a database leaves nothing final
behind: Temporal keeps that failure under the attempt's id, which no later request reuses. No request catches the
read models up: after a write the gateway notes the head of the log that took it (ReadSide.wrote), which the answer
carries (`Kinerja-Notification-Id`, the pages' cookie), and a read sent with it waits for the projector to pass it
(services/consistency.py).

Two exceptions. Defining a cycle is a single domain command with no clock attached, and no workflow
exists before it; it runs on the application directly, with the same idempotency key (see define_cycle).
And input that needs no orchestration, progress entries, daily log entries and feedback, which change no
stage and no task, goes straight to the domain (see `record`): through the workflow it cost an Update and an
activity each, and the workflow's history grew with every citizen survey and progress report.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import Actor
from domain.cycle_commands import DefineCycle
from domain.errors import ConcurrencyConflict, WrongStage, refusal
from domain.outcome import Outcome
from domain.participants import post_of
from domain.rule_migration import MigrateRuleSet
from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor
from domain.text import check_command
from domain.work_commands import (
    GiveFeedback,
    GivePeerFeedback,
    LinkRhk,
    LogDailyWork,
    RecordCitizenFeedback,
    ReportProgress,
)
from services.errors import RETRY_AFTER_SECONDS, ApiError
from services.readside import ReadSide
from workflows.appraisal import AppraisalWorkflow
from workflows.cycle import CycleWorkflow
from workflows.cycle_runtime import CycleInput
from workflows.ids import appraisal_workflow_id, attempt_id, command_key, cycle_workflow_id, start_once

NO_ANSWER = refusal(
    "service.update_wait", "the workflow did not answer within {seconds} seconds; retry with the same Idempotency-Key"
)
STARTING = refusal(
    "service.starting",
    "the appraisal's workflow is still starting (the cycle is opening its appraisals); "
    "retry in {seconds} seconds with the same Idempotency-Key",
)

NO_WORKFLOW = refusal(
    "cycle.no_workflow", "cycle {cycle_id} has no running workflow: start it first (or it is already closed)"
)
NOT_RUNNING = refusal(
    "appraisal.not_running",
    "the appraisal's workflow is not running (the appraisal is {stage}); nothing more can change it",
)

log = logging.getLogger(__name__)

C = TypeVar("C")
CITIZEN = Actor("citizen")


# Input written straight to the domain: it changes no stage and no task, so no clock of the workflow
# waits for it (the aggregate still rules on the stage it arrives in).
Unorchestrated = (
    ReportProgress
    | LogDailyWork
    | GiveFeedback
    | GivePeerFeedback
    | RecordCitizenFeedback
    # #15: a link of a waiting RHK, a flagged supervisor and HR's dismissal change no stage and no task either.
    | LinkRhk
    | FlagWrongSupervisor
    | DismissSupervisorFlag
    # #14: HR's migration to a rule set of the same calendar changes no stage, no task and no clock.
    | MigrateRuleSet
)
# Such a write that loses the race for the appraisal's next version (a stage change the workflow made
# meanwhile, another person's write) reloads and tries again, so the aggregate rules on the new state;
# after this many lost races in a row it answers ConcurrencyConflict (409, nothing written).
CONFLICT_ATTEMPTS = 8


def request_id(actor: Actor, key: str) -> str:
    """The request (caller, Idempotency-Key) as Temporal and the domain's command keys name it."""
    return "api:" + hashlib.sha256(f"{actor.nip}\n{key}".encode()).hexdigest()[:40]


def update_id(actor: Actor, key: str) -> str | None:
    """A fresh Temporal update id for one attempt at (caller, key); None lets Temporal pick one."""
    if not key:
        return None
    return attempt_id(request_id(actor, key))


class Gateway:
    """Workflow starts and Updates on behalf of an authenticated actor."""

    def __init__(
        self,
        client: Client,
        task_queue: str,
        appraisals: Appraisals,
        readside: ReadSide,
        clock: Callable[[], datetime],
        update_wait: float = 30.0,
        metrics: Any = None,
    ) -> None:
        self.client, self.task_queue, self.appraisals, self.readside = client, task_queue, appraisals, readside
        self.clock, self.update_wait, self.metrics = clock, update_wait, metrics

    async def _update(self, handle: WorkflowHandle[Any, Any], update: Any, cmd: Any, actor: Actor, key: str) -> Any:
        """One attempt at an Update, waited for at most `update_wait` seconds. A workflow that does not take
        it by then (no worker polling, a run handing over to the next) answers 503 with Retry-After: the
        Update may still complete, and the retry, a new attempt at the same request, finds it applied."""
        start, outcome = time.perf_counter(), "error"
        try:
            answer = await asyncio.wait_for(
                handle.execute_update(update, cmd, id=update_id(actor, key)), self.update_wait
            )
            outcome = "ok"
            return answer
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):  # how the SDK reports the wait cut short
            outcome = "timeout"
            retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            raise ApiError.of(503, "Unavailable", NO_ANSWER, headers=retry, seconds=f"{self.update_wait:g}") from None
        except WorkflowUpdateFailedError:
            outcome = "refused"  # the domain's refusal (or a command that could not run): answered, not lost
            raise
        finally:
            if self.metrics is not None:
                name = getattr(update, "__name__", "update")
                self.metrics.update(handle.id.partition("-")[0], name, outcome, time.perf_counter() - start)

    async def update(self, handle: WorkflowHandle[Any, Any], update: Any, cmd: Any, actor: Actor, key: str) -> Any:
        """One attempt at an Update of any workflow, under the same wait and answer as the appraisals' own."""
        return await self._update(handle, update, cmd, actor, key)

    # --- appraisals -----------------------------------------------------------

    async def appraisal(
        self,
        appraisal: Appraisal,
        update: UpdateMethodMultiParam[[Any, C], Outcome],
        cmd: C,
        actor: Actor,
        key: str,
        *,
        note: bool = True,
    ) -> Outcome:
        """Send one typed command to the appraisal's workflow as its own Update; `note`: the write's notification
        id for the answer (ReadSide.wrote), unless the caller notes it itself (services/actions.py, with the receipt)."""
        check_command(cmd)  # hostile text is refused at the door: it never reaches the workflow's history
        handle = self.client.get_workflow_handle_for(AppraisalWorkflow.run, workflow_of(appraisal))
        try:
            outcome: Outcome = await self._update(handle, update, cmd, actor, key)
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
            raise await _not_running(handle, appraisal) from None
        if note:
            await self.readside.wrote(appraisal.id, outcome)
        return outcome

    async def record(
        self, appraisal: Appraisal, cmd: Unorchestrated, actor: Actor, key: str, *, note: bool = True
    ) -> Outcome:
        """Progress and feedback, written straight to the domain at the wall clock's instant: the workflow
        neither sees them nor keeps them in its history. Same text rules, and the same command key an Update
        of this request would carry (a request first sent as an Update and retried now is applied once). The
        aggregate refuses what its stage does not allow; a version lost to a concurrent write (the workflow
        moving the stage on) is reloaded and ruled on again, never overwritten."""
        check_command(cmd)
        workflow_id = workflow_of(appraisal)
        command = command_key(workflow_id, request_id(actor, key)) if key else ""

        def execute(loaded: Appraisal | None) -> Outcome:
            return self.appraisals.execute(appraisal.id, cmd, at=self.clock(), key=command, loaded=loaded)

        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:  # the first attempt takes the appraisal as authorisation loaded it; a retry loads it anew
                outcome = await run_in_threadpool(execute, appraisal if attempt == 1 else None)
                break
            except ConcurrencyConflict:
                if attempt == CONFLICT_ATTEMPTS:
                    raise
                await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
        if note:
            await self.readside.wrote(appraisal.id, outcome)
        return outcome

    # --- cycles ---------------------------------------------------------------

    async def define_cycle(self, cmd: DefineCycle, key: str) -> UUID:
        """The one direct domain write (no workflow exists yet); the key makes a repeat harmless."""
        at = self.clock()
        cycle_id = await run_in_threadpool(lambda: self.appraisals.define_cycle(cmd, at=at, key=key))
        await self.readside.wrote(cycle_id)
        return cycle_id

    async def start_cycle(
        self,
        cycle_id: UUID,
        actor: Actor,
        review_opens: str | None,
        check_in_reminder_days_before: int | None,
        cascade_days_before: int | None = None,
        cascade_days_per_level: int | None = None,
    ) -> str:
        """Start the CycleWorkflow: it starts the cycle in the domain and opens every appraisal."""
        workflow_id = cycle_workflow_id(cycle_id)
        start = CycleInput(
            str(cycle_id),
            actor.nip,
            review_opens=review_opens,
            check_in_reminder_days_before=check_in_reminder_days_before,
            cascade_days_before=cascade_days_before,
            cascade_days_per_level=cascade_days_per_level,
        )
        await start_once(self.client, CycleWorkflow.run, start, id=workflow_id, task_queue=self.task_queue)
        return workflow_id

    async def cycle(
        self,
        cycle_id: UUID,
        update: UpdateMethodMultiParam[[Any, C], dict[str, Any]],
        cmd: C,
        actor: Actor,
        key: str,
    ) -> dict[str, Any]:
        """One of CycleWorkflow's HR Updates (extend_deadline, set_org_predikat, calibrate_unit, close...)."""
        check_command(cmd)
        handle = self.client.get_workflow_handle_for(CycleWorkflow.run, cycle_workflow_id(cycle_id))
        try:
            result: dict[str, Any] = await self._update(handle, update, cmd, actor, key)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise WrongStage(NO_WORKFLOW, cycle_id=str(cycle_id)) from None
            raise
        await self.readside.wrote(cycle_id)
        return result

    async def cycle_progress(self, cycle_id: UUID) -> dict[str, Any]:
        """The CycleWorkflow's own view: opening counters, stage counts, failures."""
        handle = self.client.get_workflow_handle_for(CycleWorkflow.run, cycle_workflow_id(cycle_id))
        try:
            return await handle.query(CycleWorkflow.progress)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                return {}
            if e.status != RPCStatusCode.UNAVAILABLE:
                raise
        except RuntimeError as e:  # the lazy client could not connect at all
            if "client connect" not in str(e):
                raise
        # The workflow's counters are an extra on a page built from the read models: a Temporal outage
        # leaves the dashboard readable and says so, instead of answering 503 for the whole page.
        log.warning("cycle %s: Temporal unreachable, progress shown without the workflow's counters", cycle_id)
        return {"unavailable": True}


async def _not_running(handle: WorkflowHandle[Any, Any], appraisal: Appraisal) -> Exception:
    """No running workflow: one that has not started yet (the cycle is still opening) is a matter of
    seconds, and says so; one that has ended is final. One that runs by the time we ask started (or took
    over from its previous run) just after Temporal refused the Update: a matter of seconds too."""
    try:
        described = await handle.describe()
    except RPCError as e:
        if e.status != RPCStatusCode.NOT_FOUND:
            raise
        return _starting()
    if described.status == WorkflowExecutionStatus.RUNNING:
        return _starting()
    return WrongStage(NOT_RUNNING, stage=appraisal.stage)


def _starting() -> ApiError:
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return ApiError.of(409, "WorkflowStarting", STARTING, headers=retry, seconds=RETRY_AFTER_SECONDS)


def workflow_of(appraisal: Appraisal) -> str:
    """The id of the appraisal's workflow: its cycle, its employee and which of the employee's posts it is."""
    return appraisal_workflow_id(appraisal.cycle_id, appraisal.employee_nip, post_of(appraisal.employee))
