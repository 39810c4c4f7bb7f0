"""The projector never freezes silently (finding 5 of #8).

On PostgreSQL one NUL in a participant's name, written before the text rules existed, stopped the
read-model projector for good: every inbox and dashboard froze and nothing said so. Now the record
that cannot be projected is recorded with its event and error, the others (before and after it in
the log) are projected, and /health and the HR dashboard say how far behind the read models are and
what failed last. Run on SQLite and on PostgreSQL (store_url, tests/conftest.py).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

import domain.base
import readmodels.projector
from domain.application import Appraisals
from domain.cycle import AppraisalCycle
from domain.rules import DEFAULT_RULE_SET
from domain.work_commands import ApproveSkp
from readmodels.projector import Projector, make_engine, run
from readmodels.tables import appraisals as rm_appraisals
from tests.factories import ANALIS, HEAD, STAFF, Scenario, T, actor, participants
from tests.test_api_support import HR_NIP, build_app, running, settings_for
from tests.test_web_pages import sign_in

NUL_NAME = "Budi\x00Santoso"


def write_before_the_rules(app: Appraisals, monkeypatch: pytest.MonkeyPatch) -> UUID:
    """A cycle and an appraisal whose employee's name holds a NUL, as the code before the text rules
    wrote them: the real aggregates and the real recorder, with the rules' last net switched off."""
    with monkeypatch.context() as old_code:
        old_code.setattr(domain.base, "refuse_control_characters", lambda *_: None)
        defaults = {"position": "", "rank": "", "is_unit_head": False, "ak_coefficient": None}
        people = {p["nip"]: {**defaults, **p, "unit_name": p["unit_id"]} for p in participants()}
        people[STAFF]["name"] = NUL_NAME
        cycle = AppraisalCycle(
            agency_id="AG-LAMA",
            year=2024,
            agency_name="Instansi Lama",
            time_zone="WITA",
            rule_set_id=DEFAULT_RULE_SET,
            period="quarterly",
            deadlines={"planning": "2024-01-31", "review": "2025-01-31", "follow_up": "2025-03-31"},
            participants=people,
            by=HR_NIP,
            command_key="",
            timestamp=T["define"],
        )
        cycle._started(HR_NIP, T["start"])
        app.save(cycle)
        return app.open_appraisal(cycle.id, STAFF, T["open"]).id


def rows_of(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.appraisal_id: r.employee_name for r in conn.execute(sa.select(rm_appraisals))}


async def test_a_nul_written_before_the_rules_never_freezes_the_projection(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": store_url})
    healthy = Scenario.new(app)
    healthy.plan(STAFF)  # events before the poisoned ones
    poisoned = write_before_the_rules(app, monkeypatch)
    healthy.submit(ANALIS)  # and after them
    engine = make_engine(store_url)
    projector = Projector(app, engine, batch_size=5)

    projector.catch_up()  # on main: psycopg DataError on PostgreSQL, at every retry, for ever

    head = app.recorder.max_notification_id()
    assert projector.position() == head
    names = rows_of(engine)
    assert {str(healthy.id(w)) for w in (HEAD, STAFF, ANALIS)} <= set(names)  # before and after the poison
    postgres = store_url.startswith("postgresql")
    status = projector.status()
    if postgres:  # PostgreSQL cannot store the NUL: recorded, skipped, said
        assert str(poisoned) not in names
        (failure,) = projector.failures()
        assert failure["aggregate_id"] == str(poisoned) and failure["version"] == 1
        assert "NUL" in failure["error"] and failure["attempts"] == 1
        assert status["ok"] is False and status["failing_aggregates"] == 1
        assert status["last_error"]["aggregate_id"] == str(poisoned)
    else:  # SQLite stores it as it is
        assert names[str(poisoned)] == NUL_NAME and projector.failures() == []
        assert status["ok"] is True
    assert status["behind"] == 0 and status["head"] == head

    # After-effect: later writes keep projecting; /health and the HR dashboard say what failed.
    healthy.do(ANALIS, ApproveSkp(actor(HEAD)), T["approve"])
    projector.catch_up()
    assert projector.position() == app.recorder.max_notification_id()
    settings = settings_for(tmp_path, database_url=store_url)
    async with running(build_app(settings, app, project_every_seconds=None)) as client:
        health = (await client.get("/health")).json()
        read_models = health["read_models"]
        assert read_models["behind"] == 0 and read_models["failing_aggregates"] == (1 if postgres else 0)
        await sign_in(client, HR_NIP)
        page = await client.get("/hr")
        assert page.status_code == 200 and "Data ringkasan mutakhir" in page.text
        if postgres:
            assert health["status"] == "degraded"
            assert read_models["last_error"]["aggregate_id"] == str(poisoned)
            assert "1 catatan gagal diproyeksikan" in page.text and "Galat proyeksi terakhir" in page.text
            assert str(poisoned) in page.text
    app.close()


def test_a_failing_record_is_skipped_then_healed_by_its_retry(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record whose rows fail on every backend (a bug in the projection code for it): the others go on,
    the failure waits with a growing delay, and once the code is fixed the retry projects it."""
    app = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": store_url})
    s = Scenario.new(app)
    s.plan(STAFF)
    broken = s.id(STAFF)
    real = readmodels.projector.project_appraisal

    def bug_for_one(appraisal: Any, cycle: Any) -> Any:
        if appraisal.id == broken:
            raise KeyError("unit_name")
        return real(appraisal, cycle)

    monkeypatch.setattr(readmodels.projector, "project_appraisal", bug_for_one)
    projector = Projector(app, make_engine(store_url))  # one batch: one attempt
    projector.catch_up()
    assert projector.position() == app.recorder.max_notification_id()
    assert set(rows_of(projector.engine)) == {str(s.id(HEAD))}
    (failure,) = projector.failures()
    assert failure["error"] == "KeyError: 'unit_name'"
    first_wait = failure["retry_at"] - failure["failed_at"]
    assert timedelta(seconds=9) < first_wait < timedelta(seconds=11)
    assert projector.retry_failures() == 0  # not due yet: nothing retried
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert projector.retry_failures(later) == 0  # due, still broken: the delay doubles
    (again,) = projector.failures()
    assert again["attempts"] == 2 and again["retry_at"] - again["failed_at"] > timedelta(seconds=19)

    monkeypatch.setattr(readmodels.projector, "project_appraisal", real)  # the fix is deployed
    assert projector.retry_failures(later + timedelta(hours=2)) == 1
    assert projector.failures() == [] and str(broken) in rows_of(projector.engine)
    assert projector.status()["ok"] is True
    app.close()


def test_a_lost_connection_skips_nothing_and_is_shown_until_a_catch_up_succeeds(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure the connection may cure is not a record's fault: the batch waits whole, nothing is recorded
    as failing, the loop says so (status) and backs off; the next catch-up that succeeds clears it."""
    app = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": store_url})
    Scenario.new(app).plan(STAFF)
    projector = Projector(app, make_engine(store_url))
    head = app.recorder.max_notification_id()
    assert projector.status()["behind"] == head  # nothing projected yet: the whole log is behind
    real = Projector.apply

    def connection_lost(self: Projector, conn: sa.Connection, aggregates: list[Any], **_: Any) -> None:
        raise sa.exc.OperationalError("INSERT ...", {}, ConnectionResetError("server closed the connection"))

    monkeypatch.setattr(Projector, "apply", connection_lost)
    stop, waits = threading.Event(), []

    def wait(seconds: float | None = None) -> bool:
        waits.append(seconds)
        if len(waits) == 3:
            stop.set()
        return stop.is_set()

    monkeypatch.setattr(stop, "wait", wait)
    run(projector, stop, every_seconds=0.5)
    assert waits == [1.0, 2.0, 4.0]  # the delay doubles
    status = projector.status()
    assert projector.position() == 0 and projector.failures() == []  # nothing skipped, nothing blamed
    assert status["ok"] is False and status["behind"] == head
    assert "ConnectionResetError: server closed the connection" in status["last_error"]["error"]

    monkeypatch.setattr(Projector, "apply", real)
    stop.clear()
    waits.clear()

    def idle(seconds: float | None = None) -> bool:  # after a catch-up that succeeded: stop there
        stop.set()
        return False

    monkeypatch.setattr(projector.wake, "wait", idle)
    run(projector, stop, every_seconds=0.5)
    assert projector.status() == {
        "ok": True,
        "position": head,
        "head": head,
        "behind": 0,
        "failing_aggregates": 0,
        "last_error": None,
    }
    app.close()
