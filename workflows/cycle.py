"""CycleWorkflow: one agency's appraisal year — opens everybody's appraisal, then serves HR.

Started by HR with the cycle id (workflow id `cycle-{cycle_id}`). It starts the cycle in the
domain if HR has not, then opens the participants page by page through an activity that
starts one `AppraisalWorkflow` each (no child workflows: 10,000 children would sit in this
history). Its own state is a cursor, counters and the failures, carried over
continue-as-new when the history grows. Progress counts come from the domain log.

Split by seam: HR's Updates (workflows/cycle_updates.py), the state, input, activities and
progress they share (workflows/cycle_runtime.py); this module holds the run: opening the pages,
then waiting for phase closes, refreshes, closing and reopening. The class, its name and the
commands it issues are unchanged, so stored histories replay (tests/test_workflow_replay.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

# The workflow's own modules load in the sandbox (not passed through), as in workflows/appraisal.py.
from workflows.cycle_runtime import PHASE_CHECKPOINTS, PROGRESS, CycleInput, CycleState
from workflows.cycle_updates import HrChanges

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities
    from activities.opening import OpenBatch
    from domain.base import Actor

    # Payload classes are imported from the module that defines them (see workflows/appraisal.py).
    from domain.cycle_commands import StartCycle
    from domain.cycle_state import DEFINED

REOPENABLE = "closed-cycle-waits-for-reopen"  # workflow.patched id (issue 8): keep it while old histories run
ONE_SECOND = timedelta(seconds=1)


@workflow.defn
class CycleWorkflow(HrChanges):
    """Opens every participant's appraisal workflow and carries HR's changes to the cycle."""

    @workflow.init
    def __init__(self, input: CycleInput) -> None:
        self.input = input
        self.changes = 0  # bumped when a deadline moves: the wait for the next phase close starts over
        self.state = input.state or CycleState()
        self.lock = asyncio.Lock()
        self.reopenings = 0  # a refresh that read the cycle before a reopening must not close it again

    @workflow.run
    async def run(self, input: CycleInput) -> dict[str, Any]:
        if input.state is None:
            cycle = await workflow.execute_activity_method(AppraisalActivities.read_cycle, input.cycle_id, **PROGRESS)
            self.state.deadlines = dict(cycle["deadlines"])
            if cycle["status"] == DEFINED:
                # HR's review opening, check-in reminder offset and the superiors' earlier RHK deadline (#15),
                # recorded by the cycle's Started event.
                choice = (input.review_opens, input.check_in_reminder_days_before)
                cascade = (input.cascade_days_before, input.cascade_days_per_level)
                start = StartCycle(Actor(input.hr_nip, ("hr",)), *choice, *cascade)
                await self._run(AppraisalActivities.start_cycle, start, key=self._key("start"))
        pages = 0
        while not self.state.opening_done and not self.state.closed:
            async with self.lock:
                page = await self._open(
                    OpenBatch(
                        input.cycle_id,
                        workflow.info().workflow_id,
                        workflow.now().isoformat(),
                        after_nip=self.state.cursor,
                        limit=input.batch_size,
                    )
                )
                self.state.cursor, self.state.opening_done = page.last_nip, page.done
            pages += 1
            if not page.done and (workflow.info().is_continue_as_new_suggested() or pages == input.pages_per_run):
                await self._continue_as_new()
        await self._refresh()
        refresh = input.progress_refresh_seconds or None
        while True:
            while not self.state.closed:
                if workflow.patched(PHASE_CHECKPOINTS):
                    await self._wait_for_phase_or_refresh(refresh)
                else:
                    try:
                        await workflow.wait_condition(lambda: self.state.closed, timeout=refresh)
                    except TimeoutError:
                        pass
                    if not self.state.closed:
                        await self._refresh()
                if workflow.info().is_continue_as_new_suggested():
                    await self._continue_as_new()
            await self._refresh()  # the counts as the cycle closed
            # Histories recorded before issue 8 ended here; a cycle closed since waits for HR to reopen it.
            if not workflow.patched(REOPENABLE):
                break
            await workflow.wait_condition(lambda: not self.state.closed)
            if workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.progress()

    # --- checkpoints at phase close (issue 11) -------------------------------

    async def _wait_for_phase_or_refresh(self, refresh: int | None) -> None:
        """Wait until the cycle closes, a deadline moves, the next phase ends or the refresh is due."""
        seen = self.changes
        try:
            await workflow.wait_condition(
                lambda: self.state.closed or self.changes != seen, timeout=self._until_next_phase(refresh)
            )
        except TimeoutError:
            pass
        await self._checkpoint_closed_phases()
        if not self.state.closed and self.changes == seen:
            await self._refresh()

    def _until_next_phase(self, refresh: int | None) -> float | None:
        """Seconds until the next deadline not yet checkpointed ends (at most `refresh`); None: nothing to wait for."""
        now = workflow.now()
        waits = [
            max((datetime.fromisoformat(until) + ONE_SECOND - now).total_seconds(), 0.0)
            for name, until in self.state.deadlines.items()
            if name not in self.state.phases_closed
        ]
        if refresh:
            waits.append(float(refresh))
        return min(waits) if waits else None

    async def _checkpoint_closed_phases(self) -> None:
        now = workflow.now()
        for name, until in sorted(self.state.deadlines.items(), key=lambda d: d[1]):
            if name not in self.state.phases_closed and datetime.fromisoformat(until) < now:
                self.state.phases_closed.append(name)
                await self._request_checkpoint(f"phase close: {name} of cycle {self.input.cycle_id}")
