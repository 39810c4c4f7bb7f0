"""Which cycle the demo seeds: its story holds check-ins, which close when the year's review opens; and the
past year the demo records at the dates of its year, so an auditor's "state at" and "diff" show it change.

At 16:00 UTC on 30 November it is already 1 December in Palu (WITA): the demo seeded that day broke,
as its check-ins were refused by the review the workflow had just opened. The whole demo runs for real
in tests/test_topology.py and tests/test_dev_proof.py, on the day they run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
import settings as settings_module
from demo.history import past_year, seed_history
from demo.seed import AGENCY, AGENCY_CSV, AUDITOR, ZONE, _hr, demo_users, demo_year
from domain import calendar
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.audit import Audit
from domain.cycle import AppraisalCycle
from domain.daily_log import roll_up
from services.users import UserDirectory
from settings import event_store_env
from tests.page_language import assert_indonesian
from tests.test_api_support import build_app, running, settings_for
from tests.test_web_pages import sign_in

HR = _hr()["nip"]
TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    "today, year",
    [
        (date(2026, 1, 1), 2026),
        (date(2026, 11, 30), 2026),
        (date(2026, 12, 1), 2027),  # the review of 2026 opens on 1 December (PermenPANRB 6/2022 rule set)
        (date(2026, 12, 31), 2027),
    ],
)
def test_the_demo_seeds_this_years_cycle_until_its_review_opens(today: date, year: int) -> None:
    assert demo_year(today) == year


def test_the_day_is_the_agencys_not_the_servers() -> None:
    assert demo_year(calendar.local_day(datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc), ZONE)) == 2026
    assert demo_year(calendar.local_day(datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc), ZONE)) == 2027


# --- the past year, recorded at the dates of its year -----------------------------------------------------


@pytest.mark.parametrize(
    "today, year",
    [(date(2026, 12, 1), 2025), (date(2026, 1, 21), 2025), (date(2026, 1, 20), 2024), (date(2027, 3, 1), 2026)],
)
def test_the_past_year_is_the_latest_whose_whole_history_lies_before_today(today: date, year: int) -> None:
    assert past_year(today) == year
    assert past_year(today) < demo_year(today)  # never the live cycle's year


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Appraisals, Path, str]]:
    folder = tmp_path_factory.mktemp("history")
    url = f"sqlite:///{folder / 'kinerja.db'}"
    app = Appraisals(env=event_store_env(url))
    summary = seed_history(app, AGENCY_CSV.read_text(encoding="utf-8"), AGENCY, HR, TODAY)
    yield app, folder, summary
    app.close()


def wita(day: date) -> datetime:
    return calendar.end_of_day(day, ZONE)


def test_the_auditor_sees_the_year_change_between_march_and_december(history) -> None:
    app, _, summary = history
    assert "recorded over the year" in summary
    cycle_id = AppraisalCycle.create_id(AGENCY, 2025)
    cycle = app.cycle(cycle_id)
    staff = next(
        nip for nip, p in sorted(cycle.participants.items()) if p["unit_id"] == "CAPIL" and not p["is_unit_head"]
    )
    audit, record = Audit(app), Appraisal.create_id(cycle_id, staff)

    january = audit.state_at(record, at=wita(date(2025, 1, 4)))
    march = audit.state_at(record, at=wita(date(2025, 3, 31)))
    december = audit.state_at(record, at=wita(date(2025, 12, 31)))
    assert january["stage"] == "planning" and january["rhk"] == []
    assert march["stage"] == "execution" and march["rating"] is None
    assert [e["day"] for e in march["daily_log"]] == ["2025-02-10", "2025-03-10"]
    assert set(march["check_ins"]) == {"Q1"}
    assert december["stage"] in ("follow_up", "keberatan") and december["rating"]["predikat"]
    assert set(december["check_ins"]) == {"Q1", "Q2", "Q3", "Q4"} and len(december["daily_log"]) == 10

    diff = audit.diff(record, wita(date(2025, 3, 31)), wita(date(2025, 12, 31)))
    assert {"stage", "rating", "predikat", "check_ins", "daily_log", "progress"} <= set(diff["changed"])
    kinds = [e["type"] for e in diff["events"]]
    for kind in ("DailyLogged", "ProgressReported", "CheckInHeld", "ReviewOpened", "Rated", "ResultDelivered"):
        assert kind in kinds, kind
    assert all("2025-03-31" < e["at"][:10] <= "2025-12-31" for e in diff["events"])
    assert app.appraisal(record).stage == "finalised" and cycle.status == "closed"


def test_the_year_is_spread_over_its_dates_and_rolls_up_by_quarter(history) -> None:
    app, _, _ = history
    cycle_id = AppraisalCycle.create_id(AGENCY, 2025)
    months = set()
    for nip in app.cycle(cycle_id).participants:
        months |= {e["at"][:7] for e in Audit(app).history(Appraisal.create_id(cycle_id, nip))}
    assert {f"2025-{m:02d}" for m in range(1, 13)} <= months and "2026-01" in months
    appraisal = app.appraisal(Appraisal.create_id(cycle_id, sorted(app.cycle(cycle_id).participants)[0]))
    rows = roll_up(appraisal.periods, appraisal.rhk, appraisal.progress, appraisal.daily_log)
    assert [(r["period"], r["entries"]) for r in rows] == [("Q1", 2), ("Q2", 3), ("Q3", 3), ("Q4", 2)]
    assert all(r["reported"] for r in rows)


def test_the_backdated_year_verifies_and_a_second_run_changes_nothing(history, monkeypatch) -> None:
    app, folder, _ = history
    before = app.recorder.max_notification_id()
    again = seed_history(app, AGENCY_CSV.read_text(encoding="utf-8"), AGENCY, HR, TODAY)
    assert "already recorded" in again and app.recorder.max_notification_id() == before
    monkeypatch.setenv("KINERJA_DATABASE_URL", f"sqlite:///{folder / 'kinerja.db'}")
    settings_module.get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli.app, ["audit", "checkpoint", "--reason", "demo"]).exit_code == 0
        verified = runner.invoke(cli.app, ["audit", "verify"])
        assert verified.exit_code == 0, verified.stdout
        assert json.loads(verified.stdout)["ok"] is True
    finally:
        settings_module.get_settings.cache_clear()


async def test_the_auditor_pages_show_march_and_december_apart(history) -> None:
    app, folder, _ = history
    cycle_id = AppraisalCycle.create_id(AGENCY, 2025)
    staff = sorted(n for n, p in app.cycle(cycle_id).participants.items() if not p["is_unit_head"])[0]
    record = f"/audit/penilaian/{Appraisal.create_id(cycle_id, staff)}"
    users = UserDirectory.from_mapping(demo_users()["users"])
    web = build_app(settings_for(folder), app, users=users, project_every_seconds=None)
    async with running(web) as client:
        await sign_in(client, AUDITOR)
        march = await client.get(record, params={"pada": "2025-03-31"})
        december = await client.get(record, params={"pada": "2025-12-31"})
        assert march.status_code == december.status_code == 200
        assert "Pelaksanaan" in _section(march.text, "keadaan")
        assert "Pelaksanaan" not in _section(december.text, "keadaan")
        between = await client.get(record, params={"dari": "2025-03-31", "sampai": "2025-12-31"})
        changes = _section(between.text, "beda")
        for event in ("Catatan harian", "Dialog kinerja", "Penilaian tahunan dibuka", "Dinilai", "Hasil disampaikan"):
            assert event in changes, event
        assert_indonesian(between.text, "auditor diff of the demo year")


def _section(html: str, id_: str) -> str:
    start = html.index(f'id="{id_}"')
    return html[start : html.find("</section>", start)]
