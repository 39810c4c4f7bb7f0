"""A chaos run whose log or read models do not verify keeps its evidence: the database and the logs.

An integrity verdict seen twice under load (README, open points) could not be analysed afterwards: the
run dropped its database and its temporary folder (the processes' logs, the log's keys, the witness)
whatever the verdict. Now a run that does not verify keeps both and says where.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from chaos.checks import keep_evidence, kinerja
from chaos.cluster import database
from tests.conftest import empty_postgres


def exists(server: str, name: str) -> bool:
    admin = sa.create_engine(sa.engine.make_url(server).set(database="postgres"))
    try:
        with admin.connect() as conn:
            return (
                conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None
            )
    finally:
        admin.dispose()


@pytest.mark.postgres
def test_a_run_that_does_not_verify_keeps_its_database_and_one_that_does_drops_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = empty_postgres()
    with database(server, keep=lambda: True) as kept:
        engine = sa.create_engine(kept)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE evidence (x int)"))
        engine.dispose()
    assert kept.database and exists(server, kept.database)
    assert f"kept the run's database {kept.database}" in capsys.readouterr().err
    admin = sa.create_engine(sa.engine.make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{kept.database}" WITH (FORCE)')
    admin.dispose()
    with database(server) as dropped:
        pass
    assert dropped.database and not exists(server, dropped.database)


def test_the_logs_keys_and_witness_of_a_run_are_copied_out_of_its_temporary_folder(tmp_path: Path) -> None:
    logs = tmp_path / "kinerja-chaos-x"
    (logs / "keys").mkdir(parents=True)
    (logs / "keys" / "kinerja.pub").write_text("kinerja.local/kinerja+abc\n")
    (logs / "worker-0.1.log").write_text("checkpoint 1\n")
    kept = keep_evidence(logs, into=tmp_path / "test-artifacts")
    assert kept.parent == tmp_path / "test-artifacts" and kept.name.startswith("chaos-")
    assert (kept / "worker-0.1.log").read_text() == "checkpoint 1\n"
    assert (kept / "keys" / "kinerja.pub").read_text() == "kinerja.local/kinerja+abc\n"


def test_the_chaos_verifier_runs_this_trees_code_even_when_another_tree_comes_first(tmp_path: Path) -> None:
    # Another tree's domain/ ahead of site-packages on the path, as a venv shared between worktrees puts it.
    impostor = tmp_path / "domain"
    impostor.mkdir()
    (impostor / "__init__.py").write_text('raise ImportError("another tree\'s domain/")\n')
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    ours = subprocess.run(
        kinerja("audit", "verify", "--help"), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert ours.returncode == 0, ours.stderr
    assert "verify" in ours.stdout
    # The console script the chaos run used before: it imports whatever the path offers first.
    console = subprocess.run(
        [str(Path(sys.executable).parent / "kinerja"), "audit", "verify", "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert console.returncode != 0 and "another tree's domain/" in console.stderr
