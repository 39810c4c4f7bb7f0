"""The domain log on SQLite and PostgreSQL: optimistic concurrency, idempotency keys, reopening.

Each test runs on both backends (`store_env`), with separate `Appraisals`
instances where the point is what another process would see.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy_utils import UUIDType

from domain.application import Appraisals
from domain.audit import Audit
from domain.base import KinerjaAggregate
from domain.cascade import cascade_days
from domain.chain import event_digest
from domain.cycle_commands import ExtendDeadline, StartCycle
from domain.errors import ConcurrencyConflict
from domain.result_commands import Rate
from domain.schedule import schedule
from domain.work_commands import GiveFeedback, ReportProgress
from readmodels.projector import make_engine
from settings import Settings, event_store_env
from tests.factories import HEAD, HR_ACTOR, STAFF, WITA, Scenario, T, actor, define_cycle, reach, values

EVENTS_TABLE = "kinerja_events"


@pytest.fixture
def engine(store_env: dict[str, str]) -> Iterator[sa.Engine]:
    engine = sa.create_engine(store_env["SQLALCHEMY_URL"])
    yield engine
    engine.dispose()


def rows(engine: sa.Engine, aggregate_id: Any = None) -> list[tuple[int, str]]:
    """(version, topic) of the stored events, of one aggregate or of all."""
    sql = f"SELECT originator_version, topic FROM {EVENTS_TABLE}"
    params: dict[str, Any] = {}
    if aggregate_id is not None:
        sql += " WHERE originator_id = :oid"
        params["oid"] = aggregate_id
    query = sa.text(sql + " ORDER BY id").bindparams(*([sa.bindparam("oid", type_=UUIDType())] if params else []))
    with engine.connect() as connection:
        return [(v, t.rsplit(".", 1)[-1]) for v, t in connection.execute(query, params)]


class RacingAppraisals(Appraisals):
    """Appraisals that wait at a barrier just before saving, so two callers save the same loaded version."""

    name = Appraisals.name  # the same log, not one named after this subclass

    def __init__(self, barrier: threading.Barrier, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.barrier = barrier

    def _save(self, *aggregates: KinerjaAggregate) -> None:
        self.barrier.wait(timeout=60)  # the other caller may still be loading on a loaded machine
        super()._save(*aggregates)


def test_the_events_table_is_named_after_the_application(store_env: dict[str, str], engine: sa.Engine) -> None:
    Scenario.new(Appraisals(env=store_env))
    assert EVENTS_TABLE in sa.inspect(engine).get_table_names()


def test_of_two_concurrent_commands_one_wins_the_other_conflicts_and_nothing_is_lost(
    store_env: dict[str, str], engine: sa.Engine
) -> None:
    s = reach("execution", app=Appraisals(env=store_env))
    appraisal_id, version = s.id(STAFF), s.get(STAFF).version
    commands = {
        "progress": ReportProgress(actor(STAFF), "Q1", "004-1", "312 surat", "https://arsip.example.go.id/q1.pdf"),
        "feedback": GiveFeedback(actor(HEAD), "004-1", "pertahankan ketepatan waktu"),
    }
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def run(label: str) -> None:
        app = RacingAppraisals(barrier, env=store_env)
        try:
            results[label] = app.execute(appraisal_id, commands[label], at=T["check_in"])
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            results[label] = error

    threads = [threading.Thread(target=run, args=(label,)) for label in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    conflicts = [label for label, r in results.items() if isinstance(r, ConcurrencyConflict)]
    winners = [label for label, r in results.items() if not isinstance(r, Exception)]
    assert len(conflicts) == 1 and len(winners) == 1, results
    assert "was changed by another command first; reload and retry" in str(results[conflicts[0]])
    assert results[winners[0]].version == version + 1, (results, rows(engine, appraisal_id))
    event_of = {"progress": "ProgressReported", "feedback": "FeedbackGiven"}
    assert rows(engine, appraisal_id)[version:] == [(version + 1, event_of[winners[0]])]

    # The loser reloads and retries: now both facts are in the log, one after the other.
    retried = Appraisals(env=store_env).execute(appraisal_id, commands[conflicts[0]], at=T["check_in"])
    assert retried.version == version + 2
    assert rows(engine, appraisal_id)[version:] == [
        (version + 1, event_of[winners[0]]),
        (version + 2, event_of[conflicts[0]]),
    ]


def test_a_repeated_idempotency_key_writes_nothing_and_replays_the_first_outcome(
    store_env: dict[str, str], engine: sa.Engine
) -> None:
    s = reach("review", app=Appraisals(env=store_env))
    rate, key = Rate(actor(HEAD), "di_atas", values("di_atas")), "rate-2024-staff"
    first = s.do(STAFF, rate, T["rate"], key=key)
    s.do(STAFF, GiveFeedback(actor(HEAD), about="kompeten", text="ikuti pelatihan"), T["rate"])  # moves on
    before = rows(engine)

    # The same key again, in this process and in another one, after the appraisal moved on.
    again = s.do(STAFF, rate, T["rate"], key=key)
    elsewhere = Appraisals(env=store_env).execute(s.id(STAFF), rate, at=T["rate"], key=key)

    assert rows(engine) == before
    assert first.replayed is False
    for replay in (again, elsewhere):
        assert replay.replayed is True
        assert (replay.id, replay.version, replay.stage, replay.predikat) == (
            first.id,
            first.version,
            first.stage,
            "sangat_baik",
        )
    assert s.get(STAFF).version == first.version + 1


def test_reopening_an_appraisal_returns_the_one_already_open(store_env: dict[str, str], engine: sa.Engine) -> None:
    s = Scenario.new(Appraisals(env=store_env))
    first = s.open(STAFF)
    before = rows(engine)

    again = Appraisals(env=store_env).open_appraisal(s.cycle_id, STAFF, T["rate"])

    assert rows(engine) == before
    assert (again.id, again.version, again.stage, again.replayed) == (first.id, 1, "planning", True)
    assert first.replayed is False


def test_a_stored_appraisal_reloads_identically_in_another_process(store_env: dict[str, str]) -> None:
    s = reach("keberatan", app=Appraisals(env=store_env))
    here, there = s.get(STAFF), Appraisals(env=store_env).appraisal(s.id(STAFF))
    assert vars(there) == vars(here)


def test_a_started_event_stored_before_it_carried_hrs_choice_still_loads_and_proves_itself(
    store_env: dict[str, str], engine: sa.Engine
) -> None:
    """Cycles started before the Started event recorded the review opening and the check-in reminder:
    their stored event has neither field. It decodes as stored (no upcasting, which would change what its
    digest covers), its chain verifies, and the cycle's calendar falls back to the rule set's values."""
    app = Appraisals(env=store_env)
    cycle_id = define_cycle(app, start=False)
    cycle = app.cycle(cycle_id)
    cycle.execute(StartCycle(HR_ACTOR), T["start"])
    [started] = cycle.collect_events()
    # the shape the old code wrote (before #15's cascade days, and before HR's review opening)
    for field in ("review_opens", "check_in_reminder_days_before", "cascade_days_before", "cascade_days_per_level"):
        del started.__dict__[field]
    object.__setattr__(started, "digest", event_digest(started))
    app.save(started)
    with engine.connect() as connection:
        query = sa.text(f"SELECT state FROM {EVENTS_TABLE} WHERE originator_id = :oid AND originator_version = 2")
        [state] = connection.execute(query.bindparams(sa.bindparam("oid", type_=UUIDType())), {"oid": cycle_id}).one()
    stored = json.loads(bytes(state))
    assert "review_opens" not in stored and "check_in_reminder_days_before" not in stored and stored["by"]
    assert "cascade_days_before" not in stored

    reloaded = Appraisals(env=store_env)  # another process reads the old shape
    old = reloaded.cycle(cycle_id)
    assert (old.status, old.review_opens, old.check_in_reminder_days_before) == ("started", None, None)
    assert Audit(reloaded).verify(cycle_id).ok
    plan = schedule(old)
    assert plan.review_opens_at == datetime(2024, 12, 1, tzinfo=WITA)  # the rule set's 1 December, written out
    assert plan.check_in_reminder_days_before == 7
    assert cascade_days(old) == {"before": 7, "per_level": 5}  # the rule set's
    # The cycle goes on: a later event of a new shape chains onto the old one.
    reloaded.execute_cycle(cycle_id, ExtendDeadline(HR_ACTOR, "review", "2025-02-28", "server turun"), at=T["rate"])
    assert Audit(reloaded).verify(cycle_id).ok and reloaded.cycle(cycle_id).review_opens is None
    reloaded.close()
    app.close()


def test_on_sqlite_a_save_waits_for_the_projectors_transaction_past_sqlites_default_5_s(tmp_path: Path) -> None:
    """The projector writes the read models into the same SQLite file with its own engine, and holds the file's
    write lock for a whole batch; on a loaded machine longer than pysqlite's default busy timeout (5 s), after
    which a save failed with "database is locked". Here another connection holds the lock for 6 s: the save
    waits for it and goes through once it is released (it failed after 5 s before)."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    app = Appraisals(env=event_store_env(url, Settings(database_url=url, log_keys_dir=str(tmp_path / "keys"))))
    s = Scenario.new(app)
    engine = make_engine(url)
    projector_batch = engine.connect()
    projector_batch.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, as a batch's first UPDATE takes it
    released = threading.Event()

    def release() -> None:
        projector_batch.rollback()
        released.set()

    timer = threading.Timer(6, release)
    timer.start()
    try:
        s.plan(STAFF)  # a save
        assert released.is_set()  # it waited for the lock rather than finding none
        assert s.get(STAFF).stage == "execution"
    finally:
        timer.join()
        projector_batch.close()
        engine.dispose()
        app.close()
