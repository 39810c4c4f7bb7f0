"""#15 in time: a superior's own, earlier deadline for the RHK their subordinates wait on (durable timers).

While a subordinate's SKP waits ("menunggu RHK atasan"), the superior is reminded before their deadline (heads
first: each further level below them makes it earlier) and, once it passed, their own pejabat penilai is told;
a superior who drafted their RHK in time hears nothing. Recorded for the replay corpus
(`appraisal_cascade_escalated`, behind workflow.patched("cascade-rhk-deadline-2026-11")).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.base import Actor
from domain.cascade import PROVISIONAL, cascade_dues
from domain.work_commands import DraftSkp, SubmitSkp
from tests.recording import save_history
from tests.workflow_kit import (
    APPRAISER,
    ATASAN,
    COLLEAGUE,
    EMPLOYEE,
    NEW_ATASAN,
    RHK,
    Kit,
    act,
    eventually,
    kit,
    local,
    participant,
    time_skipping,
)
from workflows.appraisal import AppraisalWorkflow as W

# The appraiser leads: EMPLOYEE and COLLEAGUE report to them; their own pejabat penilai (ATASAN) is outside.
TEAM = [participant(APPRAISER, ATASAN, NEW_ATASAN), participant(EMPLOYEE), participant(COLLEAGUE)]
WAITING = [{**RHK[0], "supports": PROVISIONAL}]


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping() as environment:
        yield environment


async def staff_wait(k: Kit) -> None:
    handle = k.appraisal(EMPLOYEE)
    await act(handle, W.draft_skp, DraftSkp(Actor(EMPLOYEE), rhk=WAITING))
    await act(handle, W.submit_skp, SubmitSkp(Actor(EMPLOYEE)))


async def test_a_late_leader_is_reminded_then_escalated_to_their_own_appraiser(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch(TEAM)
        due = cascade_dues(k.app.cycle(uuid.UUID(k.cycle_id)))[APPRAISER]
        assert due.isoformat() == f"{k.year}-01-24T16:59:59+00:00"  # 7 days before the planning deadline
        await staff_wait(k)
        await k.sleep_until(due + timedelta(hours=12))
        await eventually(lambda: asyncio.to_thread(k.events, APPRAISER), lambda e: "DeadlineMissed" in e)
        log = k.log(APPRAISER)
        told = [
            e["type"]
            for e in log
            if e["type"] in ("ReminderSent", "DeadlineMissed") and e["payload"]["task"] == "rhk_atasan"
        ]
        assert told == ["ReminderSent", "ReminderSent", "DeadlineMissed"]  # 7 and 1 days before, then escalated
        missed = next(
            e["payload"] for e in log if e["type"] == "DeadlineMissed" and e["payload"]["task"] == "rhk_atasan"
        )
        assert missed["escalated_to"] == ATASAN  # the superior's own pejabat penilai
        assert any(n["recipient"] == ATASAN and n["task"] == "rhk_atasan" for n in k.notices())
        # The leader's RHK arrive late: the SKP deadline's own clock goes on as before.
        leader = k.appraisal(APPRAISER)
        await act(leader, W.draft_skp, DraftSkp(Actor(APPRAISER), rhk=RHK))
        assert k.app.waiting_on(k.appraisal_id(APPRAISER)) == 0
        await save_history("appraisal_cascade_escalated", leader, k.client)


async def test_a_leader_with_rhk_in_time_hears_nothing_and_heads_come_first(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch(TEAM)
        await staff_wait(k)
        await act(k.appraisal(APPRAISER), W.draft_skp, DraftSkp(Actor(APPRAISER), rhk=RHK))
        await k.sleep_until(local(f"{k.year}-01-26"))
        assert [e for e in k.log(APPRAISER) if e["payload"].get("task") == "rhk_atasan"] == []  # nothing to tell
        assert "ReminderSent" in k.events(APPRAISER)  # the SKP deadline's own reminder still runs
        # Heads first: with one more level below, the head's RHK are due 5 days earlier.
        cycle = k.app.cycle(uuid.UUID(k.cycle_id))
        cycle.participants[ATASAN] = {**cycle.participants[APPRAISER], "nip": ATASAN, "appraiser_nip": "x"}
        dues = cascade_dues(cycle)
        assert (dues[APPRAISER] - dues[ATASAN]).days == 5
