"""#15 in time: a superior's own, earlier deadline for the RHK their subordinates wait on (durable timers).

While a subordinate's SKP waits ("menunggu RHK atasan"), the superior is reminded before their deadline (heads
first: each further level below them makes it earlier) and, once it passed, their own pejabat penilai is told;
a superior who drafted their RHK in time hears nothing. HR chooses the days when starting the cycle, and an
extension of the planning deadline moves the superior's due with it. Recorded for the replay corpus
(`appraisal_cascade_escalated`, behind workflow.patched("cascade-rhk-deadline-2026-11"), and
`appraisal_cascade_due_extended`, behind workflow.patched("cascade-due-follows-planning-2026-12")).
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
from domain.cycle_commands import ExtendDeadline
from domain.work_commands import DraftSkp, SubmitSkp
from tests.recording import save_history
from tests.workflow_kit import (
    APPRAISER,
    ATASAN,
    COLLEAGUE,
    EMPLOYEE,
    HR,
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
from workflows.cycle import CycleWorkflow

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
        assert missed["due"] == due.isoformat()
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


def told_of_rhk(k: Kit) -> list[tuple[str, str]]:
    """The superior's reminders and escalation about the RHK subordinates wait on: (event, due)."""
    return [
        (e["type"], e["payload"]["due"])
        for e in k.log(APPRAISER)
        if e["type"] in ("ReminderSent", "DeadlineMissed") and e["payload"]["task"] == "rhk_atasan"
    ]


async def test_hr_chooses_the_superiors_days_and_an_extension_of_planning_moves_their_due(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch(TEAM, cascade_days_before=10, cascade_days_per_level=3)
        cycle = k.app.cycle(uuid.UUID(k.cycle_id))
        assert (cycle.cascade_days_before, cycle.cascade_days_per_level) == (10, 3)  # in the Started event
        first = cascade_dues(cycle)[APPRAISER]
        assert first.isoformat() == f"{k.year}-01-21T16:59:59+00:00"  # 10 days before the planning deadline
        await staff_wait(k)
        await k.sleep_until(local(f"{k.year}-01-10"))
        assert told_of_rhk(k) == []
        moved = await k.hr(CycleWorkflow.extend_deadline, ExtendDeadline(HR, "planning", f"{k.year}-02-14", "SE BKN"))
        assert moved["signalled"] == 3
        # Past the first due: nothing rang for it, the superior's due moved 14 days with the planning deadline.
        await k.sleep_until(first + timedelta(days=2))
        assert told_of_rhk(k) == []
        due = (first + timedelta(days=14)).isoformat()
        await k.sleep_until(first + timedelta(days=14, hours=12))
        await eventually(lambda: asyncio.to_thread(told_of_rhk, k), lambda told: len(told) == 3)
        assert told_of_rhk(k) == [("ReminderSent", due), ("ReminderSent", due), ("DeadlineMissed", due)]
        leader = k.appraisal(APPRAISER)
        await act(leader, W.draft_skp, DraftSkp(Actor(APPRAISER), rhk=RHK))
        await save_history("appraisal_cascade_due_extended", leader, k.client)
