"""ActingWorkflow: one per designation of an acting head (Plt/Plh), keeping its two instants.

Started when HR records the designation (id `acting-{designation}`); it sleeps until the first day begins
in the agency's zone, reaches the head's appraisals (activities/acting.py), sleeps until the last day is
over and leaves them. Its history is a few events: two durable timers and two activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.acting import ActingActivities, ActingStep, StepDone

STEP: Any = {
    "start_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5)),
}


def acting_workflow_id(designation_id: str) -> str:
    return f"acting-{designation_id}"


@dataclass
class ActingInput:
    cycle_id: str
    designation_id: str
    begins_at: str  # ISO UTC instant: the first day's start in the agency's zone
    ends_at: str  # ISO UTC instant: the day after the last day begins


@workflow.defn
class ActingWorkflow:
    """Begin at the first day, end after the last one."""

    def __init__(self) -> None:
        self.state = "waiting"
        self.steps: dict[str, StepDone] = {}

    @workflow.run
    async def run(self, input: ActingInput) -> dict[str, StepDone]:
        for step, instant in (("begin", input.begins_at), ("end", input.ends_at)):
            delay = (datetime.fromisoformat(instant) - workflow.now()).total_seconds()
            if delay > 0:
                await workflow.sleep(delay)
            req = ActingStep(input.cycle_id, input.designation_id, step, workflow.now().isoformat())
            self.steps[step] = await workflow.execute_activity_method(ActingActivities.step_acting, req, **STEP)
            self.state = "acting" if step == "begin" else "ended"
        return self.steps

    @workflow.query
    def status(self) -> dict[str, Any]:
        return {"state": self.state, "steps": self.steps}
