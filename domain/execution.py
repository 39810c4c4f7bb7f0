"""Execution (pelaksanaan, pemantauan, pembinaan, §2.2): progress with evidence, feedback, check-ins."""

from __future__ import annotations

from datetime import datetime

from domain.base import require
from domain.errors import InvalidInput, WrongStage, refusal
from domain.rules import BERAKHLAK
from domain.stages import EXECUTION, FINALISED, IS_FINALISED, REVIEW, AppraisalState, Facts, text
from domain.text import COMMENT, LINK
from domain.work_commands import GiveFeedback, GivePeerFeedback, HoldCheckIn, RecordCitizenFeedback, ReportProgress

ONLY_OWN_PROGRESS = refusal("execution.own_progress", "only the employee reports their own progress")
NOT_AN_RHK = refusal("execution.rhk", "{rhk_id!r} is not an RHK of this SKP")
NO_REALISATION = refusal("execution.realisation", "describe what was achieved")
FEEDBACK_ABOUT = refusal("execution.feedback_about", "feedback is about an RHK id of this SKP or a BerAKHLAK value")
OWN_PEER_FEEDBACK = refusal(
    "execution.own_peer_feedback", "an employee cannot give peer feedback on their own appraisal"
)
PEER_SAME_UNIT = refusal("execution.peer_same_unit", "peer feedback comes from a colleague of the same unit")
SKM_SCALE = refusal("execution.skm_scale", "the SKM scale runs from 1 to 4")


class Execution(AppraisalState):
    """The rules of the execution stage (progress and feedback stay open during the review).

    Progress and feedback reach the aggregate straight from the service layer, not through the workflow
    (services/gateway.py, `record`): so the aggregate alone refuses them for an employee withdrawn from the
    cycle, whose workflow has stopped."""

    def report_progress(self, cmd: ReportProgress, at: datetime, facts: Facts) -> None:
        by = cmd.by
        require(by.nip == self.employee_nip, ONLY_OWN_PROGRESS)
        self._require_stage(EXECUTION, REVIEW)
        self._require_period(cmd.period)
        if cmd.rhk_id not in {r["id"] for r in self.rhk}:
            raise InvalidInput("rhk_id", NOT_AN_RHK, rhk_id=cmd.rhk_id)
        if not cmd.realisation.strip():
            raise InvalidInput("realisation", NO_REALISATION)
        realisation, evidence = text("realisation", cmd.realisation), LINK.check("evidence", cmd.evidence)
        self._require_taking_part(facts)
        self._progress_reported(by.nip, cmd.period, cmd.rhk_id, realisation, evidence, at)

    def give_feedback(self, cmd: GiveFeedback, at: datetime, facts: Facts) -> None:
        """Umpan balik berkelanjutan from the appraiser on an RHK or a BerAKHLAK value."""
        self._require_appraiser(cmd.by, "gives continuous feedback")
        self._require_stage(EXECUTION, REVIEW)
        if cmd.about not in {r["id"] for r in self.rhk} | set(BERAKHLAK):
            raise InvalidInput("about", FEEDBACK_ABOUT)
        feedback = text("text", cmd.text)
        self._require_taking_part(facts)
        self._feedback_given(cmd.by.nip, "supervisor", cmd.about, feedback, at)

    def give_peer_feedback(self, cmd: GivePeerFeedback, at: datetime, facts: Facts) -> None:
        by = cmd.by
        require(by.nip != self.employee_nip, OWN_PEER_FEEDBACK)
        require(facts.unit_of(by.nip) == self.employee.get("unit_id"), PEER_SAME_UNIT)
        self._require_stage(EXECUTION, REVIEW)
        feedback = text("text", cmd.text)
        self._require_taking_part(facts)
        self._feedback_given(by.nip, "peer", "", feedback, at)

    def record_citizen_feedback(self, cmd: RecordCitizenFeedback, at: datetime, facts: Facts) -> None:
        if isinstance(cmd.score, bool) or not isinstance(cmd.score, int) or not 1 <= cmd.score <= 4:
            raise InvalidInput("score", SKM_SCALE)
        if self.stage == FINALISED:
            raise WrongStage(IS_FINALISED)
        comment = COMMENT.check("comment", cmd.comment)
        self._require_taking_part(facts)
        self._feedback_given("citizen", "citizen", cmd.channel, f"{cmd.score}: {comment}", at)

    def hold_check_in(self, cmd: HoldCheckIn, at: datetime) -> None:
        """A periodic dialogue; a periodic predikat is set when both ratings are given."""
        self._require_appraiser(cmd.by, "holds the check-in")
        self._require_stage(EXECUTION)
        self._require_period(cmd.period)
        predikat = None
        if cmd.results_rating is not None or cmd.behaviour_rating is not None:
            predikat = self.rules.predikat(cmd.results_rating or "", cmd.behaviour_rating or "")
        notes = text("notes", cmd.notes)
        self._check_in_held(cmd.by.nip, cmd.period, notes, cmd.results_rating, cmd.behaviour_rating, predikat, at)
