"""`kinerja careers` (#14): the what-if of a finished cycle, the tukin recap as CSV, the export to a directory (twice:
nothing doubled) and HR's recorded migration, each failing in one sentence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from domain.application import Appraisals
from settings import event_store_env, get_settings
from tests.career_kit import finished, import_agencies
from tests.factories import HR_NIP, STAFF, Rating, Scenario, reach, values


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Appraisals]:
    url = f"sqlite:///{tmp_path / 'kinerja.db'}"
    monkeypatch.setenv("KINERJA_DATABASE_URL", url)
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("KINERJA_EXPORT_DIR", str(tmp_path / "siasn"))
    monkeypatch.setenv("KINERJA_TEMPORAL_ADDRESS", "127.0.0.1:9")
    get_settings.cache_clear()  # each test its own database
    app = Appraisals(env=event_store_env(url))
    yield app
    app.close()
    get_settings.cache_clear()


def test_what_if_tukin_and_export_from_the_command_line(store: Appraisals, tmp_path: Path) -> None:
    s: Scenario = finished(store, {STAFF: Rating(results="di_bawah", behaviour=values("sesuai"))})
    import_agencies(store)
    runner = CliRunner()
    target = "permenpanrb-6-2022-tukin-klh-6-2025"
    table = runner.invoke(cli.app, ["careers", "what-if", str(s.cycle_id), target])
    assert table.exit_code == 0 and "bidang-umum" in table.output
    what = runner.invoke(cli.app, ["careers", "what-if", str(s.cycle_id), target, "--json"])
    assert what.exit_code == 0, what.output
    found = json.loads(what.output)
    staff = next(e for e in found["employees"] if e["nip"] == STAFF)
    assert (staff["before"]["tukin_cut_percent"], staff["after"]["tukin_cut_percent"]) == (0.0, 10.0)
    assert found["units"][0]["changed"] == 1
    unknown = runner.invoke(cli.app, ["careers", "what-if", str(s.cycle_id), "tidak-ada"])
    assert unknown.exit_code == 1 and "no rule set 'tidak-ada'" in unknown.output and "Traceback" not in unknown.output

    recap = runner.invoke(cli.app, ["careers", "tukin", str(s.cycle_id), "2025-02", "--csv"])
    assert recap.exit_code == 0 and recap.output.splitlines()[0].startswith("bulan;unor_id")
    assert f"2025-02;bidang-umum;bidang-umum;{STAFF};Staf Umum;butuh_perbaikan;0.0" in recap.output
    wrong = runner.invoke(cli.app, ["careers", "tukin", str(s.cycle_id), "2031-02"])
    assert wrong.exit_code == 1 and "month" in wrong.output

    for _ in range(2):
        sent = runner.invoke(cli.app, ["careers", "export", str(s.cycle_id)])
        assert sent.exit_code == 0, sent.output
    assert "'unchanged': 3" in sent.output and "'delivered': 0" in sent.output
    assert len(list((tmp_path / "siasn").iterdir())) == 3


def test_migration_from_the_command_line_is_recorded_once(store: Appraisals) -> None:
    s = reach("execution", app=store)
    args = ["careers", "migrate", str(s.id(STAFF)), "permenpanrb-6-2022-tukin-klh-6-2025"]
    runner = CliRunner()
    missing = runner.invoke(cli.app, args)
    assert missing.exit_code != 0  # --reason and --as are required
    done = runner.invoke(cli.app, [*args, "--reason", "Perkada baru", "--as", HR_NIP, "--key", "m1"])
    assert done.exit_code == 0, done.output
    again = runner.invoke(cli.app, [*args, "--reason", "Perkada baru", "--as", HR_NIP, "--key", "m1"])
    assert again.exit_code == 0
    assert len(store.appraisal(s.id(STAFF)).rule_migrations) == 1
    same = runner.invoke(cli.app, [*args, "--reason", "lagi", "--as", HR_NIP])
    assert same.exit_code == 1 and "already runs under" in same.output
