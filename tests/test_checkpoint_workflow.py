"""CheckpointWorkflow on the time-skipping test server, with the real activity, store and directory witness.

It checkpoints when it starts, then on its durable timer (the server's clock is moved an hour),
and at once when a phase closes (the `request` signal); it keeps going across continue-as-new.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.application import Appraisals
from domain.cycle_commands import CloseCycle
from domain.partitions import partition_name
from partitioning.store import open_appraisals
from settings import Settings, WitnessConfig, event_store_env
from tests.factories import ANALIS, HEAD, Scenario, reach
from tests.workflow_kit import HR, kit, nip_of, participant, time_skipping
from transparency.log import Log
from transparency.tree import LogTree
from transparency.witnesses import DirectoryWitness
from worker import build_worker, keep_checkpoints
from workflows.checkpoints import CheckpointInput, CheckpointWorkflow, checkpoint_workflow_id
from workflows.cycle import CycleWorkflow


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping() as environment:
        yield environment


async def checkpoints(log: Log, count: int, env: WorkflowEnvironment) -> list[tuple[int, str]]:
    """The stored checkpoints (size, reason) once there are `count`, moving the clock a second at a time."""
    for _ in range(100):
        with log.engine.connect() as conn:
            found = [
                tuple(r)
                for r in conn.execute(sa.select(log.tables.checkpoints.c.size, log.tables.checkpoints.c.reason))
            ]
        if len(found) >= count:
            return found  # type: ignore[return-value]
        await env.sleep(1)
    raise AssertionError(f"fewer than {count} checkpoints were published")


@pytest.mark.temporal
async def test_checkpoints_at_start_on_the_hourly_timer_and_when_a_phase_closes(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    witness_dir = tmp_path / "witness"
    settings = Settings(
        database_url=url,
        log_keys_dir=str(tmp_path / "keys"),
        witnesses=[WitnessConfig(kind="directory", path=str(witness_dir))],
        checkpoint_interval_seconds=3600,
    )
    app = Appraisals(env=event_store_env(url, settings))
    s = reach("follow_up", app=app)
    task_queue = str(uuid.uuid4())
    with ThreadPoolExecutor(4) as executor:
        async with build_worker(env.client, app, task_queue, executor, settings):
            handle = await env.client.start_workflow(
                CheckpointWorkflow.run,
                CheckpointInput("kinerja", interval_seconds=3600, rounds_per_run=2),
                id=checkpoint_workflow_id(f"kinerja-{task_queue}"),
                task_queue=task_queue,
            )
            log = Log.of(app)
            LogTree(log).ensure_tables()
            assert await checkpoints(log, 1, env) == [(26, "started")]
            status = await handle.query(CheckpointWorkflow.status)
            assert (status["published"], status["last"]["size"]) == (1, 26)
            s.close_window(HEAD)
            await env.sleep(3600)
            assert (await checkpoints(log, 2, env))[1] == (27, "interval")  # the timer fired; the run continues as new
            s.close_window(ANALIS)
            await handle.signal(CheckpointWorkflow.request, "phase close: review of cycle 2024")
            assert (await checkpoints(log, 3, env))[2] == (28, "phase close: review of cycle 2024")
            await handle.terminate("test over")
    assert DirectoryWitness(witness_dir, []).sizes("kinerja.local/kinerja") == [26, 27, 28]
    app.close()


@pytest.mark.temporal
async def test_a_cycle_asks_for_a_checkpoint_when_each_phase_closes(env: WorkflowEnvironment, tmp_path: Path) -> None:
    """The planning deadline passing and HR closing the cycle each sign a checkpoint at once (issue 11)."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    settings = Settings(database_url=url, log_keys_dir=str(tmp_path / "keys"), witnesses=[])
    app = Appraisals(env=event_store_env(url, settings))
    log_name = f"kinerja-{uuid.uuid4()}"  # its own CheckpointWorkflow on the shared test server
    async with kit(env, {}, app=app, settings=settings) as k:
        await env.client.start_workflow(
            CheckpointWorkflow.run,
            CheckpointInput(log_name, interval_seconds=10 * 365 * 86400, publish_at_start=False),
            id=checkpoint_workflow_id(log_name),
            task_queue=k.task_queue,
        )
        await k.launch([participant(nip_of(0))], log=log_name)
        cycle_id = k.cycle_id
        log = Log.of(app)
        LogTree(log).ensure_tables()
        deadline = app.cycle(uuid.UUID(cycle_id)).deadline("planning")
        await k.sleep_until(deadline + timedelta(minutes=5))
        reasons = [r for _, r in await checkpoints(log, 1, env)]
        assert reasons == [f"phase close: planning of cycle {cycle_id}"]
        await k.hr(CycleWorkflow.close, CloseCycle(HR, {nip_of(0): "mutasi: dinilai di instansi baru"}))
        reasons = [r for _, r in await checkpoints(log, 2, env)]
        assert reasons[1] == f"phase close: cycle {cycle_id} closed"
        await env.client.get_workflow_handle(checkpoint_workflow_id(log_name)).terminate("test over")


async def workflow_started(env: WorkflowEnvironment, workflow_id: str) -> None:
    """Wait (real time, at most 20 s) until the workflow exists on the server."""
    for _ in range(200):
        try:
            await env.client.get_workflow_handle(workflow_id).describe()
            return
        except RPCError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"{workflow_id} was never started")


@pytest.mark.temporal
async def test_a_new_agencys_log_gets_its_checkpoint_workflow_while_the_worker_runs(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Partitioned: the worker's keep_checkpoints starts each log's workflow at start, and that of an agency
    whose first record arrives later within its look interval, without a restart (issue #10)."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    settings = Settings(database_url=url, log_keys_dir=str(tmp_path / "keys"), witnesses=[], partitioned=True)
    app = open_appraisals(settings)
    first, later = f"pemkot-{uuid.uuid4().hex[:8]}", f"pemkab-{uuid.uuid4().hex[:8]}"  # own ids on the shared server
    Scenario.new(app, agency_id=first)
    stop = asyncio.Event()
    keeping = asyncio.create_task(keep_checkpoints(env.client, settings, app, stop, every_seconds=0.2))
    ids = {code: checkpoint_workflow_id(partition_name(code)) for code in (first, later)}
    await workflow_started(env, ids[first])
    with pytest.raises(RPCError):  # no record of the later agency yet: no log, no workflow
        await env.client.get_workflow_handle(ids[later]).describe()
    Scenario.new(app, agency_id=later)  # its first records, the worker running
    await workflow_started(env, ids[later])
    stop.set()
    await asyncio.wait_for(keeping, 10)
    for workflow_id in ids.values():
        await env.client.get_workflow_handle(workflow_id).terminate("test over")
    app.close()
