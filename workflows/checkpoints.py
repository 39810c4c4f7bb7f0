"""CheckpointWorkflow: one per log, forever: a signed checkpoint every interval, and whenever asked.

Started by the worker (id `checkpoints-<log>`, one even with many workers). The interval is a
durable timer (default hourly, `KINERJA_CHECKPOINT_INTERVAL_SECONDS`, re-read from the worker's
settings after each checkpoint); the `request` signal (a cycle's phase closing, an operator)
publishes at once. The history stays short: it continues as new after a number of rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.checkpoints import CheckpointActivities, PublishRequest

PUBLISH: Any = {
    "start_to_close_timeout": timedelta(minutes=10),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5)),
}


def checkpoint_workflow_id(log: str) -> str:
    return f"checkpoints-{log}"


@dataclass
class CheckpointInput:
    log: str = "kinerja"
    interval_seconds: int = 3600
    rounds_per_run: int = 200
    pending: list[str] | None = None  # requests carried over continue-as-new
    publish_at_start: bool = True  # the first run checkpoints at once; runs continued as new wait first


@workflow.defn
class CheckpointWorkflow:
    """Publishes the log's checkpoints on a timer and on request."""

    @workflow.init
    def __init__(self, input: CheckpointInput) -> None:
        self.requests: list[str] = list(input.pending or [])
        if input.publish_at_start:
            self.requests.insert(0, "started")
        self.published = 0
        self.last: dict[str, Any] = {}

    @workflow.run
    async def run(self, input: CheckpointInput) -> None:
        interval = input.interval_seconds
        for _ in range(input.rounds_per_run):
            try:
                await workflow.wait_condition(lambda: bool(self.requests), timeout=timedelta(seconds=interval))
                reason = self.requests.pop(0)
            except TimeoutError:
                reason = "interval"
            self.last = await workflow.execute_activity_method(
                CheckpointActivities.publish_checkpoint, PublishRequest(input.log, reason), **PUBLISH
            )
            self.published += 1
            interval = int(self.last.get("interval_seconds") or interval)
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            CheckpointInput(input.log, interval, input.rounds_per_run, list(self.requests), publish_at_start=False)
        )

    @workflow.signal
    def request(self, reason: str) -> None:
        """Publish now (e.g. "phase close: planning of cycle ...")."""
        self.requests.append(reason[:200])

    @workflow.query
    def status(self) -> dict[str, Any]:
        return {"published": self.published, "pending": list(self.requests), "last": self.last}
