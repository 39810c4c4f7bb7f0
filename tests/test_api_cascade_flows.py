"""#15 through HTTP on the real Temporal test server: a late leader and a wrong supervisor.

A late leader: the staff draft and submit while their pejabat penilai has no RHK ("menunggu RHK atasan"); the
leader sees "N bawahan menunggu RHK Anda", HR sees the blocked chain; time passes; the leader's RHK arrive; the
employee links one SKP and the appraiser the other during the review; approval, refused before, goes through.
A wrong supervisor: the employee flags it with a reason, HR sees the task and corrects it with a change of
supervisor, which resolves the flag in the log. Each ends with the auditor's state-at at three moments.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.cascade import PROVISIONAL
from tests.test_api_support import ATASAN, AUDITOR, EMP1, EMP2, HR_NIP, OUTSIDER, RHK, SUPERVISOR, UNIT, appraisal_id
from tests.test_api_world import World, eventually, start_server, world

LEADER_RHK = [
    {
        "id": "K1",
        "kind": "utama",
        "text": "Cakupan kepemilikan dokumen kependudukan meningkat",
        "indicators": [{"id": "KI1", "aspect": "kuantitas", "text": "Persentase cakupan", "target": "98"}],
    }
]
WAITING = [{**RHK[0], "supports": PROVISIONAL}]


def member(nip: str, name: str, appraiser: str, atasan: str) -> dict[str, Any]:
    return {
        "nip": nip,
        "name": name,
        "unit_id": UNIT,
        "unit_name": "Bidang Pelayanan",
        "appraiser_nip": appraiser,
        "atasan_nip": atasan,
    }


# The leader (SUPERVISOR) takes part: the staff's RHK utama cascade from the leader's.
TEAM = [
    member(SUPERVISOR, "Pak Penilai", ATASAN, OUTSIDER),
    member(EMP1, "Budi", SUPERVISOR, ATASAN),
    member(EMP2, "Citra", SUPERVISOR, ATASAN),
]


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


async def moment(w: World) -> str:
    """Now on the server's clock, then a minute passes: the next step is recorded after this moment."""
    now = w.clock().isoformat()
    await w.sleep(timedelta(minutes=1))
    return now


async def state_at(w: World, record: Any, at: str) -> dict[str, Any]:
    found: dict[str, Any] = await w.call("GET", f"/audit/records/{record}/state", AUDITOR, params={"at": at})
    return found


async def test_hr_sets_the_superiors_earlier_deadline_when_starting_the_cycle(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        body = {
            "agency_id": f"AG-{uuid.uuid4().hex[:8]}",  # one Temporal server for both stores
            "agency_name": "Dinas Kependudukan",
            "time_zone": "WIB",
            "year": await w.year(),
            "participants": TEAM,
        }
        cycle = (await w.call("POST", "/hr/cycles", HR_NIP, body, expect=201))["id"]
        for bad, field in (
            ({"cascade_days_before": 61}, "cascade_days_before"),
            ({"cascade_days_before": -1}, "cascade_days_before"),
            ({"cascade_days_per_level": 31}, "cascade_days_per_level"),
            ({"cascade_days_before": "7"}, "cascade_days_before"),  # a number, not a text
            ({"cascade_days_before": True}, "cascade_days_before"),
        ):
            refused = await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, bad, expect=422)
            assert field in str(refused.get("field") or refused), refused
        assert (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["status"] == "defined"  # nothing started
        await w.call("POST", f"/hr/cycles/{cycle}/start", EMP1, {"cascade_days_before": 3}, expect=403)
        choice = {"cascade_days_before": 10, "cascade_days_per_level": 3}
        await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, choice, key="start", expect=202)
        w.cycles.append((cycle, [p["nip"] for p in TEAM]))
        await eventually(lambda: w.opened(cycle, [p["nip"] for p in TEAM]))
        shown = await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP)
        assert shown["cascade_days"] == {"before": 10, "per_level": 3}
        history = await w.call("GET", f"/audit/records/{cycle}/history", AUDITOR)
        started = next(e for e in history if e["type"].endswith("Started"))
        assert (started["payload"]["cascade_days_before"], started["payload"]["cascade_days_per_level"]) == (10, 3)


async def test_a_late_leader_staff_submit_wait_link_and_are_approved(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        cycle = await w.launch(HR_NIP, TEAM)
        a1, a2, lead = (appraisal_id(cycle, n) for n in (EMP1, EMP2, SUPERVISOR))
        for a, nip in ((a1, EMP1), (a2, EMP2)):
            await w.call("PUT", f"/employees/appraisals/{a}/skp", nip, {"rhk": WAITING}, key=f"draft-{nip}")
            sent = await w.call("POST", f"/employees/appraisals/{a}/skp/submit", nip, key=f"submit-{nip}")
            assert sent["pending"] == {"task": "review_skp", "assignee": SUPERVISOR}
        waiting = await w.call("GET", "/tasks/me/waiting-subordinates", SUPERVISOR)
        assert sorted(r["employee_nip"] for r in waiting) == [EMP1, EMP2]
        planning = datetime.fromisoformat((await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["deadlines"]["planning"])
        # The leader's own deadline: the rule set's 7 days before the planning deadline's last instant (WIB).
        due = datetime.fromisoformat(waiting[0]["due"])
        assert {r["due"] for r in waiting} == {waiting[0]["due"]}
        assert (due.date(), due.utcoffset()) == ((planning - timedelta(days=7)).date(), timedelta(0))
        assert await w.call("GET", "/tasks/me/waiting-subordinates", EMP1) == []
        chains = await w.call("GET", f"/hr/cycles/{cycle}/cascade", HR_NIP)
        assert [
            (u["unit_id"], [(s["nip"], s["blocked"], len(s["waiting"])) for s in u["superiors"]]) for u in chains
        ] == [(UNIT, [(SUPERVISOR, True, 2)])]
        await w.call("GET", f"/hr/cycles/{cycle}/cascade", EMP1, expect=403)
        early = await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR, expect=409)
        assert early["code"] == "cascade.links_missing" and "R1" in early["message"]
        waited = await moment(w)

        await w.sleep(timedelta(days=10))  # the leader is late
        await w.call("PUT", f"/employees/appraisals/{lead}/skp", SUPERVISOR, {"rhk": LEADER_RHK})
        await w.call("POST", f"/employees/appraisals/{lead}/skp/submit", SUPERVISOR)
        assert await w.call("GET", "/tasks/me/waiting-subordinates", SUPERVISOR) == []
        chains = await w.call("GET", f"/hr/cycles/{cycle}/cascade", HR_NIP)
        assert [s["blocked"] for s in chains[0]["superiors"]] == [False]  # only the links are missing now
        arrived = await moment(w)

        # A stranger cannot link; a link to an RHK the leader does not have names the ones there are.
        await w.call(
            "POST", f"/employees/appraisals/{a1}/skp/links", OUTSIDER, {"rhk_id": "R1", "supports": "K1"}, expect=404
        )
        wrong = await w.call(
            "POST", f"/employees/appraisals/{a1}/skp/links", EMP1, {"rhk_id": "R1", "supports": "K9"}, expect=422
        )
        assert wrong["code"] == "skp.supports" and "K1" in wrong["message"]
        body = {"rhk_id": "R1", "supports": "K1"}
        linked = await w.call("POST", f"/employees/appraisals/{a1}/skp/links", EMP1, body, key="link-1")
        again = await w.call("POST", f"/employees/appraisals/{a1}/skp/links", EMP1, body, key="link-1")
        assert again["version"] == linked["version"]
        await w.call("POST", f"/employees/appraisals/{a2}/skp/links", SUPERVISOR, body)  # the appraiser, in review
        for a in (a1, a2):
            assert (await w.call("POST", f"/tasks/appraisals/{a}/skp/approve", SUPERVISOR))["stage"] == "execution"
        assert await w.call("GET", f"/hr/cycles/{cycle}/cascade", HR_NIP) == []
        assert w.events(cycle, EMP1).count("RhkLinked") == 1
        approved = w.clock().isoformat()

        # The auditor: who was in charge, and what the RHK supported, at three moments.
        seen = [await state_at(w, a2, at) for at in (waited, arrived, approved)]
        assert [(s["appraiser_nip"], s["rhk"][0]["supports"], s["stage"]) for s in seen] == [
            (SUPERVISOR, PROVISIONAL, "planning"),
            (SUPERVISOR, PROVISIONAL, "planning"),
            (SUPERVISOR, "K1", "execution"),
        ]
        leader = [await state_at(w, lead, at) for at in (waited, arrived, approved)]
        assert [s["skp_status"] for s in leader] == ["empty", "submitted", "submitted"]


async def test_a_wrong_supervisor_flagged_then_corrected(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        cycle = await w.launch(HR_NIP)
        a1 = appraisal_id(cycle, EMP1)
        before = await moment(w)
        reason = "Atasan langsung saya Kepala Seksi (Citra), bukan Pak Penilai"
        await w.call("POST", f"/employees/appraisals/{a1}/supervisor-flag", EMP2, {"reason": "x"}, expect=404)
        await w.call("POST", f"/employees/appraisals/{a1}/supervisor-flag", EMP1, {"reason": "a\x00b"}, expect=422)
        await w.call("POST", f"/employees/appraisals/{a1}/supervisor-flag", EMP1, {"reason": reason}, key="flag")
        await w.call("POST", f"/employees/appraisals/{a1}/supervisor-flag", EMP1, {"reason": reason}, key="flag")
        twice = await w.call(
            "POST",
            f"/employees/appraisals/{a1}/supervisor-flag",
            SUPERVISOR,
            {"reason": "Bukan bawahan saya"},
            expect=409,
        )
        assert twice["code"] == "flag.open"
        flags = await w.call("GET", "/hr/supervisor-flags", HR_NIP, params={"cycle_id": cycle})
        assert [(f["employee_nip"], f["flagged_by"], f["appraiser_nip"], f["reason"]) for f in flags] == [
            (EMP1, EMP1, SUPERVISOR, reason)
        ]
        await w.call("GET", "/hr/supervisor-flags", EMP1, expect=403)
        flagged = await moment(w)

        change = {"appraiser_nip": EMP2, "atasan_nip": SUPERVISOR, "reason": "Koreksi atas laporan atasan salah"}
        moved = await w.call("POST", f"/hr/appraisals/{a1}/supervisor", HR_NIP, change)
        assert moved["pending"] == {"task": "draft_skp", "assignee": EMP1}
        assert await w.call("GET", "/hr/supervisor-flags", HR_NIP) == []
        events = w.events(cycle, EMP1)
        assert events[-3:] == ["SupervisorFlagged", "SupervisorReassigned", "SupervisorFlagResolved"]
        # The workflows follow it: the new appraiser reviews the SKP.
        await w.call("PUT", f"/employees/appraisals/{a1}/skp", EMP1, {"rhk": RHK})
        sent = await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1)
        assert sent["pending"] == {"task": "review_skp", "assignee": EMP2}
        after = w.clock().isoformat()

        seen = [await state_at(w, a1, at) for at in (before, flagged, after)]
        assert [s["appraiser_nip"] for s in seen] == [SUPERVISOR, SUPERVISOR, EMP2]
        assert [bool(s.get("supervisor_flag")) for s in seen] == [False, True, False]
        resolution = seen[2]["supervisor_flags"][0]["resolution"]
        assert (resolution["outcome"], resolution["by"], resolution["appraiser_nip"]) == ("corrected", HR_NIP, EMP2)
        assert datetime.fromisoformat(resolution["at"]) > datetime.fromisoformat(flagged)


async def test_the_appraiser_flags_a_wrong_atasan_a_flood_writes_one_flag_and_hr_s_correction_resolves_it(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        cycle = await w.launch(HR_NIP)
        a2 = appraisal_id(cycle, EMP2)
        before = await moment(w)
        path = f"/employees/appraisals/{a2}/supervisor-flag"
        bad = await w.call("POST", path, SUPERVISOR, {"reason": "x", "about": "unit"}, expect=422)
        assert (bad["code"], bad["field"]) == ("flag.about", "about")
        await w.call("POST", path, OUTSIDER, {"reason": "x", "about": "atasan"}, expect=404)  # not theirs
        await w.call("POST", path, SUPERVISOR, {"reason": "x" * 100_000, "about": "atasan"}, expect=422)
        # A flood: twenty at once, each with its own key; one flag is written, the others find it open.
        reason = "Atasan saya <script>alert(1)</script> bukan Bu Atasan"
        body = {"reason": reason, "about": "atasan"}
        headers = [await w.headers(SUPERVISOR, f"flood-{i}") for i in range(20)]
        answers = await asyncio.gather(*(w.http.post(f"/api/v1{path}", json=body, headers=h) for h in headers))
        assert sorted(r.status_code for r in answers).count(200) == 1
        assert {r.status_code for r in answers} <= {200, 409}
        assert w.events(cycle, EMP2).count("SupervisorFlagged") == 1
        flags = await w.call("GET", "/hr/supervisor-flags", HR_NIP)
        assert [(f["employee_nip"], f["flagged_by"], f["reason"]) for f in flags] == [(EMP2, SUPERVISOR, reason)]
        flagged = await moment(w)

        # HR corrects only the pejabat penilai first: the flag, about the atasan, stays open; then the atasan.
        first = {"appraiser_nip": EMP1, "atasan_nip": ATASAN, "reason": "SK 800/11: penilai Budi"}
        await w.call("POST", f"/hr/appraisals/{a2}/supervisor", HR_NIP, first)
        assert [f["employee_nip"] for f in await w.call("GET", "/hr/supervisor-flags", HR_NIP)] == [EMP2]
        second = {"appraiser_nip": EMP1, "atasan_nip": OUTSIDER, "reason": "SK 800/12: atasan Dedi"}
        await w.call("POST", f"/hr/appraisals/{a2}/supervisor", HR_NIP, second)
        assert await w.call("GET", "/hr/supervisor-flags", HR_NIP) == []
        after = w.clock().isoformat()
        assert w.events(cycle, EMP2)[-2:] == ["SupervisorReassigned", "SupervisorFlagResolved"]

        seen = [await state_at(w, a2, at) for at in (before, flagged, after)]
        assert [(s["appraiser_nip"], s["atasan_nip"]) for s in seen] == [
            (SUPERVISOR, ATASAN),
            (SUPERVISOR, ATASAN),
            (EMP1, OUTSIDER),
        ]
        assert [bool(s.get("supervisor_flag")) for s in seen] == [False, True, False]
        [done] = seen[2]["supervisor_flags"]
        assert (done["about"], done["role"], done["atasan_nip"]) == ("atasan", "appraiser", ATASAN)
        assert (done["resolution"]["outcome"], done["resolution"]["atasan_nip"]) == ("corrected", OUTSIDER)
