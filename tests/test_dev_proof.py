"""`make run` (`kinerja dev`) proves its record: checkpoints in a local witness folder, the auditor's page, a receipt.

The same processes `make run` starts: `kinerja dev` (worker, API and demo seed in one process, on
a SQLite file) against a Temporal dev server on a free port, which this test starts first (so
`kinerja dev` uses it rather than starting its own on the developer's port). Once the demo is
seeded: the default directory witness beside the SQLite file holds the signed checkpoints; the
auditor's page shows them, the witness and the verdict "UTUH"; a demo employee's receipt of their
SKP submission, fetched through the API, verifies with `kinerja audit verify-receipt` (a separate
process reading the same settings), inclusion proof and witness included.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.seed import AUDITOR, employees
from tests.test_topology import BIN, Topology, _free_port, _wait

pytestmark = pytest.mark.temporal
WITNESS = "kinerja.local%2Fkinerja"  # the log's origin, as the directory witness names its folder


def dev_env(tmp_path: Path, temporal: str, api_port: int) -> dict[str, str]:
    import os  # noqa: PLC0415 - only the environment of the child processes

    base = {k: v for k, v in os.environ.items() if not k.startswith("KINERJA_")}
    return {
        **base,
        "PYTHONUNBUFFERED": "1",
        "KINERJA_DATABASE_URL": f"sqlite:///{tmp_path / 'dev' / 'kinerja.db'}",
        "KINERJA_TEMPORAL_ADDRESS": temporal,
        "KINERJA_TASK_QUEUE": f"kinerja-dev-{uuid.uuid4().hex[:8]}",
        "KINERJA_API_PORT": str(api_port),
    }


def test_make_run_checkpoints_to_a_witness_folder_and_a_demo_receipt_verifies(tmp_path: Path) -> None:
    world = Topology(tmp_path)
    temporal_port, api_port = _free_port(), _free_port()
    temporal = f"127.0.0.1:{temporal_port}"
    env = dev_env(tmp_path, temporal, api_port)
    try:
        server = world.start(
            "temporal",
            [str(BIN / "temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(temporal_port)]
            + ["--headless", "--db-filename", str(tmp_path / "temporal.db"), "--log-level", "warn"],
            env,
        )
        _wait("Temporal dev server", lambda: _listening(temporal_port), 60, [server])
        dev = world.start("kinerja-dev", [sys.executable, "-c", "import cli; cli.main()", "dev"], env)
        _wait("kinerja dev: demo seeded", lambda: "Kinerja berjalan" in dev.log.read_text(), 400, [dev])
        base = f"http://127.0.0.1:{api_port}"

        folder = tmp_path / "dev" / "witness" / WITNESS
        held = _wait("checkpoints in the witness folder", lambda: _checkpoints(folder, 2), 120, [dev])
        assert all(f.read_text().startswith("kinerja.local/kinerja\n") for f in held)

        with httpx.Client(base_url=base, timeout=30) as pages:
            token = _csrf(pages.get("/masuk").text)
            assert pages.post("/masuk/dev", data={"nip": AUDITOR, "csrftoken": token}).status_code == 303
            proof = pages.get("/audit/bukti")
            assert proof.status_code == 200 and "Putusan: UTUH" in proof.text, proof.text[-2000:]
            assert f"dir:{tmp_path / 'dev' / 'witness'}" in proof.text and "demo seeded" in proof.text

        employee = next(e["nip"] for e in employees() if e["unit_code"] == "DAFDUK" and not e["unit_head"])
        with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as api:
            me = {"Authorization": f"Bearer {_token(api, employee)}"}
            appraisal = api.get("/employees/me/appraisals", headers=me).json()[0]["appraisal_id"]
            auditor = {"Authorization": f"Bearer {_token(api, AUDITOR)}"}
            history = api.get(f"/audit/records/{appraisal}/history", headers=auditor).json()
            version = next(e["version"] for e in history if e["type"] == "SkpSubmitted")
            receipt = _wait(
                "the receipt completed with its inclusion proof",
                lambda: _completed(api.get(f"/receipts/{appraisal}/{version}", headers=me).json()),
                60,
                [dev],
            )
        file = tmp_path / "tanda-terima.json"
        file.write_text(json.dumps(receipt), encoding="utf-8")
        verify = world.start(
            "verify-receipt",
            [sys.executable, "-c", "import cli; cli.main()"] + ["audit", "verify-receipt", str(file)],
            env,
        )
        assert verify.popen.wait(timeout=120) == 0, verify.tail()
        verdict = json.loads(verify.log.read_text()[verify.log.read_text().index("{") :])
        assert verdict["ok"] is True and verdict["event"]["type"] == "SkpSubmitted"
        assert {c["check"] for c in verdict["checks"]} >= {"seal", "event", "checkpoint", "inclusion", "in the log"}
    finally:
        world.stop_all()


def _listening(port: int) -> bool:
    import socket  # noqa: PLC0415

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _checkpoints(folder: Path, count: int) -> list[Path]:
    found = sorted(folder.glob("*.checkpoint")) if folder.is_dir() else []
    return found if len(found) >= count else []


def _csrf(html: str) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert found, "no CSRF token on the sign-in page"
    return found.group(1)


def _token(api: httpx.Client, nip: str) -> str:
    return str(api.post("/auth/dev-login", json={"nip": nip}).json()["access_token"])


def _completed(receipt: dict[str, Any]) -> dict[str, Any] | None:
    return receipt if receipt.get("proof") else None
