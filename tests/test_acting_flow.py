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
from tests.recording import save_history
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
        await save_history("acting_two_months", w.env.client.get_workflow_handle(made["workflow_id"]), w.env.client)


async def test_hr_ends_a_plt_early_and_whoever_joined_the_unit_meanwhile_had_the_plt_too(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Dedi is Plt of Bidang Pelayanan's head from 5 January to 4 March. Siti, the HR officer who designates him,
    works in that unit too: her own appraisal gets the Plt like everyone's. Citra moves into the unit on 1 February
    (a transfer within the agency): her new appraisal gets the Plt at once. On 20 February Pak Penilai is back and
    HR ends the designation that day, saying why: on 21 February every task is the head's again, a fortnight early.
    The auditor reads who was in charge of Budi and of Citra before, during and after."""
    people = [
        person(EMP1, "Budi", "U1", SUPERVISOR, ATASAN),
        person(HR_NIP, "Siti HR", "U1", SUPERVISOR, ATASAN),
        person(EMP2, "Citra", "U3", ATASAN, "196801012000011002"),
        person(OUTSIDER, "Dedi", "U2", ATASAN, "196801012000011002"),
    ]
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, people)
        year = int((await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["year"])
        budi = appraisal_id(cycle, EMP1)
        await w.call("PUT", f"/employees/appraisals/{budi}/skp", EMP1, {"rhk": RHK}, key="draft")
        await w.call("POST", f"/employees/appraisals/{budi}/skp/submit", EMP1, key="submit")
        body = {
            "unit_id": "U1",
            "acting_nip": OUTSIDER,
            "kind": "plt",
            "starts": f"{year}-01-05",
            "ends": f"{year}-03-04",
            "decree": "800/7/BKPSDM",
        }
        made = await w.call("POST", f"/hr/cycles/{cycle}/acting", HR_NIP, body, key="plt", expect=201)
        before = w.clock()

        await w.sleep(datetime(year, 1, 5, 1, tzinfo=WIB) - w.clock())

        async def designation() -> dict[str, Any]:
            found: list[dict[str, Any]] = await w.call("GET", f"/hr/cycles/{cycle}/acting", HR_NIP)
            return found[0]

        began = (await eventually(designation, lambda d: d["began"] is not None))["began"]
        assert began["reached"] == sorted([EMP1, HR_NIP]) and began["skipped"] == {}  # the designator's own too
        await shows(w, OUTSIDER, (EMP1, "review_skp"))
        await w.call("POST", f"/tasks/appraisals/{budi}/skp/approve", OUTSIDER, key="a1")

        # 2 February: Citra moves into the unit from 1 February; her new appraisal has the Plt at once.
        await w.sleep(datetime(year, 2, 2, 9, tzinfo=WIB) - w.clock())
        move = {
            "nip": EMP2,
            "to_agency_id": (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["agency_id"],
            "to_unit_id": "U1",
            "to_unit_name": "Bidang Pelayanan",
            "to_appraiser_nip": SUPERVISOR,
            "to_atasan_nip": ATASAN,
            "effective": f"{year}-02-01",
            "decree": "800/8/SETDA",
            "reason": "Rotasi",
        }
        moved = await w.call("POST", f"/hr/cycles/{cycle}/transfers", HR_NIP, move, key="rotasi", expect=201)
        citra = moved["destination"]["appraisal_id"]
        joined = await eventually(designation, lambda d: EMP2 in (d.get("joined") or {}))
        assert joined["joined"][EMP2]["reached"] and joined["joined"][EMP2]["skipped"] is None
        await eventually(lambda: w.call("GET", f"/employees/appraisals/{citra}", EMP2))
        await w.call("PUT", f"/employees/appraisals/{citra}/skp", EMP2, {"rhk": RHK})
        await w.call("POST", f"/employees/appraisals/{citra}/skp/submit", EMP2)
        await shows(w, OUTSIDER, (EMP2, "review_skp"))
        await shows(w, SUPERVISOR, (EMP2, "review_skp"), present=False)
        await w.sleep(timedelta(days=8))
        during = w.clock()

        # 20 February: HR ends it that day, with the reason; only HR, only earlier, once per request.
        await w.sleep(datetime(year, 2, 20, 9, tzinfo=WIB) - w.clock())
        path = f"/hr/cycles/{cycle}/acting/{made['id']}/end"
        early = {"ends": f"{year}-02-20", "reason": "Kepala bidang kembali bertugas"}
        await w.call("POST", path, SUPERVISOR, early, expect=403)
        later = await w.call("POST", path, HR_NIP, {**early, "ends": f"{year}-03-10"}, expect=422)
        assert (later["field"], later["code"]) == ("ends", "acting.not_earlier")
        ended = await w.call("POST", path, HR_NIP, early, key="akhir")
        again = await w.call("POST", path, HR_NIP, early, key="akhir")
        assert ended["ends"] == again["ends"] == f"{year}-02-20"
        assert ended["shortened"]["previous"] == f"{year}-03-04" and ended["shortened"]["by"] == HR_NIP
        assert (EMP2, "review_skp") in await inbox(w, OUTSIDER)  # still his until the day is over

        await w.sleep(datetime(year, 2, 21, 1, tzinfo=WIB) - w.clock())
        step = (await eventually(designation, lambda d: d["ended"] is not None))["ended"]
        assert step["reached"] == sorted([EMP1, EMP2, HR_NIP]) and step["skipped"] == {}
        await shows(w, SUPERVISOR, (EMP2, "review_skp"))
        await shows(w, SUPERVISOR, (EMP1, "check_in"))
        await shows(w, OUTSIDER, (EMP2, "review_skp"), present=False)
        done = await w.env.client.get_workflow_handle(acting_workflow_id(made["id"])).result()
        assert set(done) == {"begin", "end"}  # over on 21 February, not on 5 March
        after = w.clock()

        states = [await state_at(w, budi, moment) for moment in (before, during, after)]
        assert [s.get("acting", {}).get("appraiser", {}).get("nip") for s in states] == [None, OUTSIDER, None]
        assert [s["appraiser_nip"] for s in states] == [SUPERVISOR] * 3
        states = [await state_at(w, citra, moment) for moment in (during, after)]  # opened on 2 February
        assert [s.get("acting", {}).get("appraiser", {}).get("nip") for s in states] == [OUTSIDER, None]
        register = ActingRegister.create_id(UUID(cycle))
        held = (await state_at(w, register, after))["designations"][made["id"]]
        assert (held["ends"], held["shortened"]["reason"]) == (f"{year}-02-20", "Kepala bidang kembali bertugas")

        # A Plh for April, cancelled before its first day: its workflow ends at once, nobody reached.
        april = {**body, "kind": "plh", "starts": f"{year}-04-01", "ends": f"{year}-04-10", "decree": "800/9/BKPSDM"}
        plh = await w.call("POST", f"/hr/cycles/{cycle}/acting", HR_NIP, april, key="plh", expect=201)
        cancel = {"ends": f"{year}-03-31", "reason": "Kepala bidang tidak jadi cuti"}
        cancelled = await w.call("POST", f"/hr/cycles/{cycle}/acting/{plh['id']}/end", HR_NIP, cancel, key="batal")
        assert cancelled["shortened"]["cancelled"] and cancelled["began"] is None
        assert await w.env.client.get_workflow_handle(acting_workflow_id(plh["id"])).result() == {}
        client = w.env.client
        await save_history("acting_ended_early", client.get_workflow_handle(made["workflow_id"]), client)
        await save_history("acting_cancelled", client.get_workflow_handle(acting_workflow_id(plh["id"])), client)
