"""Review (penilaian kinerja, §3): self-assessment, the rating by the kuadran, delivery of the result."""

from __future__ import annotations

from datetime import datetime

from domain import calendar
from domain.base import require
from domain.errors import InvalidInput, WrongStage, refusal
from domain.result_commands import DeliverResult, OpenReview, Rate, SelfAssess
from domain.rules import check_rating
from domain.stages import REVIEW, REVIEW_OPENS_FROM, AppraisalState, Facts, text

OPENS_BY_CALENDAR = refusal("review.opens_by_calendar", "the review opens by the cycle calendar or by HR")
ONLY_SELF = refusal("review.only_employee_self_assesses", "only the employee writes the self-assessment")
ALREADY_RATED = refusal("review.already_rated", "the appraiser has already rated; the self-assessment is closed")
CALIBRATED = refusal(
    "review.calibrated", "the unit's distribution is calibrated: ratings are fixed, a keberatan may change them"
)
HEAD_NEEDS_ORG_PREDIKAT = refusal(
    "review.head_needs_org_predikat", "a unit head's results rating follows the unit's predikat: set it first"
)
HEAD_RATING = refusal(
    "review.head_rating", "the head of a unit rated {org_predikat} takes {rating} as results rating (§2.3)"
)
DELIVERS = refusal("review.who_delivers", "the appraiser or HR delivers the result")
NOT_RATED = refusal("review.not_rated", "rate the appraisal before delivering the result")
NOT_CALIBRATED = refusal(
    "review.not_calibrated", "the unit's distribution must be calibrated against the curve before results go out"
)


class Review(AppraisalState):
    """The rules of the review stage."""

    def open_review(self, cmd: OpenReview, at: datetime) -> None:
        require(cmd.by.is_system or cmd.by.is_hr, OPENS_BY_CALENDAR)
        if not cmd.by.is_system:
            self._require_not_own(cmd.by)
        self._require_stage(*REVIEW_OPENS_FROM)
        self._review_opened(cmd.by.nip, at)

    def self_assess(self, cmd: SelfAssess, at: datetime) -> None:
        require(cmd.by.nip == self.employee_nip, ONLY_SELF)
        self._require_stage(REVIEW)
        if self.rating is not None:
            raise WrongStage(ALREADY_RATED)
        self._self_assessed(cmd.by.nip, text("text", cmd.text), at)

    def rate(self, cmd: Rate, at: datetime, facts: Facts) -> None:
        self._require_appraiser(cmd.by, "rates")
        self._require_stage(REVIEW)
        if facts.calibrated():
            # The calibration recorded this unit's counts; a later change would make them untrue.
            raise WrongStage(CALIBRATED)
        rules = self.rules
        check_rating("results_rating", cmd.results_rating)
        if self.employee.get("is_unit_head"):
            org_predikat = facts.org_predikat()
            if org_predikat is None:
                raise InvalidInput("org_predikat", HEAD_NEEDS_ORG_PREDIKAT)
            expected = rules.unit_head_results[org_predikat]
            if cmd.results_rating != expected:
                raise InvalidInput("results_rating", HEAD_RATING, org_predikat=org_predikat, rating=expected)
        values = dict(cmd.behaviour_ratings)
        behaviour = rules.behaviour_rating(values)
        predikat = rules.predikat(cmd.results_rating, behaviour)
        self._rated(cmd.by.nip, cmd.results_rating, values, behaviour, predikat, self.rule_set_id, cmd.notes, at)

    def deliver_result(self, cmd: DeliverResult, at: datetime, facts: Facts) -> None:
        if cmd.by.nip != self.acting_appraiser:
            self._require_hr(cmd.by, DELIVERS)
        self._require_stage(REVIEW)
        if self.rating is None:
            raise WrongStage(NOT_RATED)
        if not facts.calibrated():
            raise WrongStage(NOT_CALIBRATED)
        deadline = calendar.days_after(at, self.rules.keberatan_filing_days, self.time_zone)
        self._result_delivered(cmd.by.nip, deadline, at)
