"""Progress and feedback go straight to the domain through the service layer, not through the workflow.

The real application on SQLite and PostgreSQL (`store_env`), the real service layer (`AppraisalActions`
and the `Gateway`), no Temporal: these writes never reach it. What is shown: the caller's relationship
and the text rules are checked as before, a repeated Idempotency-Key writes nothing, and a write that
races a stage change the workflow makes (its activity saving the aggregate first) is reloaded and ruled
on again by the aggregate: recorded once after the change, or refused, never lost and never doubled.
The same writes on the time-skipping server, 3,000 of them: tests/test_workflows.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from domain.application import Appraisals
from domain.base import SYSTEM, KinerjaAggregate
from domain.cycle_commands import CalibrateUnit, RemoveParticipant
from domain.errors import ConcurrencyConflict, InvalidInput, WrongStage
from domain.result_commands import DeliverResult, OpenReview
from domain.work_commands import GiveFeedback, RecordCitizenFeedback, ReportProgress
from services.actions import AppraisalActions
from services.errors import ApiError
from services.gateway import CITIZEN, CONFLICT_ATTEMPTS, Gateway
from services.readside import ReadSide
from tests.factories import ANALIS, HEAD, HR_ACTOR, STAFF, UNIT, Scenario, T, actor, reach

LINK = "https://arsip.example.go.id/q1.pdf"


class ChangedFirst(Appraisals):
    """The service's application, in whose first `times` saves another writer (the workflow's activity, in
    its own process) saves the same appraisal first: the service's save is then of a stale version."""

    name = Appraisals.name  # the same log

    def __init__(self, first: Callable[[], Any], times: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.first, self.times, self.saves = first, times, 0

    def _save(self, *aggregates: KinerjaAggregate) -> None:
        self.saves += 1
        if self.saves <= self.times:
            self.first()
        super()._save(*aggregates)


def service(app: Appraisals, at: datetime) -> AppraisalActions:
    """The service layer the API and the pages call, on `app`, its clock stopped at `at`; no Temporal client:
    progress and feedback never need one."""
    return AppraisalActions(app, Gateway(None, "", app, ReadSide(), lambda: at))  # type: ignore[arg-type]


def types(app: Appraisals, appraisal_id: UUID) -> list[str]:
    return [type(e).__name__ for e in app.repository.event_store.get(appraisal_id)]


def progress(n: int = 1) -> ReportProgress:
    return ReportProgress(actor(STAFF), "Q1", "004-1", f"{n * 100} surat", LINK)


def test_progress_and_feedback_are_recorded_once_per_key_with_the_callers_checks(store_env: dict[str, str]) -> None:
    s = reach("execution", app=Appraisals(env=store_env))
    act, appraisal_id = service(s.app, T["check_in"]), s.id(STAFF)
    before = types(s.app, appraisal_id)

    first = asyncio.run(act.report_progress(appraisal_id, progress(), "lapor-q1"))
    again = asyncio.run(act.report_progress(appraisal_id, progress(), "lapor-q1"))  # a retry of the same request
    asyncio.run(act.give_feedback(appraisal_id, GiveFeedback(actor(HEAD), "004-1", "tepat waktu"), "umpan-1"))
    asyncio.run(act.record_citizen_feedback(appraisal_id, RecordCitizenFeedback(CITIZEN, 4, "ramah", "skm"), "skm-1"))

    assert (first.replayed, again.replayed, again.version) == (False, True, first.version)
    assert types(s.app, appraisal_id) == [*before, "ProgressReported", "FeedbackGiven", "FeedbackGiven"]
    stored = list(s.app.repository.event_store.get(appraisal_id))
    assert stored[len(before)].timestamp == T["check_in"]  # the service's instant is the event's

    # The relationship a step needs, and the text rules, as through the workflow: nothing written.
    with pytest.raises(ApiError) as refused:
        asyncio.run(act.report_progress(appraisal_id, ReportProgress(actor(HEAD), "Q1", "004-1", "x"), "k1"))
    assert refused.value.status == 403
    with pytest.raises(InvalidInput) as hostile:
        asyncio.run(act.give_feedback(appraisal_id, GiveFeedback(actor(HEAD), "004-1", "bagus\x00"), "k2"))
    assert hostile.value.field == "text"
    with pytest.raises(InvalidInput) as unknown:
        asyncio.run(act.report_progress(appraisal_id, ReportProgress(actor(STAFF), "Q9", "004-1", "x"), "k3"))
    assert unknown.value.field == "period"
    assert types(s.app, appraisal_id) == [*before, "ProgressReported", "FeedbackGiven", "FeedbackGiven"]


def test_progress_racing_the_opening_of_the_review_is_recorded_once_after_it(store_env: dict[str, str]) -> None:
    """The workflow's calendar opens the review while an employee's report is being saved: the report's save
    conflicts, the service reloads, and the aggregate (which takes progress during the review) records it."""
    s = reach("execution", app=Appraisals(env=store_env))
    appraisal_id = s.id(STAFF)
    workflow_side = Appraisals(env=store_env)

    def open_review() -> None:
        workflow_side.execute(appraisal_id, OpenReview(SYSTEM), at=T["review"], key="wf:review-opens")

    racing = ChangedFirst(open_review, env=store_env)
    recorded = asyncio.run(service(racing, T["review"]).report_progress(appraisal_id, progress(), "lapor-q4"))

    assert racing.saves == 2  # the first save lost the race, the reloaded one won
    assert types(s.app, appraisal_id)[-2:] == ["ReviewOpened", "ProgressReported"]
    assert (recorded.stage, recorded.version, recorded.replayed) == ("review", s.get(STAFF).version, False)
    # The request again (its answer was lost, say): the same outcome, nothing written.
    again = asyncio.run(
        service(Appraisals(env=store_env), T["review"]).report_progress(appraisal_id, progress(), "lapor-q4")
    )
    assert (again.replayed, again.version) == (True, recorded.version)
    assert types(s.app, appraisal_id).count("ProgressReported") == 1


def rated_and_calibrated(store_env: dict[str, str]) -> Scenario:
    """The unit rated and calibrated, every result delivered but STAFF's."""
    s = Scenario.new(Appraisals(env=store_env))
    for who in (HEAD, STAFF, ANALIS):
        s.rate(who)
    s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, "unit kecil"), at=T["calibrate"])
    for who in (HEAD, ANALIS):
        s.do(who, DeliverResult(actor(s.get(who).appraiser_nip)), T["deliver"])
    return s


def test_progress_racing_the_delivery_of_the_result_is_refused_and_writes_nothing(store_env: dict[str, str]) -> None:
    """The appraiser delivers the result (the workflow's Update) while a report is being saved: after the
    conflict the aggregate, at result_delivered, refuses the report; the delivery stands, once."""
    s = rated_and_calibrated(store_env)
    appraisal_id = s.id(STAFF)
    workflow_side = Appraisals(env=store_env)

    def deliver() -> None:
        workflow_side.execute(appraisal_id, DeliverResult(actor(HEAD)), at=T["deliver"], key="wf:deliver")

    racing = ChangedFirst(deliver, env=store_env)
    with pytest.raises(WrongStage) as refused:
        asyncio.run(service(racing, T["deliver"]).report_progress(appraisal_id, progress(), "lapor-akhir"))

    assert "result_delivered" in str(refused.value)
    assert types(s.app, appraisal_id)[-2:] == ["Rated", "ResultDelivered"]
    assert "ProgressReported" not in types(s.app, appraisal_id)


def test_a_write_that_loses_every_race_answers_conflict_and_writes_nothing(store_env: dict[str, str]) -> None:
    s = reach("execution", app=Appraisals(env=store_env))
    appraisal_id = s.id(STAFF)
    workflow_side = Appraisals(env=store_env)
    feedbacks = iter(range(CONFLICT_ATTEMPTS))

    def another_write() -> None:
        text = f"catatan {next(feedbacks)}"
        workflow_side.execute(appraisal_id, GiveFeedback(actor(HEAD), "004-1", text), at=T["check_in"])

    racing = ChangedFirst(another_write, times=CONFLICT_ATTEMPTS, env=store_env)
    with pytest.raises(ConcurrencyConflict):
        asyncio.run(service(racing, T["check_in"]).report_progress(appraisal_id, progress(), "lapor-kalah"))

    assert racing.saves == CONFLICT_ATTEMPTS
    assert types(s.app, appraisal_id).count("FeedbackGiven") == CONFLICT_ATTEMPTS
    assert "ProgressReported" not in types(s.app, appraisal_id)


def test_an_employee_withdrawn_from_the_cycle_gets_no_more_progress_or_feedback(store_env: dict[str, str]) -> None:
    """Through the workflow such a write met a stopped workflow; straight to the domain, the aggregate refuses it."""
    s = reach("execution", app=Appraisals(env=store_env))
    appraisal_id = s.id(STAFF)
    act = service(s.app, T["check_in"])
    asyncio.run(act.report_progress(appraisal_id, progress(1), "sebelum"))
    s.app.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, STAFF, "pindah instansi"), at=T["check_in"])
    before = types(s.app, appraisal_id)

    with pytest.raises(WrongStage) as refused:
        asyncio.run(act.report_progress(appraisal_id, progress(2), "sesudah"))
    assert str(refused.value) == f"{STAFF} was withdrawn from the cycle: the appraisal takes no more input"
    with pytest.raises(WrongStage):
        asyncio.run(act.give_feedback(appraisal_id, GiveFeedback(actor(HEAD), "004-1", "x"), "umpan"))
    with pytest.raises(WrongStage):
        asyncio.run(act.record_citizen_feedback(appraisal_id, RecordCitizenFeedback(CITIZEN, 3, "", "skm"), "skm"))
    assert types(s.app, appraisal_id) == before
