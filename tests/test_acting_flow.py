"""A two-month Plt through the public API on the real Temporal test server (time-skipping).

HR designates Dedi Plt of the head of Bidang Pelayanan (Pak Penilai, who appraises Budi and Citra) from
5 January to 4 March. On the first day the ActingWorkflow moves the head's tasks to Dedi (his inbox shows
Budi's SKP), Dedi approves it as Plt (the head cannot), after the last day the tasks go back. The auditor's
state at three moments (before, during, after) says who was in charge, and the register says under which decree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.acting import ActingRegister
from tests.test_api_support import ATASAN, AUDITOR, EMP1, EMP2, HR_NIP, OUTSIDER, RHK, SUPERVISOR, appraisal_id
from tests.test_api_world import World, eventually, start_server, world
from workflows.acting import acting_workflow_id

WIB = timezone(timedelta(hours=7))
DECREE = "800/112/BKPSDM/2027"


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


def person(nip: str, name: str, unit: str, appraiser: str, atasan: str) -> dict[str, Any]:
    return {"nip": nip, "name": name, "unit_id": unit, "appraiser_nip": appraiser, "atasan_nip": atasan}


PEOPLE = [
    person(EMP1, "Budi", "U1", SUPERVISOR, ATASAN),
    person(EMP2, "Citra", "U1", SUPERVISOR, ATASAN),
    person(OUTSIDER, "Dedi", "U2", ATASAN, "196801012000011002"),
]


async def inbox(w: World, nip: str) -> list[tuple[str, str]]:
    return [(t["employee_nip"], t["task"]) for t in await w.call("GET", "/tasks/me", nip)]


async def shows(w: World, nip: str, task: tuple[str, str], present: bool = True) -> None:
    """The inbox (a read model, caught up in the background) shows the task, or no longer does."""
    await eventually(lambda: inbox(w, nip), lambda found: (task in found) == present)


async def state_at(w: World, record: Any, at: datetime) -> dict[str, Any]:
    return await w.call("GET", f"/audit/records/{record}/state", AUDITOR, params={"at": at.isoformat()})


async def test_a_two_month_plt_takes_the_heads_tasks_and_gives_them_back(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, PEOPLE)
        year = int((await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["year"])
        budi = appraisal_id(cycle, EMP1)
        await w.call("PUT", f"/employees/appraisals/{budi}/skp", EMP1, {"rhk": RHK}, key="draft")
        await w.call("POST", f"/employees/appraisals/{budi}/skp/submit", EMP1, key="submit")
        await shows(w, SUPERVISOR, (EMP1, "review_skp"))
        before = w.clock()

        body = {
            "unit_id": "U1",
            "acting_nip": OUTSIDER,
            "kind": "plt",
            "starts": f"{year}-01-05",
            "ends": f"{year}-03-04",
            "decree": DECREE,
        }
        refused = await w.call("POST", f"/hr/cycles/{cycle}/acting", SUPERVISOR, body, expect=403)
        assert refused["code"] == "auth.hr_only" or refused["error"] == "NotAllowed"
        overlong = {**body, "ends": f"{year + 1}-01-04"}
        outside = await w.call("POST", f"/hr/cycles/{cycle}/acting", HR_NIP, overlong, key="x", expect=422)
        assert (outside["field"], outside["code"]) == ("ends", "acting.outside_cycle")
        made = await w.call("POST", f"/hr/cycles/{cycle}/acting", HR_NIP, body, key="plt", expect=201)
        again = await w.call("POST", f"/hr/cycles/{cycle}/acting", HR_NIP, body, key="plt", expect=201)
        assert again["id"] == made["id"] and made["head_nip"] == SUPERVISOR
        assert made["workflow_id"] == acting_workflow_id(made["id"])
        overlap = await w.call("POST", f"/hr/cycles/{cycle}/acting", HR_NIP, {**body, "decree": "800/113"}, expect=422)
        assert overlap["code"] == "acting.overlap"
        assert (EMP1, "review_skp") not in await inbox(w, OUTSIDER)  # not before the first day

        # The first day (00:00 WIB on 5 January): the head's tasks move to the Plt.
        await w.sleep(datetime(year, 1, 5, 1, tzinfo=WIB) - w.clock())

        async def began() -> Any:
            found = await w.call("GET", f"/hr/cycles/{cycle}/acting", HR_NIP)
            return found[0]["began"]

        step = await eventually(began)
        assert step["reached"] == sorted([EMP1, EMP2]) and step["skipped"] == {}
        await shows(w, OUTSIDER, (EMP1, "review_skp"))
        await shows(w, SUPERVISOR, (EMP1, "review_skp"), present=False)
        head_tried = await w.call("POST", f"/tasks/appraisals/{budi}/skp/approve", SUPERVISOR, key="a1", expect=403)
        assert head_tried["code"] == "appraisal.only_appraiser"
        await w.sleep(timedelta(days=3))
        during = w.clock()
        await w.call("POST", f"/tasks/appraisals/{budi}/skp/approve", OUTSIDER, key="a2")
        await shows(w, OUTSIDER, (EMP1, "check_in"))

        # After the last day (00:00 WIB on 5 March) the tasks are the head's again.
        await w.sleep(datetime(year, 3, 5, 1, tzinfo=WIB) - w.clock())

        async def ended() -> Any:
            found = await w.call("GET", f"/hr/cycles/{cycle}/acting", HR_NIP)
            return found[0]["ended"]

        step = await eventually(ended)
        assert step["reached"] == sorted([EMP1, EMP2])
        await shows(w, SUPERVISOR, (EMP1, "check_in"))
        await shows(w, OUTSIDER, (EMP1, "check_in"), present=False)
        after = w.clock()

        # The auditor: who was in charge of Budi's appraisal before, during and after, under which decree.
        states = [await state_at(w, budi, moment) for moment in (before, during, after)]
        assert [s["appraiser_nip"] for s in states] == [SUPERVISOR] * 3
        assert [s.get("acting", {}).get("appraiser", {}).get("nip") for s in states] == [None, OUTSIDER, None]
        assert states[1]["acting"]["appraiser"]["decree"] == DECREE
        assert states[2]["acting_history"][0]["nip"] == OUTSIDER
        history = await w.call("GET", f"/audit/records/{budi}/history", AUDITOR)
        kinds = [e["type"] for e in history]
        began_at, approved_at, ended_at = (kinds.index(k) for k in ("ActingBegan", "SkpApproved", "ActingEnded"))
        assert began_at < approved_at < ended_at and history[approved_at]["by"] == OUTSIDER
        register = ActingRegister.create_id(UUID(cycle))
        in_force = [await state_at(w, register, moment) for moment in (during, after)]
        held = in_force[0]["designations"][made["id"]]
        assert (held["acting_nip"], held["decree"], held["ended"]) == (OUTSIDER, DECREE, None)
        assert in_force[1]["designations"][made["id"]]["ended"]["reached"] == sorted([EMP1, EMP2])
