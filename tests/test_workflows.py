"""Workflows on the time-skipping test server, with the real activities and a real event store.

A whole appraisal year runs in seconds: `env.sleep()` moves the server's clock (it does not
skip while a test awaits an update). Each test defines its own cycle for next year, so the
tests share one server whose clock only moves forward. The kit (server, worker, steps) is
tests/workflow_kit.py, shared with the other workflow test modules.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.audit import Audit
from domain.base import Actor
from domain.cycle_commands import (
    AddParticipant,
    CloseCycle,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
)
from domain.errors import NotAllowed, Refusal
from domain.outcome import Outcome
from domain.people_commands import ChangeSupervisor, DelegateTask, RecordReminder
from domain.result_commands import (
    DecideKeberatan,
    FileKeberatan,
    Rate,
    ReassignKeberatanDecider,
)
from domain.rules import BERAKHLAK
from domain.work_commands import ApproveSkp, DraftSkp, GiveFeedback, ReportProgress, ReturnSkp, SubmitSkp
from services.actions import AppraisalActions
from services.gateway import Gateway
from services.readside import ReadSide
from tests.recording import runs, save_history
from tests.workflow_kit import (
    APPRAISER,
    AS_EXPECTED,
    ATASAN,
    COLLEAGUE,
    DELEGATE,
    EMPLOYEE,
    HR,
    HR_NIP,
    NEW_APPRAISER,
    NEW_ATASAN,
    RHK,
    act,
    deliver,
    delivered_at,
    eventually,
    finish,
    hold_check_ins,
    keberatan_case,
    kit,
    local,
    nip_of,
    participant,
    plan_and_approve,
    reach_review,
    settle,
    stage_is,
    start_appraisal,
    time_skipping,
    updates_in,
)
from workflows.appraisal import AppraisalWorkflow
from workflows.appraisal import AppraisalWorkflow as W
from workflows.appraisal_runtime import Failure
from workflows.cycle import CycleWorkflow
from workflows.cycle_runtime import FAILURES_KEPT


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping() as environment:
        yield environment


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


class RefusingAppraisals(Appraisals):
    """A rule refuses one employee's reminder: the failure must reach the cycle's progress."""

    name = Appraisals.name

    def execute(self, appraisal_id: uuid.UUID, cmd: Any, **kwargs: Any) -> Outcome:
        if isinstance(cmd, RecordReminder) and self.appraisal(appraisal_id).employee_nip == nip_of(1):
            raise NotAllowed(Refusal("test.blocked", "reminders to this employee are blocked by the agency directory"))
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
        await save_history("cycle_participant_added_and_removed", cycle, k.client)


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
            self.release.wait(120)  # set once HR's reopen went through: a loaded machine may take a while
        return super().appraisal(appraisal_id, version)


async def test_a_cycle_reopened_while_its_closing_refresh_runs_stays_open(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    app = SlowReadingAppraisals(env=sqlite_env)
    async with kit(env, sqlite_env, app) as k:
        cycle = await k.launch([participant(EMPLOYEE)])
        app.slow = True
        await k.hr(CycleWorkflow.close, CloseCycle(HR, {EMPLOYEE: "cuti besar"}))
        assert await asyncio.to_thread(app.reading.wait, 60)  # the closing refresh has read the cycle closed
        await k.hr(CycleWorkflow.reopen, ReopenCycle(HR, "ditutup terlalu cepat"))
        app.slow = False
        app.release.set()  # now the refresh answers what it read: "closed"
        await settle(cycle)
        assert app.cycle(uuid.UUID(k.cycle_id)).status == "started"
        progress = await cycle.query(CycleWorkflow.progress)
        assert (progress["closed"], progress.get("status")) == (False, "started")
        extended = await k.hr(CycleWorkflow.extend_deadline, ExtendDeadline(HR, "review", f"{k.year + 1}-03-31", "x"))
        assert extended["deadline"] == "review"
