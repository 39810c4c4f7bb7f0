"""The appraisal's stages, the state every stage's rules read, and the guards they share.

The Appraisal aggregate (domain/appraisal.py) holds this state and records its events; the rules
of each stage live in their own module (planning, execution, review, keberatan, follow_up,
people) as a mixin over `AppraisalState`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from domain.base import Actor, require
from domain.errors import InvalidInput, Refusal, WrongStage, refusal
from domain.participants import OWN_APPRAISAL
from domain.rules import RuleSet, rule_set
from domain.text import text as text  # the stages' modules take the text rule from here

WRONG_STAGE = refusal("appraisal.wrong_stage", "the appraisal is at {stage}, not {stages}")
ONLY_APPRAISER = refusal("appraisal.only_appraiser", "only the employee's pejabat penilai (or their delegate) {action}")
HR_NAMED_APPRAISER = refusal(
    "appraisal.hr_named_appraiser",
    "HR cannot make itself anyone's pejabat penilai: the pengelola kinerja who named this appraiser "
    "cannot act as appraiser here (another pengelola kinerja must name one) and so never {action}",
)
IS_FINALISED = refusal("appraisal.finalised", "the appraisal is finalised")
WITHDRAWN = refusal("execution.withdrawn", "{nip} was withdrawn from the cycle: the appraisal takes no more input")
NO_SUCH_PERIOD = refusal("appraisal.period", "must be one of {periods}, got {value!r}")

PLANNING, EXECUTION, REVIEW = "planning", "execution", "review"
RESULT_DELIVERED, KEBERATAN, FOLLOW_UP, FINALISED = "result_delivered", "keberatan", "follow_up", "finalised"
STAGES = (PLANNING, EXECUTION, REVIEW, RESULT_DELIVERED, KEBERATAN, FOLLOW_UP, FINALISED)
UPHELD, AMENDED = "upheld", "amended"
OUTCOMES = (UPHELD, AMENDED)
# The review opens (by the calendar or by HR) only from execution; a dashboard row offers it at this stage.
REVIEW_OPENS_FROM = (EXECUTION,)


class Facts(Protocol):
    """What an appraisal learns from other records (its cycle, its appraiser's SKP) when a rule asks."""

    def superior_rhk_ids(self) -> list[str] | None:
        """The appraiser's RHK ids in the cycle; None when the appraiser takes no part (nothing cascades)."""
        ...

    def unit_of(self, nip: str) -> str | None:
        """The unit a participant of the cycle works in; None for someone outside the cycle."""
        ...

    def org_predikat(self) -> str | None:
        """The organisation predikat of the employee's unit, once HR recorded it."""
        ...

    def calibrated(self) -> bool:
        """Whether the employee's unit was calibrated against the curve."""
        ...

    def cycle_year(self) -> int:
        """The year the appraisal's cycle appraises."""
        ...

    def carried_rhk(self) -> dict[str, dict[str, Any]]:
        """The RHK of the SKP of the post the employee was transferred from into this appraisal, by
        "appraisal_id/rhk_id" (what a draft may take over, domain/skp_lineage.py); empty without a transfer."""
        ...

    def colleague(self, nip: str) -> str | None:
        """The name of an active employee of the appraisal's agency (a participant of its cycle, or an
        employee in the agency's master data); None for anyone else, or for one withdrawn from the cycle."""
        ...


class AppraisalState:
    """The state of one appraisal as the rules read it (set by the aggregate's events)."""

    employee_nip: str
    employee: dict[str, Any]
    appraiser_nip: str
    atasan_nip: str
    delegate_nip: str | None
    rule_set_id: str
    time_zone: str
    periods: list[str]
    stage: str
    skp_status: str
    rhk: list[dict[str, Any]]
    check_ins: dict[str, dict[str, Any]]
    rating: dict[str, Any] | None
    predikat: str | None
    keberatan_deadline: datetime | None
    keberatan: dict[str, Any] | None
    follow_up: dict[str, Any] | None

    @property
    def rules(self) -> RuleSet:
        return rule_set(self.rule_set_id)

    @property
    def acting_appraiser(self) -> str:
        """Who does the pejabat penilai's tasks now: an acting head (Plt/Plh) for the appraiser, else the
        delegate, if any, else the appraiser. An acting head acts only for the head it was designated for:
        after a change of supervisor the new appraiser acts."""
        acting = (self.__dict__.get("acting") or {}).get("appraiser")
        if acting and acting["head_nip"] == self.appraiser_nip:
            return str(acting["nip"])
        return self.__dict__.get("delegate_nip") or self.appraiser_nip

    @property
    def acting_atasan(self) -> str:
        """Who takes the atasan's part now: an acting head (Plt/Plh) for the atasan, else the atasan."""
        acting = (self.__dict__.get("acting") or {}).get("atasan")
        return str(acting["nip"]) if acting and acting["head_nip"] == self.atasan_nip else self.atasan_nip

    def _require_stage(self, *stages: str) -> None:
        if self.stage not in stages:
            raise WrongStage(WRONG_STAGE, stage=self.stage, stages=" or ".join(stages))

    def _require_appraiser(self, by: Actor, action: str) -> None:
        require(by.nip == self.acting_appraiser, ONLY_APPRAISER, action=action)
        require(self.__dict__.get("appraiser_named_by") != by.nip, HR_NAMED_APPRAISER, action=action)

    def _require_hr(self, by: Actor, rule: Refusal) -> None:
        """An act only HR may take: never on HR's own appraisal (another pengelola kinerja must act)."""
        require(by.is_hr, rule)
        self._require_not_own(by)

    def _require_not_own(self, by: Actor) -> None:
        require(by.nip != self.employee_nip, OWN_APPRAISAL)

    def _require_taking_part(self, facts: Facts) -> None:
        """An employee withdrawn from the cycle (pension, transfer) gets no more progress, daily log entries or
        feedback: the appraisal keeps what it has. Asked last, so a refusal for any other reason does not load the cycle."""
        if facts.unit_of(self.employee_nip) is None:
            raise WrongStage(WITHDRAWN, nip=self.employee_nip)

    def _require_period(self, period: str) -> None:
        if period not in self.periods:
            raise InvalidInput("period", NO_SUCH_PERIOD, periods=", ".join(self.periods), value=period)

    if TYPE_CHECKING:  # the events, recorded by domain/appraisal.py

        def _skp_drafted(self, by: str, rhk: list[dict[str, Any]], timestamp: datetime) -> None: ...
        def _skp_submitted(self, by: str, timestamp: datetime) -> None: ...
        def _skp_returned(self, by: str, reasons: str, timestamp: datetime) -> None: ...
        def _skp_approved(self, by: str, timestamp: datetime) -> None: ...
        def _daily_logged(
            self,
            by: str,
            day: str,
            period: str,
            rhk_id: str,
            text: str,
            evidence: list[dict[str, Any]],
            timestamp: datetime,
        ) -> None: ...
        def _progress_reported(
            self, by: str, period: str, rhk_id: str, realisation: str, evidence: str, timestamp: datetime
        ) -> None: ...
        def _feedback_given(self, by: str, source: str, about: str, text: str, timestamp: datetime) -> None: ...
        def _check_in_held(
            self,
            by: str,
            period: str,
            notes: str,
            results_rating: str | None,
            behaviour_rating: str | None,
            predikat: str | None,
            timestamp: datetime,
        ) -> None: ...
        def _review_opened(self, by: str, timestamp: datetime) -> None: ...
        def _self_assessed(self, by: str, text: str, timestamp: datetime) -> None: ...
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
        ) -> None: ...
        def _result_delivered(self, by: str, keberatan_deadline: datetime, timestamp: datetime) -> None: ...
        def _keberatan_filed(
            self, by: str, reasons: str, decider: str, decision_due: datetime, timestamp: datetime
        ) -> None: ...
        def _keberatan_window_closed(self, by: str, timestamp: datetime) -> None: ...
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
        ) -> None: ...
        def _keberatan_escalated(self, by: str, to: str, timestamp: datetime) -> None: ...
        def _keberatan_decider_reassigned(self, by: str, decider: str, reason: str, timestamp: datetime) -> None: ...
        def _follow_up_decided(
            self,
            by: str,
            previous_predikats: list[str],
            years_in_rank: int,
            decision: dict[str, Any],
            notes: str,
            timestamp: datetime,
        ) -> None: ...
        def _finalised(self, by: str, timestamp: datetime) -> None: ...
        def _supervisor_reassigned(
            self,
            by: str,
            previous_appraiser: str,
            appraiser_nip: str,
            atasan_nip: str,
            reason: str,
            timestamp: datetime,
        ) -> None: ...
        def _task_delegated(
            self, by: str, to: str, reason: str, timestamp: datetime, by_name: str = "", to_name: str = ""
        ) -> None: ...
        def _reminder_sent(self, by: str, task: str, to: str, due: datetime, timestamp: datetime) -> None: ...
        def _deadline_missed(
            self, by: str, task: str, due: datetime, escalated_to: str, timestamp: datetime
        ) -> None: ...
