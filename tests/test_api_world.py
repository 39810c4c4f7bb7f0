"""The API wired to a real Temporal server (time-skipping) and a real worker, for the HTTP-only tests.

Not a test module: the fixture `world` and its helpers, imported by tests/test_api_flows.py and
tests/test_api_matrix.py. Each test gets its own SQLite store, task queue and worker; the
Temporal test server is shared per module, and every test defines next year's cycle so the
server's clock, which only moves forward, never strands a calendar in the past.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.application import Appraisals
from domain.audit import Audit
from partitioning.store import open_partitioned
from settings import event_store_env
from tests.test_api_support import HR_NIP, PARTICIPANTS, appraisal_id, build_app, settings_for
from tests.test_api_support import api_client as http_client_of
from tests.workflow_kit import settle
from worker import build_worker
from workflows.ids import appraisal_workflow_id, cycle_workflow_id

BIN = Path(sys.executable).parent
API = "/api/v1"


async def start_server() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(BIN / "temporal-test-server"))


class ServerClock:
    """The API's "now": wall time moved by however far the test server's clock has skipped."""

    def __init__(self, env: WorkflowEnvironment) -> None:
        self.env, self.skew = env, timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.skew

    async def sync(self) -> None:
        self.skew = await self.env.get_current_time() - datetime.now(timezone.utc)


@dataclass
class World:
    """One test's system: the app, an HTTP client on it, the event store, the Temporal env."""

    env: WorkflowEnvironment
    app: FastAPI
    http: httpx.AsyncClient
    store: Appraisals
    clock: ServerClock
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    cycles: list[tuple[str, list[str]]] = field(default_factory=list)

    async def headers(self, nip: str | None, key: str | None = None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if nip is not None:
            if nip not in self.tokens:
                response = await self.http.post(f"{API}/auth/dev-login", json={"nip": nip})
                assert response.status_code == 200, response.text
                self.tokens[nip] = {"Authorization": f"Bearer {response.json()['access_token']}"}
            headers.update(self.tokens[nip])
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    async def call(
        self,
        method: str,
        path: str,
        nip: str | None,
        body: Any = None,
        *,
        key: str | None = None,
        expect: int = 200,
        **kwargs: Any,
    ) -> Any:
        """One request as `nip`; asserts the status and returns the JSON body."""
        response = await self.http.request(
            method, f"{API}{path}", json=body, headers=await self.headers(nip, key), **kwargs
        )
        assert response.status_code == expect, f"{method} {path} as {nip}: {response.status_code} {response.text}"
        return response.json() if response.headers.get("content-type", "").startswith("application/json") else response

    async def sleep(self, delta: timedelta) -> None:
        """Skip the server's time (timers fire) and keep the API's clock in step."""
        await self.env.sleep(delta.total_seconds())
        await self.clock.sync()

    async def year(self) -> int:
        return (await self.env.get_current_time()).year + 1

    async def launch(
        self,
        hr: str,
        participants: list[dict[str, Any]] | None = None,
        start: dict[str, Any] | None = None,
        wait: float = 60,
        **definition: Any,
    ) -> str:
        """Define next year's cycle and start it over HTTP (with HR's `start` choice, if any); returns once
        every appraisal is open (within `wait` seconds)."""
        participants = PARTICIPANTS if participants is None else participants
        body = {
            "agency_id": f"AG-{uuid.uuid4().hex[:8]}",
            "agency_name": "Dinas Kependudukan",
            "time_zone": "WIB",
            "year": await self.year(),
            "participants": participants,
            **definition,
        }
        cycle_id = (await self.call("POST", "/hr/cycles", hr, body, expect=201))["id"]
        started = await self.call("POST", f"/hr/cycles/{cycle_id}/start", hr, start, expect=202)
        assert started["workflow_id"] == f"cycle-{cycle_id}"
        nips = [p["nip"] for p in participants]
        self.cycles.append((cycle_id, nips))
        await eventually(lambda: self.opened(cycle_id, nips), timeout=wait)
        return cycle_id

    async def opened(self, cycle_id: str, nips: list[str]) -> bool:
        progress = await self.call("GET", f"/hr/cycles/{cycle_id}/progress", HR_NIP)
        return progress["workflow"].get("opening_done", False) and sum(
            sum(u["stages"].values()) for u in progress["units"]
        ) == len(nips)

    def events(self, cycle_id: str, nip: str) -> list[str]:
        return [e["type"] for e in Audit(self.store).history(appraisal_id(cycle_id, nip))]

    async def terminate_all(self) -> None:
        """Workflows left waiting on a stopped worker would hold the shared server's clock."""
        for cycle_id, nips in self.cycles:
            ids = [cycle_workflow_id(cycle_id), *(appraisal_workflow_id(cycle_id, nip) for nip in nips)]
            for workflow_id in ids:
                await settle(self.env.client.get_workflow_handle(workflow_id))
                try:
                    await self.env.client.get_workflow_handle(workflow_id).terminate("test over")
                except Exception:  # noqa: BLE001 - finished already
                    pass


@asynccontextmanager
async def world(
    env: WorkflowEnvironment,
    tmp_path: Path,
    database_url: str | None = None,
    worker_database_url: str | None = None,
    *,
    api_client: Client | None = None,
    worker_client: Client | None = None,
    partitioned: bool = False,
    **options: Any,
) -> AsyncIterator[World]:
    """One store (SQLite in tmp_path unless a URL is given) for the event log and the read models.

    With `worker_database_url` the worker reaches the same database by another route (a proxy a
    test can cut on its own); otherwise the API and the worker share one store. `api_client` and
    `worker_client` replace the test server's client for the API or the worker (one with interceptors).
    `partitioned`: the store is one log per agency (KINERJA_PARTITIONED, domain/partitions.py), shared by both.
    """
    task_queue = f"kinerja-api-{uuid.uuid4()}"
    more: dict[str, Any] = {"database_url": database_url} if database_url else {}
    if partitioned:
        more |= {"partitioned": True, "log_keys_dir": str(tmp_path / "keys")}
    settings = settings_for(tmp_path, task_queue=task_queue, **more)
    store = (
        open_partitioned(event_store_env(settings.database_url, settings), settings)
        if partitioned
        else Appraisals(env=event_store_env(settings.database_url))
    )
    worker_store = Appraisals(env=event_store_env(worker_database_url)) if worker_database_url else store
    clock = ServerClock(env)
    await clock.sync()
    app = build_app(
        settings, store, temporal_client=api_client or env.client, project_every_seconds=0.2, clock=clock, **options
    )
    with ThreadPoolExecutor(8) as executor:
        async with (
            build_worker(worker_client or env.client, worker_store, task_queue, executor),
            app.router.lifespan_context(app),
            http_client_of(app) as http,
        ):
            w = World(env, app, http, store, clock)
            try:
                yield w
            finally:
                await w.terminate_all()
    store.close()
    if worker_store is not store:
        worker_store.close()


async def eventually(probe: Callable[[], Any], accept: Callable[[Any], bool] = bool, timeout: float = 60) -> Any:
    """Poll until the answer is accepted: the worker opens appraisals, timers fire on the server (in real time,
    which a loaded CI machine stretches: a minute, though it returns as soon as the answer comes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    value: Any = None
    while loop.time() < deadline:
        try:
            value = await probe()
        except AssertionError:
            value = None
        if value is not None and accept(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"not reached in {timeout}s; last answer: {value!r}")
