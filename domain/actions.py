"""Which actions a person may take on an appraisal now, answered by the rules themselves.

Each action is tried on a copy of the appraisal with a placeholder command: refused for who asks
or for when (NotAllowed, WrongStage, DeadlinePassed), it is not open to them; refused only for its
placeholder input (InvalidInput), or accepted, it is. No rule is restated here, so the pages and
the API can never offer what the aggregate would refuse, nor hide what it would accept.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from domain.base import Actor
from domain.commands import AppraisalCommand
from domain.errors import DeadlinePassed, InvalidInput, NotAllowed, WrongStage
from domain.people_commands import DelegateTask
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
from domain.stages import Facts
from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor
from domain.work_commands import (
    ApproveSkp,
    DraftSkp,
    GiveFeedback,
    GivePeerFeedback,
    HoldCheckIn,
    LinkRhk,
    LogDailyWork,
    ReportProgress,
    ReturnSkp,
    SubmitSkp,
)

if TYPE_CHECKING:
    from domain.appraisal import Appraisal

# The actions people take (the calendar's own commands are not offered to anyone).
PROBES: Mapping[str, Callable[[Actor], AppraisalCommand]] = {
    "draft_skp": lambda by: DraftSkp(by, []),
    "submit_skp": lambda by: SubmitSkp(by),
    "return_skp": lambda by: ReturnSkp(by, ""),
    "approve_skp": lambda by: ApproveSkp(by),
    "link_rhk": lambda by: LinkRhk(by, "", ""),
    "report_progress": lambda by: ReportProgress(by, "", "", ""),
    "log_daily_work": lambda by: LogDailyWork(by, "", "", ""),
    "give_feedback": lambda by: GiveFeedback(by, "", ""),
    "give_peer_feedback": lambda by: GivePeerFeedback(by, ""),
    "hold_check_in": lambda by: HoldCheckIn(by, "", ""),
    "open_review": lambda by: OpenReview(by),
    "self_assess": lambda by: SelfAssess(by, ""),
    "rate": lambda by: Rate(by, "", {}),
    "deliver_result": lambda by: DeliverResult(by),
    "file_keberatan": lambda by: FileKeberatan(by, ""),
    "decide_keberatan": lambda by: DecideKeberatan(by, "", ""),
    "reassign_keberatan_decider": lambda by: ReassignKeberatanDecider(by, "", ""),
    "decide_follow_up": lambda by: DecideFollowUp(by, [], -1),
    "finalise": lambda by: Finalise(by),
    "delegate_task": lambda by: DelegateTask(by, "", ""),
    "flag_wrong_supervisor": lambda by: FlagWrongSupervisor(by, ""),
    "dismiss_supervisor_flag": lambda by: DismissSupervisorFlag(by, ""),
}
NOT_NOW = (NotAllowed, WrongStage, DeadlinePassed)


def open_actions(appraisal: Appraisal, by: Actor, at: datetime, facts: Facts) -> list[str]:
    """The actions `by` may take on the appraisal at `at`, in the order of PROBES."""
    found = []
    for name, probe in PROBES.items():
        trial = copy.deepcopy(appraisal)
        try:
            trial.execute(probe(by), at, facts)
        except NOT_NOW:
            continue
        except InvalidInput:
            pass  # open to them: only the placeholder input was refused
        found.append(name)
    return found
