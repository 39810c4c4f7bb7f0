"""The clocks of each stage of the appraisal workflow, and what happens when one rings.

Planning, review and follow-up answer to a cycle deadline (reminders before it, an escalation once
it passed); execution reminds of each periodic check-in and opens the review on the cycle's date;
the keberatan window closes by itself; an undecided keberatan escalates to HR. Mixed into
AppraisalWorkflow (workflows/appraisal.py); which clock runs is chosen by its `run` loop.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

from workflows.appraisal_runtime import AppraisalRuntime

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities
    from activities.notifications import NotificationActivities, Reminder
    from domain.appraisal import EXECUTION, KEBERATAN, PLANNING, RESULT_DELIVERED
    from domain.base import SYSTEM
    from domain.cascade import RHK_ATASAN

    # Payload classes are imported from the module that defines them (see workflows/appraisal.py).
    from domain.result_commands import CloseKeberatanWindow, OpenReview

ONE_SECOND = timedelta(seconds=1)


class StageClocks(AppraisalRuntime):
    """Which timer runs at each stage, and the reminder, escalation or calendar command it fires."""

    async def _deadline(self, name: str, due_of: Any, on_missed: Any) -> None:
        """Remind before a deadline (rule set's days), act once when it passes, follow extensions."""
        stage = self.stage
        while self._keeps_time(stage):
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
        while self._keeps_time(EXECUTION):
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
        if self._moved_on(RESULT_DELIVERED):
            return  # filed while the record was read: the run loop takes the keberatan's clock
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
        if self._moved_on(KEBERATAN):
            return  # decided while the record was read
        if view is None or view.keberatan_decision_due is None or view.keberatan_escalated:
            self.due = None
            return await self._until_changed()
        due = view.keberatan_decision_due
        await self._deadline("keberatan_decision", lambda: due, self._escalate_keberatan)

    async def _cascade_deadline(self, due_iso: str) -> None:
        """#15: while subordinates wait on this employee's RHK, remind them (the rule set's days before their own,
        earlier deadline) and, once it passed, tell their own pejabat penilai; returns when its steps are past.
        The fixed due of the runs before CASCADE_FOLLOWS (`_cascade_clock` keeps it since)."""
        due = datetime.fromisoformat(due_iso)
        steps = self._cascade_steps(due)
        while self._keeps_time(PLANNING):
            todo = self._cascade_todo(due, steps)
            if not todo:
                return
            when, key = todo[0]
            if not await self._sleep_until(when):
                continue  # the stage or the assignee changed: recompute
            await self._cascade_rang(key, due)

    async def _cascade_clock(self, lead_days: int) -> None:
        """#15, CASCADE_FOLLOWS: the same steps, due `lead_days` before the planning deadline as it stands now; runs
        beside the stage's own clock for the whole of planning, so an extension brings its steps back."""
        while self._keeps_time(PLANNING):
            due = datetime.fromisoformat(self.deadlines["planning"]) - timedelta(days=lead_days)
            todo = self._cascade_todo(due, self._cascade_steps(due))
            if not todo:
                await self._until_changed()
                continue
            when, key = todo[0]
            if await self._sleep_until(when):
                await self._cascade_rang(key, due)

    def _cascade_steps(self, due: datetime) -> list[tuple[datetime, str]]:
        due_iso = due.isoformat()
        steps = [
            (due - timedelta(days=d), f"reminder:{RHK_ATASAN}:{due_iso}:{d}d")
            for d in sorted(set(self.input.reminder_days_before), reverse=True)
        ]
        steps.append((due + ONE_SECOND, f"missed:{RHK_ATASAN}:{due_iso}"))
        return steps

    def _cascade_todo(self, due: datetime, steps: list[tuple[datetime, str]]) -> list[tuple[datetime, str]]:
        """The steps still ahead: of reminders already late only the latest, none once the due has passed."""
        now = workflow.now()
        late = [key for when, key in steps[:-1] if when <= now]
        self.done.update(late if now > due else late[:-1])
        return [(when, key) for when, key in steps if key not in self.done]

    async def _cascade_rang(self, key: str, due: datetime) -> None:
        self.done.add(key)
        waiting = await self._calendar(NotificationActivities.waiting_subordinates, self.input.appraisal_id)
        if not waiting:
            return  # their RHK exist (or nobody waits): nothing to tell
        notice = Reminder(self._stamp(key), RHK_ATASAN, self.input.nip, due)
        if key.startswith("reminder:"):
            await self._calendar(NotificationActivities.send_reminder, notice)
        else:
            await self._calendar(NotificationActivities.escalate_missed_deadline, notice)

    # --- what happens when a clock rings ------------------------------------

    async def _remind(self, task: str, due: datetime, timer: str, to: str | None = None) -> None:
        to = to or self._assignee()
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
            escalation = Reminder(stamp, "decide_keberatan", self._assignee() or "", due)
            outcome = await self._calendar_locked(NotificationActivities.escalate_keberatan, escalation)
            if outcome is not None:
                self._apply(outcome)

    def _task(self, deadline_name: str) -> str:
        return self.pending["task"] if self.pending else deadline_name
