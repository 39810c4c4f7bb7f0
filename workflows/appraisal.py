"""AppraisalWorkflow: one employee's year in time — waits for people, reminds them, escalates.

The domain decides every transition; this workflow only keeps the stage and pending task the
domain returned and knows, for each stage, which clock runs: the planning, review and
follow-up deadlines, the periodic check-ins, the review opening, the keberatan window and the
atasan's decision deadline. Human actions arrive as Updates and run one domain command each.

Split by seam: the Updates (workflows/appraisal_updates.py), the clocks of each stage
(workflows/appraisal_clocks.py), the state and the running of activities they share
(workflows/appraisal_runtime.py). The class, its name and the commands it issues are unchanged,
so stored histories replay (tests/test_workflow_replay.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from temporalio import workflow

# The workflow's own modules load in the sandbox (not passed through), so the payload modules they
# import below through imports_passed_through() are ones the sandbox has seen.
from workflows.appraisal_clocks import StageClocks
from workflows.appraisal_runtime import (
    CASCADE_DEADLINE,
    CASCADE_FOLLOWS,
    CONTINUE_AS_NEW,
    FAILURES_KEPT,
    HUMAN,
    Failure,
    rejection,
)
from workflows.appraisal_updates import HumanActions

with workflow.unsafe.imports_passed_through():
    from activities.opening import AppraisalInput
    from domain.appraisal import EXECUTION, FINALISED, KEBERATAN, PLANNING, RESULT_DELIVERED
    from domain.tasks import deadline_of

__all__ = ["HUMAN", "AppraisalWorkflow", "DeadlineMoved", "Failure", "rejection"]


@dataclass
class DeadlineMoved:
    name: str
    until_iso: str


@workflow.defn
class AppraisalWorkflow(HumanActions, StageClocks):
    """Drives one appraisal from planning to finalised; the domain keeps the state machine."""

    @workflow.init
    def __init__(self, input: AppraisalInput) -> None:
        self.input = input
        self.stage, self.pending = input.stage, input.pending
        self.predikat: str | None = input.predikat
        self.deadlines = dict(input.deadlines)
        self.due: str | None = None
        self.withdrawn = ""
        self.failures: list[Failure] = [Failure(**f) for f in input.failures]
        self.done: set[str] = set(input.done)  # timer keys already acted on (reminders, escalations)
        self.changes = 0  # bumped on every change a waiting timer must react to
        self.lock = asyncio.Lock()  # one domain command at a time per appraisal
        self.appraisal_id = UUID(input.appraisal_id)
        self.may_continue_as_new = False
        self.handing_over = False
        self.updates = 0

    @workflow.run
    async def run(self, input: AppraisalInput) -> dict[str, Any]:
        self.may_continue_as_new = self._continues_as_new()
        while self.stage != FINALISED and not self.withdrawn:
            self._check_length()
            if self.may_continue_as_new and (self.handing_over or self.stage != input.stage):
                await self._continue_as_new()  # a new stage, or a long run: the next run starts afresh
            deadline = deadline_of(self.pending["task"]) if self.pending else None
            if self.stage == EXECUTION:
                await self._execution()
            elif self.stage == RESULT_DELIVERED:
                await self._keberatan_window()
            elif self.stage == KEBERATAN:
                await self._keberatan_decision()
            elif deadline is not None:  # the domain's mapping: which cycle deadline the pending task answers to
                clock = self._deadline(deadline, lambda name=deadline: self.deadlines[name], self._escalate_missed)
                if self._cascade_follows():
                    # The superior's own, earlier deadline (#15) keeps time beside the stage's, days before the
                    # planning deadline as it stands: an extension moves both.
                    await asyncio.gather(self._cascade_clock(self.input.cascade_days or 0), clock)
                    continue
                if self.stage == PLANNING and self.input.cascade_due and workflow.patched(CASCADE_DEADLINE):
                    await self._cascade_deadline(self.input.cascade_due)  # the superior's own, earlier one (#15)
                await clock
            else:
                await self._until_changed()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return {
            "stage": self.stage,
            "predikat": self.predikat,
            "withdrawn": self.withdrawn,
            "failures": [f.__dict__ for f in self.failures],
        }

    def _cascade_follows(self) -> bool:
        """workflow.patched(CASCADE_FOLLOWS), asked only in planning by runs whose input carries `cascade_days`
        (none before the field): older histories never ask, and keep the fixed due of CASCADE_DEADLINE."""
        return self.stage == PLANNING and self.input.cascade_days is not None and workflow.patched(CASCADE_FOLLOWS)

    def _continues_as_new(self) -> bool:
        """Whether this run may continue as new. Runs started before continue-as-new existed never do: their
        histories replay as written (README, "Versioning running workflows"); asked once, at the run's start."""
        return workflow.patched(CONTINUE_AS_NEW)

    async def _continue_as_new(self) -> None:
        """Let every Update and signal in flight finish, then hand what the next run needs to it: the stage,
        the pending task, the deadlines as absolute instants, the timers already acted on, the latest failures."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self.withdrawn or self.stage == FINALISED:
            return  # a handler ended the appraisal meanwhile: the run loop ends this run
        carried = dataclasses.replace(
            self.input,
            stage=self.stage,
            pending=self.pending,
            predikat=self.predikat,
            deadlines=dict(self.deadlines),
            done=sorted(self.done),
            failures=[f.__dict__ for f in self.failures[-FAILURES_KEPT:]],
            run=self.input.run + 1,
        )
        workflow.continue_as_new(carried)

    # --- messages from the cycle --------------------------------------------

    @workflow.signal
    def deadline_moved(self, moved: DeadlineMoved) -> None:
        if moved.name in self.deadlines and self.deadlines[moved.name] != moved.until_iso:
            self.deadlines[moved.name] = moved.until_iso
            self.changes += 1

    @workflow.signal
    def withdraw(self, reason: str) -> None:
        """The employee left the cycle: stop keeping time (the domain record stays as it is)."""
        self.withdrawn = reason or "withdrawn from the cycle"
        self.changes += 1

    # --- queries ------------------------------------------------------------

    @workflow.query
    def status(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "pending": self.pending,
            "assignee": self.assignee(),
            "due": self.due,
            "predikat": self.predikat,
            "deadlines": self.deadlines,
            "withdrawn": self.withdrawn,
            "failures": [f.__dict__ for f in self.failures],
        }

    @workflow.query
    def current_stage(self) -> str:
        return self.stage

    @workflow.query
    def pending_task(self) -> dict[str, str] | None:
        return self.pending

    @workflow.query
    def assignee(self) -> str | None:
        return self._assignee()

    @workflow.query
    def due_date(self) -> str | None:
        return self.due
