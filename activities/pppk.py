"""The PPPK contract's one step (workflows/contract.py keeps the time): produce the renewal dossier."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from temporalio import activity

from activities.errors import domain_errors_fail_fast
from domain.application import Appraisals
from domain.pppk_service import produce_dossier


@dataclass
class DossierRequest:
    agency_id: str
    nip: str
    contract_end: str  # the contract the timer was set for (a changed contract has its own)
    at_iso: str  # the workflow's time when the dossier is produced


class PppkActivities:
    def __init__(self, app: Appraisals) -> None:
        self.app = app

    @activity.defn
    async def produce_dossier(self, req: DossierRequest) -> str:
        """The dossier's id, or "" when the contract changed since the timer was set."""
        with domain_errors_fail_fast():
            return await asyncio.to_thread(
                produce_dossier, self.app, req.agency_id, req.nip, req.contract_end, datetime.fromisoformat(req.at_iso)
            )
