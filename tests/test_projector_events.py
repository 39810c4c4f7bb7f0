"""The projector applies events, not aggregates (issue #10), on SQLite and PostgreSQL.

Each stored event is decoded once and applied to the projector's working set; the counts move by deltas.
So the tables it builds batch after batch, event by event or after a restart, must equal a rebuild from
zero, and every count must equal a recount of the rows present (what the projector computed before).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from domain.application import Appraisals
from domain.base import SYSTEM
from domain.people_commands import ChangeSupervisor
from domain.result_commands import FileKeberatan, OpenReview
from domain.rules import BELOW
from domain.work_commands import ApproveSkp, HoldCheckIn, ReportProgress
from readmodels.projector import Projector, make_engine
from readmodels.tables import (
    READ_TABLES,
    appraisal_periods,
    appraisals,
    cycle_progress,
    distribution,
    trends,
    workflows_running,
)
from readmodels.verify import scratch
from readmodels.working_set import Decoder
from tests.factories import ANALIS, HEAD, HR_ACTOR, KADIS, SEKDA, STAFF, Rating, Scenario, T, actor


@pytest.fixture
def app(store_env: dict[str, str]) -> Iterator[Appraisals]:
    app = Appraisals(env=store_env)
    yield app
    app.close()


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {t.name: sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(t))) for t in READ_TABLES}


def recounted(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The counts as a recount of the rows present gives them (the projector's rule before deltas)."""
    a, p, w = appraisals, appraisal_periods, workflows_running
    running = a.join(w, sa.and_(w.c.cycle_id == a.c.cycle_id, w.c.employee_nip == a.c.employee_nip))
    queries = {
        "progress": sa.select(a.c.cycle_id, a.c.unit_id, a.c.stage, sa.func.count())
        .select_from(running)
        .group_by(a.c.cycle_id, a.c.unit_id, a.c.stage),
        "distribution": sa.select(a.c.cycle_id, a.c.unit_id, a.c.predikat, sa.func.count())
        .where(a.c.predikat.is_not(None))
        .group_by(a.c.cycle_id, a.c.unit_id, a.c.predikat),
        "trends": sa.select(a.c.agency_id, a.c.year, p.c.period, a.c.unit_id, p.c.predikat, sa.func.count())
        .select_from(p.join(a, p.c.appraisal_id == a.c.appraisal_id))
        .group_by(a.c.agency_id, a.c.year, p.c.period, a.c.unit_id, p.c.predikat),
    }
    with engine.connect() as conn:
        return {name: sorted(tuple(r) for r in conn.execute(q)) for name, q in queries.items()}


def counts(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            name: sorted(tuple(r) for r in conn.execute(sa.select(t)))
            for name, t in (("progress", cycle_progress), ("distribution", distribution), ("trends", trends))
        }


def a_year(app: Appraisals, after_each: Any) -> Scenario:
    """Three appraisals through planning, progress, check-ins, a workflow record, a supervisor change, review,
    ratings, delivery and a keberatan: every projected table gets rows, and counts go up and down."""
    s = Scenario.new(app)
    steps = [
        lambda: s.plan(STAFF),  # and HEAD's, which STAFF's cascades from
        lambda: app.record_workflows_started(s.cycle_id, [HEAD, STAFF], T["open"]),
        lambda: s.submit(ANALIS),
        lambda: s.do(ANALIS, ApproveSkp(actor(HEAD)), T["approve"]),
        lambda: s.do(STAFF, ReportProgress(actor(STAFF), "Q1", "004-1", "300 surat"), T["approve"] + timedelta(days=9)),
        lambda: s.do(STAFF, HoldCheckIn(actor(HEAD), "Q1", "dialog kinerja", "sesuai", "sesuai"), T["check_in"]),
        lambda: s.do(ANALIS, HoldCheckIn(actor(HEAD), "Q1", "dialog kinerja", "di_bawah", "sesuai"), T["check_in"]),
        lambda: app.record_workflows_started(s.cycle_id, [ANALIS], T["open"]),
        lambda: app.change_supervisor(
            s.cycle_id, ANALIS, ChangeSupervisor(HR_ACTOR, SEKDA, KADIS, "mutasi"), at=T["check_in"] + timedelta(days=1)
        ),
        lambda: s.do(STAFF, OpenReview(SYSTEM), T["review"]),
        lambda: s.deliver({STAFF: Rating(results=BELOW)}),
        lambda: s.do(STAFF, FileKeberatan(actor(STAFF), "bukti dukung belum dipertimbangkan"), T["deliver"]),
    ]
    for step in steps:
        step()
        after_each()
    return s


def test_a_rebuild_from_zero_equals_the_tables_projected_event_by_event(app: Appraisals, store_url: str) -> None:
    engine = make_engine(store_url)
    one_by_one = Projector(app, engine, batch_size=1)
    seen: list[Any] = []

    def project() -> None:
        one_by_one.catch_up()
        seen.append(counts(engine))
        assert counts(engine) == recounted(engine)  # deltas never drift from the rows

    a_year(app, project)
    live = snapshot(engine)
    assert all(live[t] for t in ("rm_appraisals", "rm_inbox", "rm_trends", "rm_distribution", "rm_cycle_progress"))
    assert any(a != b for a, b in zip(seen, seen[1:], strict=False))  # the counts did move
    assert one_by_one.failures() == []

    rebuilt = Projector(app, engine, rebuild_batch_size=10_000)
    assert rebuilt.rebuild() == app.recorder.max_notification_id()
    assert rebuilt.working_set.loads == 0  # from zero every aggregate is created inside the log it reads
    assert snapshot(engine) == live and counts(engine) == recounted(engine)
    # Folded in small reads and written whenever two records wait (the bound of a large log), evicting
    # and reloading records as it goes: the same tables.
    small = Projector(app, engine, rebuild_batch_size=7, working_set_size=2)
    assert small.rebuild() == app.recorder.max_notification_id()
    assert small.working_set.loads > 0
    assert snapshot(engine) == live and counts(engine) == recounted(engine)
    # The projector's loop behind by the whole log: batches of 2, 4, 8, 16, 16...: the same tables.
    with scratch(engine) as place:
        grown = Projector(app, place, batch_size=2, rebuild_batch_size=16)
        sizes: list[int] = []
        step = grown._step

        def counted(until: int | None, batch_size: int) -> tuple[int, bool]:
            sizes.append(batch_size)
            return step(until, batch_size)

        grown._step = counted  # type: ignore[method-assign]
        assert grown.catch_up(grow=True) == app.recorder.max_notification_id()
        assert sizes[:5] == [2, 4, 8, 16, 16]
        assert snapshot(place) == live and counts(place) == recounted(place)
    engine.dispose()


def test_a_rebuild_writes_each_record_once(app: Appraisals, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild from zero folds the whole log in memory and writes each record's rows in one transaction."""
    engine = make_engine(store_url)
    a_year(app, lambda: None)
    projector = Projector(app, engine, rebuild_batch_size=4)  # many reads, one write
    applied: list[list[Any]] = []
    apply = projector.apply

    def counted(conn: sa.Connection, aggregates: list[Any], **more: Any) -> None:
        applied.append(aggregates)
        apply(conn, aggregates, **more)

    monkeypatch.setattr(projector, "apply", counted)
    assert projector.rebuild() == app.recorder.max_notification_id()
    assert len(applied) == 1
    ids = [a.id for a in applied[0]]
    assert len(ids) == len(set(ids)) and set(ids) == {
        n.originator_id for n in app.recorder.select_notifications(1, 10_000)
    }
    assert projector.position() == app.recorder.max_notification_id()
    engine.dispose()


def test_the_projector_decodes_as_the_mapper_does(app: Appraisals) -> None:
    """The projector's own decoding of the stored JSON gives the very events eventsourcing's mapper gives."""
    a_year(app, lambda: None)
    decode = Decoder(app.mapper)
    stored = app.recorder.select_notifications(1, 10_000)
    assert len(stored) > 30 and len({n.topic for n in stored}) > 10
    for n in stored:
        ours, theirs = decode(n), app.mapper.to_domain_event(n)
        assert type(ours) is type(theirs) and vars(ours) == vars(theirs)


def test_a_restarted_projector_loads_each_record_once_and_agrees_with_a_rebuild(
    app: Appraisals, store_url: str
) -> None:
    engine = make_engine(store_url)
    projectors = [Projector(app, engine, batch_size=3)]
    steps = []

    def project() -> None:
        steps.append(1)
        if len(steps) in (4, 9):  # a restart: a new process, an empty working set, the same tracking row
            projectors.append(Projector(app, engine, batch_size=3))
        projectors[-1].catch_up()

    a_year(app, project)
    restarted = projectors[-1]
    # After the restart each record it met was read from the store once, never again per batch.
    assert 0 < restarted.working_set.loads <= len(restarted.working_set.held)
    live = snapshot(engine)
    Projector(app, engine).rebuild()
    assert snapshot(engine) == live and counts(engine) == recounted(engine)
    engine.dispose()


def test_each_event_is_decoded_once_and_no_record_is_reloaded(
    app: Appraisals, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(store_url)
    a_year(app, lambda: None)
    decoded: list[int] = []
    projector = Projector(app, engine, batch_size=5)  # many batches: the old projector replayed each record in each
    decode = projector.working_set.decode

    def counted(stored: Any) -> Any:
        decoded.append(stored.originator_version)
        return decode(stored)

    def no_reload(*_: Any, **__: Any) -> Any:
        raise AssertionError("the projector reloaded an aggregate")

    monkeypatch.setattr(projector.working_set, "decode", counted)
    monkeypatch.setattr(app.mapper, "to_domain_event", no_reload)  # nor decoded an event a second way
    monkeypatch.setattr(app.repository, "get", no_reload)
    applied = projector.catch_up()
    assert applied == app.recorder.max_notification_id()
    assert len(decoded) == applied  # every event projected is decoded exactly once
    assert projector.failures() == []
    engine.dispose()
