"""One activity per appraisal command, by stage: planning, execution, review, keberatan, follow-up.

Each takes the workflow's `Stamp` (the record, the business instant, the idempotency key) and the
typed command, and answers the domain's `Outcome`. Mixed into `AppraisalActivities`
(activities/appraisals.py), whose worker registers them by method name.
"""

from __future__ import annotations

from temporalio import activity

from activities.errors import domain_errors_fail_fast
from domain.acting_commands import BeginActing, EndActing
from domain.application import Appraisals
from domain.commands import AppraisalCommand
from domain.outcome import Outcome, Stamp
from domain.people_commands import ChangeSupervisor, DelegateTask
from domain.result_commands import (
    CloseKeberatanWindow,
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


class AppraisalCommandActivities:
    """Temporal in, one Appraisal command, its outcome out."""

    app: Appraisals

    def _run(self, stamp: Stamp, cmd: AppraisalCommand) -> Outcome:
        with domain_errors_fail_fast():
            return self.app.execute(stamp.record_id, cmd, at=stamp.at, key=stamp.key)

    # --- planning -------------------------------------------------------------

    @activity.defn
    def draft_skp(self, stamp: Stamp, cmd: DraftSkp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def submit_skp(self, stamp: Stamp, cmd: SubmitSkp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def return_skp(self, stamp: Stamp, cmd: ReturnSkp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def approve_skp(self, stamp: Stamp, cmd: ApproveSkp) -> Outcome:
        return self._run(stamp, cmd)

    # --- execution ------------------------------------------------------------

    @activity.defn
    def report_progress(self, stamp: Stamp, cmd: ReportProgress) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def give_feedback(self, stamp: Stamp, cmd: GiveFeedback) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def give_peer_feedback(self, stamp: Stamp, cmd: GivePeerFeedback) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def record_citizen_feedback(self, stamp: Stamp, cmd: RecordCitizenFeedback) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def hold_check_in(self, stamp: Stamp, cmd: HoldCheckIn) -> Outcome:
        return self._run(stamp, cmd)

    # --- review ---------------------------------------------------------------

    @activity.defn
    def open_review(self, stamp: Stamp, cmd: OpenReview) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def self_assess(self, stamp: Stamp, cmd: SelfAssess) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def rate(self, stamp: Stamp, cmd: Rate) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def deliver_result(self, stamp: Stamp, cmd: DeliverResult) -> Outcome:
        return self._run(stamp, cmd)

    # --- keberatan and follow-up ------------------------------------------------

    @activity.defn
    def file_keberatan(self, stamp: Stamp, cmd: FileKeberatan) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def close_keberatan_window(self, stamp: Stamp, cmd: CloseKeberatanWindow) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def decide_keberatan(self, stamp: Stamp, cmd: DecideKeberatan) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def reassign_keberatan_decider(self, stamp: Stamp, cmd: ReassignKeberatanDecider) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def decide_follow_up(self, stamp: Stamp, cmd: DecideFollowUp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def finalise(self, stamp: Stamp, cmd: Finalise) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def delegate_task(self, stamp: Stamp, cmd: DelegateTask) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def begin_acting(self, stamp: Stamp, cmd: BeginActing) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def end_acting(self, stamp: Stamp, cmd: EndActing) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def change_supervisor(self, stamp: Stamp, cmd: ChangeSupervisor) -> Outcome:
        """The cycle's master data and the appraisal change together (stamp.record_id is the appraisal)."""
        with domain_errors_fail_fast():
            appraisal = self.app.appraisal(stamp.record_id)
            return self.app.change_supervisor(
                appraisal.cycle_id, appraisal.employee_nip, cmd, at=stamp.at, key=stamp.key
            )
