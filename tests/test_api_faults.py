"""The API during faults (issue 9, findings 5 and 6), on real PostgreSQL and the time-skipping Temporal.

The database is cut by a TCP proxy on loopback (tests/tcp_proxy.py) between Kinerja and PostgreSQL;
the API and the worker each reach it through their own proxy, so a test can cut one or both. An
outage answers 503 with the JSON error body and Retry-After, never a bare 500; a write the outage
refused completes exactly once when the client retries it with the same Idempotency-Key; an
appraisal whose workflow has not started yet answers 409 saying so, with Retry-After.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import Actor
from domain.cycle_commands import StartCycle
from settings import event_store_env
from tests.conftest import empty_postgres
from tests.tcp_proxy import TcpProxy
from tests.test_api_support import EMP1, ENGLISH, HR_NIP, PARTICIPANTS, RHK, appraisal_id, build_app, settings_for
from tests.test_api_world import API, ServerClock, World, eventually, start_server, world
from worker import build_worker
from workflows.ids import appraisal_workflow_id

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


@pytest.fixture
def postgres() -> sa.URL:
    return sa.make_url(empty_postgres())


def through(proxy: TcpProxy, url: sa.URL) -> str:
    return url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def assert_unavailable(response: object, kind: str) -> None:
    """503, the JSON error body, and a Retry-After in seconds."""
    status, headers = response.status_code, response.headers  # type: ignore[attr-defined]
    assert status == 503, f"{status} {response.text}"  # type: ignore[attr-defined]
    assert headers["content-type"].startswith("application/json")
    assert response.json()["error"] == kind and response.json()["message"]  # type: ignore[attr-defined]
    assert int(headers["Retry-After"]) > 0


def drafts(w: object, cycle: str) -> int:
    return w.events(cycle, EMP1).count("SkpDrafted")  # type: ignore[attr-defined]


async def test_a_database_cut_answers_503_and_a_retry_with_the_same_key_writes_once(
    env: WorkflowEnvironment, tmp_path: Path, postgres: sa.URL
) -> None:
    assert postgres.host and postgres.port
    target = (postgres.host, postgres.port)
    with TcpProxy(*target) as api_db, TcpProxy(*target) as worker_db:
        async with world(env, tmp_path, through(api_db, postgres), through(worker_db, postgres)) as w:
            cycle = await w.launch(HR_NIP)
            a1 = appraisal_id(cycle, EMP1)
            headers = await w.headers(EMP1)  # signed in before the cut
            skp = f"{API}/employees/appraisals/{a1}/skp"

            # The whole database away: reads and writes (which load the record first) answer 503.
            api_db.cut()
            worker_db.cut()
            read = await w.http.get(f"{API}/employees/appraisals/{a1}", headers=headers)
            assert_unavailable(read, "DatabaseUnavailable")
            write = await w.http.put(skp, json={"rhk": RHK}, headers={**headers, "Idempotency-Key": "cut-1"})
            assert_unavailable(write, "DatabaseUnavailable")

            # The API reaches the database, the worker does not: the workflow's command fails for want of it.
            api_db.restore()
            write = await w.http.put(skp, json={"rhk": RHK}, headers={**headers, "Idempotency-Key": "cut-2"})
            assert_unavailable(write, "Unavailable")
            assert drafts(w, cycle) == 0

            # The outage ends: the retry with the same key completes the write, once.
            worker_db.restore()
            retried = await w.http.put(skp, json={"rhk": RHK}, headers={**headers, "Idempotency-Key": "cut-2"})
            assert retried.status_code == 200, retried.text
            assert retried.json()["pending"] == {"task": "draft_skp", "assignee": EMP1}
            again = await w.http.put(skp, json={"rhk": RHK}, headers={**headers, "Idempotency-Key": "cut-2"})
            assert again.status_code == 200 and again.json() == retried.json()
            assert drafts(w, cycle) == 1


async def test_an_appraisal_whose_workflow_is_still_starting_answers_409_with_retry_after(
    env: WorkflowEnvironment, tmp_path: Path, postgres: sa.URL
) -> None:
    async with world(env, tmp_path, postgres.render_as_string(hide_password=False)) as w:
        # The domain record exists, its workflow does not yet: what a cycle still opening looks like.
        body = {
            "agency_id": "AG-OPENING",
            "agency_name": "Dinas Kependudukan",
            "time_zone": "WIB",
            "year": await w.year(),
            "participants": PARTICIPANTS,
        }
        cycle = (await w.call("POST", "/hr/cycles", HR_NIP, body, expect=201))["id"]
        at = datetime.now(timezone.utc)
        w.store.execute_cycle(UUID(cycle), StartCycle(Actor(HR_NIP, ("hr",))), at=at)
        w.store.open_appraisal(UUID(cycle), EMP1, at)
        a1 = appraisal_id(cycle, EMP1)
        skp = f"{API}/employees/appraisals/{a1}/skp"
        headers = {**(await w.headers(EMP1)), "Idempotency-Key": "early"}

        early = await w.http.put(skp, json={"rhk": RHK}, headers=headers)
        assert early.status_code == 409, early.text
        assert early.json()["error"] == "WorkflowStarting" and "still starting" in early.json()["message"]
        assert int(early.headers["Retry-After"]) > 0

        # The cycle's workflow starts it; the same request, retried, goes through.
        w.cycles.append((cycle, [p["nip"] for p in PARTICIPANTS]))
        await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, expect=202)
        await eventually(lambda: w.opened(cycle, [p["nip"] for p in PARTICIPANTS]))
        later = await w.http.put(skp, json={"rhk": RHK}, headers=headers)
        assert later.status_code == 200, later.text
        assert drafts(w, cycle) == 1


async def test_a_workflow_no_worker_runs_answers_503_and_the_retry_with_the_same_key_writes_once(
    env: WorkflowEnvironment, tmp_path: Path, postgres: sa.URL
) -> None:
    """The workers are down: the Update waits for nobody. The request gives up after update_wait_seconds
    with 503 and Retry-After; once a worker is back, the retry with the same key writes once."""
    url = postgres.render_as_string(hide_password=False)
    task_queue = f"kinerja-api-{uuid.uuid4()}"
    settings = settings_for(tmp_path, task_queue=task_queue, database_url=url, update_wait_seconds=3)
    store = Appraisals(env=event_store_env(url))
    clock = ServerClock(env)
    await clock.sync()
    app = build_app(settings, store, temporal_client=env.client, project_every_seconds=0.2, clock=clock)
    with ThreadPoolExecutor(8) as executor:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kinerja.test", headers=ENGLISH) as http:
                w = World(env, app, http, store, clock)
                try:
                    # No sticky cache: the test server never hands a stopped worker's sticky tasks on.
                    async with build_worker(env.client, store, task_queue, executor, max_cached_workflows=0):
                        cycle = await w.launch(HR_NIP)
                    skp = f"{API}/employees/appraisals/{appraisal_id(cycle, EMP1)}/skp"
                    headers = {**(await w.headers(EMP1)), "Idempotency-Key": "no-worker"}

                    waited = await w.http.put(skp, json={"rhk": RHK}, headers=headers)
                    assert_unavailable(waited, "Unavailable")
                    assert "retry with the same Idempotency-Key" in waited.json()["message"]
                    assert drafts(w, cycle) == 0

                    async with build_worker(env.client, store, task_queue, executor):
                        # Retried with the same key as the 503 asks, until it goes through: each attempt waits 3 s,
                        # and the worker just started (polling, replaying the workflow, the activity) may need
                        # more than one attempt's wait on a loaded machine. However many attempts: one write.
                        deadline = asyncio.get_running_loop().time() + 60
                        while (retried := await w.http.put(skp, json={"rhk": RHK}, headers=headers)).status_code == 503:
                            assert_unavailable(retried, "Unavailable")
                            assert asyncio.get_running_loop().time() < deadline, retried.text
                        assert retried.status_code == 200, retried.text
                        assert drafts(w, cycle) == 1
                finally:
                    await w.terminate_all()
    store.close()


class SlowAppraisalStarts(Interceptor):
    """The worker's Temporal client starts appraisal workflows one at a time, each `delay` late:
    a busy server, which widens the gap between an appraisal's record and its running workflow."""

    def __init__(self, delay: float) -> None:
        self.delay, self.one_at_a_time = delay, asyncio.Lock()

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        outer = self

        class Slow(OutboundInterceptor):
            async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[object, object]:
                if input.workflow == "AppraisalWorkflow":
                    async with outer.one_at_a_time:
                        await asyncio.sleep(outer.delay)
                        return await super().start_workflow(input)
                return await super().start_workflow(input)

        return Slow(next)


async def _running(client: Client, cycle: str, nips: list[str]) -> int:
    """How many of the cycle's appraisal workflows Temporal has, asked of Temporal itself."""
    found = 0
    for nip in nips:
        try:
            await client.get_workflow_handle(appraisal_workflow_id(cycle, nip)).describe()
            found += 1
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
    return found


async def test_progress_never_counts_an_appraisal_open_before_its_workflow_runs(
    env: WorkflowEnvironment, tmp_path: Path, postgres: sa.URL
) -> None:
    """Finding 6: the records of a page are written before its workflows start; progress (the read models
    and the cycle workflow's own counts) counts an appraisal as open only once its workflow runs."""
    slow = Client(**{**env.client.config(), "interceptors": [SlowAppraisalStarts(0.4)]})
    participants = [
        *PARTICIPANTS,
        *({**PARTICIPANTS[0], "nip": f"198503152010011{n:03d}", "name": f"Staf {n}"} for n in range(2, 6)),
    ]
    nips = [p["nip"] for p in participants]
    async with world(env, tmp_path, postgres.render_as_string(hide_password=False), worker_client=slow) as w:
        body = {
            "agency_id": f"AG-{uuid.uuid4().hex[:8]}",
            "agency_name": "Dinas Kependudukan",
            "time_zone": "WIB",
            "year": await w.year(),
            "participants": participants,
        }
        cycle = (await w.call("POST", "/hr/cycles", HR_NIP, body, expect=201))["id"]
        w.cycles.append((cycle, nips))
        await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, expect=202)
        records_ahead = 0  # polls that saw records whose workflow did not run yet
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while True:
            progress = await w.call("GET", f"/hr/cycles/{cycle}/progress", HR_NIP)
            opened = sum(sum(u["stages"].values()) for u in progress["units"])
            counted = progress["workflow"].get("running", 0)
            records = sum(w.store._find(Appraisal, appraisal_id(cycle, n)) is not None for n in nips)
            running = await _running(env.client, cycle, nips)  # asked after progress: it only grows
            assert opened <= running and counted <= running, (opened, counted, running, progress)
            records_ahead += records > running
            if opened == len(nips) and progress["workflow"].get("opening_done"):
                break
            assert loop.time() < deadline, progress
            await asyncio.sleep(0.05)
        # The gap was there to see: records existed whose workflow was still starting.
        assert records_ahead > 0
        assert counted == len(nips) and w.store.workflows_running(UUID(cycle)) == set(nips)
        # ... and each of those appraisals now takes a write.
        headers = {**(await w.headers(EMP1)), "Idempotency-Key": "after-open"}
        written = await w.http.put(skp_of(cycle, EMP1), json={"rhk": RHK}, headers=headers)
        assert written.status_code == 200, written.text


class UpdateBeforeStart(Interceptor):
    """The API's client: the first Update to each workflow reaches Temporal just before the workflow's
    start and is refused as NOT_FOUND (found by the chaos run: a write racing the cycle's opening)."""

    def __init__(self) -> None:
        self.refused: set[str] = set()

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        refused = self.refused

        class Early(OutboundInterceptor):
            async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
                if input.id not in refused:
                    refused.add(input.id)
                    raise RPCError(f"workflow not found for ID: {input.id}", RPCStatusCode.NOT_FOUND, b"")
                return await super().start_workflow_update(input)

        return Early(next)


async def test_an_update_refused_just_before_the_workflow_started_answers_409_starting_not_final(
    env: WorkflowEnvironment, tmp_path: Path, postgres: sa.URL
) -> None:
    """The Update found no workflow, but by the time the API asks, the workflow runs: that is the opening
    race, a matter of seconds (409 WorkflowStarting, Retry-After), never "nothing more can change it"."""
    early = UpdateBeforeStart()
    api_client = Client(**{**env.client.config(), "interceptors": [early]})
    async with world(env, tmp_path, postgres.render_as_string(hide_password=False), api_client=api_client) as w:
        cycle = await w.launch(HR_NIP)
        headers = {**(await w.headers(EMP1)), "Idempotency-Key": "raced"}
        raced = await w.http.put(skp_of(cycle, EMP1), json={"rhk": RHK}, headers=headers)
        assert raced.status_code == 409, raced.text
        assert raced.json()["error"] == "WorkflowStarting" and int(raced.headers["Retry-After"]) > 0
        assert len(early.refused) == 1 and drafts(w, cycle) == 0
        retried = await w.http.put(skp_of(cycle, EMP1), json={"rhk": RHK}, headers=headers)
        assert retried.status_code == 200, retried.text
        assert drafts(w, cycle) == 1


def skp_of(cycle: str, nip: str) -> str:
    return f"{API}/employees/appraisals/{appraisal_id(cycle, nip)}/skp"
