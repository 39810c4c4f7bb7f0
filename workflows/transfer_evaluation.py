"""TransferEvaluationWorkflow: the old appraiser's task after a transfer (mutasi), with its own clock (#15).

The transfer ends the old post's appraisal workflow, so the evaluation of the months served there gets a small
workflow of its own, one per transfer (id `transfer-evaluation-{transfer}`), started when HR records the
transfer. It sleeps until the reminder's instant and until the due instant (domain/transfer.py:
`evaluation_reminder`, `evaluation_due`), recording the reminder to the old appraiser and the escalation to the
old atasan (each once, in the Transfer's log, where the inbox and the auditor read them), and it takes the
evaluation itself as an Update (`evaluate`), keyed by the request, which closes the task and ends the workflow.
A smaller history than keeping the old appraisal's workflow alive for one command, and that workflow's stages
and clocks stay untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.transfers import EvaluationStep, Notice, TransferActivities
    from domain.transfer_commands import EvaluateServedPeriod
    from workflows.appraisal_runtime import HUMAN, rejection
    from workflows.ids import command_key, request_of

CALENDAR: Any = {
    "start_to_close_timeout": timedelta(minutes=1),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5)),
}


def transfer_evaluation_workflow_id(transfer_id: object) -> str:
    return f"transfer-evaluation-{transfer_id}"


@dataclass
class EvaluationInput:
    transfer_id: str
    remind_at: str  # ISO UTC instants, from the Transfer's record
    due_at: str


@workflow.defn
class TransferEvaluationWorkflow:
    """Remind, escalate, and take the evaluation that closes the task."""

    def __init__(self) -> None:
        self.evaluated = False
        self.notices: list[str] = []

    @workflow.run
    async def run(self, input: EvaluationInput) -> dict[str, Any]:
        for notice, instant in (("remind", input.remind_at), ("escalate", input.due_at)):
            delay = (datetime.fromisoformat(instant) - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(lambda: self.evaluated, timeout=delay)
                except TimeoutError:
                    pass
            if self.evaluated:
                break
            key = f"{workflow.info().workflow_id}:{notice}"
            step = Notice(input.transfer_id, notice, workflow.now().isoformat(), key)
            if await workflow.execute_activity_method(TransferActivities.notify_transfer, step, **CALENDAR):
                self.notices.append(notice)
        await workflow.wait_condition(lambda: self.evaluated)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return {"evaluated": True, "notices": self.notices}

    @workflow.update
    async def evaluate(self, cmd: EvaluateServedPeriod) -> int:
        """The old appraiser's evaluation (the domain's rules); returns the transfer's version."""
        info = workflow.current_update_info()
        request = request_of(info.id) if info is not None else workflow.uuid4().hex
        key = command_key(workflow.info().workflow_id, request)
        transfer_id = workflow.info().workflow_id.removeprefix(transfer_evaluation_workflow_id(""))
        step = EvaluationStep(transfer_id, cmd, key, workflow.now().isoformat())
        try:
            version: int = await workflow.execute_activity_method(
                TransferActivities.evaluate_served_period, step, **HUMAN
            )
        except ActivityError as e:
            raise rejection(e) from None
        self.evaluated = True
        return version

    @workflow.query
    def status(self) -> dict[str, Any]:
        return {"evaluated": self.evaluated, "notices": self.notices}
