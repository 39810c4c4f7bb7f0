"""Commands: one frozen dataclass per thing a person or the calendar asks of an appraisal.

They are declared by stage: the year's work (domain/work_commands.py), the result
(domain/result_commands.py), any stage (domain/people_commands.py); HR's commands on a cycle are in
domain/cycle_commands.py and the answers in domain/outcome.py. This module holds their union, which
`Appraisal.execute` (domain/lifecycle.py) matches on.

A command travels unchanged from the API through its workflow Update and its activity to the
aggregate, which checks it. `by` is who asks. The business instant and the idempotency key are
not part of it: the workflow adds them (`workflow.now()`, the update id) when it runs the command.
"""

from __future__ import annotations

from domain.acting_commands import BeginActing, EndActing
from domain.people_commands import DelegateTask, RecordDeadlineMissed, RecordReminder
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
from domain.rule_migration import MigrateRuleSet
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

AppraisalCommand = (
    DraftSkp
    | SubmitSkp
    | ReturnSkp
    | ApproveSkp
    | LinkRhk
    | ReportProgress
    | LogDailyWork
    | GiveFeedback
    | GivePeerFeedback
    | RecordCitizenFeedback
    | HoldCheckIn
    | OpenReview
    | SelfAssess
    | Rate
    | DeliverResult
    | FileKeberatan
    | CloseKeberatanWindow
    | DecideKeberatan
    | EscalateKeberatan
    | ReassignKeberatanDecider
    | DecideFollowUp
    | Finalise
    | DelegateTask
    | RecordReminder
    | RecordDeadlineMissed
    | FlagWrongSupervisor
    | DismissSupervisorFlag
    | BeginActing
    | EndActing
    | MigrateRuleSet
)
