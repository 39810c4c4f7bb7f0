"""A check-in's due, end to end (#9, finding 3): HR chooses the review opening and the check-in reminder
when starting the cycle over HTTP; the workflow's reminder names a due, and the supervisor's inbox (API and
page) and the task page name the same one, in the agency's zone, in Indonesian.

A real Temporal test server and worker (tests/test_api_world.py); the cycle is next year's, in WIB.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain import calendar
from domain.audit import Audit
from services.dates import when
from tests.test_api_support import EMP1, HR_NIP, PARTICIPANTS, RHK, SUPERVISOR, appraisal_id
from tests.test_api_world import World, eventually, start_server, world
from tests.test_web_pages import sign_in

ZONE = "WIB"
CHOICE = {"review_opens": "09-15", "check_in_reminder_days_before": 10}


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


def end_of(day: str) -> datetime:
    return calendar.end_of_day(calendar.parse_day("day", day), ZONE)


async def check_in_task(w: World, a1: str) -> dict[str, Any]:
    [task] = [t for t in await w.call("GET", "/tasks/me", SUPERVISOR) if t["appraisal_id"] == a1]
    assert task["task"] == "check_in"
    return task


async def history(w: World, a1: str) -> list[dict[str, Any]]:
    return await asyncio.to_thread(Audit(w.store).history, UUID(a1))


async def shown(w: World, a1: str) -> tuple[str, str]:
    """The due as the supervisor's inbox page and the task page say it."""
    inbox = await w.http.get("/tugas")
    task = await w.http.get(f"/tugas/{a1}")
    assert inbox.status_code == 200 and task.status_code == 200
    return inbox.text, task.text


async def test_the_inbox_and_the_task_page_name_the_check_in_due_the_reminder_names(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, start=CHOICE)
        year = int((await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["year"])
        a1 = str(appraisal_id(cycle, EMP1))
        await w.call("PUT", f"/employees/appraisals/{a1}/skp", EMP1, {"rhk": RHK})
        await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1)
        assert (await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR))["stage"] == "execution"
        await sign_in(w.http, SUPERVISOR)

        # The first quarter is owed: due at its end, where the page said "tanpa batas waktu" before.
        q1 = end_of(f"{year}-03-31")
        assert datetime.fromisoformat((await check_in_task(w, a1))["due_at"]) == q1
        inbox, task = await shown(w, a1)
        assert f"Batas: {when(q1, ZONE)}" in inbox and "tanpa batas waktu" not in inbox
        assert f"Dialog kinerja (check-in) · batas {when(q1, ZONE)}" in task

        # After-effect: once Q1 and Q2 are held, the third quarter is owed, and HR's review opening on
        # 15 September ends it on the 14th (the rule set's would end it on 30 September).
        for period in ("Q1", "Q2"):
            notes = {"period": period, "notes": f"Dialog kinerja {period}"}
            await w.call("POST", f"/tasks/appraisals/{a1}/check-ins", SUPERVISOR, notes)
        q3 = end_of(f"{year}-09-14")
        assert datetime.fromisoformat((await check_in_task(w, a1))["due_at"]) == q3
        view = await w.call("GET", f"/employees/appraisals/{a1}", SUPERVISOR)
        assert datetime.fromisoformat(view["pending_due"]) == q3

        # HR's 10 days before: the reminder rings on 4 September at the due's time of day; it names its due.
        await w.sleep(end_of(f"{year}-09-05") - await env.get_current_time())
        events = await eventually(lambda: history(w, a1), lambda h: any(e["type"] == "ReminderSent" for e in h))
        reminders = [e["payload"] for e in events if e["type"] == "ReminderSent"]
        # Q4 ends with Q3 here (both before the review opens), so both are reminded, of one due; none of Q1, Q2.
        assert sorted((r["task"], r["to"]) for r in reminders) == [
            ("check_in:Q3", SUPERVISOR),
            ("check_in:Q4", SUPERVISOR),
        ]
        [reminded] = {datetime.fromisoformat(r["due"]) for r in reminders}
        assert reminded == q3
        assert datetime.fromisoformat((await check_in_task(w, a1))["due_at"]) == reminded
        inbox, task = await shown(w, a1)
        said = when(reminded, ZONE)
        assert said == f"14 September {year} 23.59 WIB"
        assert f"Batas: {said}" in inbox and f"Dialog kinerja (check-in) · batas {said}" in task
        assert "Terlambat" not in inbox  # due in ten days, not overdue


async def test_an_impossible_choice_at_the_start_is_a_422_naming_the_field_and_starts_nothing(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        body = {"agency_id": "AG-CHOICE", "time_zone": ZONE, "year": await w.year(), "participants": PARTICIPANTS}
        body["agency_name"] = "Dinas Uji"
        cycle = (await w.call("POST", "/hr/cycles", HR_NIP, body, expect=201))["id"]
        for choice, field in (({"review_opens": "02-30"}, "review_opens"), ({"review_opens": "13-01"}, None)):
            refused = await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, choice, expect=422)
            if field:  # "13-01" is refused by the request's shape already; "02-30" only by the domain's calendar
                assert refused["field"] == field and "review_opens" in refused["message"], refused
        assert (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["status"] == "defined"
        with pytest.raises(RPCError, match="not found"):  # no workflow was started
            await w.env.client.get_workflow_handle(f"cycle-{cycle}").describe()
