"""ActingWorkflow: one per designation of an acting head (Plt/Plh), keeping its two instants.

Started when HR records the designation (id `acting-{designation}`); it sleeps until the first day begins
in the agency's zone, reaches the head's appraisals (activities/acting.py), sleeps until the last day is
over and leaves them. Its history is a few events: two durable timers and two activities.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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


# #15: HR may end a designation early (or cancel it): the `shorten` signal moves the end instant, and a
# run waits for its instants so that a signal wakes it. Runs started before sleep as they did.
SHORTENABLE = "acting-shortenable-2026-12"


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
        self.ends_at = ""  # the end instant as HR last set it (the `shorten` signal)

    @workflow.run
    async def run(self, input: ActingInput) -> dict[str, StepDone]:
        if not workflow.patched(SHORTENABLE):
            for step, instant in (("begin", input.begins_at), ("end", input.ends_at)):
                delay = (datetime.fromisoformat(instant) - workflow.now()).total_seconds()
                if delay > 0:
                    await workflow.sleep(delay)
                await self._step(input, step)
            return self.steps
        self.ends_at = self.ends_at or input.ends_at
        begins = datetime.fromisoformat(input.begins_at)
        await self._until(lambda: input.begins_at, stop=lambda: self._cancelled(begins))
        if self._cancelled(begins):  # ended before its first day began: nobody is reached
            self.state = "cancelled"
            return self.steps
        await self._step(input, "begin")
        await self._until(lambda: self.ends_at, stop=lambda: False)
        await self._step(input, "end")
        return self.steps

    def _cancelled(self, begins: datetime) -> bool:
        return datetime.fromisoformat(self.ends_at) <= begins

    async def _until(self, instant: Callable[[], str], stop: Callable[[], bool]) -> None:
        """Wait for the instant (or until `stop` holds), woken whenever HR moves the end."""
        while not stop():
            delay = (datetime.fromisoformat(instant()) - workflow.now()).total_seconds()
            if delay <= 0:
                return
            try:
                await workflow.wait_condition(functools.partial(self._moved, self.ends_at), timeout=delay)
            except TimeoutError:
                return

    def _moved(self, seen: str) -> bool:
        return self.ends_at != seen

    async def _step(self, input: ActingInput, step: str) -> None:
        req = ActingStep(input.cycle_id, input.designation_id, step, workflow.now().isoformat())
        self.steps[step] = await workflow.execute_activity_method(ActingActivities.step_acting, req, **STEP)
        self.state = "acting" if step == "begin" else "ended"

    @workflow.signal
    def shorten(self, ends_at: str) -> None:
        """HR ended the designation early: its new end instant (ISO UTC); an earlier one never moves later."""
        if not self.ends_at or datetime.fromisoformat(ends_at) < datetime.fromisoformat(self.ends_at):
            self.ends_at = ends_at

    @workflow.query
    def status(self) -> dict[str, Any]:
        return {"state": self.state, "steps": self.steps}
