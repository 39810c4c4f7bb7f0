"""Two ways the live read models could end up other than a rebuild from the log, each made to happen on cue.

`kinerja audit verify --read-models` compares the live read models with a rebuild and names every row
that differs; tests/test_chaos.py runs it after a database cut, with the API catching up after every
write (in a thread of its own) beside its background projector.

1. A lost connection while a batch's records are loaded: eventsourcing's recorder re-raises
   SQLAlchemy's OperationalError as its own class, which the projector took for a fault of that record:
   the record was skipped and recorded as failing, and its rows stayed behind the log until its retry.
2. A failing record's retry loads it, then a batch projects its newer event and heals it, then the
   retry applies what it loaded: the rows went back to the older version and stayed there (nothing was
   failing any more), until the record's next event.

On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import OperationalError

import readmodels.projector
from domain.application import Appraisals
from domain.work_commands import ReportProgress
from readmodels.projection_failures import Loaded
from readmodels.projector import Projector, make_engine
from readmodels.verify import verify_read_models
from tests.factories import STAFF, Scenario, T, actor


def store(store_url: str) -> tuple[Appraisals, Scenario]:
    app = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": store_url})
    return app, Scenario.new(app)


def differences(app: Appraisals, engine: sa.Engine) -> list[str]:
    return [str(d) for d in verify_read_models(app, engine).differences]


def report_progress(s: Scenario) -> None:
    s.do(STAFF, ReportProgress(actor(STAFF), "Q1", "004-1", "300 surat"), T["approve"] + timedelta(days=30))


def test_a_connection_lost_while_a_record_is_loaded_blames_no_record(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, s = store(store_url)
    s.plan(STAFF)
    Projector(app, make_engine(store_url)).catch_up()
    report_progress(s)
    # A projector that does not hold STAFF's record (a restart: its working set is empty) loads it once.
    projector = Projector(app, make_engine(store_url))
    get, lost = app.repository.get, []

    def connection_lost_once(aggregate_id: UUID, **kwargs: Any) -> Any:
        if aggregate_id == s.id(STAFF) and not lost:
            lost.append(aggregate_id)
            raise OperationalError("server closed the connection unexpectedly")
        return get(aggregate_id, **kwargs)

    monkeypatch.setattr(app.repository, "get", connection_lost_once)
    position = projector.position()
    with pytest.raises(OperationalError):
        projector.catch_up()  # the batch waits whole: the background loop backs off and tries again
    assert lost and (projector.position(), projector.failures()) == (position, [])
    assert projector.catch_up() > 0
    assert projector.failures() == [] and differences(app, projector.engine) == []
    app.close()


def test_a_retry_that_loaded_an_older_version_does_not_undo_a_newer_projection(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, s = store(store_url)
    s.plan(STAFF)  # and the head's, which STAFF's cascades from
    engine = make_engine(store_url)
    background, after_a_write = Projector(app, engine), Projector(app, engine)  # as the API runs them, at once
    real, broken = readmodels.projector.project_appraisal, s.id(STAFF)

    def bug_for_one(appraisal: Any, cycle: Any) -> Any:
        if appraisal.id == broken:
            raise KeyError("unit_name")
        return real(appraisal, cycle)

    monkeypatch.setattr(readmodels.projector, "project_appraisal", bug_for_one)
    background.catch_up()
    (failure,) = background.failures()  # failing, its retry due in 10 s
    monkeypatch.setattr(readmodels.projector, "project_appraisal", real)  # the fix is deployed
    load = Projector._load_one

    def load_then_a_newer_event_is_projected(
        self: Projector, aggregate_id: UUID, version: int | None, notification_id: int, topic: str
    ) -> Loaded:
        loaded = load(self, aggregate_id, version, notification_id, topic)
        if self is background and version is None:  # the retry's load (the latest version, as of now)
            report_progress(s)  # the employee writes; the API catches up after the write
            assert after_a_write.catch_up() == 1 and after_a_write.failures() == []
        return loaded

    monkeypatch.setattr(Projector, "_load_one", load_then_a_newer_event_is_projected)
    background.retry_failures(datetime.now(timezone.utc) + timedelta(minutes=1))
    assert failure["aggregate_id"] == str(broken)
    assert background.failures() == [] and differences(app, engine) == []
    app.close()
