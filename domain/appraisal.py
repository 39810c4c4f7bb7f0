"""The Appraisal aggregate: one employee's year, from SKP to follow-up.

Each public command checks the actor, the relationship and the stage, then
calls a private method named in the past tense whose @event records the fact.
`at` is the business instant of the command (workflow time), stored as the
event's timestamp so that an auditor's "state at a moment" means that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import calendar
from domain.base import Actor, KinerjaAggregate, require
from domain.errors import DeadlinePassed, InvalidInput, WrongStage
from domain.follow_up import recommend
from domain.nip import check_nip
from domain.rules import BERAKHLAK, RuleSet, check_rating, rule_set
from domain.skp import check_cascade, check_skp

PLANNING, EXECUTION, REVIEW = "planning", "execution", "review"
RESULT_DELIVERED, KEBERATAN, FOLLOW_UP, FINALISED = "result_delivered", "keberatan", "follow_up", "finalised"
STAGES = (PLANNING, EXECUTION, REVIEW, RESULT_DELIVERED, KEBERATAN, FOLLOW_UP, FINALISED)
UPHELD, AMENDED = "upheld", "amended"
NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/appraisal")


class Appraisal(KinerjaAggregate):
    """One employee's appraisal in one cycle."""

    @staticmethod
    def create_id(cycle_id: UUID, employee_nip: str) -> UUID:
        return uuid5(NAMESPACE, f"{cycle_id}/{employee_nip}")

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
        self.rule_set_id, self.time_zone, self.periods = rule_set_id, time_zone, periods
        self.stage = PLANNING
        self.skp_status, self.rhk, self.skp_returns = "empty", [], []
        self.progress: list[dict[str, Any]] = []
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

    @property
    def rules(self) -> RuleSet:
        return rule_set(self.rule_set_id)

    # --- planning -------------------------------------------------------

    def draft_skp(self, by: Actor, rhk: list[dict[str, Any]], at: datetime) -> None:
        require(by.nip == self.employee_nip or by.is_hr, "only the employee (or HR's pengelola kinerja) drafts the SKP")
        self._require_stage(PLANNING)
        if self.skp_status == "submitted":
            raise WrongStage("the SKP is with the appraiser; wait until it is returned")
        self._skp_drafted(by.nip, check_skp(rhk), at)

    @event("SkpDrafted")
    def _skp_drafted(self, by: str, rhk: list[dict[str, Any]], timestamp: datetime) -> None:
        self.rhk, self.skp_status = rhk, "draft"

    def submit_skp(self, by: Actor, superior_rhk_ids: list[str] | None, at: datetime) -> None:
        require(
            by.nip == self.employee_nip or by.is_hr, "only the employee (or HR's pengelola kinerja) submits the SKP"
        )
        self._require_stage(PLANNING)
        if self.skp_status not in ("draft", "returned"):
            raise WrongStage(f"an SKP can be submitted only as a draft, it is {self.skp_status}")
        check_cascade(self.rhk, superior_rhk_ids)
        self._skp_submitted(by.nip, at)

    @event("SkpSubmitted")
    def _skp_submitted(self, by: str, timestamp: datetime) -> None:
        self.skp_status = "submitted"

    def return_skp(self, by: Actor, reasons: str, at: datetime) -> None:
        self._require_appraiser(by, "returns an SKP")
        self._require_submitted()
        if not reasons.strip():
            raise InvalidInput("reasons", "a returned SKP must say why")
        self._skp_returned(by.nip, reasons.strip(), at)

    @event("SkpReturned")
    def _skp_returned(self, by: str, reasons: str, timestamp: datetime) -> None:
        self.skp_status = "returned"
        self.skp_returns.append({"by": by, "reasons": reasons, "at": timestamp.isoformat()})

    def approve_skp(self, by: Actor, at: datetime) -> None:
        self._require_appraiser(by, "approves an SKP")
        self._require_submitted()
        self._skp_approved(by.nip, at)

    @event("SkpApproved")
    def _skp_approved(self, by: str, timestamp: datetime) -> None:
        self.skp_status, self.stage = "approved", EXECUTION

    # --- execution ------------------------------------------------------

    def report_progress(
        self, by: Actor, period: str, rhk_id: str, realisation: str, evidence: str, at: datetime
    ) -> None:
        require(by.nip == self.employee_nip, "only the employee reports their own progress")
        self._require_stage(EXECUTION, REVIEW)
        self._require_period(period)
        if rhk_id not in {r["id"] for r in self.rhk}:
            raise InvalidInput("rhk_id", f"{rhk_id!r} is not an RHK of this SKP")
        if not realisation.strip():
            raise InvalidInput("realisation", "describe what was achieved")
        self._progress_reported(by.nip, period, rhk_id, realisation.strip(), evidence.strip(), at)

    @event("ProgressReported")
    def _progress_reported(
        self, by: str, period: str, rhk_id: str, realisation: str, evidence: str, timestamp: datetime
    ) -> None:
        self.progress.append({"period": period, "rhk_id": rhk_id, "realisation": realisation, "evidence": evidence})

    def give_feedback(self, by: Actor, about: str, text: str, at: datetime) -> None:
        """Umpan balik berkelanjutan from the appraiser on an RHK or a BerAKHLAK value."""
        self._require_appraiser(by, "gives continuous feedback")
        self._require_stage(EXECUTION, REVIEW)
        if about not in {r["id"] for r in self.rhk} | set(BERAKHLAK):
            raise InvalidInput("about", "feedback is about an RHK id of this SKP or a BerAKHLAK value")
        self._feedback_given(by.nip, "supervisor", about, _text("text", text), at)

    def give_peer_feedback(self, by: Actor, peer_unit: str | None, text: str, at: datetime) -> None:
        require(by.nip != self.employee_nip, "an employee cannot give peer feedback on their own appraisal")
        require(peer_unit == self.employee.get("unit_id"), "peer feedback comes from a colleague of the same unit")
        self._require_stage(EXECUTION, REVIEW)
        self._feedback_given(by.nip, "peer", "", _text("text", text), at)

    def record_citizen_feedback(self, score: int, comment: str, channel: str, at: datetime) -> None:
        if not isinstance(score, int) or not 1 <= score <= 4:
            raise InvalidInput("score", "the SKM scale runs from 1 to 4")
        if self.stage == FINALISED:
            raise WrongStage("the appraisal is finalised")
        self._feedback_given("citizen", "citizen", channel, f"{score}: {comment.strip()}", at)

    @event("FeedbackGiven")
    def _feedback_given(self, by: str, source: str, about: str, text: str, timestamp: datetime) -> None:
        self.feedback.append({"by": by, "source": source, "about": about, "text": text})

    def hold_check_in(
        self, by: Actor, period: str, notes: str, results_rating: str | None, behaviour_rating: str | None, at: datetime
    ) -> None:
        """A periodic dialogue; a periodic predikat is set when both ratings are given."""
        self._require_appraiser(by, "holds the check-in")
        self._require_stage(EXECUTION)
        self._require_period(period)
        predikat = None
        if results_rating is not None or behaviour_rating is not None:
            predikat = self.rules.predikat(results_rating or "", behaviour_rating or "")
        self._check_in_held(by.nip, period, _text("notes", notes), results_rating, behaviour_rating, predikat, at)

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

    # --- review ---------------------------------------------------------

    def open_review(self, by: Actor, at: datetime) -> None:
        require(by.is_system or by.is_hr, "the review opens by the cycle calendar or by HR")
        self._require_stage(EXECUTION)
        self._review_opened(by.nip, at)

    @event("ReviewOpened")
    def _review_opened(self, by: str, timestamp: datetime) -> None:
        self.stage = REVIEW

    def self_assess(self, by: Actor, text: str, at: datetime) -> None:
        require(by.nip == self.employee_nip, "only the employee writes the self-assessment")
        self._require_stage(REVIEW)
        if self.rating is not None:
            raise WrongStage("the appraiser has already rated; the self-assessment is closed")
        self._self_assessed(by.nip, _text("text", text), at)

    @event("SelfAssessed")
    def _self_assessed(self, by: str, text: str, timestamp: datetime) -> None:
        self.self_assessment = text

    def rate(
        self,
        by: Actor,
        results_rating: str,
        behaviour_ratings: dict[str, str],
        org_predikat: str | None,
        calibrated: bool,
        notes: str,
        at: datetime,
    ) -> None:
        self._require_appraiser(by, "rates")
        self._require_stage(REVIEW)
        if calibrated:
            # The calibration recorded this unit's counts; a later change would make them untrue.
            raise WrongStage("the unit's distribution is calibrated: ratings are fixed, a keberatan may change them")
        rules = self.rules
        check_rating("results_rating", results_rating)
        if self.employee.get("is_unit_head"):
            if org_predikat is None:
                raise InvalidInput(
                    "org_predikat", "a unit head's results rating follows the unit's predikat: set it first"
                )
            expected = rules.unit_head_results[org_predikat]
            if results_rating != expected:
                raise InvalidInput(
                    "results_rating",
                    f"the head of a unit rated {org_predikat} takes {expected} as results rating (§2.3)",
                )
        behaviour = rules.behaviour_rating(behaviour_ratings)
        predikat = rules.predikat(results_rating, behaviour)
        self._rated(by.nip, results_rating, dict(behaviour_ratings), behaviour, predikat, self.rule_set_id, notes, at)

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

    def deliver_result(self, by: Actor, calibrated: bool, at: datetime) -> None:
        require(by.nip == self.acting_appraiser or by.is_hr, "the appraiser or HR delivers the result")
        self._require_stage(REVIEW)
        if self.rating is None:
            raise WrongStage("rate the appraisal before delivering the result")
        if not calibrated:
            raise WrongStage("the unit's distribution must be calibrated against the curve before results go out")
        deadline = calendar.days_after(at, self.rules.keberatan_filing_days, self.time_zone)
        self._result_delivered(by.nip, deadline, at)

    @event("ResultDelivered")
    def _result_delivered(self, by: str, keberatan_deadline: datetime, timestamp: datetime) -> None:
        self.stage, self.delivered_at, self.keberatan_deadline = RESULT_DELIVERED, timestamp, keberatan_deadline

    # --- keberatan ------------------------------------------------------

    def file_keberatan(self, by: Actor, reasons: str, at: datetime) -> None:
        require(by.nip == self.employee_nip, "only the employee rated may file a keberatan")
        # Once the window has closed by itself the stage has moved on; a late filing still hears the rule.
        window_closed = self.keberatan is None and self.stage in (FOLLOW_UP, FINALISED)
        if not window_closed:
            self._require_stage(RESULT_DELIVERED)
        assert self.keberatan_deadline is not None
        if calendar.as_utc(at) > self.keberatan_deadline:
            days = self.rules.keberatan_filing_days
            local = calendar.local_day(self.keberatan_deadline, self.time_zone)
            raise DeadlinePassed(
                f"a keberatan must be filed within {days} days of receiving the result (by {local} 23:59:59 "
                f"{self.time_zone}); filed on {calendar.local_day(at, self.time_zone)}"
            )
        self._require_stage(RESULT_DELIVERED)
        due = calendar.days_after(at, self.rules.keberatan_decision_days, self.time_zone)
        self._keberatan_filed(by.nip, _text("reasons", reasons), self.atasan_nip, due, at)

    @event("KeberatanFiled")
    def _keberatan_filed(
        self, by: str, reasons: str, decider: str, decision_due: datetime, timestamp: datetime
    ) -> None:
        self.stage = KEBERATAN
        self.keberatan = {"reasons": reasons, "decider": decider, "decision_due": decision_due, "escalated": False}

    def close_keberatan_window(self, by: Actor, at: datetime) -> None:
        require(by.is_system, "the keberatan window closes by itself")
        self._require_stage(RESULT_DELIVERED)
        assert self.keberatan_deadline is not None
        if calendar.as_utc(at) <= self.keberatan_deadline:
            raise WrongStage(f"the keberatan window is open until {self.keberatan_deadline.isoformat()}")
        self._keberatan_window_closed(by.nip, at)

    @event("KeberatanWindowClosed")
    def _keberatan_window_closed(self, by: str, timestamp: datetime) -> None:
        self.stage = FOLLOW_UP

    def decide_keberatan(
        self,
        by: Actor,
        outcome: str,
        reasons: str,
        results_rating: str | None,
        behaviour_ratings: dict[str, str] | None,
        at: datetime,
    ) -> None:
        """The atasan pejabat penilai upholds or amends; the decision is final (Pasal 59(4))."""
        self._require_stage(KEBERATAN)
        assert self.keberatan is not None and self.rating is not None
        require(by.nip == self.keberatan["decider"], "the keberatan is decided by the atasan pejabat penilai")
        reasons = _text("reasons", reasons)
        if outcome == UPHELD:
            results, values = self.rating["results"], self.rating["behaviour_values"]
        elif outcome == AMENDED:
            results = check_rating("results_rating", results_rating or self.rating["results"])
            values = behaviour_ratings or self.rating["behaviour_values"]
            if results == self.rating["results"] and values == self.rating["behaviour_values"]:
                raise InvalidInput("outcome", "an amendment must change a rating; otherwise uphold")
        else:
            raise InvalidInput("outcome", f"must be {UPHELD} or {AMENDED}, got {outcome!r}")
        behaviour = self.rules.behaviour_rating(values)
        predikat = self.rules.predikat(results, behaviour)
        self._keberatan_decided(by.nip, outcome, reasons, results, dict(values), behaviour, predikat, at)

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

    def escalate_keberatan(self, by: Actor, at: datetime) -> None:
        require(by.is_system, "an undecided keberatan escalates by its deadline")
        self._require_stage(KEBERATAN)
        assert self.keberatan is not None
        if self.keberatan["escalated"]:
            raise WrongStage("the keberatan was already escalated to HR")
        if calendar.as_utc(at) <= self.keberatan["decision_due"]:
            raise WrongStage("the atasan's decision is not yet overdue")
        self._keberatan_escalated(by.nip, "hr", at)

    @event("KeberatanEscalated")
    def _keberatan_escalated(self, by: str, to: str, timestamp: datetime) -> None:
        assert self.keberatan is not None
        self.keberatan["escalated"] = True

    def reassign_keberatan_decider(self, by: Actor, decider_nip: str, reason: str, at: datetime) -> None:
        require(by.is_hr, "only HR (pengelola kinerja) reassigns an escalated keberatan")
        self._require_stage(KEBERATAN)
        assert self.keberatan is not None
        if not self.keberatan["escalated"]:
            raise WrongStage("a keberatan is reassigned only after it escalated")
        require(decider_nip not in (self.employee_nip, self.appraiser_nip), "the new decider must be neither party")
        self._keberatan_decider_reassigned(by.nip, decider_nip, _text("reason", reason), at)

    @event("KeberatanDeciderReassigned")
    def _keberatan_decider_reassigned(self, by: str, decider: str, reason: str, timestamp: datetime) -> None:
        assert self.keberatan is not None
        self.keberatan["decider"] = decider

    # --- follow-up ------------------------------------------------------

    def decide_follow_up(
        self, by: Actor, previous_predikats: list[str], years_in_rank: int, notes: str, at: datetime
    ) -> None:
        require(by.is_hr, "HR (pengelola kinerja) decides the follow-up")
        self._require_stage(FOLLOW_UP)
        assert self.rating is not None and self.predikat is not None
        advice = recommend(
            self.rules,
            predikat=self.predikat,
            results_rating=self.rating["results"],
            behaviour_ratings=self.rating["behaviour_values"],
            previous_predikats=previous_predikats,
            years_in_rank=years_in_rank,
            ak_coefficient=self.employee.get("ak_coefficient"),
        )
        self._follow_up_decided(by.nip, list(previous_predikats), years_in_rank, advice, notes.strip(), at)

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
        self.follow_up = {**decision, "notes": notes}

    def finalise(self, by: Actor, at: datetime) -> None:
        require(by.is_hr or by.is_system, "HR or the cycle finalises an appraisal")
        self._require_stage(FOLLOW_UP)
        if self.follow_up is None:
            raise WrongStage("decide the follow-up before finalising")
        self._finalised(by.nip, at)

    @event("Finalised")
    def _finalised(self, by: str, timestamp: datetime) -> None:
        self.stage = FINALISED

    # --- people and time --------------------------------------------------

    def reassign_supervisor(self, by: Actor, appraiser_nip: str, atasan_nip: str, reason: str, at: datetime) -> None:
        """Mutation: the employee gets a new pejabat penilai mid-cycle."""
        require(by.is_hr, "only HR records a change of supervisor")
        if self.stage == FINALISED:
            raise WrongStage("the appraisal is finalised")
        require(appraiser_nip != self.employee_nip, "an employee cannot appraise themselves")
        if appraiser_nip == self.appraiser_nip and atasan_nip == self.atasan_nip:
            raise InvalidInput("appraiser_nip", "this is already the employee's appraiser")
        self._supervisor_reassigned(by.nip, self.appraiser_nip, appraiser_nip, atasan_nip, _text("reason", reason), at)

    @event("SupervisorReassigned")
    def _supervisor_reassigned(
        self, by: str, previous_appraiser: str, appraiser_nip: str, atasan_nip: str, reason: str, timestamp: datetime
    ) -> None:
        self.appraiser_nip, self.atasan_nip = appraiser_nip, atasan_nip
        self.delegate_nip = None  # a delegation was the previous appraiser's
        if self.keberatan is not None and self.stage == KEBERATAN and not self.keberatan["escalated"]:
            self.keberatan["decider"] = atasan_nip

    def delegate_task(self, by: Actor, to_nip: str, reason: str, at: datetime) -> None:
        """The pejabat penilai lets someone act for them (§4: "or someone with delegated authority").

        Delegating back to oneself ends the delegation. The delegate acts on the appraiser's
        tasks; the keberatan stays with the atasan.
        """
        require(by.nip == self.appraiser_nip, "only the employee's pejabat penilai delegates their tasks")
        if self.stage == FINALISED:
            raise WrongStage("the appraisal is finalised")
        check_nip(to_nip, "to_nip")
        require(to_nip != self.employee_nip, "an employee cannot act as their own pejabat penilai")
        if to_nip == (self.delegate_nip or self.appraiser_nip):
            raise InvalidInput("to_nip", f"{to_nip} already acts as the pejabat penilai")
        self._task_delegated(by.nip, to_nip, _text("reason", reason), at)

    @event("TaskDelegated")
    def _task_delegated(self, by: str, to: str, reason: str, timestamp: datetime) -> None:
        self.delegate_nip = None if to == self.appraiser_nip else to

    @property
    def acting_appraiser(self) -> str:
        """Who does the pejabat penilai's tasks now: the delegate, if any, else the appraiser."""
        return self.__dict__.get("delegate_nip") or self.appraiser_nip

    def record_reminder(self, by: Actor, task: str, to: str, due: datetime, at: datetime) -> None:
        require(by.is_system, "reminders are sent by the calendar")
        self._reminder_sent(by.nip, task, to, due, at)

    @event("ReminderSent")
    def _reminder_sent(self, by: str, task: str, to: str, due: datetime, timestamp: datetime) -> None:
        self.reminders.append({"task": task, "to": to, "due": due.isoformat()})

    def record_deadline_missed(self, by: Actor, task: str, due: datetime, escalated_to: str, at: datetime) -> None:
        require(by.is_system, "missed deadlines are recorded by the calendar")
        if calendar.as_utc(at) <= calendar.as_utc(due):
            raise WrongStage(f"the {task} deadline has not passed yet")
        self._deadline_missed(by.nip, task, due, escalated_to, at)

    @event("DeadlineMissed")
    def _deadline_missed(self, by: str, task: str, due: datetime, escalated_to: str, timestamp: datetime) -> None:
        self.missed.append({"task": task, "due": due.isoformat(), "escalated_to": escalated_to})

    # --- reading ----------------------------------------------------------

    def pending_task(self) -> dict[str, str] | None:
        """The one task the appraisal waits for, and who must do it."""
        task: tuple[str, str] | None = None
        if self.stage == PLANNING:
            task = (
                ("review_skp", self.acting_appraiser)
                if self.skp_status == "submitted"
                else ("draft_skp", self.employee_nip)
            )
        elif self.stage == EXECUTION:
            task = ("check_in", self.acting_appraiser)
        elif self.stage == REVIEW:
            task = ("deliver_result" if self.rating else "rate", self.acting_appraiser)
        elif self.stage == KEBERATAN and self.keberatan is not None:
            task = ("decide_keberatan", self.keberatan["decider"])
        elif self.stage == FOLLOW_UP:
            task = ("finalise", "hr") if self.follow_up else ("decide_follow_up", "hr")
        return {"task": task[0], "assignee": task[1]} if task else None

    # --- guards -----------------------------------------------------------

    def _require_stage(self, *stages: str) -> None:
        if self.stage not in stages:
            raise WrongStage(f"the appraisal is at {self.stage}, not {' or '.join(stages)}")

    def _require_appraiser(self, by: Actor, action: str) -> None:
        require(by.nip == self.acting_appraiser, f"only the employee's pejabat penilai (or their delegate) {action}")

    def _require_submitted(self) -> None:
        self._require_stage(PLANNING)
        if self.skp_status != "submitted":
            raise WrongStage(f"the SKP is {self.skp_status}, not submitted")

    def _require_period(self, period: str) -> None:
        if period not in self.periods:
            raise InvalidInput("period", f"must be one of {', '.join(self.periods)}, got {period!r}")


def _text(field: str, value: str, limit: int = 5000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, "is required and must be non-empty text")
    if len(value) > limit:
        raise InvalidInput(field, f"must be at most {limit} characters")
    return value.strip()
