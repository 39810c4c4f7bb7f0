"""The Appraisal aggregate: one employee's year, from SKP to follow-up.

Every command is a typed dataclass (domain/commands.py); `execute` (domain/lifecycle.py) hands it
to the rules of its stage, each in its own module as a mixin (planning, execution, review,
keberatan, follow_up, people): a command checks the actor, the relationship and the stage, then
calls a private method named in the past tense whose @event records the fact. This module holds
only those events, all declared here, on this class, so their stored topics
(`domain.appraisal:Appraisal.<Event>`) and the hash chain over them never change when rules move.
`at` is the business instant of the command (workflow time), stored as the event's timestamp so
that an auditor's "state at a moment" means that moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.acting_facts import ActingFacts
from domain.follow_up import promotion_reasons
from domain.lifecycle import AppraisalRules
from domain.participants import post_of
from domain.stages import (
    AMENDED,
    EXECUTION,
    FINALISED,
    FOLLOW_UP,
    KEBERATAN,
    PLANNING,
    RESULT_DELIVERED,
    REVIEW,
    STAGES,
    UPHELD,
)

__all__ = [
    "AMENDED",
    "EXECUTION",
    "FINALISED",
    "FOLLOW_UP",
    "KEBERATAN",
    "PLANNING",
    "RESULT_DELIVERED",
    "REVIEW",
    "STAGES",
    "UPHELD",
    "Appraisal",
]

NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/appraisal")


class Appraisal(ActingFacts, AppraisalRules):
    """One employee's appraisal in one cycle."""

    @staticmethod
    def create_id(cycle_id: UUID, employee_nip: str, employee: Mapping[str, Any] | None = None) -> UUID:
        """The employee's appraisal in the cycle; a later post in the same cycle (a transfer within the agency)
        is another record, named by the participant record's post (domain/participants.py:post_of)."""
        post = post_of(employee)
        return uuid5(NAMESPACE, f"{cycle_id}/{employee_nip}" + (f"/{post}" if post > 1 else ""))

    @event("Opened")
    def __init__(
        self,
        cycle_id: UUID,
        employee_nip: str,
        employee: dict[str, Any],
        appraiser_nip: str,
        atasan_nip: str,
        rule_set_id: str,
        time_zone: str,
        periods: list[str],
        timestamp: datetime,
    ) -> None:
        self.cycle_id, self.employee_nip, self.employee = cycle_id, employee_nip, employee
        self.appraiser_nip, self.atasan_nip = appraiser_nip, atasan_nip
        self.delegate_nip: str | None = None  # acts for the appraiser after a recorded delegation
        self.appraiser_named_by: str | None = None  # who (HR) named the appraiser in a mutation, if anyone
        self.rule_set_id, self.time_zone, self.periods = rule_set_id, time_zone, periods
        self.stage = PLANNING
        self.skp_status, self.rhk = "empty", []
        self.skp_returns: list[dict[str, Any]] = []
        self.progress: list[dict[str, Any]] = []
        self.daily_log: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []
        self.check_ins: dict[str, dict[str, Any]] = {}
        self.self_assessment = ""
        self.rating: dict[str, Any] | None = None
        self.predikat: str | None = None
        self.delivered_at: datetime | None = None
        self.keberatan_deadline: datetime | None = None
        self.keberatan: dict[str, Any] | None = None
        self.follow_up: dict[str, Any] | None = None
        self.reminders: list[dict[str, Any]] = []
        self.missed: list[dict[str, Any]] = []

    # --- the facts (events) ---------------------------------------------------

    @event("SkpDrafted")
    def _skp_drafted(self, by: str, rhk: list[dict[str, Any]], timestamp: datetime) -> None:
        self.rhk, self.skp_status = rhk, "draft"

    @event("SkpSubmitted")
    def _skp_submitted(self, by: str, timestamp: datetime) -> None:
        self.skp_status = "submitted"

    @event("SkpReturned")
    def _skp_returned(self, by: str, reasons: str, timestamp: datetime) -> None:
        self.skp_status = "returned"
        self.skp_returns.append({"by": by, "reasons": reasons, "at": timestamp.isoformat()})

    @event("SkpApproved")
    def _skp_approved(self, by: str, timestamp: datetime) -> None:
        self.skp_status, self.stage = "approved", EXECUTION

    @event("ProgressReported")
    def _progress_reported(
        self, by: str, period: str, rhk_id: str, realisation: str, evidence: str, timestamp: datetime
    ) -> None:
        self.progress.append({"period": period, "rhk_id": rhk_id, "realisation": realisation, "evidence": evidence})

    @event("DailyLogged")
    def _daily_logged(
        self,
        by: str,
        day: str,
        period: str,
        rhk_id: str,
        text: str,
        evidence: list[dict[str, Any]],
        timestamp: datetime,
    ) -> None:
        entry = {"day": day, "period": period, "rhk_id": rhk_id, "text": text, "evidence": evidence}
        self.daily_log.append({**entry, "at": timestamp.isoformat()})

    @event("FeedbackGiven")
    def _feedback_given(self, by: str, source: str, about: str, text: str, timestamp: datetime) -> None:
        self.feedback.append({"by": by, "source": source, "about": about, "text": text})

    @event("CheckInHeld")
    def _check_in_held(
        self,
        by: str,
        period: str,
        notes: str,
        results_rating: str | None,
        behaviour_rating: str | None,
        predikat: str | None,
        timestamp: datetime,
    ) -> None:
        self.check_ins[period] = {
            "notes": notes,
            "results": results_rating,
            "behaviour": behaviour_rating,
            "predikat": predikat,
        }

    @event("ReviewOpened")
    def _review_opened(self, by: str, timestamp: datetime) -> None:
        self.stage = REVIEW

    @event("SelfAssessed")
    def _self_assessed(self, by: str, text: str, timestamp: datetime) -> None:
        self.self_assessment = text

    @event("Rated")
    def _rated(
        self,
        by: str,
        results_rating: str,
        behaviour_ratings: dict[str, str],
        behaviour_rating: str,
        predikat: str,
        rule_set_id: str,
        notes: str,
        timestamp: datetime,
    ) -> None:
        self.rating = {
            "results": results_rating,
            "behaviour": behaviour_rating,
            "behaviour_values": behaviour_ratings,
            "predikat": predikat,
            "by": by,
        }
        self.predikat = predikat

    @event("ResultDelivered")
    def _result_delivered(self, by: str, keberatan_deadline: datetime, timestamp: datetime) -> None:
        self.stage, self.delivered_at, self.keberatan_deadline = RESULT_DELIVERED, timestamp, keberatan_deadline

    @event("KeberatanFiled")
    def _keberatan_filed(
        self, by: str, reasons: str, decider: str, decision_due: datetime, timestamp: datetime
    ) -> None:
        self.stage = KEBERATAN
        self.keberatan = {"reasons": reasons, "decider": decider, "decision_due": decision_due, "escalated": False}

    @event("KeberatanWindowClosed")
    def _keberatan_window_closed(self, by: str, timestamp: datetime) -> None:
        self.stage = FOLLOW_UP

    @event("KeberatanDecided")
    def _keberatan_decided(
        self,
        by: str,
        outcome: str,
        reasons: str,
        results_rating: str,
        behaviour_ratings: dict[str, str],
        behaviour_rating: str,
        predikat: str,
        timestamp: datetime,
    ) -> None:
        assert self.keberatan is not None and self.rating is not None
        self.keberatan.update(outcome=outcome, decision=reasons, decided_by=by)
        self.rating = {
            **self.rating,
            "results": results_rating,
            "behaviour": behaviour_rating,
            "behaviour_values": behaviour_ratings,
            "predikat": predikat,
        }
        self.predikat, self.stage = predikat, FOLLOW_UP

    @event("KeberatanEscalated")
    def _keberatan_escalated(self, by: str, to: str, timestamp: datetime) -> None:
        assert self.keberatan is not None
        self.keberatan["escalated"] = True

    @event("KeberatanDeciderReassigned")
    def _keberatan_decider_reassigned(self, by: str, decider: str, reason: str, timestamp: datetime) -> None:
        assert self.keberatan is not None
        self.keberatan["decider"] = decider

    @event("FollowUpDecided")
    def _follow_up_decided(
        self,
        by: str,
        previous_predikats: list[str],
        years_in_rank: int,
        decision: dict[str, Any],
        notes: str,
        timestamp: datetime,
    ) -> None:
        # Reasons recorded as English text before codes are read as code and figures (domain/follow_up.py).
        self.follow_up = {
            **decision,
            "promotion_reasons": promotion_reasons(decision.get("promotion_reasons", [])),
            "notes": notes,
        }

    @event("Finalised")
    def _finalised(self, by: str, timestamp: datetime) -> None:
        self.stage = FINALISED

    @event("SupervisorReassigned")
    def _supervisor_reassigned(
        self, by: str, previous_appraiser: str, appraiser_nip: str, atasan_nip: str, reason: str, timestamp: datetime
    ) -> None:
        self.appraiser_nip, self.atasan_nip = appraiser_nip, atasan_nip
        self.appraiser_named_by = by  # HR who named the appraiser never acts as appraiser here (stages.py)
        self.delegate_nip = None  # a delegation was the previous appraiser's
        if self.keberatan is not None and self.stage == KEBERATAN and not self.keberatan["escalated"]:
            self.keberatan["decider"] = atasan_nip

    @event("TaskDelegated")
    def _task_delegated(
        self, by: str, to: str, reason: str, timestamp: datetime, by_name: str = "", to_name: str = ""
    ) -> None:
        # by_name / to_name: the names the agency knows them by (events before issue 8 carry none).
        self.delegate_nip = None if to == self.appraiser_nip else to

    @event("ReminderSent")
    def _reminder_sent(self, by: str, task: str, to: str, due: datetime, timestamp: datetime) -> None:
        self.reminders.append({"task": task, "to": to, "due": due.isoformat()})

    @event("DeadlineMissed")
    def _deadline_missed(self, by: str, task: str, due: datetime, escalated_to: str, timestamp: datetime) -> None:
        self.missed.append({"task": task, "due": due.isoformat(), "escalated_to": escalated_to})
