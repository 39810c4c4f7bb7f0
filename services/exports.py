"""The national export, the finance office's tukin recap and the what-if under another rule set (#14): the reads
and the one write (an export) that api/ and web/ share, each behind the agency-HR check (services/authz.py).

An export reads the cycle's final results (domain/career_results.py), queues their records in the export outbox
(readmodels/export_outbox.py) and delivers what is pending or failed to the configured receiver (an HTTP endpoint or
a directory, settings `export_url` / `export_dir`). It needs no workflow: nothing waits on it and it changes no
appraisal; a repeat queues nothing twice and sends only what has not arrived.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.application import Appraisals
from domain.base import Actor
from domain.career_results import export_records, final_results, recap_rows, tukin_recap, what_if
from domain.national_export import COLUMNS, to_csv, to_json
from readmodels.export_outbox import ExportOutbox, Receiver
from services.authz import require_agency_hr

RECAP_NOTE = (
    "Potongan bulanan mengikuti predikat final tahun siklus, berlaku untuk setiap bulan tahun berikutnya "
    "(asumsi Kinerja: peraturan menyerahkan saat mulainya kepada instansi)."
)


class Exports:
    """HR's export of a finished cycle, its downloads, the tukin recap and the what-if."""

    def __init__(
        self, app: Appraisals, engine: sa.Engine, receiver: Receiver | None, clock: Callable[[], datetime]
    ) -> None:
        self.app, self.outbox, self.receiver, self.clock = app, ExportOutbox(engine), receiver, clock

    def _cycle(self, actor: Actor, cycle_id: UUID, *, auditors_read: bool) -> Any:
        cycle = self.app.cycle(cycle_id)
        require_agency_hr(actor, cycle.agency_id, auditors_read=auditors_read)
        return cycle

    def export(self, actor: Actor, cycle_id: UUID) -> dict[str, Any]:
        """Queue the cycle's final results and deliver what has not arrived; the counts of each."""
        cycle = self._cycle(actor, cycle_id, auditors_read=False)
        now = self.clock()
        found = export_records(cycle.agency_id, cycle.year, final_results(self.app, cycle))
        queued = self.outbox.enqueue(found, now)
        sent = (
            self.outbox.deliver(self.receiver, now, cycle.agency_id) if self.receiver else {"delivered": 0, "failed": 0}
        )
        return {
            **queued,
            **sent,
            "target": self.receiver.target if self.receiver else "",
            "status": self.outbox.status(cycle.agency_id),
        }

    def listing(self, actor: Actor, cycle_id: UUID) -> dict[str, Any]:
        """The cycle's export records with their delivery state (HR of the agency, auditors)."""
        cycle = self._cycle(actor, cycle_id, auditors_read=True)
        return {
            "agency_id": cycle.agency_id,
            "year": cycle.year,
            "target": self.receiver.target if self.receiver else "",
            "status": self.outbox.status(cycle.agency_id),
            "records": self.outbox.listing(cycle.agency_id, cycle.year),
        }

    def download(self, actor: Actor, cycle_id: UUID, kind: str) -> str:
        """The records held for the cycle, as CSV (neutralised cells) or JSON."""
        cycle = self._cycle(actor, cycle_id, auditors_read=True)
        bodies = self.outbox.bodies(cycle.agency_id, cycle.year)
        return to_csv(bodies, COLUMNS) if kind == "csv" else to_json(bodies)

    def recap(self, actor: Actor, cycle_id: UUID, month: str) -> dict[str, Any]:
        cycle = self._cycle(actor, cycle_id, auditors_read=True)
        found = tukin_recap(final_results(self.app, cycle), month, cycle.year)
        return {**found, "agency_id": cycle.agency_id, "note": RECAP_NOTE}

    def recap_csv(self, actor: Actor, cycle_id: UUID, month: str) -> str:
        from domain.career_results import RECAP_COLUMNS  # noqa: PLC0415

        return to_csv(recap_rows(self.recap(actor, cycle_id, month)), RECAP_COLUMNS)

    def what_if(self, actor: Actor, cycle_id: UUID, rule_set_id: str) -> dict[str, Any]:
        cycle = self._cycle(actor, cycle_id, auditors_read=True)
        found = what_if(final_results(self.app, cycle), rule_set_id)
        return {**found, "agency_id": cycle.agency_id, "year": cycle.year, "cycle_rule_set": cycle.rule_set_id}
