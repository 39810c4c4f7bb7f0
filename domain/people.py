"""People and time on an appraisal: a change of supervisor, delegation, reminders and missed deadlines."""

from __future__ import annotations

from datetime import datetime

from domain import calendar
from domain.base import require
from domain.errors import InvalidInput, WrongStage
from domain.nip import check_nip
from domain.participants import require_not_self_appointed
from domain.people_commands import ChangeSupervisor, DelegateTask, RecordDeadlineMissed, RecordReminder
from domain.rules import ATASAN_PARTY
from domain.stages import FINALISED, AppraisalState, Facts, text

HR_INBOX = "hr"  # the assignee of HR's tasks: the agency's pengelola kinerja, whoever holds the role


class People(AppraisalState):
    """Who acts for whom, and what the calendar records."""

    def reassign_supervisor(self, cmd: ChangeSupervisor, at: datetime) -> None:
        """Mutation: the employee gets a new pejabat penilai mid-cycle."""
        self._require_hr(cmd.by, "only HR records a change of supervisor")
        require_not_self_appointed(cmd.by, cmd.appraiser_nip, cmd.atasan_nip)
        if self.stage == FINALISED:
            raise WrongStage("the appraisal is finalised")
        require(cmd.appraiser_nip != self.employee_nip, "an employee cannot appraise themselves")
        if cmd.appraiser_nip == self.appraiser_nip and cmd.atasan_nip == self.atasan_nip:
            raise InvalidInput("appraiser_nip", "this is already the employee's appraiser")
        reason = text("reason", cmd.reason)
        self._supervisor_reassigned(cmd.by.nip, self.appraiser_nip, cmd.appraiser_nip, cmd.atasan_nip, reason, at)

    def delegate_task(self, cmd: DelegateTask, at: datetime, facts: Facts) -> None:
        """The pejabat penilai lets someone act for them (§4: "or someone with delegated authority").

        Only to an active employee of the same agency who is not the employee appraised; the event
        records both names. Delegating back to oneself ends the delegation. The delegate acts on
        the appraiser's tasks; the keberatan stays with the atasan.
        """
        require(cmd.by.nip == self.appraiser_nip, "only the employee's pejabat penilai delegates their tasks")
        if self.stage == FINALISED:
            raise WrongStage("the appraisal is finalised")
        to_nip = check_nip(cmd.to_nip, "to_nip", at.date())
        require(to_nip != self.employee_nip, "an employee cannot act as their own pejabat penilai")
        if to_nip == (self.delegate_nip or self.appraiser_nip):
            raise InvalidInput("to_nip", f"{to_nip} already acts as the pejabat penilai")
        reason = text("reason", cmd.reason)
        to_name = facts.colleague(to_nip)
        if to_nip != self.appraiser_nip:
            require(
                to_name is not None,
                f"to_nip: {to_nip} is not an active employee of this agency: "
                "a pejabat penilai delegates only to a colleague of the same agency",
            )
        by_name = facts.colleague(cmd.by.nip) or ""
        self._task_delegated(cmd.by.nip, to_nip, reason, at, by_name=by_name, to_name=to_name or "")

    def record_reminder(self, cmd: RecordReminder, at: datetime) -> None:
        require(cmd.by.is_system, "reminders are sent by the calendar")
        self._reminder_sent(cmd.by.nip, cmd.task, cmd.to, cmd.due, at)

    def record_deadline_missed(self, cmd: RecordDeadlineMissed, at: datetime) -> None:
        require(cmd.by.is_system, "missed deadlines are recorded by the calendar")
        if calendar.as_utc(at) <= calendar.as_utc(cmd.due):
            raise WrongStage(f"the {cmd.task} deadline has not passed yet")
        self._deadline_missed(cmd.by.nip, cmd.task, cmd.due, self.escalation_target(cmd.task), at)

    def escalation_target(self, task: str) -> str:
        """Who hears of an overdue task, by the rule set's escalation chain: the atasan's NIP, or HR.

        The appraiser's tasks go up to the atasan whoever does them (the appraiser or a delegate).
        """
        party = self.rules.escalation.get(task, HR_INBOX)
        return self.atasan_nip if party == ATASAN_PARTY else HR_INBOX
