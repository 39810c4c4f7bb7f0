"""The human actions on an appraisal: one workflow Update per command, each with its typed input.

Each Update runs its command's activity under the workflow's lock, at `workflow.now()` and with an
idempotency key derived from the update id, and answers the domain's outcome or its refusal. The
validators refuse only what the workflow alone knows: that it has ended, or that a caller poses as
the calendar. Every business rule is the aggregate's.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.appraisal_runtime import AppraisalRuntime

with workflow.unsafe.imports_passed_through():
    from activities.appraisals import AppraisalActivities
    from domain.acting_commands import BeginActing, EndActing
    from domain.outcome import Outcome
    from domain.people_commands import ChangeSupervisor, DelegateTask
    from domain.result_commands import (
        DecideFollowUp,
        DecideKeberatan,
        DeliverResult,
        FileKeberatan,
        Finalise,
        OpenReview,
        Rate,
        ReassignKeberatanDecider,
        SelfAssess,
    )
    from domain.work_commands import (
        ApproveSkp,
        DraftSkp,
        GiveFeedback,
        GivePeerFeedback,
        HoldCheckIn,
        RecordCitizenFeedback,
        ReportProgress,
        ReturnSkp,
        SubmitSkp,
    )


class HumanActions(AppraisalRuntime):
    """Mixed into AppraisalWorkflow: the Updates people send (run and admitted by AppraisalRuntime)."""

    @workflow.update
    async def draft_skp(self, cmd: DraftSkp) -> Outcome:
        """Draft (or redraft after a return) the SKP."""
        return await self._human(AppraisalActivities.draft_skp, cmd)

    @draft_skp.validator
    def _admit_draft_skp(self, cmd: DraftSkp) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def submit_skp(self, cmd: SubmitSkp) -> Outcome:
        """Submit the SKP to the pejabat penilai."""
        return await self._human(AppraisalActivities.submit_skp, cmd)

    @submit_skp.validator
    def _admit_submit_skp(self, cmd: SubmitSkp) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def return_skp(self, cmd: ReturnSkp) -> Outcome:
        """Return the submitted SKP to the employee, saying why."""
        return await self._human(AppraisalActivities.return_skp, cmd)

    @return_skp.validator
    def _admit_return_skp(self, cmd: ReturnSkp) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def approve_skp(self, cmd: ApproveSkp) -> Outcome:
        """Approve the submitted SKP: the appraisal moves to execution."""
        return await self._human(AppraisalActivities.approve_skp, cmd)

    @approve_skp.validator
    def _admit_approve_skp(self, cmd: ApproveSkp) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def report_progress(self, cmd: ReportProgress) -> Outcome:
        """Report the realisation of one RHK in a period, with evidence."""
        return await self._human(AppraisalActivities.report_progress, cmd)

    @report_progress.validator
    def _admit_report_progress(self, cmd: ReportProgress) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def give_feedback(self, cmd: GiveFeedback) -> Outcome:
        """Continuous feedback from the appraiser."""
        return await self._human(AppraisalActivities.give_feedback, cmd)

    @give_feedback.validator
    def _admit_give_feedback(self, cmd: GiveFeedback) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def give_peer_feedback(self, cmd: GivePeerFeedback) -> Outcome:
        """Feedback from a colleague of the same unit."""
        return await self._human(AppraisalActivities.give_peer_feedback, cmd)

    @give_peer_feedback.validator
    def _admit_give_peer_feedback(self, cmd: GivePeerFeedback) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def record_citizen_feedback(self, cmd: RecordCitizenFeedback) -> Outcome:
        """A citizen's SKM answer about the employee."""
        return await self._human(AppraisalActivities.record_citizen_feedback, cmd)

    @record_citizen_feedback.validator
    def _admit_record_citizen_feedback(self, cmd: RecordCitizenFeedback) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def hold_check_in(self, cmd: HoldCheckIn) -> Outcome:
        """A periodic check-in, with periodic ratings or without."""
        return await self._human(AppraisalActivities.hold_check_in, cmd)

    @hold_check_in.validator
    def _admit_hold_check_in(self, cmd: HoldCheckIn) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def open_review(self, cmd: OpenReview) -> Outcome:
        """HR opens the annual review before the calendar does."""
        return await self._human(AppraisalActivities.open_review, cmd)

    @open_review.validator
    def _admit_open_review(self, cmd: OpenReview) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def self_assess(self, cmd: SelfAssess) -> Outcome:
        """The employee's self-assessment."""
        return await self._human(AppraisalActivities.self_assess, cmd)

    @self_assess.validator
    def _admit_self_assess(self, cmd: SelfAssess) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def rate(self, cmd: Rate) -> Outcome:
        """The appraiser's rating; the domain sets the predikat."""
        return await self._human(AppraisalActivities.rate, cmd)

    @rate.validator
    def _admit_rate(self, cmd: Rate) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def deliver_result(self, cmd: DeliverResult) -> Outcome:
        """Deliver the result: the keberatan window opens."""
        return await self._human(AppraisalActivities.deliver_result, cmd)

    @deliver_result.validator
    def _admit_deliver_result(self, cmd: DeliverResult) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def file_keberatan(self, cmd: FileKeberatan) -> Outcome:
        """The employee objects to the result within the window."""
        return await self._human(AppraisalActivities.file_keberatan, cmd)

    @file_keberatan.validator
    def _admit_file_keberatan(self, cmd: FileKeberatan) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def decide_keberatan(self, cmd: DecideKeberatan) -> Outcome:
        """The atasan (or the decider HR assigned) upholds or amends."""
        return await self._human(AppraisalActivities.decide_keberatan, cmd)

    @decide_keberatan.validator
    def _admit_decide_keberatan(self, cmd: DecideKeberatan) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def reassign_keberatan_decider(self, cmd: ReassignKeberatanDecider) -> Outcome:
        """HR gives an escalated keberatan to another decider."""
        return await self._human(AppraisalActivities.reassign_keberatan_decider, cmd)

    @reassign_keberatan_decider.validator
    def _admit_reassign_keberatan_decider(self, cmd: ReassignKeberatanDecider) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def decide_follow_up(self, cmd: DecideFollowUp) -> Outcome:
        """HR decides the follow-up from the agency's table."""
        return await self._human(AppraisalActivities.decide_follow_up, cmd)

    @decide_follow_up.validator
    def _admit_decide_follow_up(self, cmd: DecideFollowUp) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def finalise(self, cmd: Finalise) -> Outcome:
        """HR finalises the appraisal."""
        return await self._human(AppraisalActivities.finalise, cmd)

    @finalise.validator
    def _admit_finalise(self, cmd: Finalise) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def delegate_task(self, cmd: DelegateTask) -> Outcome:
        """The pejabat penilai delegates their tasks (or takes them back)."""
        return await self._human(AppraisalActivities.delegate_task, cmd)

    @delegate_task.validator
    def _admit_delegate_task(self, cmd: DelegateTask) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def change_supervisor(self, cmd: ChangeSupervisor) -> Outcome:
        """Mutation: tasks pending with the old appraiser now belong to the new one."""
        return await self._human(AppraisalActivities.change_supervisor, cmd)

    @change_supervisor.validator
    def _admit_change_supervisor(self, cmd: ChangeSupervisor) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def begin_acting(self, cmd: BeginActing) -> Outcome:
        """An acting head's designation begins: the head's tasks here go to the acting head (workflows/acting.py)."""
        return await self._human(AppraisalActivities.begin_acting, cmd)

    @begin_acting.validator
    def _admit_begin_acting(self, cmd: BeginActing) -> None:
        self._admit(cmd.by)

    @workflow.update
    async def end_acting(self, cmd: EndActing) -> Outcome:
        """The designation is over: the tasks go back to the head."""
        return await self._human(AppraisalActivities.end_acting, cmd)

    @end_acting.validator
    def _admit_end_acting(self, cmd: EndActing) -> None:
        self._admit(cmd.by)
