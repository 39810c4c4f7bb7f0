"""Read models: projected from the real domain log, on SQLite and PostgreSQL, exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from activities.opening import appraisal_plan
from domain.application import Appraisals
from domain.base import SYSTEM
from domain.cycle_commands import ExtendDeadline, StartCycle
from domain.result_commands import FileKeberatan, OpenReview
from domain.rules import BAIK, BELOW, rule_set
from domain.work_commands import ApproveSkp, DraftSkp, HoldCheckIn, SubmitSkp
from readmodels import queries
from readmodels.projector import Projector, make_engine, run
from readmodels.tables import READ_TABLES, projection_tracking
from tests.factories import (
    ANALIS,
    HEAD,
    HR_ACTOR,
    SEKDA,
    STAFF,
    UNIT,
    WITA,
    Rating,
    Scenario,
    T,
    actor,
    define_cycle,
    rhk,
    values,
)

UTC = timezone.utc


@pytest.fixture
def app(store_env: dict[str, str]) -> Iterator[Appraisals]:
    app = Appraisals(env=store_env)
    yield app
    app.close()


@pytest.fixture
def projector(app: Appraisals, store_url: str) -> Iterator[Projector]:
    """Read models in the event store's own database: the default deployment."""
    engine = make_engine(store_url)
    yield Projector(app, engine, batch_size=7)  # small batches: many transactions, many boundaries
    engine.dispose()


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read table, in a stable order."""
    with engine.connect() as conn:
        return {t.name: sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(t))) for t in READ_TABLES}


def busy_unit(app: Appraisals, projector: Projector | None = None) -> Scenario:
    """HEAD in execution, STAFF at review, ANALIS waiting for HEAD's SKP review; projected after each step."""
    s = Scenario.new(app)
    steps = [
        lambda: s.plan(STAFF),  # plans HEAD first (the cascade)
        lambda: s.do(
            STAFF,
            HoldCheckIn(
                actor(HEAD), notes="Q1 berjalan baik", results_rating="sesuai", behaviour_rating="sesuai", period="Q1"
            ),
            T["check_in"],
        ),
        lambda: s.do(STAFF, OpenReview(SYSTEM), T["review"]),
        lambda: s.open(ANALIS),
        lambda: s.do(ANALIS, DraftSkp(actor(ANALIS), rhk=rhk("ana", supports="head-1")), T["draft"]),
        lambda: s.do(ANALIS, SubmitSkp(actor(ANALIS)), T["submit"]),
    ]
    for step in steps:
        step()
        if projector is not None:
            projector.catch_up()  # as the API does after each write
    return s


def test_inbox_lists_each_pending_task_with_its_deadline_overdue_first(app: Appraisals, projector: Projector) -> None:
    s = busy_unit(app, projector)
    cycle = app.cycle(s.cycle_id)

    # In June 2024 the SKP review (due 31 January 2024) is overdue; the rating is due after the year.
    tasks = queries.assignee_inbox(projector.engine, HEAD, now=datetime(2024, 6, 1, tzinfo=UTC))
    assert [(t["employee_nip"], t["task"], t["due_at"], t["overdue"]) for t in tasks] == [
        (ANALIS, "review_skp", cycle.deadline("planning"), True),
        (STAFF, "rate", cycle.deadline("review"), False),
    ]
    # HEAD's own appraisal waits for SEKDA's first check-in: due when the first quarter ends (31 March WITA).
    assert [(t["employee_nip"], t["task"], t["due_at"]) for t in queries.assignee_inbox(projector.engine, SEKDA)] == [
        (HEAD, "check_in", datetime(2024, 3, 31, 15, 59, 59, tzinfo=UTC))
    ]


def test_an_extended_deadline_moves_the_due_dates_it_bounds(app: Appraisals, projector: Projector) -> None:
    s = busy_unit(app, projector)
    app.execute_cycle(
        s.cycle_id, ExtendDeadline(HR_ACTOR, "review", "2025-02-28", "server e-Kinerja down"), at=T["rate"]
    )
    projector.catch_up()

    due = {t["task"]: t["due_at"] for t in queries.assignee_inbox(projector.engine, HEAD)}
    assert due["rate"] == app.cycle(s.cycle_id).deadline("review") == datetime(2025, 2, 28, 15, 59, 59, tzinfo=UTC)
    assert due["review_skp"] == app.cycle(s.cycle_id).deadline("planning")  # the planning deadline stays


def test_progress_counts_stages_per_unit_with_overdue_tasks(app: Appraisals, projector: Projector) -> None:
    s = busy_unit(app, projector)
    june = datetime(2024, 6, 1, tzinfo=UTC)

    # Three records are open, but only two workflows are recorded as running (domain/opening.py):
    # the third still waits for its workflow, and a write to it would get 409, so it is not open yet.
    assert app.record_workflows_started(s.cycle_id, [HEAD, STAFF], T["open"]) == sorted([HEAD, STAFF])
    projector.catch_up()
    [unit] = queries.progress(projector.engine, str(s.cycle_id), now=june)
    assert unit["participants"] == 3 and unit["not_opened"] == 1
    assert unit["stages"] == {"execution": 1, "review": 1}

    # Its workflow runs: now it counts; recording a page again (a retried activity) changes nothing.
    assert app.record_workflows_started(s.cycle_id, [ANALIS], T["open"]) == [ANALIS]
    assert app.record_workflows_started(s.cycle_id, [HEAD, ANALIS], T["open"]) == []
    projector.catch_up()
    [unit] = queries.progress(projector.engine, str(s.cycle_id), now=june)
    assert unit["unit_id"] == UNIT and unit["participants"] == 3 and unit["not_opened"] == 0
    assert unit["stages"] == {"execution": 1, "review": 1, "planning": 1}
    # In June: ANALIS's SKP review (31 January) and HEAD's first-quarter check-in (31 March) are overdue.
    assert unit["overdue"] == {"planning": 1, "execution": 1} and unit["overdue_total"] == 2
    assert app.workflows_running(s.cycle_id) == {HEAD, STAFF, ANALIS}


def check_in_due(engine: sa.Engine, nip: str) -> datetime | None:
    [task] = [t for t in queries.assignee_inbox(engine, HEAD) if t["employee_nip"] == nip]
    assert task["task"] == "check_in"
    due: datetime | None = task["due_at"]
    return due


def test_a_check_in_is_due_when_the_quarter_owed_next_ends_under_the_review_opening_hr_chose(
    app: Appraisals, projector: Projector
) -> None:
    """#9 finding 3: HR opened the review on 15 September, so the last two check-ins fall due on the 14th,
    not at the end of their quarter; each due is the one the workflow's reminder carries (appraisal_plan)."""
    cycle_id = define_cycle(app, start=False)
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR, "09-15", 10), at=T["start"])
    s = Scenario(app, cycle_id)
    s.plan(STAFF)
    projector.catch_up()
    # What the workflow of the appraisal is handed, from the start's choice, and reminds of (activities/opening.py).
    reminded = {
        c.period: datetime.fromisoformat(c.due_iso)
        for c in appraisal_plan(app.cycle(cycle_id), "09-15", 10)["check_ins"]
    }
    end = lambda m, d: datetime(2024, m, d, 23, 59, 59, tzinfo=WITA)  # noqa: E731
    assert reminded == {"Q1": end(3, 31), "Q2": end(6, 30), "Q3": end(9, 14), "Q4": end(9, 14)}

    assert check_in_due(projector.engine, STAFF) == reminded["Q1"]
    held = []
    for period, then in (("Q1", "Q2"), ("Q2", "Q3"), ("Q3", "Q4")):
        s.do(STAFF, HoldCheckIn(actor(HEAD), period, f"dialog {period}"), T["check_in"])
        held.append(period)
        projector.catch_up()
        assert check_in_due(projector.engine, STAFF) == reminded[then], f"after {held}"
    live = snapshot(projector.engine)
    projector.rebuild()  # after-effect: rebuilt from zero, the due is the same
    assert snapshot(projector.engine) == live and check_in_due(projector.engine, STAFF) == reminded["Q4"]
    s.do(STAFF, HoldCheckIn(actor(HEAD), "Q4", "dialog Q4"), T["check_in"])
    projector.catch_up()
    assert check_in_due(projector.engine, STAFF) is None  # every check-in held: the task waits for the review


def test_distribution_is_checked_against_the_rule_sets_curve(app: Appraisals, projector: Projector) -> None:
    s = Scenario.new(app, org_predikat=BAIK)
    s.deliver({ANALIS: Rating(results=BELOW, behaviour=values())})  # HEAD and STAFF baik, ANALIS butuh perbaikan
    projector.catch_up()

    [unit] = queries.unit_distribution(projector.engine, str(s.cycle_id))
    counts = {"sangat_baik": 0, "baik": 2, "butuh_perbaikan": 1, "kurang": 0, "sangat_kurang": 0}
    assert unit["counts"] == counts and unit["org_predikat"] == BAIK and unit["rated"] == 3
    expected = [w.message for w in rule_set(app.cycle(s.cycle_id).rule_set_id).check_curve(BAIK, counts)]
    assert unit["curve_warnings"] == expected


def test_trends_show_check_in_and_annual_predikat(app: Appraisals, projector: Projector) -> None:
    s = busy_unit(app)
    s.rate(STAFF)
    projector.catch_up()

    assert queries.predikat_trends(projector.engine, "pemkot-palu") == [
        {"year": 2024, "period": "Q1", "counts": {**_zero(), "baik": 1}},
        {"year": 2024, "period": "annual", "counts": {**_zero(), "baik": 1}},
    ]
    [appraisal] = queries.employee_appraisals(projector.engine, STAFF)
    assert (appraisal["stage"], appraisal["predikat"], appraisal["results_rating"]) == ("review", "baik", "sesuai")


def _zero() -> dict[str, int]:
    return dict.fromkeys(("sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"), 0)


def test_a_rebuilt_projection_equals_the_live_one(app: Appraisals, projector: Projector) -> None:
    s = busy_unit(app, projector)
    s.do(ANALIS, ApproveSkp(actor(HEAD)), T["approve"])
    s.deliver({STAFF: Rating(results=BELOW)})
    s.do(STAFF, FileKeberatan(actor(STAFF), reasons="bukti dukung belum dipertimbangkan"), T["deliver"])
    projector.catch_up()
    live = snapshot(projector.engine)
    assert live["rm_appraisals"] and live["rm_inbox"] and live["rm_trends"]

    assert projector.rebuild() > 0
    assert snapshot(projector.engine) == live
    assert projector.position() == app.recorder.max_notification_id()


def test_catching_up_twice_changes_nothing(app: Appraisals, projector: Projector) -> None:
    busy_unit(app)
    assert projector.catch_up() > 0
    before, position = snapshot(projector.engine), projector.position()

    assert projector.catch_up() == 0
    assert snapshot(projector.engine) == before and projector.position() == position


def test_a_crash_inside_a_batch_rolls_back_rows_and_position_together(
    app: Appraisals, projector: Projector, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy_unit(app)
    real_apply, calls = Projector.apply, []

    def crash_on_third_batch(self: Projector, conn: sa.Connection, aggregates: list[Any], **more: Any) -> None:
        calls.append(len(aggregates))
        real_apply(self, conn, aggregates, **more)  # the rows are written, then the process "dies"
        if len(calls) == 3:
            raise RuntimeError("killed")

    monkeypatch.setattr(Projector, "apply", crash_on_third_batch)
    with pytest.raises(RuntimeError, match="killed"):
        projector.catch_up()
    assert projector.position() == 2 * projector.batch_size  # the third batch left no trace
    monkeypatch.setattr(Projector, "apply", real_apply)

    projector.catch_up()
    resumed = snapshot(projector.engine)
    projector.rebuild()
    assert snapshot(projector.engine) == resumed


def test_concurrent_projectors_while_commands_are_written(
    app: Appraisals, projector: Projector, caplog: pytest.LogCaptureFixture
) -> None:
    # Two background loops (say, two API replicas) and the writer, all at once, on one database.
    stop = threading.Event()
    loops = [
        threading.Thread(target=run, args=(Projector(app, projector.engine, batch_size=3), stop, 0.001))
        for _ in range(2)
    ]
    for loop in loops:
        loop.start()
    try:
        s = busy_unit(app)
        s.do(ANALIS, ApproveSkp(actor(HEAD)), T["approve"])
        s.deliver()
    finally:
        stop.set()
        for loop in loops:
            loop.join()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no lock errors, no deadlocks
    projector.catch_up()
    live = snapshot(projector.engine)
    projector.rebuild()
    assert snapshot(projector.engine) == live
    assert len(live["rm_appraisals"]) == 3


def test_read_models_may_live_in_another_database(app: Appraisals, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    s = busy_unit(app)
    Projector(app, engine).catch_up()

    with engine.connect() as conn:
        assert conn.execute(sa.select(projection_tracking.c.last_notification_id)).scalar_one() > 0
    assert {t["task"] for t in queries.assignee_inbox(engine, HEAD)} == {"review_skp", "rate"}
    assert queries.cycle(engine, str(s.cycle_id))["agency_id"] == "pemkot-palu"  # type: ignore[index]
    engine.dispose()
