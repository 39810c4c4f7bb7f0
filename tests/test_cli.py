"""The operator's command line: every refusal is one sentence and a non-zero exit, nothing done by mistake."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import CliRunner

import cli
import settings as settings_module
from domain.application import Appraisals
from settings import event_store_env
from tests.test_api_support import ATASAN, EMP1, SUPERVISOR, seed_appraisal

ROOT = Path(__file__).resolve().parent.parent


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


def test_a_failing_command_says_why_in_a_sentence_never_a_traceback(store: Appraisals, tmp_path: Path) -> None:
    """The `kinerja` entry point (cli.main) as the operator runs it: a missing file and a file saved in
    a legacy encoding each get one line on stderr and exit 1, with no Python traceback."""
    legacy = tmp_path / "excel.csv"
    legacy.write_bytes("agency_code,agency_name\nAG,Dinas Pendapatan Daerah \xe9\n".encode("latin-1"))
    for args in (["import", str(tmp_path / "missing.csv")], ["import", str(legacy)]):
        ran = subprocess.run(
            [sys.executable, "-c", "import cli; cli.main()", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 1, (args, ran.stdout, ran.stderr)
        assert "Traceback" not in ran.stderr + ran.stdout and "kinerja failed" in ran.stderr, ran.stderr
        assert len(ran.stderr.strip().splitlines()) <= 2, ran.stderr


def test_cycle_create_names_who_it_left_out_and_where_to_add_them(store: Appraisals, tmp_path: Path) -> None:
    """A unit head whose superior is not in the file is left out of the cycle: the command names them and
    the page where HR adds them (the participants page), instead of leaving no way to add them later."""
    org = tmp_path / "organisasi.csv"
    org.write_text(
        "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head\n"
        f"AG-CLI,Dinas Uji,WIB,PIMPINAN,Pimpinan,{ATASAN},Bu Atasan,,ya\n"
        f"AG-CLI,Dinas Uji,WIB,U1,Bidang Pelayanan,{SUPERVISOR},Pak Penilai,{ATASAN},ya\n"
        f"AG-CLI,Dinas Uji,WIB,U1,Bidang Pelayanan,{EMP1},Budi,{SUPERVISOR},\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    imported = runner.invoke(cli.app, ["import", str(org)])
    assert imported.exit_code == 0, imported.output
    created = runner.invoke(cli.app, ["cycle", "create", "AG-CLI", "2031"], env={"COLUMNS": "300"})
    assert created.exit_code == 0, created.output
    output = " ".join(created.output.split())
    cycle_id = re.search(r"cycle ([0-9a-f-]{36}): 1 participants", output).group(1)  # type: ignore[union-attr]
    assert f"left out {ATASAN}" in output and f"left out {SUPERVISOR}" in output  # no superior; no atasan
    assert (
        f"add the 2 left out, with their pejabat penilai and atasan, at http://127.0.0.1:8000/hr/siklus/{cycle_id}/peserta"
        in output
    )
    assert str(store.cycle(cycle_id).id) == cycle_id and set(store.cycle(cycle_id).participants) == {EMP1}
