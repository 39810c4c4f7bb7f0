"""Every branch of an appraisal's year on the time-skipping server, each recorded for the replay corpus.

The branches tests/test_workflows.py does not walk already: a missed deadline with and without its
extension (planning, review, follow-up), a keberatan upheld and one decided after a supervisor change,
a delegation, a withdrawal. Each test checks what the branch does; with KINERJA_SAVE_HISTORIES=1
(`make histories`) it also records every run of the workflow (tests/recording.py), which
tests/test_workflow_replay.py replays on the current code. tests/histories/README.md lists the
branches and their files.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.base import Actor
from domain.cycle_commands import ExtendDeadline, RemoveParticipant
from domain.errors import WrongStage
from domain.people_commands import ChangeSupervisor, DelegateTask
from domain.result_commands import DecideKeberatan, FileKeberatan
from domain.tasks import tasks_bounded_by
from domain.work_commands import ApproveSkp, DraftSkp, GiveFeedback, HoldCheckIn, ReportProgress, SubmitSkp
from services.actions import AppraisalActions
from services.gateway import Gateway
from services.readside import ReadSide
from tests.recording import save_history
from tests.workflow_kit import (
    APPRAISER,
    ATASAN,
    COLLEAGUE,
    DELEGATE,
    EMPLOYEE,
    HR,
    NEW_APPRAISER,
    NEW_ATASAN,
    RHK,
    Kit,
    act,
    deliver,
    eventually,
    finish,
    keberatan_case,
    kit,
    local,
    participant,
    plan_and_approve,
    reach_review,
    stage_is,
    time_skipping,
)
from workflows.appraisal import AppraisalWorkflow
from workflows.appraisal import AppraisalWorkflow as W
from workflows.cycle import CycleWorkflow


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping() as environment:
        yield environment


async def missed(k: Kit, deadline: str, day: str) -> dict[str, Any]:
    """Sleep to noon of `day` (local) and return the payload of the DeadlineMissed it brought."""
    await k.sleep_until(local(day))
    await eventually(lambda: asyncio.to_thread(k.events), lambda e: "DeadlineMissed" in e)
    payload: dict[str, Any] = next(e["payload"] for e in k.log() if e["type"] == "DeadlineMissed")
    assert payload["task"] in tasks_bounded_by(deadline)
    return payload


async def extended(k: Kit, handle: WorkflowHandle[Any, Any], deadline: str, until: str) -> str:
    """HR extends `deadline` to `until`; the appraisal's due date follows. Returns the new due instant."""
    moved = await k.hr(CycleWorkflow.extend_deadline, ExtendDeadline(HR, deadline, until, "perpanjangan SE BKN"))
    assert moved["signalled"] == 1
    await eventually(lambda: handle.query(AppraisalWorkflow.due_date), lambda d: d == moved["until"])
    return str(moved["until"])


async def reminded_again(k: Kit, day: str, count: int) -> None:
    """Sleep to noon of `day` (local): the new deadline's 7-day reminder is the `count`th reminder."""
    await k.sleep_until(local(day))
    await eventually(lambda: asyncio.to_thread(k.events), lambda e: e.count("ReminderSent") == count)


# --- planning -------------------------------------------------------------------------------------


async def test_a_missed_planning_deadline_without_extension_escalates_and_a_late_skp_is_still_taken(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        overdue = await missed(k, "planning", f"{k.year}-02-01")
        assert (overdue["task"], overdue["escalated_to"]) == ("draft_skp", "hr")
        assert (overdue["due"], await handle.query(AppraisalWorkflow.due_date)) == (
            f"{k.year}-01-31T16:59:59+00:00",
            f"{k.year}-01-31T16:59:59+00:00",
        )
        approved = await plan_and_approve(k, handle)  # late, without an extension: taken, the miss stays recorded
        assert approved["stage"] == "execution"
        assert k.events() == [
            "Opened",
            "ReminderSent",
            "ReminderSent",
            "DeadlineMissed",
            "SkpDrafted",
            "SkpSubmitted",
            "SkpApproved",
        ]
        await save_history("appraisal_missed_planning", handle, k.client)


# --- review ---------------------------------------------------------------------------------------


async def test_a_missed_review_deadline_escalates_the_rating_to_the_atasan(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await reach_review(k, handle)
        overdue = await missed(k, "review", f"{k.year + 1}-02-01")
        assert (overdue["task"], overdue["escalated_to"], overdue["due"]) == (
            "rate",
            ATASAN,
            f"{k.year + 1}-01-31T16:59:59+00:00",
        )
        assert k.told() == [
            (APPRAISER, "reminder", "rate"),
            (APPRAISER, "reminder", "rate"),
            (ATASAN, "escalation", "rate"),
        ]
        delivered = await deliver(k, handle)  # rated late, without an extension
        assert delivered["stage"] == "result_delivered"
        await save_history("appraisal_missed_review", handle, k.client)


async def test_a_missed_review_deadline_extended_moves_the_reminders(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await reach_review(k, handle)
        await missed(k, "review", f"{k.year + 1}-02-01")
        until = await extended(k, handle, "review", f"{k.year + 1}-02-28")
        assert until == f"{k.year + 1}-02-28T16:59:59+00:00"
        await reminded_again(k, f"{k.year + 1}-02-22", 3)  # 7 days before the new date
        assert k.log()[-1]["payload"]["due"] == until
        assert (await deliver(k, handle))["stage"] == "result_delivered"
        assert k.events().count("DeadlineMissed") == 1  # the extension was met
        await save_history("appraisal_missed_review_extended", handle, k.client)


# --- follow-up ------------------------------------------------------------------------------------


async def reach_follow_up(k: Kit) -> WorkflowHandle[Any, Any]:
    """Delivered, no keberatan: the window closes by itself and HR's follow-up is pending."""
    handle, received = await keberatan_case(k)
    await k.sleep_until(local((received + timedelta(days=15)).date().isoformat()))
    await stage_is(handle, "follow_up")
    return handle


async def test_a_missed_follow_up_deadline_escalates_to_hr(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        handle = await reach_follow_up(k)
        overdue = await missed(k, "follow_up", f"{k.year + 1}-04-01")
        assert (overdue["task"], overdue["escalated_to"], overdue["due"]) == (
            "decide_follow_up",
            "hr",
            f"{k.year + 1}-03-31T16:59:59+00:00",
        )
        assert (await finish(handle))["stage"] == "finalised"
        await save_history("appraisal_missed_follow_up", handle, k.client)


async def test_a_missed_follow_up_deadline_extended_moves_the_reminders(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        handle = await reach_follow_up(k)
        await missed(k, "follow_up", f"{k.year + 1}-04-01")
        reminders = k.events().count("ReminderSent")
        until = await extended(k, handle, "follow_up", f"{k.year + 1}-04-30")
        await reminded_again(k, f"{k.year + 1}-04-24", reminders + 1)
        assert k.log()[-1]["payload"]["due"] == until
        assert (await finish(handle))["stage"] == "finalised"
        assert k.events().count("DeadlineMissed") == 1
        await save_history("appraisal_missed_follow_up_extended", handle, k.client)


# --- keberatan ------------------------------------------------------------------------------------


def decision(by: str, outcome: str) -> DecideKeberatan:
    return DecideKeberatan(Actor(by), outcome=outcome, reasons="bukti dukung diperiksa")


async def test_a_keberatan_upheld_by_the_atasan_keeps_the_rating(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        handle, _ = await keberatan_case(k)
        await act(handle, W.file_keberatan, FileKeberatan(Actor(EMPLOYEE), reasons="nilai perilaku terlalu rendah"))
        upheld = await act(handle, W.decide_keberatan, decision(ATASAN, "upheld"))
        assert (upheld["stage"], upheld["predikat"]) == ("follow_up", "baik")
        assert k.events()[-2:] == ["KeberatanFiled", "KeberatanDecided"]
        assert (await finish(handle))["predikat"] == "baik"
        await save_history("appraisal_keberatan_upheld", handle, k.client)


async def test_a_keberatan_is_decided_by_the_new_atasan_after_a_supervisor_change(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        handle, _ = await keberatan_case(k)
        await act(handle, W.file_keberatan, FileKeberatan(Actor(EMPLOYEE), reasons="nilai perilaku terlalu rendah"))
        changed = await act(
            handle, W.change_supervisor, ChangeSupervisor(HR, NEW_APPRAISER, NEW_ATASAN, "mutasi jabatan")
        )
        assert changed["pending"] == {"task": "decide_keberatan", "assignee": NEW_ATASAN}
        assert await handle.query(AppraisalWorkflow.assignee) == NEW_ATASAN
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act(handle, W.decide_keberatan, decision(ATASAN, "upheld"))
        assert refused.value.cause.type == "NotAllowed"
        upheld = await act(handle, W.decide_keberatan, decision(NEW_ATASAN, "upheld"))
        assert upheld["stage"] == "follow_up"
        decided = next(e for e in k.log() if e["type"] == "KeberatanDecided")
        assert decided["payload"]["by"] == NEW_ATASAN
        await save_history("appraisal_keberatan_after_supervisor_change", handle, k.client)


# --- people ---------------------------------------------------------------------------------------


async def test_a_delegate_approves_and_holds_a_check_in_until_the_appraiser_takes_the_tasks_back(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE), participant(DELEGATE, unit="U2")])
        handle = k.appraisal()
        await act(handle, W.draft_skp, DraftSkp(Actor(EMPLOYEE), rhk=RHK))
        await act(handle, W.delegate_task, DelegateTask(Actor(APPRAISER), DELEGATE, "cuti besar"))
        assert (await act(handle, W.submit_skp, SubmitSkp(Actor(EMPLOYEE))))["pending"]["assignee"] == DELEGATE
        with pytest.raises(WorkflowUpdateFailedError):
            await act(handle, W.approve_skp, ApproveSkp(Actor(APPRAISER)))  # delegated: the delegate acts
        assert (await act(handle, W.approve_skp, ApproveSkp(Actor(DELEGATE))))["stage"] == "execution"
        check_in = HoldCheckIn(Actor(DELEGATE), period="Q1", notes="dialog kinerja Q1")
        assert (await act(handle, W.hold_check_in, check_in))["pending"] == {"task": "check_in", "assignee": DELEGATE}
        back = await act(handle, W.delegate_task, DelegateTask(Actor(APPRAISER), APPRAISER, "kembali dari cuti"))
        assert back["pending"] == {"task": "check_in", "assignee": APPRAISER}
        assert k.events() == [
            "Opened",
            "SkpDrafted",
            "TaskDelegated",
            "SkpSubmitted",
            "SkpApproved",
            "CheckInHeld",
            "TaskDelegated",
        ]
        await save_history("appraisal_delegated", handle, k.client)


async def test_a_withdrawn_employee_s_workflow_ends_and_the_domain_takes_no_more_input(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        cycle = await k.launch([participant(EMPLOYEE), participant(COLLEAGUE)])
        handle = k.appraisal()
        await plan_and_approve(k, handle)
        now = await k.now()
        actions = AppraisalActions(k.app, Gateway(k.client, k.task_queue, k.app, ReadSide(), lambda: now))
        report = ReportProgress(Actor(EMPLOYEE), "Q1", "R1", "120 KTP", "https://arsip.example.go.id/ktp")
        await actions.report_progress(k.appraisal_id(), report, "sebelum")

        await k.hr(CycleWorkflow.remove_participant, RemoveParticipant(HR, nip=EMPLOYEE, reason="pindah instansi"))
        assert (await handle.result())["withdrawn"] == "pindah instansi"
        with pytest.raises(WrongStage):  # no workflow to refuse it: the aggregate does
            await actions.report_progress(k.appraisal_id(), report, "sesudah")
        with pytest.raises(WrongStage):
            await actions.give_feedback(k.appraisal_id(), GiveFeedback(Actor(APPRAISER), "R1", "x"), "umpan")
        assert k.events().count("ProgressReported") == 1 and k.events()[-1] == "ProgressReported"
        assert await k.appraisal(COLLEAGUE).query(AppraisalWorkflow.current_stage) == "planning"  # the other goes on
        await save_history("appraisal_withdrawn", handle, k.client)
        await save_history("cycle_participant_removed", cycle, k.client)
