"""The cycle's status: HR starts it, closes the year (naming each appraisal left open) and reopens it."""

from __future__ import annotations

from datetime import datetime

from domain.base import require
from domain.cascade import cascade_choice
from domain.cycle_commands import CloseCycle, ReopenCycle, StartCycle
from domain.cycle_state import CLOSED, DEFINED, CycleState
from domain.errors import InvalidInput, WrongStage, refusal
from domain.schedule import start_choice
from domain.text import ITEM, text

ONLY_HR_STARTS = refusal("cycle.who_starts", "only HR starts a cycle")
NOT_DEFINED = refusal("cycle.not_defined", "the cycle is {cycle_status}, not {expected}")
NO_PARTICIPANTS = refusal("cycle.no_participants", "a cycle needs at least one participant to start")
ONLY_HR_CLOSES = refusal("cycle.who_closes", "only HR closes a cycle")
NO_OPEN_APPRAISAL = refusal("cycle.exception_not_open", "names no open appraisal of this cycle")
STILL_OPEN = refusal(
    "cycle.open_appraisals",
    "the cycle has {count} open appraisal(s) not named as exceptions: {listed}{more}; "
    "finalise them, or name each one in exceptions with the reason it stays open",
    "open_appraisals",
)
ONLY_HR_REOPENS = refusal("cycle.who_reopens", "only HR reopens a cycle")
NOT_CLOSED = refusal("cycle.not_closed", "the cycle is {cycle_status}: only a closed cycle is reopened")


class CycleStatus(CycleState):
    """The rules of the cycle's status: defined, started, closed (and reopened)."""

    def start(self, cmd: StartCycle, at: datetime) -> None:
        by = cmd.by
        require(by.is_hr, ONLY_HR_STARTS)
        if self.status != DEFINED:
            raise WrongStage(NOT_DEFINED, cycle_status=self.status, expected=DEFINED)
        if not self.participants:
            raise InvalidInput("participants", NO_PARTICIPANTS)
        review_opens, reminder_days = start_choice(self, cmd.review_opens, cmd.check_in_reminder_days_before)
        before, per_level = cascade_choice(self, cmd.cascade_days_before, cmd.cascade_days_per_level)
        self._started(
            by.nip,
            at,
            review_opens=review_opens,
            check_in_reminder_days_before=reminder_days,
            cascade_days_before=before,
            cascade_days_per_level=per_level,
        )

    def close(self, cmd: CloseCycle, open_appraisals: dict[str, str], at: datetime) -> None:
        """Close the year. `open_appraisals` (NIP -> stage) are the participants not finalised yet:
        each must be named in `cmd.exceptions` with the reason it stays open, or the cycle stays open."""
        by = cmd.by
        require(by.is_hr, ONLY_HR_CLOSES)
        self._require_open()
        exceptions: dict[str, str] = {}
        for nip, reason in sorted(cmd.exceptions.items()):
            if nip not in open_appraisals:
                raise InvalidInput(f"exceptions.{nip}", NO_OPEN_APPRAISAL)
            exceptions[nip] = text(f"exceptions.{nip}", reason, ITEM)
        missing = [nip for nip in sorted(open_appraisals) if nip not in exceptions]
        if missing:
            listed = ", ".join(f"{nip} ({open_appraisals[nip]})" for nip in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            still = [  # the first ten, by name and stage: said in the reader's language by the message catalogue
                {"name": self.participants.get(nip, {}).get("name", ""), "nip": nip, "stage": open_appraisals[nip]}
                for nip in missing[:10]
            ]
            raise WrongStage(STILL_OPEN, count=len(missing), listed=listed, more=more, open_appraisals=still)
        self._closed(by.nip, at, exceptions=exceptions)

    def reopen(self, cmd: ReopenCycle, at: datetime) -> None:
        """HR reopens a closed cycle, with the reason; it returns to the status it was closed from."""
        require(cmd.by.is_hr, ONLY_HR_REOPENS)
        if self.status != CLOSED:
            raise WrongStage(NOT_CLOSED, cycle_status=self.status)
        self._reopened(cmd.by.nip, text("reason", cmd.reason, ITEM), at)
