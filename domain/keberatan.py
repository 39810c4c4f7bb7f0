"""Keberatan (PP 30/2019 Pasal 59, §4): filed within the window, decided by the atasan, escalated to HR."""

from __future__ import annotations

from datetime import datetime

from domain import calendar
from domain.base import require
from domain.errors import DeadlinePassed, InvalidInput, WrongStage, refusal
from domain.result_commands import (
    CloseKeberatanWindow,
    DecideKeberatan,
    EscalateKeberatan,
    FileKeberatan,
    ReassignKeberatanDecider,
)
from domain.rules import check_rating
from domain.stages import AMENDED, FINALISED, FOLLOW_UP, KEBERATAN, RESULT_DELIVERED, UPHELD, AppraisalState, text

ONLY_RATED_FILES = refusal("keberatan.only_employee", "only the employee rated may file a keberatan")
FILED_LATE = refusal(
    "keberatan.late",
    "a keberatan must be filed within {days} days of receiving the result (by {deadline} 23:59:59 {zone}); filed on {filed}",
)
CLOSES_BY_ITSELF = refusal("keberatan.window_closes_itself", "the keberatan window closes by itself")
WINDOW_OPEN = refusal("keberatan.window_open", "the keberatan window is open until {until}", "zone")
ONLY_DECIDER = refusal("keberatan.only_decider", "the keberatan is decided by the atasan pejabat penilai")
NO_CHANGE = refusal("keberatan.amend_unchanged", "an amendment must change a rating; otherwise uphold")
NO_OUTCOME = refusal("keberatan.outcome", "must be {upheld} or {amended}, got {value!r}")
ESCALATES_BY_DEADLINE = refusal("keberatan.escalates_itself", "an undecided keberatan escalates by its deadline")
ALREADY_ESCALATED = refusal("keberatan.already_escalated", "the keberatan was already escalated to HR")
NOT_OVERDUE = refusal("keberatan.not_overdue", "the atasan's decision is not yet overdue")
NOT_ESCALATED = refusal("keberatan.not_escalated", "a keberatan is reassigned only after it escalated")
ONLY_HR_REASSIGNS = refusal(
    "keberatan.only_hr_reassigns", "only HR (pengelola kinerja) reassigns an escalated keberatan"
)
NEITHER_PARTY = refusal("keberatan.decider_party", "the new decider must be neither party")


class Keberatan(AppraisalState):
    """The rules of an objection to the result."""

    def file_keberatan(self, cmd: FileKeberatan, at: datetime) -> None:
        require(cmd.by.nip == self.employee_nip, ONLY_RATED_FILES)
        # Once the window has closed by itself the stage has moved on; a late filing still hears the rule.
        window_closed = self.keberatan is None and self.stage in (FOLLOW_UP, FINALISED)
        if not window_closed:
            self._require_stage(RESULT_DELIVERED)
        assert self.keberatan_deadline is not None
        if calendar.as_utc(at) > self.keberatan_deadline:
            days = self.rules.keberatan_filing_days
            local = calendar.local_day(self.keberatan_deadline, self.time_zone)
            filed = calendar.local_day(at, self.time_zone)
            raise DeadlinePassed(FILED_LATE, days=days, deadline=local, zone=self.time_zone, filed=filed)
        self._require_stage(RESULT_DELIVERED)
        due = calendar.days_after(at, self.rules.keberatan_decision_days, self.time_zone)
        self._keberatan_filed(cmd.by.nip, text("reasons", cmd.reasons), self.acting_atasan, due, at)

    def close_keberatan_window(self, cmd: CloseKeberatanWindow, at: datetime) -> None:
        require(cmd.by.is_system, CLOSES_BY_ITSELF)
        self._require_stage(RESULT_DELIVERED)
        assert self.keberatan_deadline is not None
        if calendar.as_utc(at) <= self.keberatan_deadline:
            raise WrongStage(WINDOW_OPEN, until=self.keberatan_deadline.isoformat(), zone=self.time_zone)
        self._keberatan_window_closed(cmd.by.nip, at)

    def decide_keberatan(self, cmd: DecideKeberatan, at: datetime) -> None:
        """The atasan pejabat penilai upholds or amends; the decision is final (Pasal 59(4))."""
        self._require_stage(KEBERATAN)
        assert self.keberatan is not None and self.rating is not None
        require(cmd.by.nip == self.keberatan["decider"], ONLY_DECIDER)
        reasons = text("reasons", cmd.reasons)
        if cmd.outcome == UPHELD:
            results, values = self.rating["results"], self.rating["behaviour_values"]
        elif cmd.outcome == AMENDED:
            results = check_rating("results_rating", cmd.results_rating or self.rating["results"])
            values = cmd.behaviour_ratings or self.rating["behaviour_values"]
            if results == self.rating["results"] and values == self.rating["behaviour_values"]:
                raise InvalidInput("outcome", NO_CHANGE)
        else:
            raise InvalidInput("outcome", NO_OUTCOME, upheld=UPHELD, amended=AMENDED, value=cmd.outcome)
        behaviour = self.rules.behaviour_rating(values)
        predikat = self.rules.predikat(results, behaviour)
        self._keberatan_decided(cmd.by.nip, cmd.outcome, reasons, results, dict(values), behaviour, predikat, at)

    def escalate_keberatan(self, cmd: EscalateKeberatan, at: datetime) -> None:
        require(cmd.by.is_system, ESCALATES_BY_DEADLINE)
        self._require_stage(KEBERATAN)
        assert self.keberatan is not None
        if self.keberatan["escalated"]:
            raise WrongStage(ALREADY_ESCALATED)
        if calendar.as_utc(at) <= self.keberatan["decision_due"]:
            raise WrongStage(NOT_OVERDUE)
        self._keberatan_escalated(cmd.by.nip, "hr", at)

    def reassign_keberatan_decider(self, cmd: ReassignKeberatanDecider, at: datetime) -> None:
        self._require_hr(cmd.by, ONLY_HR_REASSIGNS)
        self._require_stage(KEBERATAN)
        assert self.keberatan is not None
        if not self.keberatan["escalated"]:
            raise WrongStage(NOT_ESCALATED)
        require(cmd.decider_nip not in (self.employee_nip, self.appraiser_nip), NEITHER_PARTY)
        self._keberatan_decider_reassigned(cmd.by.nip, cmd.decider_nip, text("reason", cmd.reason), at)
