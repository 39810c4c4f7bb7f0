""" "Atasan saya salah" (#15): a wrong pejabat penilai is flagged with a reason, and the flag's resolution is logged.

The employee, or the person wrongly named as their appraiser, flags it, saying whether the pejabat penilai or
the atasan (of the pejabat penilai, who decides a keberatan) is the wrong one; HR gets a task (the read models list
open flags). HR corrects it with a change of supervisor (the mutasi, effective from a date: domain/org_changes.py
and `People.reassign_supervisor`): a change that names another person for what the flag is about resolves the open
flag in the same command ("corrected"); or HR dismisses it with a reason. The facts are event classes of their own here (topics `domain.supervisor_flag:<Event>`), not
`@event`s of domain/appraisal.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.base import KinerjaAggregate, require
from domain.errors import InvalidInput, WrongStage, refusal
from domain.people import People
from domain.people_commands import ChangeSupervisor
from domain.stages import FINALISED, IS_FINALISED, text
from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor

WHO_FLAGS = refusal(
    "flag.who_flags", "only the employee, or the person named as their pejabat penilai, flags a wrong supervisor"
)
ALREADY_FLAGGED = refusal("flag.open", "a wrong supervisor is already flagged and waits for HR")
NO_FLAG = refusal("flag.none", "no wrong supervisor is flagged on this appraisal")
ONLY_HR_RESOLVES = refusal("flag.who_resolves", "only HR (the pengelola kinerja) answers a flagged supervisor")
NOT_ABOUT = refusal("flag.about", "must be one of {known}, got {value!r}")

EMPLOYEE_ROLE, APPRAISER_ROLE = "employee", "appraiser"
CORRECTED, DISMISSED = "corrected", "dismissed"
# What a flag says is wrong: the pejabat penilai, or the atasan (their own superior, who decides a keberatan).
ABOUT_APPRAISER, ABOUT_ATASAN = "appraiser", "atasan"
ABOUTS = (ABOUT_APPRAISER, ABOUT_ATASAN)


class SupervisorFlagged(KinerjaAggregate.Event):
    """Someone said the appraisal's pejabat penilai is wrong (as the employee or as the person named)."""

    by: str
    role: str
    appraiser_nip: str
    reason: str
    # What is wrong, and the atasan named when it was flagged; flags stored before either say the appraiser.
    about: str = ABOUT_APPRAISER
    atasan_nip: str = ""

    def apply(self, aggregate: Any) -> None:
        flag = {
            "by": self.by,
            "role": self.role,
            "about": self.about,
            "appraiser_nip": self.appraiser_nip,
            "atasan_nip": self.atasan_nip,
            "reason": self.reason,
            "at": self.timestamp.isoformat(),
        }
        aggregate.supervisor_flag = flag


class SupervisorFlagResolved(KinerjaAggregate.Event):
    """HR answered the flag: corrected (a change of supervisor, to `appraiser_nip`) or dismissed, with why."""

    by: str
    outcome: str
    appraiser_nip: str
    reason: str
    atasan_nip: str = ""  # the atasan named after the answer; answers stored before it carry none

    def apply(self, aggregate: Any) -> None:
        flag = aggregate.__dict__.get("supervisor_flag") or {}
        resolved = {
            "by": self.by,
            "outcome": self.outcome,
            "appraiser_nip": self.appraiser_nip,
            "atasan_nip": self.atasan_nip,
            "reason": self.reason,
        }
        done = {**flag, "resolution": {**resolved, "at": self.timestamp.isoformat()}}
        aggregate.supervisor_flags = [*aggregate.__dict__.get("supervisor_flags", []), done]
        aggregate.supervisor_flag = None


def open_flag(appraisal: Any) -> dict[str, Any] | None:
    """The flag waiting for HR, if any (appraisals opened before #15 have none)."""
    found: dict[str, Any] | None = appraisal.__dict__.get("supervisor_flag")
    return found


def corrected(flag: dict[str, Any], appraiser_nip: str, atasan_nip: str) -> bool:
    """Whether the appraisal now names another person for what the flag said was wrong."""
    if flag.get("about", ABOUT_APPRAISER) == ABOUT_ATASAN:
        return bool(atasan_nip != flag.get("atasan_nip"))
    return bool(appraiser_nip != flag["appraiser_nip"])


class SupervisorFlags(People):
    """Flagging a wrong pejabat penilai, and its resolution by HR."""

    def flag_wrong_supervisor(self, cmd: FlagWrongSupervisor, at: datetime) -> None:
        by = cmd.by
        require(by.nip in (self.employee_nip, self.appraiser_nip), WHO_FLAGS)
        if self.stage == FINALISED:
            raise WrongStage(IS_FINALISED)
        if open_flag(self) is not None:
            raise WrongStage(ALREADY_FLAGGED)
        if cmd.about not in ABOUTS:
            raise InvalidInput("about", NOT_ABOUT, known=", ".join(ABOUTS), value=str(cmd.about)[:40])
        reason = text("reason", cmd.reason)
        role = EMPLOYEE_ROLE if by.nip == self.employee_nip else APPRAISER_ROLE
        self.trigger_event(
            SupervisorFlagged,
            by=by.nip,
            role=role,
            appraiser_nip=self.appraiser_nip,
            reason=reason,
            about=cmd.about,
            atasan_nip=self.atasan_nip,
            timestamp=at,
        )

    def dismiss_supervisor_flag(self, cmd: DismissSupervisorFlag, at: datetime) -> None:
        self._require_hr(cmd.by, ONLY_HR_RESOLVES)
        if open_flag(self) is None:
            raise WrongStage(NO_FLAG)
        reason = text("reason", cmd.reason)
        self._resolved(cmd.by.nip, DISMISSED, self.appraiser_nip, reason, at)

    def reassign_supervisor(self, cmd: ChangeSupervisor, at: datetime) -> None:
        """HR's correction is a change of supervisor: one that names another person for what the flag is about
        (the appraiser, or the atasan) resolves the open flag."""
        super().reassign_supervisor(cmd, at)
        flag = open_flag(self)
        if flag is not None and corrected(flag, self.appraiser_nip, self.atasan_nip):
            self._resolved(cmd.by.nip, CORRECTED, self.appraiser_nip, text("reason", cmd.reason), at)

    def _resolved(self, by: str, outcome: str, appraiser_nip: str, reason: str, at: datetime) -> None:
        self.trigger_event(
            SupervisorFlagResolved,
            by=by,
            outcome=outcome,
            appraiser_nip=appraiser_nip,
            atasan_nip=self.atasan_nip,
            reason=reason,
            timestamp=at,
        )

    if TYPE_CHECKING:  # the aggregate's own (eventsourcing's Aggregate)

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...
