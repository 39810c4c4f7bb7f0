"""CycleWorkflow: one agency's appraisal year — opens everybody's appraisal, then serves HR.

Started by HR with the cycle id (workflow id `cycle-{cycle_id}`). It starts the cycle in the
domain if HR has not, then opens the participants page by page through an activity that
starts one `AppraisalWorkflow` each (no child workflows: 10,000 children would sit in this
history). Its own state is a cursor, counters and the failures, carried over
continue-as-new when the history grows. Progress counts come from the domain log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities
    from activities.opening import OpenBatch, OpenedBatch, OpeningActivities, SignalAppraisals
    from domain.base import Actor
    from domain.cycle_commands import (
        AddParticipant,
        CalibrateUnit,
        CloseCycle,
        ExtendDeadline,
        RemoveParticipant,
        ReopenCycle,
        SetOrgPredikat,
        StartCycle,
    )

    # Payload classes are imported from the module that defines them (see workflows/appraisal.py).
    from domain.cycle_state import CLOSED, DEFINED
    from domain.outcome import Stamp
    from workflows.appraisal import HUMAN, DeadlineMoved, Failure, rejection
    from workflows.checkpoints import checkpoint_workflow_id
    from workflows.ids import appraisal_workflow_id, request_of

REOPENABLE = "closed-cycle-waits-for-reopen"  # workflow.patched id (issue 8): keep it while old histories run
# Issue 11: each phase that closes (a cycle deadline passing, the cycle closing) asks the log's
# CheckpointWorkflow (workflows/checkpoints.py) for a signed checkpoint at once. Runs started
# before this keep waiting as they did (workflow.patched id; keep it while old histories run).
PHASE_CHECKPOINTS = "checkpoint-at-phase-close"
# Issue 11's gap: a calibration answers with the version it wrote, so HR gets its receipt like for
# every other write. Runs started before keep the activity that returns the warnings only.
CALIBRATION_RECEIPT = "calibration-receipt"
ONE_SECOND = timedelta(seconds=1)
FAN_OUT: Any = {
    "start_to_close_timeout": timedelta(minutes=30),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1)),
}
PROGRESS: Any = {
    "start_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_attempts=5),
}


# The cycle keeps the latest failures, not all of them: 10,000 appraisals failing a step each would make
# every continue-as-new carry them all. Each one is also in its appraisal workflow and in the log.
FAILURES_KEPT = 200


@dataclass
class CycleState:
    """What survives continue-as-new: never the participants themselves."""

    deadlines: dict[str, str] = field(default_factory=dict)  # name -> the UTC instant it ends (ISO)
    phases_closed: list[str] = field(default_factory=list)  # deadlines a checkpoint was asked for
    cursor: str = ""
    opening_done: bool = False
    opened: int = 0
    started: int = 0
    running: int = 0  # appraisals recorded as running (domain/opening.py): what progress counts as open
    closed: bool = False
    progress: dict[str, Any] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)  # the latest FAILURES_KEPT
    failures_total: int = 0  # every failure reported, kept or not


@dataclass
class CycleInput:
    cycle_id: str
    hr_nip: str  # who launches the cycle; acts for `start` when the cycle is still only defined
    review_opens: str | None = None  # month-day (agency time) the review opens; None: the rule set's
    check_in_reminder_days_before: int | None = None  # None: the rule set's
    batch_size: int = 500
    progress_refresh_seconds: int = 86_400  # 0: only on demand (`refresh_progress`)
    pages_per_run: int = 0  # continue-as-new after this many pages; 0: when Temporal suggests it
    state: CycleState | None = None
    log: str = "kinerja"  # the event-store log whose CheckpointWorkflow a phase close asks


@workflow.defn
class CycleWorkflow:
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
                start = StartCycle(Actor(input.hr_nip, ("hr",)))
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

    # --- HR's updates: one per command -------------------------------------

    @workflow.update
    async def add_participant(self, cmd: AddParticipant) -> dict[str, Any]:
        """A participant joins the cycle; the new appraisal opens at once."""
        version = await self._run(AppraisalActivities.add_participant, cmd)
        nip = str(cmd.participant["nip"])
        async with self.lock:
            page = await self._open(
                OpenBatch(self.input.cycle_id, workflow.info().workflow_id, workflow.now().isoformat(), nips=[nip])
            )
        return {"version": version, "opened": page.opened, "started": page.started, "failures": page.failures}

    @workflow.update
    async def remove_participant(self, cmd: RemoveParticipant) -> dict[str, Any]:
        """The appraisal workflow stops; its domain record stays."""
        version = await self._run(AppraisalActivities.remove_participant, cmd)
        handle = workflow.get_external_workflow_handle(appraisal_workflow_id(self.input.cycle_id, cmd.nip))
        try:
            await handle.signal("withdraw", cmd.reason)
        except Exception:  # noqa: BLE001 - it may have finished already; nothing left to stop
            workflow.logger.info("appraisal of %s was not running", cmd.nip)
        return {"version": version}

    @workflow.update
    async def extend_deadline(self, cmd: ExtendDeadline) -> dict[str, Any]:
        """A deadline moves later, with its reason; running appraisals move their timers."""
        version = await self._run(AppraisalActivities.extend_deadline, cmd)
        cycle = await workflow.execute_activity_method(AppraisalActivities.read_cycle, self.input.cycle_id, **PROGRESS)
        moved = DeadlineMoved(cmd.name, cycle["deadlines"][cmd.name])
        self.state.deadlines = dict(cycle["deadlines"])
        if cmd.name in self.state.phases_closed:  # extended after it passed: the phase is open again
            self.state.phases_closed.remove(cmd.name)
        self.changes += 1
        signalled = await workflow.execute_activity_method(
            OpeningActivities.signal_appraisals,
            SignalAppraisals(self.input.cycle_id, "deadline_moved", moved.__dict__),
            **FAN_OUT,
        )
        return {"version": version, "deadline": cmd.name, "until": moved.until_iso, "signalled": signalled}

    @workflow.update
    async def set_org_predikat(self, cmd: SetOrgPredikat) -> dict[str, Any]:
        return {"version": await self._run(AppraisalActivities.set_org_predikat, cmd)}

    @workflow.update
    async def calibrate_unit(self, cmd: CalibrateUnit) -> dict[str, Any]:
        """Returns the curve's warnings and the version written (for HR's receipt)."""
        if workflow.patched(CALIBRATION_RECEIPT):
            result: dict[str, Any] = await self._run(AppraisalActivities.calibrate_unit_recorded, cmd)
            return result
        return {"warnings": await self._run(AppraisalActivities.calibrate_unit, cmd)}

    @workflow.update
    async def close(self, cmd: CloseCycle) -> dict[str, Any]:
        version = await self._run(AppraisalActivities.close_cycle, cmd)
        self.state.closed = True
        if workflow.patched(PHASE_CHECKPOINTS):
            await self._request_checkpoint(f"phase close: cycle {self.input.cycle_id} closed")
        return {"version": version}

    @workflow.update
    async def reopen(self, cmd: ReopenCycle) -> dict[str, Any]:
        """HR reopens the closed cycle with a reason; the workflow serves HR's updates again."""
        version = await self._run(AppraisalActivities.reopen_cycle, cmd)
        self.state.closed = False
        self.reopenings += 1
        return {"version": version}

    @workflow.update
    async def refresh_progress(self) -> dict[str, Any]:
        await self._refresh()
        return self.progress()

    @add_participant.validator
    def _admit_add_participant(self, cmd: AddParticipant) -> None:
        self._admit()

    @remove_participant.validator
    def _admit_remove_participant(self, cmd: RemoveParticipant) -> None:
        self._admit()

    @extend_deadline.validator
    def _admit_extend_deadline(self, cmd: ExtendDeadline) -> None:
        self._admit()

    @set_org_predikat.validator
    def _admit_set_org_predikat(self, cmd: SetOrgPredikat) -> None:
        self._admit()

    @calibrate_unit.validator
    def _admit_calibrate_unit(self, cmd: CalibrateUnit) -> None:
        self._admit()

    @close.validator
    def _admit_close(self, cmd: CloseCycle) -> None:
        self._admit()

    def _admit(self) -> None:
        if self.state.closed:
            raise ValueError("the cycle is closed")

    # --- signals and queries ------------------------------------------------

    @workflow.signal
    def report_failure(self, failure: Failure) -> None:
        """An appraisal workflow could not carry out a step of its calendar."""
        self._failed([failure])

    @workflow.query
    def progress(self) -> dict[str, Any]:
        s = self.state
        return {
            "cycle_id": self.input.cycle_id,
            "opening_done": s.opening_done,
            "opened": s.opened,
            "started": s.started,
            "running": s.running,
            "closed": s.closed,
            **s.progress,
            "failures": [f.__dict__ for f in s.failures],
            "failures_total": max(s.failures_total, len(s.failures)),  # a state carried from before the count
        }

    # --- helpers ------------------------------------------------------------

    async def _run(self, activity: Callable[..., Any], cmd: Any, key: str = "") -> Any:
        """One cycle command at workflow time, keyed by the update id (or the given key)."""
        stamp = Stamp(UUID(self.input.cycle_id), workflow.now(), key or self._update_key())
        async with self.lock:
            try:
                return await workflow.execute_activity_method(activity, args=[stamp, cmd], **HUMAN)
            except ActivityError as e:
                raise rejection(e) from None

    async def _open(self, batch: OpenBatch) -> OpenedBatch:
        batch.review_opens = self.input.review_opens
        batch.check_in_reminder_days_before = self.input.check_in_reminder_days_before
        try:
            page: OpenedBatch = await workflow.execute_activity_method(
                OpeningActivities.open_appraisals, batch, **FAN_OUT
            )
        except ActivityError as e:  # the cycle refused everybody (e.g. not started): no page will do better
            raise rejection(e) from None
        self.state.opened += page.opened
        self.state.started += page.started
        self.state.running += page.running
        now = workflow.now().isoformat()
        self._failed([Failure(f["nip"], "open_appraisal", f["error"], f["message"], now) for f in page.failures])
        return page

    async def _refresh(self) -> None:
        while True:
            reopenings = self.reopenings
            try:
                counts = await workflow.execute_activity_method(
                    AppraisalActivities.count_stages, self.input.cycle_id, **PROGRESS
                )
            except ActivityError as e:
                failure = Failure("*", "count_stages", "ActivityError", str(e.cause or e), workflow.now().isoformat())
                self._failed([failure])
                return
            if reopenings == self.reopenings:
                break
            # The counts read the cycle before HR reopened it: count again now, rather than show no
            # counts (or the closed ones) until the next daily refresh.
        self.state.progress = {**counts, "as_of": workflow.now().isoformat()}
        self.state.closed = self.state.closed or counts["status"] == CLOSED

    def _failed(self, failures: list[Failure]) -> None:
        """Count every failure; keep the latest FAILURES_KEPT."""
        s = self.state
        s.failures_total = max(s.failures_total, len(s.failures)) + len(failures)
        s.failures = (s.failures + failures)[-FAILURES_KEPT:]

    async def _continue_as_new(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(CycleInput(**{**self.input.__dict__, "state": self.state}))

    def _key(self, what: str) -> str:
        return f"{workflow.info().workflow_id}:{what}"

    def _update_key(self) -> str:
        info = workflow.current_update_info()
        if info is None:
            raise ApplicationError("cycle commands run from updates")
        return self._key(f"update:{request_of(info.id)}")

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

    async def _request_checkpoint(self, reason: str) -> None:
        """Ask the log's CheckpointWorkflow for a checkpoint now; without one (a bare test worker) it is logged."""
        handle = workflow.get_external_workflow_handle(checkpoint_workflow_id(self.input.log))
        try:
            await handle.signal("request", reason)
        except Exception:  # noqa: BLE001 - no checkpoint workflow runs for this log: nothing to ask
            workflow.logger.warning("no checkpoint workflow for log %s: %s", self.input.log, reason)
