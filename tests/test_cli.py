"""The operator's command line: every refusal is one sentence and a non-zero exit, nothing done by mistake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import CliRunner

import cli
import settings as settings_module
from domain.application import Appraisals
from settings import event_store_env
from tests.test_api_support import seed_appraisal


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Appraisals]:
    url = f"sqlite:///{tmp_path / 'kinerja.db'}"
    monkeypatch.setenv("KINERJA_DATABASE_URL", url)
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("KINERJA_TEMPORAL_ADDRESS", "127.0.0.1:9")  # nothing listens: nothing may be started
    settings_module.get_settings.cache_clear()
    app = Appraisals(env=event_store_env(url))
    yield app
    app.close()
    settings_module.get_settings.cache_clear()


def test_starting_an_unknown_cycle_is_refused_before_anything_is_started(store: Appraisals) -> None:
    unknown = uuid4()
    result = CliRunner().invoke(cli.app, ["cycle", "start", str(unknown)])

    assert result.exit_code == 1 and "started" not in result.output.replace("nothing started", "")
    assert f"no cycle {unknown}" in result.output and "Traceback" not in result.output


def test_an_export_format_that_does_not_exist_is_refused_instead_of_writing_csv(store: Appraisals) -> None:
    _, appraisal = seed_appraisal(store)
    runner = CliRunner()

    xml = runner.invoke(cli.app, ["audit", "export", str(appraisal), "--format", "xml"])
    assert xml.exit_code == 2 and "'xml' is not one of" in xml.output and "event" not in xml.stdout[:200]
    csv = runner.invoke(cli.app, ["audit", "export", str(appraisal), "--format", "csv"])
    assert csv.exit_code == 0 and csv.stdout.splitlines()[0].startswith("version,")
