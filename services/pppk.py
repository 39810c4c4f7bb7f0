"""PPPK contracts and renewal dossiers (#14), shared by api/ and web/: HR of the agency records a contract (and its
ContractWorkflow starts, whose durable timer produces the dossier ahead of the contract's end), reads the dossiers
in its inbox and decides them; auditors read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from domain.application import Appraisals
from domain.base import Actor
from domain.errors import InvalidInput
from domain.pppk import CONTRACT_UNCHANGED, contract_of
from domain.pppk_rules import CONTRACTED
from domain.pppk_service import as_dict as dossier_dict
from domain.pppk_service import decide_dossier, dossier, dossiers_of, due_instant, save_contract
from services.authz import require_agency_hr
from workflows.contract import ContractInput, ContractWorkflow, contract_workflow_id


class Contracts:
    def __init__(self, app: Appraisals, client: Client, task_queue: str, clock: Callable[[], datetime]) -> None:
        self.app, self.client, self.task_queue, self.clock = app, client, task_queue, clock

    async def record(
        self, actor: Actor, agency_id: str, nip: str, found: Mapping[str, str], key: str
    ) -> dict[str, Any]:
        """Record the contract; for PPPK, start its ContractWorkflow (once per contract)."""
        require_agency_hr(actor, agency_id)
        agency = await run_in_threadpool(self.app.agency, agency_id)
        try:
            contract = await run_in_threadpool(
                lambda: save_contract(self.app, agency_id, nip, found, by=actor, at=self.clock(), key=key)
            )
        except InvalidInput as e:
            if e.code == CONTRACT_UNCHANGED.code:  # recorded before, its timer perhaps not (Temporal was down then)
                held = contract_of(agency, nip)
                await start_contract(self.client, self.task_queue, agency_id, nip, held, agency.time_zone)
            raise
        return await start_contract(self.client, self.task_queue, agency_id, nip, contract, agency.time_zone)

    def listing(self, actor: Actor, agency_id: str) -> list[dict[str, Any]]:
        require_agency_hr(actor, agency_id, auditors_read=True)
        return dossiers_of(self.app, agency_id)

    def waiting(self, actor: Actor, agency_id: str) -> list[dict[str, Any]]:
        """HR's inbox: the dossiers produced and not yet decided."""
        return [d for d in self.listing(actor, agency_id) if d["dossier"] and not d["dossier"]["decision"]]

    def read(self, actor: Actor, dossier_id: UUID) -> dict[str, Any]:
        found = dossier(self.app, dossier_id)
        require_agency_hr(actor, found.agency_id, auditors_read=True)
        return dossier_dict(found)

    def decide(self, actor: Actor, dossier_id: UUID, decision: str, note: str, key: str) -> dict[str, Any]:
        found = dossier(self.app, dossier_id)
        require_agency_hr(actor, found.agency_id)
        return decide_dossier(self.app, dossier_id, decision, note, by=actor, at=self.clock(), key=key)


async def start_contract(
    client: Client, task_queue: str, agency_id: str, nip: str, contract: Mapping[str, str], time_zone: str
) -> dict[str, Any]:
    """A PPPK contract's ContractWorkflow, started once per contract (a repeat finds it running); PNS: none."""
    if contract["employment"] not in CONTRACTED:
        return {"nip": nip, **contract, "dossier_due_at": None, "workflow_id": ""}
    due = due_instant(agency_id, contract["contract_end"], time_zone)
    workflow_id = contract_workflow_id(agency_id, nip, contract["contract_end"])
    await client.start_workflow(
        ContractWorkflow.run,
        ContractInput(agency_id, nip, contract["contract_end"], due.isoformat()),
        id=workflow_id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    return {"nip": nip, **contract, "dossier_due_at": due.isoformat(), "workflow_id": workflow_id}
