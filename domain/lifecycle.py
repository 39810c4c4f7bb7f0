"""The appraisal's rules together: one typed command to the stage that rules on it, and the task it waits for.

`AppraisalRules` gathers the stage mixins (cascade, planning, execution, daily_log, review, keberatan,
follow_up, supervisor_flag over people) over `AppraisalState`; the Appraisal aggregate (domain/appraisal.py) adds the events that
record the facts. Kept apart so that module holds only the events, whose stored topics never move.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from domain.acting_commands import BeginActing, EndActing
from domain.acting_rules import ActingRules
from domain.cascade import Cascade
from domain.commands import AppraisalCommand
from domain.daily_log import DailyLog
from domain.execution import Execution
from domain.follow_up import FollowUp
from domain.keberatan import Keberatan
from domain.people import HR_INBOX
from domain.people_commands import DelegateTask, RecordDeadlineMissed, RecordReminder
from domain.planning import Planning
from domain.result_commands import (
    CloseKeberatanWindow,
    DecideFollowUp,
    DecideKeberatan,
    DeliverResult,
    EscalateKeberatan,
    FileKeberatan,
    Finalise,
    OpenReview,
    Rate,
    ReassignKeberatanDecider,
    SelfAssess,
)
from domain.review import Review
from domain.rule_migration import MigrateRuleSet, RuleMigration
from domain.stages import EXECUTION, FOLLOW_UP, KEBERATAN, PLANNING, REVIEW, Facts
from domain.supervisor_flag import SupervisorFlags
from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor
from domain.work_commands import (
    ApproveSkp,
    DraftSkp,
    GiveFeedback,
    GivePeerFeedback,
    HoldCheckIn,
    LinkRhk,
    LogDailyWork,
    RecordCitizenFeedback,
    ReportProgress,
    ReturnSkp,
    SubmitSkp,
)


class AppraisalRules(
    Cascade, Planning, Execution, DailyLog, Review, Keberatan, FollowUp, SupervisorFlags, ActingRules, RuleMigration
):
    """Every rule of an appraisal, reached through one typed command at a time."""

    def execute(self, cmd: AppraisalCommand, at: datetime, facts: Facts) -> None:
        """Run one command; `facts` answers what other records know when a rule asks."""
        match cmd:
            case DraftSkp():
                self.draft_skp(cmd, at, facts)
            case SubmitSkp():
                self.submit_skp(cmd, at, facts)
            case ReturnSkp():
                self.return_skp(cmd, at)
            case ApproveSkp():
                self.approve_skp(cmd, at, facts)
            case LinkRhk():
                self.link_rhk(cmd, at, facts)
            case ReportProgress():
                self.report_progress(cmd, at, facts)
            case LogDailyWork():
                self.log_daily_work(cmd, at, facts)
            case GiveFeedback():
                self.give_feedback(cmd, at, facts)
            case GivePeerFeedback():
                self.give_peer_feedback(cmd, at, facts)
            case RecordCitizenFeedback():
                self.record_citizen_feedback(cmd, at, facts)
            case HoldCheckIn():
                self.hold_check_in(cmd, at)
            case OpenReview():
                self.open_review(cmd, at)
            case SelfAssess():
                self.self_assess(cmd, at)
            case Rate():
                self.rate(cmd, at, facts)
            case DeliverResult():
                self.deliver_result(cmd, at, facts)
            case FileKeberatan():
                self.file_keberatan(cmd, at)
            case CloseKeberatanWindow():
                self.close_keberatan_window(cmd, at)
            case DecideKeberatan():
                self.decide_keberatan(cmd, at)
            case EscalateKeberatan():
                self.escalate_keberatan(cmd, at)
            case ReassignKeberatanDecider():
                self.reassign_keberatan_decider(cmd, at)
            case DecideFollowUp():
                self.decide_follow_up(cmd, at)
            case Finalise():
                self.finalise(cmd, at)
            case DelegateTask():
                self.delegate_task(cmd, at, facts)
            case RecordReminder():
                self.record_reminder(cmd, at)
            case RecordDeadlineMissed():
                self.record_deadline_missed(cmd, at)
            case FlagWrongSupervisor():
                self.flag_wrong_supervisor(cmd, at)
            case DismissSupervisorFlag():
                self.dismiss_supervisor_flag(cmd, at)
            case BeginActing():
                self.begin_acting(cmd, at)
            case EndActing():
                self.end_acting(cmd, at)
            case MigrateRuleSet():
                self.migrate_rule_set(cmd, at)
            case _:
                assert_never(cmd)

    # --- reading ----------------------------------------------------------

    def pending_task(self) -> dict[str, str] | None:
        """The one task the appraisal waits for, and who must do it."""
        task: tuple[str, str] | None = None
        if self.stage == PLANNING:
            submitted = self.skp_status == "submitted"
            task = ("review_skp", self.acting_appraiser) if submitted else ("draft_skp", self.employee_nip)
        elif self.stage == EXECUTION:
            task = ("check_in", self.acting_appraiser)
        elif self.stage == REVIEW:
            task = ("deliver_result" if self.rating else "rate", self.acting_appraiser)
        elif self.stage == KEBERATAN and self.keberatan is not None:
            task = ("decide_keberatan", self.keberatan["decider"])
        elif self.stage == FOLLOW_UP:
            task = ("finalise", HR_INBOX) if self.follow_up else ("decide_follow_up", HR_INBOX)
        return {"task": task[0], "assignee": task[1]} if task else None
