"""A PPPK contract's renewal dossier on the time-skipping test server (#14): HR records a contract that ends in the
middle of a cycle; the ContractWorkflow's durable timer waits until six months before its end (PermenPANRB 70/2020),
then the dossier of the appraisal results over the contract, with the rule set's recommendation, is in HR's inbox;
HR of the agency decides it, HR of another agency cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.base import Actor
from domain.cycle_commands import DefineCycle, StartCycle
from domain.pppk_rules import RENEW
from services.errors import ApiError
from services.pppk import Contracts
from tests.career_kit import OTHER_AGENCY, OTHER_HR, finished, import_agencies
from tests.factories import AGENCY, HR_ACTOR, STAFF, participants
from tests.recording import save_history
from tests.workflow_kit import eventually, kit, time_skipping
from workflows.contract import ContractWorkflow, contract_workflow_id

PPPK_LINE = f"{AGENCY},Pemerintah Kota Palu,WITA,bidang-umum,Bidang Umum,{STAFF},Staf Umum,\n"

PALU_HR = Actor(HR_ACTOR.nip, HR_ACTOR.roles, AGENCY)  # as the API resolves HR: Palu's master data names Palu


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping() as environment:
        yield environment


async def test_a_dossier_for_a_contract_ending_mid_cycle_reaches_hr_on_its_timer(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        now = await k.now()
        end_year = now.year + 1
        finished(k.app)  # 2024, finalised: STAFF's predikat is Baik
        import_agencies(k.app, PPPK_LINE)
        # The contract's last cycle is running: STAFF's appraisal of `end_year` is open (planning).
        define = DefineCycle(HR_ACTOR, AGENCY, "Pemerintah Kota Palu", "WITA", end_year, participants())
        cycle_id = k.app.define_cycle(define, at=now)
        k.app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=now)
        k.app.open_appraisal(cycle_id, STAFF, now)

        contracts = Contracts(k.app, k.client, k.task_queue, lambda: now)
        contract = {"employment": "pppk", "contract_start": "2024-01-01", "contract_end": f"{end_year}-06-30"}
        with pytest.raises(ApiError) as other_agency:
            await contracts.record(Actor(OTHER_HR, ("hr",), OTHER_AGENCY), AGENCY, STAFF, contract, "c1")
        assert other_agency.value.status == 403
        recorded = await contracts.record(PALU_HR, AGENCY, STAFF, contract, "kontrak-1")
        due = datetime(end_year - 1, 12, 30, tzinfo=timezone(timedelta(hours=8)))  # 00:00 WITA, six months before
        assert datetime.fromisoformat(recorded["dossier_due_at"]) == due

        handle = k.client.get_workflow_handle_for(
            ContractWorkflow.run, contract_workflow_id(AGENCY, STAFF, f"{end_year}-06-30")
        )
        assert (await handle.query(ContractWorkflow.status))["state"] == "waiting"
        assert contracts.waiting(PALU_HR, AGENCY) == []  # nothing before its day

        await k.sleep_until(due - timedelta(hours=1))
        assert (await handle.query(ContractWorkflow.status))["state"] == "waiting"
        await k.sleep_until(due + timedelta(hours=1))
        dossier_id = await handle.result()
        await save_history("pppk_contract_dossier", handle, k.client)
        [waiting] = await eventually(lambda: _async(contracts.waiting(PALU_HR, AGENCY)), lambda w: len(w) == 1)
        d = waiting["dossier"]
        assert d["dossier_id"] == dossier_id and d["nip"] == STAFF and d["recommendation"] == RENEW
        assert d["produced_at"].startswith(f"{end_year - 1}-12-29T16")  # the timer's instant, in UTC
        by_year = {r["year"]: r for r in d["results"]}
        assert by_year[2024] == {"year": 2024, "months": 12, "stage": "finalised", "predikat": "baik"}
        assert by_year[end_year] == {"year": end_year, "months": 6, "stage": "planning", "predikat": None}
        assert [r["code"] for r in d["reasons"]] == ["pppk.reason.open_years", "pppk.reason.all_good"]
        assert end_year in d["reasons"][0]["params"]["years"]
        assert "PP 49/2018" in d["source"]

        with pytest.raises(ApiError):
            contracts.decide(Actor(OTHER_HR, ("hr",), OTHER_AGENCY), dossier_id, "diperpanjang", "", "k")
        decided = contracts.decide(PALU_HR, dossier_id, "diperpanjang", "kinerja baik, kebutuhan tetap", "putus-1")
        again = contracts.decide(PALU_HR, dossier_id, "diperpanjang", "kinerja baik, kebutuhan tetap", "putus-1")
        assert decided["decision"]["decision"] == "diperpanjang" and again["version"] == decided["version"]
        assert contracts.waiting(PALU_HR, AGENCY) == []


async def _async(value: object) -> object:
    return value
