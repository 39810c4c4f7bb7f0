"""Workflows on the time-skipping test server, with the real activities and a real event store.

A whole appraisal year runs in seconds: `env.sleep()` moves the server's clock (it does not
skip while a test awaits an update). Each test defines its own cycle for next year, so the
tests share one server whose clock only moves forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.opening import AppraisalInput, appraisal_plan
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.audit import Audit
from domain.base import Actor
from domain.cycle_commands import (
    AddParticipant,
    CalibrateUnit,
    CloseCycle,
    DefineCycle,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
    SetOrgPredikat,
    StartCycle,
)
from domain.errors import NotAllowed
from domain.outcome import Outcome
from domain.people_commands import ChangeSupervisor, DelegateTask, RecordReminder
from domain.result_commands import (
    DecideFollowUp,
    DecideKeberatan,
    DeliverResult,
    FileKeberatan,
    Finalise,
    Rate,
    ReassignKeberatanDecider,
    SelfAssess,
)
from domain.rules import BERAKHLAK
from domain.work_commands import ApproveSkp, DraftSkp, GiveFeedback, HoldCheckIn, ReportProgress, ReturnSkp, SubmitSkp
from readmodels.outbox import Outbox
from services.actions import AppraisalActions
from services.gateway import Gateway
from services.readside import ReadSide
from tests.recording import runs, save_history
from worker import build_worker
from workflows.appraisal import AppraisalWorkflow
from workflows.appraisal import AppraisalWorkflow as W
from workflows.appraisal_runtime import Failure
from workflows.cycle import CycleWorkflow
from workflows.cycle_runtime import FAILURES_KEPT, CycleInput
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


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server")
    )
    yield environment
    await environment.shutdown()


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": f"sqlite:///{tmp_path / 'events.db'}"}


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

        await eventually(progress, lambda p: p["opening_done"], timeout=30)
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


async def eventually(probe: Callable[[], Any], accept: Callable[[Any], bool] = bool, timeout: float = 20) -> Any:
    """Poll until the answer is accepted: timers fire on the server, activities finish on the worker."""
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


# --- the tests -----------------------------------------------------------------


async def test_happy_path_runs_a_whole_year(env: WorkflowEnvironment, store_env: dict[str, str]) -> None:
    async with kit(env, store_env) as k:
        cycle = await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        assert await handle.query(AppraisalWorkflow.pending_task) == {"task": "draft_skp", "assignee": EMPLOYEE}
        assert (await handle.query(AppraisalWorkflow.due_date)).startswith(f"{k.year}-01-31T16:59:59")

        approved = await plan_and_approve(k, handle)
        assert approved["stage"] == "execution"
        assert approved["pending"] == {"task": "check_in", "assignee": APPRAISER}
        await hold_check_ins(handle)
        await k.sleep_until(datetime.fromisoformat(f"{k.year}-12-01T01:00:00+07:00"))
        await eventually(lambda: handle.query(AppraisalWorkflow.current_stage), lambda s: s == "review")

        delivered = await deliver(k, handle)
        assert delivered["stage"] == "result_delivered" and delivered["predikat"] == "baik"
        await k.sleep_until(datetime.fromisoformat(delivered_at(k)) + timedelta(days=15))
        await eventually(lambda: handle.query(AppraisalWorkflow.current_stage), lambda s: s == "follow_up")

        result = await finish(handle)
        assert result == {"stage": "finalised", "predikat": "baik", "withdrawn": "", "failures": []}
        assert k.events() == [
            "Opened",
            "SkpDrafted",
            "SkpSubmitted",
            "SkpApproved",
            "CheckInHeld",
            "CheckInHeld",
            "CheckInHeld",
            "CheckInHeld",
            "ReviewOpened",
            "SelfAssessed",
            "Rated",
            "ResultDelivered",
            "KeberatanWindowClosed",
            "FollowUpDecided",
            "Finalised",
        ]
        assert k.notices() == []  # everybody was on time
        # One run per stage (planning, execution, review, result delivered, follow-up): each run's history
        # is as short as its stage, however long the year (issue 9, finding 1).
        chain = await runs(k.client, handle)
        assert len(chain) == 5 and max(len(run.events) for run in chain) < 120

        progress = await cycle.execute_update(CycleWorkflow.refresh_progress)
        assert progress["stages"] == {"finalised": 1} and progress["failures"] == []
        await k.hr(CycleWorkflow.close, CloseCycle(HR))  # every appraisal is final: nothing to name
        assert (await cycle.query(CycleWorkflow.progress))["closed"] is True
        # A closed cycle's workflow waits for HR to reopen it (workflow.patched REOPENABLE), then serves again.
        await k.hr(CycleWorkflow.reopen, ReopenCycle(HR, "koreksi data pangkat setelah penutupan"))
        assert (await cycle.query(CycleWorkflow.progress))["closed"] is False
        extended = await k.hr(
            CycleWorkflow.extend_deadline, ExtendDeadline(HR, "follow_up", f"{k.year + 1}-06-30", "koreksi")
        )
        assert extended["until"].startswith(f"{k.year + 1}-06-30")
        await k.hr(CycleWorkflow.close, CloseCycle(HR))
        assert (await cycle.query(CycleWorkflow.progress))["closed"] is True
        assert [e["type"] for e in Audit(k.app).history(uuid.UUID(k.cycle_id))][-4:] == [
            "Closed",
            "Reopened",
            "DeadlineExtended",
            "Closed",
        ]
        if "sqlite" in store_env["SQLALCHEMY_URL"]:
            # cycle_happy_path.json stays as recorded before the patch (it ends when the cycle closes).
            await save_history("appraisal_happy_path", handle, k.client)
            await save_history("cycle_closed_and_reopened", cycle, k.client)


def delivered_at(k: Kit) -> str:
    return next(e["at"] for e in k.log() if e["type"] == "ResultDelivered")


def local(day: str, time: str = "12:00:00") -> datetime:
    """An instant in the agency's zone (WIB) of the test cycles."""
    return datetime.fromisoformat(f"{day}T{time}+07:00")


async def stage_is(handle: WorkflowHandle[Any, Any], stage: str) -> None:
    await eventually(lambda: handle.query(AppraisalWorkflow.current_stage), lambda s: s == stage)


async def test_an_skp_returned_twice_is_then_approved(env: WorkflowEnvironment, sqlite_env: dict[str, str]) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await act(handle, W.draft_skp, DraftSkp(Actor(EMPLOYEE), rhk=RHK))
        for reasons in ("target belum terukur", "IKI kualitas belum ada"):
            await act(handle, W.submit_skp, SubmitSkp(Actor(EMPLOYEE)))
            assert await handle.query(AppraisalWorkflow.pending_task) == {"task": "review_skp", "assignee": APPRAISER}
            returned = await act(handle, W.return_skp, ReturnSkp(Actor(APPRAISER), reasons=reasons))
            assert returned["pending"] == {"task": "draft_skp", "assignee": EMPLOYEE}
            await act(handle, W.draft_skp, DraftSkp(Actor(EMPLOYEE), rhk=RHK))
        await act(handle, W.submit_skp, SubmitSkp(Actor(EMPLOYEE)))
        approved = await act(handle, W.approve_skp, ApproveSkp(Actor(APPRAISER)))

        assert approved["stage"] == "execution"
        assert await handle.query(AppraisalWorkflow.assignee) == APPRAISER
        assert k.events().count("SkpReturned") == 2
        assert k.app.appraisal(k.appraisal_id()).skp_returns[1]["reasons"] == "IKI kualitas belum ada"
        await save_history("appraisal_skp_returned", handle, k.client)


async def test_a_missed_planning_deadline_reminds_escalates_and_follows_an_extension(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await k.sleep_until(local(f"{k.year}-02-01"))
        await eventually(lambda: asyncio.to_thread(k.events), lambda e: "DeadlineMissed" in e)

        assert k.events() == ["Opened", "ReminderSent", "ReminderSent", "DeadlineMissed"]
        due = f"{k.year}-01-31T16:59:59+00:00"  # 23:59:59 WIB
        assert [(n["recipient"], n["kind"], n["task"], n["due_at"].isoformat()) for n in k.notices()] == [
            (EMPLOYEE, "reminder", "draft_skp", due),
            (EMPLOYEE, "reminder", "draft_skp", due),
            ("hr", "escalation", "draft_skp", due),  # nobody drafted: the pengelola kinerja takes over
        ]
        missed = next(e for e in k.log() if e["type"] == "DeadlineMissed")
        assert missed["payload"]["escalated_to"] == "hr" and missed["payload"]["task"] == "draft_skp"

        # HR extends the deadline: the appraisal's timers move to the new date.
        extended = await k.hr(
            CycleWorkflow.extend_deadline,
            ExtendDeadline(HR, name="planning", until=f"{k.year}-02-15", reason="SE BKN: perpanjangan penyusunan SKP"),
        )
        assert extended["signalled"] == 1 and extended["until"] == f"{k.year}-02-15T16:59:59+00:00"
        await eventually(lambda: handle.query(AppraisalWorkflow.due_date), lambda d: d == extended["until"])
        await k.sleep_until(local(f"{k.year}-02-14", "08:00:00"))  # past the 7-day reminder of the new date
        await eventually(lambda: asyncio.to_thread(k.events), lambda e: e.count("ReminderSent") == 3)
        await plan_and_approve(k, handle)
        await k.sleep_until(local(f"{k.year}-02-20"))

        assert k.events() == [
            "Opened",
            "ReminderSent",
            "ReminderSent",
            "DeadlineMissed",
            "ReminderSent",
            "SkpDrafted",
            "SkpSubmitted",
            "SkpApproved",
        ]
        await save_history("appraisal_missed_planning_extended", handle, k.client)
        new_due = f"{k.year}-02-15T16:59:59+00:00"
        notices = k.notices()
        assert (notices[-1]["recipient"], notices[-1]["kind"], notices[-1]["due_at"].isoformat()) == (
            EMPLOYEE,
            "reminder",
            new_due,
        )
        assert len(notices) == 4


async def test_a_delegate_s_missed_deadline_escalates_to_the_atasan_not_hr(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    """Issue 9 finding 4: whom an overdue task escalates to is the domain's chain, delegate or not."""
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE), participant(DELEGATE, unit="U2")])  # a colleague of the agency
        handle = k.appraisal()
        await act(handle, W.draft_skp, DraftSkp(Actor(EMPLOYEE), rhk=RHK))
        await act(handle, W.delegate_task, DelegateTask(Actor(APPRAISER), DELEGATE, "cuti besar"))
        submitted = await act(handle, W.submit_skp, SubmitSkp(Actor(EMPLOYEE)))
        assert submitted["pending"] == {"task": "review_skp", "assignee": DELEGATE}
        await k.sleep_until(local(f"{k.year}-02-01"))
        await eventually(lambda: asyncio.to_thread(k.events), lambda e: "DeadlineMissed" in e)

        missed = next(e for e in k.log() if e["type"] == "DeadlineMissed")
        assert missed["payload"]["task"] == "review_skp" and missed["payload"]["escalated_to"] == ATASAN
        overdue = [n for n in k.told() if n[1:] == ("escalation", "review_skp")]
        assert [n[0] for n in overdue] == [ATASAN]
        await save_history("appraisal_delegate_missed_planning", handle, k.client)


@pytest.mark.timeout(900)
async def test_three_thousand_reports_and_feedbacks_then_a_rating(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    """Issue 9: input that needs no orchestration (progress entries, feedback) goes straight to the domain
    through the service layer the API calls, not through the workflow's Update path. 3,000 of them into one
    appraisal leave its workflow's history as it was; the domain holds each exactly once; the rating after
    them goes through the workflow as before.

    The store keeps the aggregates it loaded (eventsourcing's cache, fast-forwarded from the log on every
    load): without it each of the 3,000 commands replays the whole appraisal."""
    cached = Appraisals(env={**sqlite_env, "AGGREGATE_CACHE_MAXSIZE": "16", "AGGREGATE_CACHE_FASTFORWARD": "y"})
    async with kit(env, sqlite_env, app=cached) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await plan_and_approve(k, handle)
        await settle(handle)
        before = len((await handle.fetch_history()).events)
        now = await k.now()
        actions = AppraisalActions(k.app, Gateway(k.client, k.task_queue, k.app, ReadSide(), lambda: now))
        appraisal_id = k.appraisal_id()

        def report(n: int) -> ReportProgress:
            return ReportProgress(Actor(EMPLOYEE), "Q1", "R1", f"{n} KTP", "https://arsip.example.go.id/ktp")

        for n in range(1, 1_501):  # one after the other, as people send them, each with its request's key
            await actions.report_progress(appraisal_id, report(n), f"lapor-{n}")
            await actions.give_feedback(appraisal_id, GiveFeedback(Actor(APPRAISER), "R1", f"tepat {n}"), f"umpan-{n}")
        again = await actions.report_progress(appraisal_id, report(1), "lapor-1")  # a retry: nothing written
        await settle(handle)
        assert again.replayed and len((await handle.fetch_history()).events) == before  # the workflow saw none

        await reach_review(k, handle, planned=True)
        rated = await act(
            handle, W.rate, Rate(Actor(APPRAISER), results_rating="sesuai", behaviour_ratings=AS_EXPECTED, notes="")
        )
        assert rated["predikat"] == "baik" and rated["pending"] == {"task": "deliver_result", "assignee": APPRAISER}

        appraisal = k.app.appraisal(appraisal_id)
        assert sorted(int(p["realisation"].split()[0]) for p in appraisal.progress) == list(range(1, 1_501))
        assert sorted(int(f["text"].split()[1]) for f in appraisal.feedback) == list(range(1, 1_501))
        events = k.events()
        assert (events.count("ProgressReported"), events.count("FeedbackGiven")) == (1_500, 1_500)
        chain = await runs(k.client, handle)
        assert [updates_in(run) for run in chain] == [3, 4, 1]  # planning; the check-ins; the rating
        assert sum(len(run.events) for run in chain) < 300, [len(run.events) for run in chain]


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


async def test_a_long_stage_hands_over_to_new_runs_keeping_its_calendar(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    """Within a stage, a run hands over after updates_per_run human actions; the next run keeps the timers
    already acted on: one reminder per check-in, not one per run."""
    async with kit(env, sqlite_env) as k:
        handle = await start_appraisal(k, updates_per_run=3)
        year = k.year
        await plan_and_approve(k, handle)  # 3 actions, and a new stage: a new run either way

        def report(n: int) -> ReportProgress:
            return ReportProgress(Actor(EMPLOYEE), "Q1", "R1", f"{n} KTP", "https://arsip.example.go.id/ktp")

        for n in range(4):
            await act(handle, W.report_progress, report(n))
        await k.sleep_until(local(f"{year}-03-25"))  # the Q1 check-in's 7-day reminder
        await eventually(lambda: asyncio.to_thread(k.events), lambda e: "ReminderSent" in e)
        for n in range(4, 8):
            await act(handle, W.report_progress, report(n))
        await k.sleep_until(local(f"{year}-03-30"))

        assert k.events().count("ReminderSent") == 1 and k.events().count("ProgressReported") == 8
        chain = await runs(k.client, handle)
        updates = [updates_in(run) for run in chain]
        assert updates == [3, 3, 3, 2], updates  # planning; execution: 3 + 3 + the last 2
        scheduled = [
            [
                e.activity_task_scheduled_event_attributes.activity_type.name
                for e in run.events
                if e.HasField("activity_task_scheduled_event_attributes")
            ]
            for run in chain
        ]
        assert [names.count("send_reminder") for names in scheduled] == [0, 0, 1, 0]  # not again after the hand-over
        assert await handle.query(AppraisalWorkflow.current_stage) == "execution"
        await save_history("appraisal_execution_handed_over", handle, k.client)


async def test_a_human_action_through_an_update_costs_six_history_events(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    """Issue 9 finding 7: the command of an Update runs as a local activity (workflow.patched LOCAL_COMMANDS):
    its workflow task, the Update accepted, the activity's marker, the Update completed. A regular activity
    cost 11 (its scheduled, started and completed events, and a second workflow task); a bare Update costs 5."""
    async with kit(env, sqlite_env) as k:
        handle = await start_appraisal(k)
        await plan_and_approve(k, handle)
        await hold_check_ins(handle, ("Q1",))  # the run's first action also records the patch's marker
        await settle(handle)
        before = len((await handle.fetch_history()).events)
        await hold_check_ins(handle, ("Q2",))
        await settle(handle)
        added = [e.event_type for e in (await handle.fetch_history()).events[before:]]
        assert added == [
            EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
            EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
            EventType.EVENT_TYPE_MARKER_RECORDED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        ], [EventType.Name(t) for t in added]
        assert k.events().count("CheckInHeld") == 2


async def test_the_cycle_keeps_the_latest_failures_and_counts_them_all(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    """Issue 9 finding 1: the failures the cycle carries over continue-as-new are bounded."""
    async with kit(env, sqlite_env) as k:
        cycle = await k.launch([participant(EMPLOYEE)])
        reported = FAILURES_KEPT + 50
        for i in range(reported):
            await cycle.signal(CycleWorkflow.report_failure, Failure(EMPLOYEE, "send_reminder", "SMTP", f"#{i}", ""))
        progress = await eventually(
            lambda: cycle.query(CycleWorkflow.progress), lambda p: p["failures_total"] == reported
        )
        assert len(progress["failures"]) == FAILURES_KEPT
        assert progress["failures"][-1]["message"] == f"#{reported - 1}"
        assert progress["failures"][0]["message"] == f"#{reported - FAILURES_KEPT}"


async def keberatan_case(k: Kit) -> tuple[WorkflowHandle[Any, Any], datetime]:
    """An appraisal whose result was delivered; returns its handle and the local day it was received."""
    await k.launch([participant(EMPLOYEE)])
    handle = k.appraisal()
    await reach_review(k, handle)
    await deliver(k, handle)
    received = datetime.fromisoformat(delivered_at(k)).astimezone(local(f"{k.year}-01-01").tzinfo)
    return handle, received


async def test_a_keberatan_filed_on_day_14_is_decided_by_the_atasan_and_amended(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        handle, received = await keberatan_case(k)
        day_14 = local((received + timedelta(days=14)).date().isoformat(), "23:00:00")
        await k.sleep_until(day_14)
        assert await handle.query(AppraisalWorkflow.current_stage) == "result_delivered"

        filed = await act(
            handle, W.file_keberatan, FileKeberatan(Actor(EMPLOYEE), reasons="bukti dukung Q4 tidak dipertimbangkan")
        )
        assert filed["pending"] == {"task": "decide_keberatan", "assignee": ATASAN}
        await k.sleep_until(day_14 + timedelta(days=3))  # the window's timer must not close anything now
        above = dict.fromkeys(BERAKHLAK, "di_atas")
        decided = await act(
            handle,
            W.decide_keberatan,
            DecideKeberatan(
                Actor(ATASAN),
                outcome="amended",
                reasons="bukti dukung sah",
                results_rating="di_atas",
                behaviour_ratings=above,
            ),
        )

        assert (decided["stage"], decided["predikat"]) == ("follow_up", "sangat_baik")
        assert "KeberatanWindowClosed" not in k.events()
        assert (await finish(handle))["predikat"] == "sangat_baik"
        await save_history("appraisal_keberatan_amended", handle, k.client)


async def test_a_keberatan_on_day_15_is_refused_with_the_domain_message(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        handle, received = await keberatan_case(k)
        await k.sleep_until(local((received + timedelta(days=15)).date().isoformat(), "08:00:00"))
        await stage_is(handle, "follow_up")  # the window closed by itself at the end of day 14

        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act(handle, W.file_keberatan, FileKeberatan(Actor(EMPLOYEE), reasons="terlambat"))
        deadline = (received + timedelta(days=14)).date()
        assert refused.value.cause.message == (
            f"a keberatan must be filed within 14 days of receiving the result (by {deadline} 23:59:59 WIB); "
            f"filed on {deadline + timedelta(days=1)}"
        )
        assert refused.value.cause.type == "DeadlinePassed"
        assert k.events()[-1] == "KeberatanWindowClosed"


async def test_an_undecided_keberatan_escalates_to_hr(env: WorkflowEnvironment, sqlite_env: dict[str, str]) -> None:
    async with kit(env, sqlite_env) as k:
        handle, received = await keberatan_case(k)
        await act(handle, W.file_keberatan, FileKeberatan(Actor(EMPLOYEE), reasons="rating perilaku tidak berdasar"))
        await k.sleep_until(local((received + timedelta(days=16)).date().isoformat()))
        await eventually(lambda: asyncio.to_thread(k.events), lambda e: "KeberatanEscalated" in e)

        assert k.events()[-3:] == ["ReminderSent", "ReminderSent", "KeberatanEscalated"]
        assert k.told() == [
            (ATASAN, "reminder", "decide_keberatan"),
            (ATASAN, "reminder", "decide_keberatan"),
            ("hr", "keberatan", "decide_keberatan"),
        ]
        await act(
            handle,
            W.reassign_keberatan_decider,
            ReassignKeberatanDecider(Actor(HR_NIP, ("hr",)), decider_nip=NEW_ATASAN, reason="atasan cuti panjang"),
        )
        assert await handle.query(AppraisalWorkflow.assignee) == NEW_ATASAN
        upheld = await act(
            handle,
            W.decide_keberatan,
            DecideKeberatan(
                Actor(NEW_ATASAN),
                outcome="upheld",
                reasons="rating sesuai bukti",
                results_rating=None,
                behaviour_ratings=None,
            ),
        )
        assert upheld["stage"] == "follow_up"
        await save_history("appraisal_keberatan_escalated", handle, k.client)


async def test_a_supervisor_change_moves_pending_tasks_and_reminders(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await act(handle, W.draft_skp, DraftSkp(Actor(EMPLOYEE), rhk=RHK))
        await act(handle, W.submit_skp, SubmitSkp(Actor(EMPLOYEE)))

        changed = await act(
            handle, W.change_supervisor, ChangeSupervisor(HR, NEW_APPRAISER, NEW_ATASAN, "mutasi jabatan")
        )
        assert changed["pending"] == {"task": "review_skp", "assignee": NEW_APPRAISER}
        assert k.app.cycle(uuid.UUID(k.cycle_id)).participants[EMPLOYEE]["appraiser_nip"] == NEW_APPRAISER
        await k.sleep_until(local(f"{k.year}-01-25"))
        await eventually(lambda: asyncio.to_thread(k.events), lambda e: "ReminderSent" in e)
        assert k.told() == [(NEW_APPRAISER, "reminder", "review_skp")]

        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act(handle, W.approve_skp, ApproveSkp(Actor(APPRAISER)))
        assert refused.value.cause.message == "only the employee's pejabat penilai (or their delegate) approves an SKP"
        assert (await act(handle, W.approve_skp, ApproveSkp(Actor(NEW_APPRAISER))))["stage"] == "execution"
        await save_history("appraisal_supervisor_changed", handle, k.client)


class FlakyAppraisals(Appraisals):
    """The worker dies right after the domain wrote: the activity's retry must not write again."""

    name = Appraisals.name  # the same tables as the real application
    flaky: frozenset[type] = frozenset({ApproveSkp})

    def execute(self, appraisal_id: uuid.UUID, cmd: Any, **kwargs: Any) -> Outcome:
        outcome = super().execute(appraisal_id, cmd, **kwargs)
        if type(cmd) in self.flaky:
            self.flaky = self.flaky - {type(cmd)}
            raise RuntimeError("worker lost after the write")
        return outcome


async def test_a_new_worker_takes_over_mid_cycle_and_nothing_is_lost_or_doubled(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    # No sticky cache on the first worker: the test server never hands a dead worker's sticky tasks on.
    async with kit(env, sqlite_env, max_cached_workflows=0) as first:
        await first.launch([participant(EMPLOYEE), participant(COLLEAGUE)])
        for nip in (EMPLOYEE, COLLEAGUE):
            await act(first.appraisal(nip), W.draft_skp, DraftSkp(Actor(nip), rhk=RHK))
        await first.sleep_until(local(f"{first.year}-01-25"))  # the 7-day reminders
        await eventually(lambda: asyncio.to_thread(first.events, COLLEAGUE), lambda e: "ReminderSent" in e)
        first.nips = []  # stop this worker but leave the workflows running
        cycle_id, year, nips = first.cycle_id, first.year, [EMPLOYEE, COLLEAGUE]

    async with kit(env, sqlite_env, FlakyAppraisals(env=sqlite_env), task_queue=first.task_queue) as second:
        second.cycle_id, second.year, second.nips = cycle_id, year, nips
        # The new worker has no cached workflow: it replays each history from the start, then goes on.
        await act(second.appraisal(), W.submit_skp, SubmitSkp(Actor(EMPLOYEE)))
        approved = await act(second.appraisal(), W.approve_skp, ApproveSkp(Actor(APPRAISER)))
        assert approved["stage"] == "execution" and approved["replayed"] is True  # the retry found the write
        await second.sleep_until(local(f"{year}-02-01"))
        await eventually(lambda: asyncio.to_thread(second.events, COLLEAGUE), lambda e: "DeadlineMissed" in e)

        assert second.events(EMPLOYEE) == ["Opened", "SkpDrafted", "ReminderSent", "SkpSubmitted", "SkpApproved"]
        assert second.events(COLLEAGUE) == ["Opened", "SkpDrafted", "ReminderSent", "ReminderSent", "DeadlineMissed"]
        # One notice per recorded reminder or escalation, across both workers: none lost, none doubled.
        assert sorted((n[0], n[1]) for n in second.told()) == sorted(
            [(EMPLOYEE, "reminder"), (COLLEAGUE, "reminder"), (COLLEAGUE, "reminder"), ("hr", "escalation")]
        )
        assert (await second.appraisal(EMPLOYEE).query(AppraisalWorkflow.status))["failures"] == []


def nip_of(i: int) -> str:
    return f"{1980 + i}0101" + "200501" + "1" + f"{i:03d}"


class RefusingAppraisals(Appraisals):
    """A rule refuses one employee's reminder: the failure must reach the cycle's progress."""

    name = Appraisals.name

    def execute(self, appraisal_id: uuid.UUID, cmd: Any, **kwargs: Any) -> Outcome:
        if isinstance(cmd, RecordReminder) and self.appraisal(appraisal_id).employee_nip == nip_of(1):
            raise NotAllowed("reminders to this employee are blocked by the agency directory")
        return super().execute(appraisal_id, cmd, **kwargs)


async def test_a_cycle_serves_hr_and_reports_failures_per_employee(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env, RefusingAppraisals(env=sqlite_env)) as k:
        nips = [nip_of(i) for i in range(5)]
        cycle = await k.launch([participant(n) for n in nips], batch_size=2)
        progress = await cycle.query(CycleWorkflow.progress)
        assert (progress["opened"], progress["started"], progress["failures"]) == (5, 5, [])
        for nip in nips:
            assert await k.appraisal(nip).query(AppraisalWorkflow.current_stage) == "planning"

        added = await k.hr(CycleWorkflow.add_participant, AddParticipant(HR, participant=participant(nip_of(7))))
        k.nips.append(nip_of(7))
        assert (added["opened"], added["started"]) == (1, 1)
        assert await k.appraisal(nip_of(7)).query(AppraisalWorkflow.pending_task) == {
            "task": "draft_skp",
            "assignee": nip_of(7),
        }
        await k.hr(CycleWorkflow.remove_participant, RemoveParticipant(HR, nip=nip_of(4), reason="pensiun"))
        assert (await k.appraisal(nip_of(4)).result())["withdrawn"] == "pensiun"
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await k.hr(CycleWorkflow.remove_participant, RemoveParticipant(HR, nip=nip_of(4), reason="lagi"))
        assert refused.value.cause.message == f"nip: {nip_of(4)} does not take part in this cycle"

        await k.sleep_until(local(f"{k.year}-01-25"))
        await eventually(lambda: cycle.query(CycleWorkflow.progress), lambda p: p["failures"])
        progress = await cycle.execute_update(CycleWorkflow.refresh_progress)
        assert progress["stages"] == {"planning": 5} and progress["participants"] == 5
        [failure] = progress["failures"]
        assert failure["nip"] == nip_of(1) and failure["error"] == "NotAllowed"
        assert failure["message"] == "reminders to this employee are blocked by the agency directory"

        open_ones = [nip_of(i) for i in (0, 1, 2, 3, 7)]
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await k.hr(CycleWorkflow.close, CloseCycle(HR))
        assert refused.value.cause.type == "WrongStage" and "5 open appraisal(s)" in refused.value.cause.message
        await k.hr(CycleWorkflow.close, CloseCycle(HR, dict.fromkeys(open_ones, "SKP belum disusun: tugas belajar")))
        assert (await cycle.query(CycleWorkflow.progress))["closed"] is True
        with pytest.raises(WorkflowUpdateFailedError) as again:  # closed: the workflow takes nothing but a reopening
            await k.hr(CycleWorkflow.close, CloseCycle(HR))
        assert again.value.cause.message == "the cycle is closed"


async def test_the_appraiser_is_reminded_only_of_the_check_ins_not_held(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await plan_and_approve(k, handle)
        await hold_check_ins(handle, ("Q1",))
        assert await handle.query(AppraisalWorkflow.due_date) == f"{k.year}-03-31T16:59:59+00:00"
        await k.sleep_until(local(f"{k.year}-06-25"))  # a week before the end of Q2
        await eventually(lambda: asyncio.to_thread(k.events), lambda e: "ReminderSent" in e)

        [reminder] = [e["payload"] for e in k.log() if e["type"] == "ReminderSent"]
        assert (reminder["task"], reminder["to"], reminder["due"]) == (
            "check_in:Q2",
            APPRAISER,
            f"{k.year}-06-30T16:59:59+00:00",
        )
        assert await handle.query(AppraisalWorkflow.due_date) == f"{k.year}-06-30T16:59:59+00:00"
        await save_history("appraisal_check_in_reminded", handle, k.client)


class SlowReadingAppraisals(Appraisals):
    """Once `slow` is set, reading an appraisal (the cycle's refresh counting stages, after it read the
    cycle) signals `reading` and waits for `release`: HR reopens the cycle in between."""

    name = Appraisals.name

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slow, self.reading, self.release = False, threading.Event(), threading.Event()

    def appraisal(self, appraisal_id: uuid.UUID, version: int | None = None) -> Appraisal:
        if self.slow:
            self.reading.set()
            self.release.wait(30)
        return super().appraisal(appraisal_id, version)


async def test_a_cycle_reopened_while_its_closing_refresh_runs_stays_open(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    app = SlowReadingAppraisals(env=sqlite_env)
    async with kit(env, sqlite_env, app) as k:
        cycle = await k.launch([participant(EMPLOYEE)])
        app.slow = True
        await k.hr(CycleWorkflow.close, CloseCycle(HR, {EMPLOYEE: "cuti besar"}))
        assert await asyncio.to_thread(app.reading.wait, 20)  # the closing refresh has read the cycle closed
        await k.hr(CycleWorkflow.reopen, ReopenCycle(HR, "ditutup terlalu cepat"))
        app.slow = False
        app.release.set()  # now the refresh answers what it read: "closed"
        await settle(cycle)
        assert app.cycle(uuid.UUID(k.cycle_id)).status == "started"
        progress = await cycle.query(CycleWorkflow.progress)
        assert (progress["closed"], progress.get("status")) == (False, "started")
        extended = await k.hr(CycleWorkflow.extend_deadline, ExtendDeadline(HR, "review", f"{k.year + 1}-03-31", "x"))
        assert extended["deadline"] == "review"
