"""ContractWorkflow: one per PPPK contract, keeping the instant its renewal dossier is due (#14).

Started when HR records the contract (id `pppk-contract-{agency}-{nip}-{last day}`); it sleeps on a durable timer
until the dossier's due day begins in the agency's zone (the rule set's lead time before the contract's end,
PermenPANRB 70/2020: six months), then produces the dossier (activities/pppk.py), which lands in HR's inbox. A
corrected contract is another workflow; this one then finds its contract changed and produces nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.pppk import DossierRequest, PppkActivities

PRODUCE: Any = {
    "start_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=10)),
}


def contract_workflow_id(agency_id: str, nip: str, contract_end: str) -> str:
    return f"pppk-contract-{agency_id}-{nip}-{contract_end}"


@dataclass
class ContractInput:
    agency_id: str
    nip: str
    contract_end: str  # YYYY-MM-DD
    due_at: str  # ISO UTC instant: the dossier's due day begins in the agency's zone


@workflow.defn
class ContractWorkflow:
    """Wait for the dossier's day, then produce it."""

    def __init__(self) -> None:
        self.state, self.dossier_id = "waiting", ""

    @workflow.run
    async def run(self, input: ContractInput) -> str:
        delay = (datetime.fromisoformat(input.due_at) - workflow.now()).total_seconds()
        if delay > 0:
            await workflow.sleep(delay)
        req = DossierRequest(input.agency_id, input.nip, input.contract_end, workflow.now().isoformat())
        self.dossier_id = await workflow.execute_activity_method(PppkActivities.produce_dossier, req, **PRODUCE)
        self.state = "produced" if self.dossier_id else "superseded"
        return self.dossier_id

    @workflow.query
    def status(self) -> dict[str, Any]:
        return {"state": self.state, "dossier_id": self.dossier_id}
