"""What the cycle workflow's Updates and run loop share: its state, its input, running activities, progress.

`CycleRuntime` is the base of HR's Updates (workflows/cycle_updates.py) and of CycleWorkflow
(workflows/cycle.py), which sets the state in its init. Every command runs under one lock, at
workflow time, with an idempotency key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities
    from activities.opening import OpenBatch, OpenedBatch, OpeningActivities

    # Payload classes are imported from the module that defines them (see workflows/appraisal.py).
    from domain.cycle_state import CLOSED
    from domain.outcome import Stamp
    from workflows.appraisal import HUMAN, Failure, rejection
    from workflows.checkpoints import checkpoint_workflow_id
    from workflows.ids import request_of

# Issue 11: each phase that closes (a cycle deadline passing, the cycle closing) asks the log's
# CheckpointWorkflow (workflows/checkpoints.py) for a signed checkpoint at once. Runs started
# before this keep waiting as they did (workflow.patched id; keep it while old histories run).
PHASE_CHECKPOINTS = "checkpoint-at-phase-close"
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
    cascade_days_before: int | None = None  # #15: the superiors' earlier RHK deadline; None: the rule set's
    cascade_days_per_level: int | None = None
    batch_size: int = 500
    progress_refresh_seconds: int = 86_400  # 0: only on demand (`refresh_progress`)
    pages_per_run: int = 0  # continue-as-new after this many pages; 0: when Temporal suggests it
    state: CycleState | None = None
    log: str = "kinerja"  # the event-store log whose CheckpointWorkflow a phase close asks


class CycleRuntime:
    """The workflow's state, how it runs HR's commands and opens appraisals, and the progress it reports."""

    input: CycleInput
    changes: int  # bumped when a deadline moves: the wait for the next phase close starts over
    state: CycleState
    lock: asyncio.Lock
    reopenings: int  # a refresh that read the cycle before a reopening must not close it again

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

    async def _request_checkpoint(self, reason: str) -> None:
        """Ask the log's CheckpointWorkflow for a checkpoint now; without one (a bare test worker) it is logged."""
        handle = workflow.get_external_workflow_handle(checkpoint_workflow_id(self.input.log))
        try:
            await handle.signal("request", reason)
        except Exception:  # noqa: BLE001 - no checkpoint workflow runs for this log: nothing to ask
            workflow.logger.warning("no checkpoint workflow for log %s: %s", self.input.log, reason)
