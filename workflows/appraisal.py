"""AppraisalWorkflow: one employee's year in time — waits for people, reminds them, escalates.

The domain decides every transition; this workflow only keeps the stage and pending task the
domain returned and knows, for each stage, which clock runs: the planning, review and
follow-up deadlines, the periodic check-ins, the review opening, the keberatan window and the
atasan's decision deadline. Human actions arrive as Updates and run one domain command each.
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
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities, AppraisalView
    from activities.notifications import NotificationActivities, Reminder
    from activities.opening import AppraisalInput
    from domain.appraisal import EXECUTION, FINALISED, KEBERATAN, RESULT_DELIVERED
    from domain.base import SYSTEM, Actor

    # Payload classes are imported from the module that defines them: the sandbox resolves their type
    # hints through that module, which must be one it has seen imported.
    from domain.commands import CloseKeberatanWindow, OpenReview
    from domain.outcome import Outcome, Stamp
    from domain.tasks import deadline_of
    from workflows.appraisal_updates import HumanActions

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
ONE_SECOND = timedelta(seconds=1)


@dataclass
class DeadlineMoved:
    name: str
    until_iso: str


@dataclass
class Failure:
    nip: str
    action: str
    error: str
    message: str
    at_iso: str


@workflow.defn
class AppraisalWorkflow(HumanActions):
    """Drives one appraisal from planning to finalised; the domain keeps the state machine."""

    @workflow.init
    def __init__(self, input: AppraisalInput) -> None:
        self.input = input
        self.stage, self.pending = input.stage, input.pending
        self.predikat: str | None = None
        self.deadlines = dict(input.deadlines)
        self.due: str | None = None
        self.withdrawn = ""
        self.failures: list[Failure] = []
        self.done: set[str] = set()  # timer keys already acted on (reminders, escalations)
        self.changes = 0  # bumped on every change a waiting timer must react to
        self.lock = asyncio.Lock()  # one domain command at a time per appraisal
        self.appraisal_id = UUID(input.appraisal_id)

    @workflow.run
    async def run(self, input: AppraisalInput) -> dict[str, Any]:
        while self.stage != FINALISED and not self.withdrawn:
            deadline = deadline_of(self.pending["task"]) if self.pending else None
            if self.stage == EXECUTION:
                await self._execution()
            elif self.stage == RESULT_DELIVERED:
                await self._keberatan_window()
            elif self.stage == KEBERATAN:
                await self._keberatan_decision()
            elif deadline is not None:  # the domain's mapping: which cycle deadline the pending task answers to
                await self._deadline(deadline, lambda name=deadline: self.deadlines[name], self._escalate_missed)
            else:
                await self._until_changed()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return {
            "stage": self.stage,
            "predikat": self.predikat,
            "withdrawn": self.withdrawn,
            "failures": [f.__dict__ for f in self.failures],
        }

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
        return self.pending["assignee"] if self.pending else None

    @workflow.query
    def due_date(self) -> str | None:
        return self.due

    # --- the clocks of each stage -------------------------------------------

    async def _deadline(self, name: str, due_of: Any, on_missed: Any) -> None:
        """Remind before a deadline (rule set's days), act once when it passes, follow extensions."""
        stage = self.stage
        while self.stage == stage and not self.withdrawn:
            due = datetime.fromisoformat(due_of())
            self.due = due.isoformat()
            steps = [
                (due - timedelta(days=d), f"reminder:{name}:{self.due}:{d}d")
                for d in sorted(set(self.input.reminder_days_before), reverse=True)
            ]
            steps.append((due + ONE_SECOND, f"missed:{name}:{self.due}"))
            now = workflow.now()
            # Of reminders already late (an extension, a late start) only the latest is worth sending, and
            # none once the deadline itself has passed: then only the escalation is left.
            late = [key for when, key in steps[:-1] if when <= now]
            self.done.update(late if now > due else late[:-1])
            todo = [(when, key) for when, key in steps if key not in self.done]
            if not todo:
                await self._until_changed()
                continue
            when, key = todo[0]
            if not await self._sleep_until(when):
                continue  # the stage, the deadline or the assignee changed: recompute
            self.done.add(key)
            if key.startswith("reminder:"):
                await self._remind(self._task(name), due, key)
            else:
                await on_missed(name, due)

    async def _execution(self) -> None:
        """Remind the appraiser of each periodic check-in; open the review on the cycle's date."""
        opens = datetime.fromisoformat(self.input.review_opens_at)
        while self.stage == EXECUTION and not self.withdrawn:
            now = workflow.now()
            reminders = []
            for check_in in self.input.check_ins:
                due = datetime.fromisoformat(check_in.due_iso)
                key = f"reminder:check_in:{check_in.period}"
                if key not in self.done and due > now:
                    reminders.append((due - timedelta(days=self.input.check_in_reminder_days_before), key, check_in))
            upcoming = min(reminders, key=lambda r: r[0], default=None)
            dues = [c.due_iso for c in self.input.check_ins if datetime.fromisoformat(c.due_iso) > now]
            self.due = min(dues, key=datetime.fromisoformat, default=self.input.review_opens_at)
            if upcoming is None or opens <= upcoming[0]:
                if await self._sleep_until(opens):
                    await self._system(AppraisalActivities.open_review, OpenReview(SYSTEM), EXECUTION, "open_review")
                    if self.stage == EXECUTION:  # refused: reported, HR may open it by hand
                        await self._until_changed()
                continue
            when, key, check_in = upcoming
            if await self._sleep_until(when):
                self.done.add(key)
                view = await self._read()
                if view is not None and check_in.period not in view.check_ins:
                    to = view.pending["assignee"] if view.pending else view.appraiser_nip  # a delegate, if any
                    await self._remind(f"check_in:{check_in.period}", datetime.fromisoformat(check_in.due_iso), key, to)

    async def _keberatan_window(self) -> None:
        """The employee has the rule set's days to file; then the window closes by itself."""
        view = await self._read()
        if view is None or view.keberatan_deadline is None:
            return await self._until_changed()
        self.due = view.keberatan_deadline
        if await self._sleep_until(datetime.fromisoformat(view.keberatan_deadline) + ONE_SECOND):
            close = CloseKeberatanWindow(SYSTEM)
            await self._system(
                AppraisalActivities.close_keberatan_window, close, RESULT_DELIVERED, "close_keberatan_window"
            )
            if self.stage == RESULT_DELIVERED:
                await self._until_changed()

    async def _keberatan_decision(self) -> None:
        """Remind the atasan; an undecided keberatan escalates to HR when its deadline passes."""
        view = await self._read()
        if view is None or view.keberatan_decision_due is None or view.keberatan_escalated:
            self.due = None
            return await self._until_changed()
        due = view.keberatan_decision_due
        await self._deadline("keberatan_decision", lambda: due, self._escalate_keberatan)

    # --- what happens when a clock rings ------------------------------------

    async def _remind(self, task: str, due: datetime, timer: str, to: str | None = None) -> None:
        to = to or self.assignee()
        if to is None:
            return
        await self._calendar(NotificationActivities.send_reminder, Reminder(self._stamp(timer), task, to, due))

    async def _escalate_missed(self, name: str, due: datetime) -> None:
        """Recorded in the domain, which names whom the overdue task escalates to (its escalation chain)."""
        view = await self._read()
        if view is None or view.pending is None:
            return
        task, assignee = view.pending["task"], view.pending["assignee"]
        missed = Reminder(self._stamp(f"missed:{name}:{due.isoformat()}"), task, assignee, due)
        await self._calendar(NotificationActivities.escalate_missed_deadline, missed)

    async def _escalate_keberatan(self, name: str, due: datetime) -> None:
        async with self.lock:
            if self.stage != KEBERATAN:
                return
            stamp = self._stamp(f"escalate_keberatan:{due.isoformat()}")
            escalation = Reminder(stamp, "decide_keberatan", self.assignee() or "", due)
            outcome = await self._calendar_locked(NotificationActivities.escalate_keberatan, escalation)
            if outcome is not None:
                self._apply(outcome)

    def _task(self, deadline_name: str) -> str:
        return self.pending["task"] if self.pending else deadline_name

    # --- running activities -------------------------------------------------

    async def _human(self, activity: Callable[..., Any], cmd: Any) -> Outcome:
        """Run a person's command (an Update) at workflow time, keyed by the update id."""
        stamp = Stamp(self.appraisal_id, workflow.now(), self._update_key())
        async with self.lock:
            try:
                outcome: Outcome = await workflow.execute_activity_method(activity, args=[stamp, cmd], **HUMAN)
            except ActivityError as e:
                raise rejection(e) from None
            self._apply(outcome)
            return outcome

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
        return f"{workflow.info().workflow_id}:update:{info.id}"

    def _stamp(self, timer: str) -> Stamp:
        """A calendar command's stamp: now, keyed by the timer that rang."""
        return Stamp(self.appraisal_id, workflow.now(), f"{workflow.info().workflow_id}:{timer}")


def rejection(e: ActivityError) -> ApplicationError:
    """The domain's refusal, as the update's failure; anything else says the command did not run."""
    cause = e.cause
    if isinstance(cause, ApplicationError) and cause.non_retryable:
        return ApplicationError(cause.message, type=cause.type, non_retryable=True)
    return ApplicationError(
        f"the command could not be run now, try again: {cause or e}", type="Unavailable", non_retryable=True
    )
