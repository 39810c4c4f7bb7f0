"""A large unit (#15): a kepala sekolah with 41 teachers approves every SKP waiting for her in one request,
through the public API on the real Temporal test server.

Each approval is its own workflow Update and its own event, run a few at a time; the request answers for each,
a repeat with the same key approves nothing twice, and one SKP that is no longer hers to approve is refused
alone while the others go through.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from services.users import UserDirectory
from tests.test_api_support import ATASAN, HR_NIP, RHK, USERS, appraisal_id
from tests.test_api_world import World, eventually, start_server, world

KEPSEK = "197501012000012001"  # the kepala sekolah: pejabat penilai of every teacher
TEACHERS = [f"1990{i % 12 + 1:02d}15201503{i % 2 + 1}{i:03d}" for i in range(1, 42)]
IN_FLIGHT = 8  # teachers drafting at the same moment


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


def teacher(nip: str) -> dict[str, Any]:
    return {
        "nip": nip,
        "name": f"Guru {nip[-3:]}",
        "unit_id": "SDN-1",
        "unit_name": "SD Negeri 1",
        "appraiser_nip": KEPSEK,
        "atasan_nip": ATASAN,
    }


async def submit_all(w: World, cycle: str) -> None:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def submit(nip: str) -> None:
        async with gate:
            record = appraisal_id(cycle, nip)
            await w.call("PUT", f"/employees/appraisals/{record}/skp", nip, {"rhk": RHK}, key=f"draft-{nip}")
            await w.call("POST", f"/employees/appraisals/{record}/skp/submit", nip, key=f"submit-{nip}")

    await asyncio.gather(*(submit(nip) for nip in TEACHERS))


async def test_a_head_of_41_approves_every_skp_in_one_pass(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        people = {**USERS, KEPSEK: {"name": "Bu Kepala Sekolah"}, **{n: {"name": f"Guru {n[-3:]}"} for n in TEACHERS}}
        w.app.state.users = UserDirectory.from_mapping(people, employees=w.app.state.readside.employee)
        cycle = await w.launch(HR_NIP, [teacher(nip) for nip in TEACHERS], wait=180)
        await submit_all(w, cycle)
        waiting = await eventually(
            lambda: w.call("GET", "/tasks/me", KEPSEK), lambda tasks: len(tasks) == len(TEACHERS), timeout=60
        )
        assert {t["task"] for t in waiting} == {"review_skp"}

        # One SKP she already approved from its own page: that item alone is refused, the other 40 go through.
        last = appraisal_id(cycle, TEACHERS[-1])
        await w.call("POST", f"/tasks/appraisals/{last}/skp/approve", KEPSEK, key="alone")

        items = [{"appraisal_id": t["appraisal_id"], "task": "review_skp"} for t in waiting]
        await w.call("POST", "/tasks/bulk", KEPSEK, {"items": items}, expect=422)  # no key: nothing done
        answers = await w.call("POST", "/tasks/bulk", KEPSEK, {"items": items}, key="bulk-1")
        assert [a["appraisal_id"] for a in answers] == [str(t["appraisal_id"]) for t in waiting]
        refused = [a for a in answers if not a["done"]]
        assert [a["appraisal_id"] for a in refused] == [str(last)]
        assert (refused[0]["status"], refused[0]["error"]["code"]) == (409, "appraisal.wrong_stage")
        assert all(a["stage"] == "execution" for a in answers if a["done"]) and len(answers) == 41

        again = await w.call("POST", "/tasks/bulk", KEPSEK, {"items": items}, key="bulk-1")
        assert [a["version"] for a in again] == [a["version"] for a in answers]  # nothing approved twice
        for nip in TEACHERS:
            assert w.events(cycle, nip).count("SkpApproved") == 1

        # A stranger's bulk request is refused item by item, and changes nothing.
        stranger = await w.call("POST", "/tasks/bulk", ATASAN, {"items": items[:3]}, key="bulk-x")
        assert [a["status"] for a in stranger] == [403, 403, 403]
        await eventually(
            lambda: w.call("GET", "/tasks/me", KEPSEK), lambda t: {x["task"] for x in t} == {"check_in"}, timeout=60
        )
