"""What the appraisal workflow's Updates and clocks share: its state, running activities, sleeping.

`AppraisalRuntime` is the base of the Updates (workflows/appraisal_updates.py) and of the stage
clocks (workflows/appraisal_clocks.py); AppraisalWorkflow (workflows/appraisal.py) sets the state
in its init. Every command runs under one lock, at workflow time, with an idempotency key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities, AppraisalView
    from activities.opening import AppraisalInput
    from domain.appraisal import FINALISED
    from domain.base import Actor
    from domain.outcome import Outcome, Stamp
    from workflows.ids import command_key, request_of

# A person waits for an answer: a few quick attempts (a lost race is retried), then a clear failure.
HUMAN: Any = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=5)),
}
# The calendar can wait: retry longer, then report the failure to the cycle and move on.
CALENDAR: Any = {
    "start_to_close_timeout": timedelta(minutes=1),
    "retry_policy": RetryPolicy(maximum_attempts=10, maximum_interval=timedelta(minutes=5)),
}


# A run hands over to a fresh one (continue-as-new) at each change of stage, and before its history grows
# long: Temporal refuses a 2,001st Update in one run, and suggests a new run as the history grows. A
# human action costs 6 events (11 before LOCAL_COMMANDS); 200 of them (AppraisalInput.updates_per_run) and the clocks stay
# well under both limits.
UPDATES_PER_RUN = AppraisalInput.updates_per_run
EVENTS_PER_RUN = 2_500
FAILURES_KEPT = 20  # the latest failures travel to the next run; all of them went to the cycle already
# The workflow.patched id of continue-as-new: runs started before it never continue as new (their
# histories replay as they were written); every run started since does.
CONTINUE_AS_NEW = "continue-as-new-2026-11"
# The workflow.patched id of a person's command as a local activity (issue 9, finding 7): it runs in the
# worker's workflow task and leaves one marker, where a regular activity costs a scheduled, a started, a
# completed event and a second workflow task: 6 history events per human action instead of 11 (a bare
# Update costs 5). Same retry policy, same key: a retry after a lost race reloads the aggregate, and an
# attempt re-run after a worker died (its workflow task timed out before the marker was written) finds
# its key already applied and writes nothing. Histories written before it replay with regular activities.
LOCAL_COMMANDS = "human-command-local-activity-2026-11"
# #15: a superior's own deadline for the RHK their subordinates wait on, reminded and escalated in planning.
# Asked only by runs whose input carries `cascade_due` (none before the field), so older histories never ask.
CASCADE_DEADLINE = "cascade-rhk-deadline-2026-11"
# #15: that deadline as days before the planning deadline (HR's choice in the cycle), kept by a clock beside the
# stage's so that an extension of the planning deadline moves it too. Asked only by runs whose input carries
# `cascade_days` (none before the field).
CASCADE_FOLLOWS = "cascade-due-follows-planning-2026-12"


@dataclass
class Failure:
    nip: str
    action: str
    error: str
    message: str
    at_iso: str


class AppraisalRuntime:
    """The workflow's state and how it runs the domain's commands."""

    input: AppraisalInput
    appraisal_id: UUID
    stage: str
    pending: dict[str, str] | None
    predikat: str | None
    deadlines: dict[str, str]
    due: str | None
    withdrawn: str
    failures: list[Failure]
    done: set[str]  # timer keys already acted on (reminders, escalations)
    changes: int  # bumped on every change a waiting timer must react to
    lock: asyncio.Lock  # one domain command at a time per appraisal
    may_continue_as_new: bool  # workflow.patched(CONTINUE_AS_NEW), asked once per run
    handing_over: bool  # this run is long enough: its clocks stop and it continues as new
    updates: int  # human actions taken in this run

    def _assignee(self) -> str | None:
        return self.pending["assignee"] if self.pending else None

    # --- running activities -------------------------------------------------

    async def _human(self, activity: Callable[..., Any], cmd: Any) -> Outcome:
        """Run a person's command (an Update) at workflow time, keyed by the update id."""
        stamp = Stamp(self.appraisal_id, workflow.now(), self._update_key())
        self.updates += 1
        async with self.lock:
            try:
                outcome: Outcome
                if self._local_commands():
                    outcome = await workflow.execute_local_activity_method(activity, args=[stamp, cmd], **HUMAN)
                else:
                    outcome = await workflow.execute_activity_method(activity, args=[stamp, cmd], **HUMAN)
            except FailureError as e:  # an ActivityError, or a local activity's own ApplicationError or TimeoutError
                raise rejection(e) from None
            finally:
                self._check_length()
            self._apply(outcome)
            return outcome

    def _check_length(self) -> None:
        """Once this run has taken enough, its clocks stop and the run loop continues it as new."""
        if not self.may_continue_as_new or self.handing_over:
            return
        info = workflow.info()
        if (
            self.updates >= self.input.updates_per_run
            or info.get_current_history_length() >= EVENTS_PER_RUN
            or info.is_continue_as_new_suggested()
        ):
            self.handing_over = True
            self.changes += 1

    def _admit(self, by: Actor) -> None:
        """An Update is refused (before it enters the history) once the workflow has ended, or when
        a caller poses as the calendar."""
        if self.stage == FINALISED or self.withdrawn:
            raise ValueError(f"the appraisal workflow has ended ({self.withdrawn or self.stage})")
        if by.is_system:
            raise ValueError("only the appraisal's own calendar acts as the system")

    async def _system(self, activity: Callable[..., Any], cmd: Any, stage: str, timer: str) -> None:
        """A command the calendar takes as SYSTEM, once, and only if the stage is still the expected one."""
        async with self.lock:
            if self.stage != stage:
                return
            outcome = await self._calendar_locked(activity, self._stamp(timer), cmd)
            if outcome is not None:
                self._apply(outcome)

    async def _calendar(self, activity: Callable[..., Any], *args: Any) -> Any:
        async with self.lock:
            return await self._calendar_locked(activity, *args)

    async def _calendar_locked(self, activity: Callable[..., Any], *args: Any) -> Any:
        try:
            return await workflow.execute_activity_method(activity, args=list(args), **CALENDAR)
        except ActivityError as e:
            await self._failed(activity.__name__, e)
            return None

    async def _read(self) -> AppraisalView | None:
        try:
            return await workflow.execute_activity_method(
                AppraisalActivities.read_appraisal, self.input.appraisal_id, **CALENDAR
            )
        except ActivityError as e:
            await self._failed("read_appraisal", e)
            return None

    async def _failed(self, action: str, e: ActivityError) -> None:
        """Never swallowed: kept in this workflow and reported to the cycle's progress."""
        cause = e.cause
        failure = Failure(
            self.input.nip,
            action,
            cause.type if isinstance(cause, ApplicationError) and cause.type else type(cause).__name__,
            str(cause.message if isinstance(cause, ApplicationError) else cause),
            workflow.now().isoformat(),
        )
        self.failures.append(failure)
        if self.input.cycle_workflow_id:
            try:
                await workflow.get_external_workflow_handle(self.input.cycle_workflow_id).signal(
                    "report_failure", failure
                )
            except Exception:  # noqa: BLE001 - the cycle may be closed; the failure stays in this workflow
                workflow.logger.warning("could not report %s to %s", failure, self.input.cycle_workflow_id)

    # --- state --------------------------------------------------------------

    def _moved_on(self, stage: str) -> bool:
        """Whether the stage left `stage` while a clock read the record. A person's command runs as a local
        activity (LOCAL_COMMANDS) and can complete while that read is in flight, before the clock waits; the
        clock then gives the run loop back instead of setting a timer for a stage that is over. Asked only
        under the patch (and only once the stage changed): runs before it never checked."""
        return self.stage != stage and self._local_commands()

    def _local_commands(self) -> bool:
        """workflow.patched(LOCAL_COMMANDS): whether this run runs a person's command as a local activity."""
        return workflow.patched(LOCAL_COMMANDS)

    def _keeps_time(self, stage: str) -> bool:
        """Whether a stage's clock goes on: the stage is still `stage`, and this run is not handing over."""
        return self.stage == stage and not self.withdrawn and not self.handing_over

    def _apply(self, outcome: Outcome) -> None:
        if outcome.stage != self.stage or outcome.pending != self.pending:
            self.changes += 1
        self.stage, self.pending, self.predikat = outcome.stage, outcome.pending, outcome.predikat

    async def _sleep_until(self, instant: datetime) -> bool:
        """True when the instant came; False when something changed first."""
        seen = self.changes
        delay = (instant - workflow.now()).total_seconds()
        if delay <= 0:
            return True
        try:
            await workflow.wait_condition(lambda: self.changes != seen, timeout=delay)
        except TimeoutError:
            return True
        return False

    async def _until_changed(self) -> None:
        seen = self.changes
        await workflow.wait_condition(lambda: self.changes != seen)

    def _update_key(self) -> str:
        info = workflow.current_update_info()
        assert info is not None
        # Every attempt at one request (workflows/ids.py) carries the same command key: the domain applies it once.
        return command_key(workflow.info().workflow_id, request_of(info.id))

    def _stamp(self, timer: str) -> Stamp:
        """A calendar command's stamp: now, keyed by the timer that rang."""
        return Stamp(self.appraisal_id, workflow.now(), f"{workflow.info().workflow_id}:{timer}")


def rejection(e: FailureError) -> ApplicationError:
    """The domain's refusal, as the update's failure; anything else says the command did not run.

    A regular activity fails with an ActivityError whose cause is the activity's error; a local activity
    fails with the activity's error itself."""
    cause = e.cause if isinstance(e, ActivityError) else e
    if isinstance(cause, ApplicationError) and cause.non_retryable:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return ApplicationError(
        f"the command could not be run now, try again: {cause or e}", type="Unavailable", non_retryable=True
    )
