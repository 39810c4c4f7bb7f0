"""People and time on an appraisal: a change of supervisor, delegation, reminders and missed deadlines."""

from __future__ import annotations

from datetime import datetime

from domain import calendar
from domain.base import require
from domain.errors import InvalidInput, WrongStage, refusal
from domain.nip import check_nip
from domain.participants import ONLY_HR_SUPERVISOR, require_not_self_appointed
from domain.people_commands import ChangeSupervisor, DelegateTask, RecordDeadlineMissed, RecordReminder
from domain.rules import APPRAISER_PARTY, ATASAN_PARTY
from domain.stages import FINALISED, IS_FINALISED, AppraisalState, Facts, text

APPRAISES_SELF = refusal("appraisal.appraises_self", "an employee cannot appraise themselves")
SAME_APPRAISER = refusal("appraisal.same_appraiser", "this is already the employee's appraiser")
ONLY_APPRAISER_DELEGATES = refusal(
    "appraisal.who_delegates", "only the employee's pejabat penilai delegates their tasks"
)
OWN_DELEGATE = refusal("appraisal.own_delegate", "an employee cannot act as their own pejabat penilai")
ALREADY_ACTS = refusal("appraisal.already_acts", "{nip} already acts as the pejabat penilai")
DELEGATE_COLLEAGUE = refusal(
    "appraisal.delegate_colleague",
    "to_nip: {nip} is not an active employee of this agency: "
    "a pejabat penilai delegates only to a colleague of the same agency",
)
REMINDERS_BY_CALENDAR = refusal("appraisal.reminders_by_calendar", "reminders are sent by the calendar")
MISSED_BY_CALENDAR = refusal("appraisal.missed_by_calendar", "missed deadlines are recorded by the calendar")
NOT_MISSED = refusal("appraisal.deadline_not_passed", "the {task} deadline has not passed yet")

HR_INBOX = "hr"  # the assignee of HR's tasks: the agency's pengelola kinerja, whoever holds the role


class People(AppraisalState):
    """Who acts for whom, and what the calendar records."""

    def reassign_supervisor(self, cmd: ChangeSupervisor, at: datetime) -> None:
        """Mutation: the employee gets a new pejabat penilai mid-cycle."""
        self._require_hr(cmd.by, ONLY_HR_SUPERVISOR)
        require_not_self_appointed(cmd.by, cmd.appraiser_nip, cmd.atasan_nip)
        if self.stage == FINALISED:
            raise WrongStage(IS_FINALISED)
        require(cmd.appraiser_nip != self.employee_nip, APPRAISES_SELF)
        if cmd.appraiser_nip == self.appraiser_nip and cmd.atasan_nip == self.atasan_nip:
            raise InvalidInput("appraiser_nip", SAME_APPRAISER)
        reason = text("reason", cmd.reason)
        self._supervisor_reassigned(cmd.by.nip, self.appraiser_nip, cmd.appraiser_nip, cmd.atasan_nip, reason, at)

    def delegate_task(self, cmd: DelegateTask, at: datetime, facts: Facts) -> None:
        """The pejabat penilai lets someone act for them (§4: "or someone with delegated authority").

        Only to an active employee of the same agency who is not the employee appraised; the event
        records both names. Delegating back to oneself ends the delegation. The delegate acts on
        the appraiser's tasks; the keberatan stays with the atasan.
        """
        require(cmd.by.nip == self.appraiser_nip, ONLY_APPRAISER_DELEGATES)
        if self.stage == FINALISED:
            raise WrongStage(IS_FINALISED)
        to_nip = check_nip(cmd.to_nip, "to_nip", at.date())
        require(to_nip != self.employee_nip, OWN_DELEGATE)
        if to_nip == (self.delegate_nip or self.appraiser_nip):
            raise InvalidInput("to_nip", ALREADY_ACTS, nip=to_nip)
        reason = text("reason", cmd.reason)
        to_name = facts.colleague(to_nip)
        if to_nip != self.appraiser_nip:
            require(to_name is not None, DELEGATE_COLLEAGUE, nip=to_nip)
        by_name = facts.colleague(cmd.by.nip) or ""
        self._task_delegated(cmd.by.nip, to_nip, reason, at, by_name=by_name, to_name=to_name or "")

    def record_reminder(self, cmd: RecordReminder, at: datetime) -> None:
        require(cmd.by.is_system, REMINDERS_BY_CALENDAR)
        self._reminder_sent(cmd.by.nip, cmd.task, cmd.to, cmd.due, at)

    def record_deadline_missed(self, cmd: RecordDeadlineMissed, at: datetime) -> None:
        require(cmd.by.is_system, MISSED_BY_CALENDAR)
        if calendar.as_utc(at) <= calendar.as_utc(cmd.due):
            raise WrongStage(NOT_MISSED, task=cmd.task)
        self._deadline_missed(cmd.by.nip, cmd.task, cmd.due, self.escalation_target(cmd.task), at)

    def escalation_target(self, task: str) -> str:
        """Who hears of an overdue task, by the rule set's escalation chain: the atasan's NIP, or HR.

        The appraiser's tasks go up to the atasan whoever does them (the appraiser or a delegate).
        """
        party = self.rules.escalation.get(task, HR_INBOX)
        if party == APPRAISER_PARTY:  # the RHK subordinates wait on (#15): the superior's own pejabat penilai
            return self.appraiser_nip
        return self.acting_atasan if party == ATASAN_PARTY else HR_INBOX
