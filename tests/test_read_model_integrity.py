"""Finding 8 of #8: an SQL UPDATE on the read-model tables changed the HR list and the distribution unseen.

`kinerja audit verify --read-models` and GET /api/v1/audit/read-models/verify rebuild the projections
from the log into a scratch schema (PostgreSQL) or a scratch database (SQLite) and name every row that
differs from the live read models. On both backends (store_url, tests/conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import cli
import settings as settings_module
from domain.application import Appraisals
from readmodels.projector import Projector, make_engine
from readmodels.verify import verify_read_models
from tests.factories import ANALIS, HEAD, STAFF, UNIT, Rating, Scenario
from tests.test_api_support import AUDITOR, EMP1, build_app, login, running, settings_for


@pytest.fixture
def store(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Scenario, Projector]]:
    """A unit rated, calibrated and delivered (HR list, distribution and trends hold rows), projected live."""
    monkeypatch.setenv("KINERJA_DATABASE_URL", store_url)
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", str(tmp_path / "keys"))
    settings_module.get_settings.cache_clear()
    app = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": store_url})
    s = Scenario.new(app)
    s.deliver({STAFF: Rating(results="di_bawah")})
    projector = Projector(app, make_engine(store_url), batch_size=7)
    projector.catch_up()
    yield s, projector
    app.close()
    settings_module.get_settings.cache_clear()


def tamper(engine: sa.Engine, sql: str, **params: Any) -> None:
    with engine.begin() as conn:
        assert conn.execute(sa.text(sql), params).rowcount == 1


def scratch_places(engine: sa.Engine) -> list[str]:
    """Scratch schemas left behind on PostgreSQL (none may be)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        query = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm_verify_%'"
        return list(conn.execute(sa.text(query)).scalars())


def test_an_untouched_store_reports_clean(store: tuple[Scenario, Projector]) -> None:
    s, projector = store
    report = verify_read_models(s.app, projector.engine)
    assert report.ok and report.differences == [] and report.rebuild_failures == []
    assert report.position == s.app.recorder.max_notification_id()
    assert report.rows["rm_appraisals"] == 3 and report.rows["rm_distribution"] > 0 and report.rows["rm_trends"] > 0
    assert scratch_places(projector.engine) == []


def test_an_sql_update_on_the_hr_list_and_the_distribution_is_named_row_by_row(
    store: tuple[Scenario, Projector],
) -> None:
    s, projector = store
    engine, staff, cycle = projector.engine, str(s.id(STAFF)), str(s.cycle_id)
    predikat = s.get(STAFF).predikat
    tamper(
        engine,
        "UPDATE rm_appraisals SET predikat = 'sangat_baik', employee_name = 'Orang Lain' WHERE appraisal_id = :a",
        a=staff,
    )
    tamper(
        engine,
        "UPDATE rm_distribution SET count = count + 5 WHERE cycle_id = :c AND unit_id = :u AND predikat = :p",
        c=cycle,
        u=UNIT,
        p=predikat,
    )
    tamper(engine, "DELETE FROM rm_appraisal_periods WHERE appraisal_id = :a AND period = 'annual'", a=str(s.id(HEAD)))
    tamper(
        engine,
        "INSERT INTO rm_distribution (cycle_id, unit_id, predikat, count) VALUES (:c, :u, 'istimewa', 1)",
        c=cycle,
        u=UNIT,
    )

    report = verify_read_models(s.app, engine)

    assert not report.ok
    found = {(d.table, tuple(d.key.values()), d.kind): d.columns for d in report.differences}
    assert found == {
        ("rm_appraisals", (staff,), "changed"): {
            "employee_name": {"live": "Orang Lain", "rebuilt": "Staf Umum"},
            "predikat": {"live": "sangat_baik", "rebuilt": predikat},
        },
        ("rm_distribution", (cycle, UNIT, predikat), "changed"): {
            "count": {"live": report_count(report, predikat) + 5, "rebuilt": report_count(report, predikat)}
        },
        ("rm_appraisal_periods", (str(s.id(HEAD)), "annual"), "missing"): {
            "predikat": {"live": None, "rebuilt": s.get(HEAD).predikat}
        },
        ("rm_distribution", (cycle, UNIT, "istimewa"), "unexpected"): {"count": {"live": 1, "rebuilt": None}},
    }
    assert f"rm_appraisals [appraisal_id={staff}] changed: employee_name: live 'Orang Lain', from the log " in (
        "\n".join(report.as_dict()["described"])
    )
    assert scratch_places(engine) == []
    # After-effect: verifying repaired nothing (the evidence stays); a rebuild from the log does.
    assert not verify_read_models(s.app, engine).ok
    projector.rebuild()
    assert verify_read_models(s.app, engine).ok


def report_count(report: Any, predikat: str) -> int:
    """The rebuilt count of a predikat in the unit (from the report's own difference)."""
    for d in report.differences:
        if d.table == "rm_distribution" and d.key["predikat"] == predikat:
            return int(d.columns["count"]["rebuilt"])
    raise AssertionError(f"no distribution difference for {predikat}")


def test_the_cli_names_the_tampered_row_and_exits_2(store: tuple[Scenario, Projector]) -> None:
    s, projector = store
    runner = CliRunner()
    clean = runner.invoke(cli.app, ["audit", "verify", "--read-models"])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)["ok"] is True
    analis = str(s.id(ANALIS))
    tamper(projector.engine, "UPDATE rm_appraisals SET stage = 'finalised' WHERE appraisal_id = :a", a=analis)
    dirty = runner.invoke(cli.app, ["audit", "verify", "--read-models"])
    assert dirty.exit_code == 2, dirty.output
    report = json.loads(dirty.stdout)
    assert [(d["table"], d["key"], d["kind"]) for d in report["differences"]] == [
        ("rm_appraisals", {"appraisal_id": analis}, "changed")
    ]
    assert report["differences"][0]["columns"] == {"stage": {"live": "finalised", "rebuilt": "result_delivered"}}


async def test_the_auditor_endpoint_names_the_tampered_row(
    store: tuple[Scenario, Projector], store_url: str, tmp_path: Path
) -> None:
    s, projector = store
    staff = str(s.id(STAFF))
    settings = settings_for(tmp_path, database_url=store_url)
    async with running(build_app(settings, s.app, project_every_seconds=None)) as client:
        auditor = await login(client, AUDITOR)
        clean = await client.get("/api/v1/audit/read-models/verify", headers=auditor)
        assert clean.status_code == 200 and clean.json()["ok"] is True, clean.text
        tamper(projector.engine, "UPDATE rm_appraisals SET predikat = 'sangat_baik' WHERE appraisal_id = :a", a=staff)
        dirty = (await client.get("/api/v1/audit/read-models/verify", headers=auditor)).json()
        assert dirty["ok"] is False and [d["key"] for d in dirty["differences"]] == [{"appraisal_id": staff}]
        assert dirty["described"][0].startswith(f"rm_appraisals [appraisal_id={staff}] changed: predikat: live")
        employee = await client.get("/api/v1/audit/read-models/verify", headers=await login(client, EMP1))
        assert employee.status_code == 403
