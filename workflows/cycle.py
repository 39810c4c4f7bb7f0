"""CycleWorkflow: one agency's appraisal year — opens everybody's appraisal, then serves HR.

Started by HR with the cycle id (workflow id `cycle-{cycle_id}`). It starts the cycle in the
domain if HR has not, then opens the participants page by page through an activity that
starts one `AppraisalWorkflow` each (no child workflows: 10,000 children would sit in this
history). Its own state is a cursor, counters and the failures, carried over
continue-as-new when the history grows. Progress counts come from the domain log.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities, CycleCommand
    from activities.opening import OpenBatch, OpenedBatch, OpeningActivities, SignalAppraisals, appraisal_workflow_id
    from domain.cycle import CLOSED, DEFINED
    from workflows.appraisal import HUMAN, DeadlineMoved, Failure, rejection

FAN_OUT = {
    "start_to_close_timeout": timedelta(minutes=30),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1)),
}
PROGRESS = {
    "start_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_attempts=5),
}


def cycle_workflow_id(cycle_id: str) -> str:
    return f"cycle-{cycle_id}"


@dataclass
class CycleState:
    """What survives continue-as-new: never the participants themselves."""

    cursor: str = ""
    opening_done: bool = False
    opened: int = 0
    started: int = 0
    closed: bool = False
    progress: dict[str, Any] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)


@dataclass
class CycleInput:
    cycle_id: str
    hr_nip: str  # who launches the cycle; acts for `start` when the cycle is still only defined
    review_opens: str = "12-01"  # month-day of the cycle year (agency time) when reviews open
    check_in_reminder_days_before: int = 7
    batch_size: int = 500
    progress_refresh_seconds: int = 86_400  # 0: only on demand (`refresh_progress`)
    pages_per_run: int = 0  # continue-as-new after this many pages; 0: when Temporal suggests it
    state: CycleState | None = None


@dataclass
class HrAction:
    """Who asks (HR) and the command's arguments, e.g. {"name", "until", "reason"} for an extension."""

    actor_nip: str
    actor_roles: list[str]
    args: dict[str, Any] = field(default_factory=dict)


@workflow.defn
class CycleWorkflow:
    """Opens every participant's appraisal workflow and carries HR's changes to the cycle."""

    @workflow.init
    def __init__(self, input: CycleInput) -> None:
        self.input = input
        self.state = input.state or CycleState()
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, input: CycleInput) -> dict[str, Any]:
        if input.state is None:
            cycle = await workflow.execute_activity_method(AppraisalActivities.read_cycle, input.cycle_id, **PROGRESS)
            if cycle["status"] == DEFINED:
                await self._cycle_command("start", HrAction(input.hr_nip, ["hr"]), key=self._key("start"))
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
        while not self.state.closed:
            try:
                await workflow.wait_condition(lambda: self.state.closed, timeout=refresh)
            except TimeoutError:
                pass
            if not self.state.closed:
                await self._refresh()
            if workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new()
        await self._refresh()  # the counts as the cycle closed
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.progress()

    # --- HR's updates -------------------------------------------------------

    @workflow.update
    async def add_participant(self, action: HrAction) -> dict[str, Any]:
        """args: {"participant": {...master data...}}; the new appraisal opens at once."""
        version = await self._cycle_command("add_participant", action)
        nip = str(action.args["participant"]["nip"])
        async with self.lock:
            page = await self._open(
                OpenBatch(self.input.cycle_id, workflow.info().workflow_id, workflow.now().isoformat(), nips=[nip])
            )
        return {"version": version, "opened": page.opened, "started": page.started, "failures": page.failures}

    @workflow.update
    async def remove_participant(self, action: HrAction) -> dict[str, Any]:
        """args: {"nip", "reason"}; the appraisal workflow stops, its domain record stays."""
        version = await self._cycle_command("remove_participant", action)
        handle = workflow.get_external_workflow_handle(appraisal_workflow_id(self.input.cycle_id, action.args["nip"]))
        try:
            await handle.signal("withdraw", action.args["reason"])
        except Exception:  # noqa: BLE001 - it may have finished already; nothing left to stop
            workflow.logger.info("appraisal of %s was not running", action.args["nip"])
        return {"version": version}

    @workflow.update
    async def extend_deadline(self, action: HrAction) -> dict[str, Any]:
        """args: {"name", "until" (YYYY-MM-DD), "reason"}; running appraisals move their timers."""
        version = await self._cycle_command("extend_deadline", action)
        cycle = await workflow.execute_activity_method(AppraisalActivities.read_cycle, self.input.cycle_id, **PROGRESS)
        name = action.args["name"]
        moved = DeadlineMoved(name, cycle["deadlines"][name])
        signalled = await workflow.execute_activity_method(
            OpeningActivities.signal_appraisals,
            SignalAppraisals(self.input.cycle_id, "deadline_moved", moved.__dict__),
            **FAN_OUT,
        )
        return {"version": version, "deadline": name, "until": moved.until_iso, "signalled": signalled}

    @workflow.update
    async def set_org_predikat(self, action: HrAction) -> dict[str, Any]:
        """args: {"unit_id", "predikat"}."""
        return {"version": await self._cycle_command("set_org_predikat", action)}

    @workflow.update
    async def calibrate_unit(self, action: HrAction) -> dict[str, Any]:
        """args: {"unit_id", "justification"}; returns the curve's warnings."""
        return {"warnings": await self._cycle_command("calibrate_unit", action)}

    @workflow.update
    async def close(self, action: HrAction) -> dict[str, Any]:
        version = await self._cycle_command("close", action)
        self.state.closed = True
        return {"version": version}

    @workflow.update
    async def refresh_progress(self) -> dict[str, Any]:
        await self._refresh()
        return self.progress()

    @add_participant.validator
    @remove_participant.validator
    @extend_deadline.validator
    @set_org_predikat.validator
    @calibrate_unit.validator
    @close.validator
    def _validate(self, action: HrAction) -> None:
        if self.state.closed:
            raise ValueError("the cycle is closed")

    # --- signals and queries ------------------------------------------------

    @workflow.signal
    def report_failure(self, failure: Failure) -> None:
        """An appraisal workflow could not carry out a step of its calendar."""
        self.state.failures.append(failure)

    @workflow.query
    def progress(self) -> dict[str, Any]:
        s = self.state
        return {
            "cycle_id": self.input.cycle_id,
            "opening_done": s.opening_done,
            "opened": s.opened,
            "started": s.started,
            "closed": s.closed,
            **s.progress,
            "failures": [f.__dict__ for f in s.failures],
        }

    # --- helpers ------------------------------------------------------------

    async def _cycle_command(self, name: str, action: HrAction, key: str = "") -> Any:
        cmd = CycleCommand(
            self.input.cycle_id,
            name,
            action.actor_nip,
            list(action.actor_roles),
            workflow.now().isoformat(),
            key or self._update_key(),
            dict(action.args),
        )
        async with self.lock:
            try:
                return await workflow.execute_activity_method(AppraisalActivities.run_cycle_command, cmd, **HUMAN)
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
        now = workflow.now().isoformat()
        self.state.failures += [
            Failure(f["nip"], "open_appraisal", f["error"], f["message"], now) for f in page.failures
        ]
        return page

    async def _refresh(self) -> None:
        try:
            counts = await workflow.execute_activity_method(
                AppraisalActivities.count_stages, self.input.cycle_id, **PROGRESS
            )
        except ActivityError as e:
            self.state.failures.append(
                Failure("*", "count_stages", "ActivityError", str(e.cause or e), workflow.now().isoformat())
            )
            return
        self.state.progress = {**counts, "as_of": workflow.now().isoformat()}
        self.state.closed = self.state.closed or counts["status"] == CLOSED

    async def _continue_as_new(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(CycleInput(**{**self.input.__dict__, "state": self.state}))

    def _key(self, what: str) -> str:
        return f"{workflow.info().workflow_id}:{what}"

    def _update_key(self) -> str:
        info = workflow.current_update_info()
        if info is None:
            raise ApplicationError("cycle commands run from updates")
        return self._key(f"update:{info.id}")
