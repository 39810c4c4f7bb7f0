"""Transfers (mutasi) driven only through HTTP on a real Temporal test server and worker (issue 15).

Between agencies: Budi (EMP1) works from January in agency A under Pak Penilai; on 3 June HR records his
transfer to agency B from 1 June. His appraisal in A stops, one opens in B's cycle under Dedi (OUTSIDER);
Pak Penilai evaluates January to May; Budi takes his RHK over into the new SKP, which records where each
came from; Dedi rates the new post; the year's predikat is computed under the rule set's stated rule; both
agencies' HR see the transfer; the auditor asks who was in charge in March, on 2 June and after the rating.

Within an agency: Citra (EMP2) moves to another unit of agency A from 16 February; a second appraisal of
hers opens in the same cycle (its own workflow) while the first keeps its record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.base import Actor
from domain.cycle_commands import RemoveParticipant
from domain.partitions import PartitionedAppraisals
from domain.rules import BERAKHLAK
from tests.recording import save_history
from tests.test_api_support import ATASAN, AUDITOR, EMP1, EMP2, HR_NIP, OUTSIDER, RHK, SUPERVISOR, UNIT, participant
from tests.test_api_world import World, eventually, start_server, world
from workflows.cycle import CycleWorkflow
from workflows.ids import appraisal_workflow_id, cycle_workflow_id

ABOVE = dict.fromkeys(BERAKHLAK, "di_atas")
WIB = timezone(timedelta(hours=7))


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A server per test: each moves its clock into the cycle's year on its own."""
    environment = await start_server()
    yield environment
    await environment.shutdown()


async def until(w: World, moment: datetime) -> None:
    """Skip the server's clock to `moment` (timers on the way fire: reminders, escalations)."""
    while (left := moment - await w.env.get_current_time()) > timedelta(0):
        await w.sleep(min(left, timedelta(days=10)))  # in steps: one long skip outlasts the server's RPC deadline


async def plan(w: World, cycle: str, nip: str, appraiser: str) -> str:
    """The employee's SKP drafted, submitted and approved; returns the appraisal's id."""
    mine = await eventually(lambda: w.call("GET", "/employees/me/appraisals", nip), lambda v: len(v) == 1)
    appraisal = mine[0]["appraisal_id"]
    await w.call("PUT", f"/employees/appraisals/{appraisal}/skp", nip, {"rhk": RHK})
    await w.call("POST", f"/employees/appraisals/{appraisal}/skp/submit", nip)
    assert (await w.call("POST", f"/tasks/appraisals/{appraisal}/skp/approve", appraiser))["stage"] == "execution"
    return str(appraisal)


async def stopped(w: World, workflow_id: str) -> bool:
    described = await w.env.client.get_workflow_handle(workflow_id).describe()
    return described.status == WorkflowExecutionStatus.COMPLETED


def june_decree(agency_b: str, year: int) -> dict[str, str]:
    """Budi's transfer to agency B from 1 June, under Dedi and Bu Atasan."""
    return {
        "nip": EMP1,
        "to_agency_id": agency_b,
        "to_unit_id": "U9",
        "to_unit_name": "Bidang Kurikulum",
        "to_appraiser_nip": OUTSIDER,
        "to_atasan_nip": ATASAN,
        "effective": f"{year}-06-01",
        "decree": "821/77/BKD",
        "reason": "Mutasi antarinstansi",
    }


async def evaluations(w: World, nip: str) -> list[dict[str, Any]]:
    """The evaluations of months served in the caller's inbox."""
    return [t for t in await w.call("GET", "/tasks/me", nip) if t["task"] == "evaluate_served_period"]


async def in_charge(w: World, transfer: str, at: datetime) -> dict[str, Any]:
    return await w.call("GET", f"/audit/transfers/{transfer}/in-charge", AUDITOR, params={"at": at.isoformat()})


async def test_a_transfer_in_june_between_two_agencies(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        year = await w.year()
        origin = await w.launch(HR_NIP, [participant(EMP1, "Budi")])
        destination = await w.launch(HR_NIP, [participant(EMP2, "Citra")], agency_name="Dinas Pendidikan")
        agency_a = (await w.call("GET", f"/hr/cycles/{origin}", HR_NIP))["agency_id"]
        agency_b = (await w.call("GET", f"/hr/cycles/{destination}", HR_NIP))["agency_id"]
        old = await plan(w, origin, EMP1, SUPERVISOR)

        await until(w, datetime(year, 6, 3, 9, 0, tzinfo=WIB))
        decree = june_decree(agency_b, year)
        # Only HR records it; a decree in the future is refused, naming the field; nothing is written.
        await w.call("POST", f"/hr/cycles/{origin}/transfers", SUPERVISOR, decree, expect=403)
        early = await w.call(
            "POST", f"/hr/cycles/{origin}/transfers", HR_NIP, {**decree, "effective": f"{year}-07-01"}, expect=422
        )
        assert (early["code"], early["field"]) == ("transfer.not_yet_effective", "effective")
        recorded = await w.call("POST", f"/hr/cycles/{origin}/transfers", HR_NIP, decree, key="mutasi-1", expect=201)
        transfer = recorded["id"]
        assert recorded["months"] == {"origin": 5, "destination": 7}
        assert (recorded["origin"]["agency_id"], recorded["destination"]["agency_id"]) == (agency_a, agency_b)
        again = await w.call("POST", f"/hr/cycles/{origin}/transfers", HR_NIP, decree, key="mutasi-1", expect=201)
        assert again["id"] == transfer  # the same request: one transfer, one new appraisal

        # The old post's workflow stops; the new one opens in B's cycle, under Dedi.
        await eventually(lambda: stopped(w, appraisal_workflow_id(origin, EMP1)))
        mine = await eventually(lambda: w.call("GET", "/employees/me/appraisals", EMP1), lambda v: len(v) == 2)
        new = recorded["destination"]["appraisal_id"]
        assert {m["appraisal_id"]: m["stage"] for m in mine} == {old: "execution", new: "planning"}
        w.cycles.append((destination, [EMP1]))
        late = {"period": "Q2", "rhk_id": "R1", "realisation": "410 KTP"}
        refused = await w.call("POST", f"/employees/appraisals/{old}/progress", EMP1, late, expect=409)
        assert refused["code"] == "execution.withdrawn"  # the old post takes no more input; its record stays
        # HR of both agencies see the transfer.
        for agency in (agency_a, agency_b):
            listed = await w.call("GET", f"/hr/agencies/{agency}/transfers", HR_NIP)
            assert [t["id"] for t in listed] == [transfer]

        # Pak Penilai's inbox holds the evaluation of January-May, due two weeks after the record.
        waiting = await evaluations(w, SUPERVISOR)
        assert [(t["transfer_id"], t["employee_nip"], t["appraisal_id"]) for t in waiting] == [(transfer, EMP1, old)]
        assert recorded["evaluation_due"] == f"{year}-06-17T16:59:59+00:00"  # the end of 17 June in WIB
        evaluation = w.env.client.get_workflow_handle(f"transfer-evaluation-{transfer}")
        assert (await evaluation.describe()).status == WorkflowExecutionStatus.RUNNING
        # Pak Penilai evaluates January-May; Dedi cannot, and Pak Penilai only once.
        await w.call(
            "POST",
            f"/transfers/{transfer}/evaluation",
            OUTSIDER,
            {"results_rating": "sesuai", "behaviour_rating": "sesuai"},
            expect=403,
        )
        evaluated = await w.call(
            "POST",
            f"/transfers/{transfer}/evaluation",
            SUPERVISOR,
            {"results_rating": "sesuai", "behaviour_rating": "sesuai", "notes": "Januari-Mei"},
            key="nilai-1",
        )
        assert evaluated["evaluation"]["predikat"] == "baik"
        retried = await w.call(
            "POST",
            f"/transfers/{transfer}/evaluation",
            SUPERVISOR,
            {"results_rating": "sesuai", "behaviour_rating": "sesuai", "notes": "Januari-Mei"},
            key="nilai-1",
        )
        assert (retried["version"], retried["evaluation"]) == (evaluated["version"], evaluated["evaluation"])
        twice = await w.call(
            "POST",
            f"/transfers/{transfer}/evaluation",
            SUPERVISOR,
            {"results_rating": "di_atas", "behaviour_rating": "di_atas"},
            key="nilai-2",
            expect=409,
        )
        assert twice["code"] == "transfer.already_evaluated"
        assert (await evaluation.result())["evaluated"] is True  # the task's workflow ends with it
        assert not await evaluations(w, SUPERVISOR)

        # Budi takes R1 over into the new SKP; its lineage is recorded; Dedi approves.
        taken = await w.call("POST", f"/employees/appraisals/{new}/skp/take-over", EMP1, {"rhk_ids": ["R1"]})
        assert taken["pending"] == {"task": "draft_skp", "assignee": EMP1}
        skp = (await w.call("GET", f"/employees/appraisals/{new}", EMP1))["rhk"]
        assert skp[0]["carried_from"] == {"appraisal_id": old, "rhk_id": "R1"}
        await w.call("POST", f"/employees/appraisals/{new}/skp/submit", EMP1)
        assert (await w.call("POST", f"/tasks/appraisals/{new}/skp/approve", OUTSIDER))["stage"] == "execution"

        # The new post rated in the review; the year combines 5 months Baik and 7 Sangat Baik.
        await w.call("POST", f"/hr/appraisals/{new}/review/open", HR_NIP)
        rated = await w.call(
            "POST",
            f"/tasks/appraisals/{new}/rating",
            OUTSIDER,
            {"results_rating": "di_atas", "behaviour_ratings": ABOVE},
        )
        assert rated["predikat"] == "sangat_baik"
        seen = await w.call("GET", f"/transfers/{transfer}", EMP1)
        assert [(p["period"], p["months"], p["predikat"]) for p in seen["year"]["periods"]] == [
            ("origin", 5, "baik"),
            ("destination", 7, "sangat_baik"),
        ]
        assert seen["year"]["predikat"] == "sangat_baik"  # (5 x 100 + 7 x 150) / 12 = 129.2: nearest 150
        assert seen["year"]["rule"]["rule"] == "months_weighted" and "Asumsi" in seen["year"]["rule"]["basis"]
        assert [t["id"] for t in await w.call("GET", "/employees/me/transfers", EMP1)] == [transfer]
        await w.call("GET", f"/transfers/{transfer}", EMP2, expect=404)  # nobody else's business

        # The auditor: who was in charge in March, on 2 June (before B's record opened) and now.
        march = await in_charge(w, transfer, datetime(year, 3, 15, 12, 0, tzinfo=WIB))
        assert (march["period"], march["agency_id"], march["appraiser_nip"], march["appraisal_id"]) == (
            "origin",
            agency_a,
            SUPERVISOR,
            old,
        )
        june = await in_charge(w, transfer, datetime(year, 6, 2, 12, 0, tzinfo=WIB))
        assert (june["period"], june["agency_id"], june["appraiser_nip"], june["appraisal_version"]) == (
            "destination",
            agency_b,
            OUTSIDER,
            None,
        )
        now = await in_charge(w, transfer, await w.env.get_current_time())
        assert (now["agency_id"], now["appraiser_nip"], now["atasan_nip"]) == (agency_b, OUTSIDER, ATASAN)
        assert now["appraisal_id"] == new and now["appraisal_version"] >= 5
        await w.call("GET", f"/audit/transfers/{transfer}/in-charge", EMP1, params={"at": march["at"]}, expect=403)


async def test_a_transfer_within_an_agency_opens_a_second_appraisal(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        year = await w.year()
        cycle = await w.launch(HR_NIP)
        agency = (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["agency_id"]
        first = await plan(w, cycle, EMP2, SUPERVISOR)
        await until(w, datetime(year, 2, 20, 9, 0, tzinfo=WIB))
        decree = {
            "nip": EMP2,
            "to_agency_id": agency,
            "to_unit_id": "U2",
            "to_unit_name": "Bidang Pencatatan",
            "to_appraiser_nip": OUTSIDER,
            "to_atasan_nip": ATASAN,
            "effective": f"{year}-02-16",
            "decree": "800/12/SETDA",
            "reason": "Rotasi antarbidang",
        }
        same = {**decree, "to_unit_id": UNIT, "to_appraiser_nip": SUPERVISOR}
        refused = await w.call("POST", f"/hr/cycles/{cycle}/transfers", HR_NIP, same, expect=422)
        assert (refused["code"], refused["field"]) == ("transfer.not_a_move", "to_unit_id")
        recorded = await w.call("POST", f"/hr/cycles/{cycle}/transfers", HR_NIP, decree, expect=201)
        assert recorded["months"] == {"origin": 2, "destination": 10}  # 16 February: February was the old post's
        second = recorded["destination"]["appraisal_id"]
        assert second != first and recorded["destination"]["cycle_id"] == cycle

        await eventually(lambda: stopped(w, appraisal_workflow_id(cycle, EMP2)))
        mine = await eventually(lambda: w.call("GET", "/employees/me/appraisals", EMP2), lambda v: len(v) == 2)
        assert {m["appraisal_id"]: m["stage"] for m in mine} == {first: "execution", second: "planning"}
        handle = w.env.client.get_workflow_handle(appraisal_workflow_id(cycle, EMP2, 2))
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await w.call("POST", f"/employees/appraisals/{second}/skp/take-over", EMP2, {"rhk_ids": ["R1"]})
        await w.call("POST", f"/employees/appraisals/{second}/skp/submit", EMP2)
        assert [t["task"] for t in await w.call("GET", "/tasks/me", OUTSIDER)] == ["review_skp"]

        # Nobody evaluates for two weeks: Pak Penilai is reminded, then the old atasan gets the task too.
        await until(w, datetime(year, 3, 7, 9, 0, tzinfo=WIB))
        late = await eventually(
            lambda: w.call("GET", f"/transfers/{recorded['id']}", HR_NIP), lambda v: len(v["notices"]) == 2
        )
        assert (late["notices"]["remind"]["to"], late["notices"]["escalate"]["escalated_to"]) == (SUPERVISOR, ATASAN)
        for nip in (SUPERVISOR, ATASAN):  # the inbox follows the log through the read model
            owed = await eventually(lambda n=nip: evaluations(w, n), lambda v: len(v) == 1)
            assert [(t["transfer_id"], t["overdue"]) for t in owed] == [(recorded["id"], True)]
        await w.call(
            "POST",
            f"/transfers/{recorded['id']}/evaluation",
            SUPERVISOR,
            {"results_rating": "di_atas", "behaviour_rating": "di_atas"},
        )
        for nip in (SUPERVISOR, ATASAN):
            assert not await evaluations(w, nip)
        done = await w.env.client.get_workflow_handle(f"transfer-evaluation-{recorded['id']}").result()
        assert done == {"evaluated": True, "notices": ["remind", "escalate"]}
        evaluation = w.env.client.get_workflow_handle(f"transfer-evaluation-{recorded['id']}")
        await save_history("transfer_evaluation_escalated", evaluation, w.env.client)
        seen = await w.call("GET", f"/transfers/{recorded['id']}", EMP2)
        assert [(p["months"], p["predikat"]) for p in seen["year"]["periods"]] == [(2, "sangat_baik"), (10, None)]
        assert seen["year"]["predikat"] is None  # until the new post is rated
        listed = await w.call("GET", f"/hr/agencies/{agency}/transfers", HR_NIP)
        assert [t["id"] for t in listed] == [recorded["id"]]
        january = await in_charge(w, recorded["id"], datetime(year, 1, 20, tzinfo=WIB))
        march = await in_charge(w, recorded["id"], await w.env.get_current_time())
        assert (january["appraiser_nip"], january["unit_id"]) == (SUPERVISOR, UNIT)
        assert (march["appraiser_nip"], march["unit_id"], march["appraisal_id"]) == (OUTSIDER, "U2", second)
        # HR removes her from the cycle (pensiun): the second post's workflow stops, not only the first's id.
        cycle_handle = w.env.client.get_workflow_handle(cycle_workflow_id(cycle))
        hr = Actor(HR_NIP, ("hr",))
        leaves = RemoveParticipant(hr, nip=EMP2, reason="pensiun dini")
        await cycle_handle.execute_update(CycleWorkflow.remove_participant, leaves, id="leave-emp2")
        assert (await handle.result())["withdrawn"] == "pensiun dini"
        again = await cycle_handle.execute_update(CycleWorkflow.remove_participant, leaves, id="leave-emp2")
        assert again["version"] > 0  # the same Update id answers again and removes nothing twice


async def test_a_transfer_between_agencies_on_the_partitioned_store(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    """KINERJA_PARTITIONED: the June transfer through the API lands the Transfer and the closed post in agency A's
    log and the new appraisal in B's; both agencies' HR list it (the read model follows both logs); the old
    appraiser's task is in his inbox and the evaluation, through its workflow, closes it."""
    async with world(env, tmp_path, store_url, partitioned=True) as w:
        store = w.store
        assert isinstance(store, PartitionedAppraisals)
        year = await w.year()
        origin = await w.launch(HR_NIP, [participant(EMP1, "Budi")])
        destination = await w.launch(HR_NIP, [participant(EMP2, "Citra")], agency_name="Dinas Pendidikan")
        agency_a = (await w.call("GET", f"/hr/cycles/{origin}", HR_NIP))["agency_id"]
        agency_b = (await w.call("GET", f"/hr/cycles/{destination}", HR_NIP))["agency_id"]
        await plan(w, origin, EMP1, SUPERVISOR)
        await until(w, datetime(year, 6, 3, 9, 0, tzinfo=WIB))
        decree = june_decree(agency_b, year)
        recorded = await w.call("POST", f"/hr/cycles/{origin}/transfers", HR_NIP, decree, key="m", expect=201)
        transfer, new = recorded["id"], recorded["destination"]["appraisal_id"]
        w.cycles.append((destination, [EMP1]))
        await eventually(lambda: w.call("GET", f"/employees/appraisals/{new}", EMP1))
        assert store.agency_of_record(UUID(transfer)) == agency_a == store.agency_of_record(UUID(origin))
        assert store.agency_of_record(UUID(new)) == agency_b
        for agency in (agency_a, agency_b):
            listed = await eventually(
                lambda a=agency: w.call("GET", f"/hr/agencies/{a}/transfers", HR_NIP), lambda v: len(v) == 1
            )
            assert [t["id"] for t in listed] == [transfer]
        assert [t["transfer_id"] for t in await eventually(lambda: evaluations(w, SUPERVISOR))] == [transfer]
        rating = {"results_rating": "sesuai", "behaviour_rating": "sesuai"}
        evaluated = await w.call("POST", f"/transfers/{transfer}/evaluation", SUPERVISOR, rating, key="nilai")
        assert evaluated["evaluation"]["predikat"] == "baik" and not evaluated["evaluation_pending"]
        await eventually(lambda: evaluations(w, SUPERVISOR), lambda v: v == [])
        assert (await w.env.client.get_workflow_handle(f"transfer-evaluation-{transfer}").result())["evaluated"]
