"""Thin adapters from Temporal to the Appraisals application: one typed command in, its outcome out.

One activity per command, as one Update per command: the workflow passes a `Stamp` (the record,
the business instant, the idempotency key it chose: workflow id + update id, or + timer) and the
command itself. A retried activity finds its key already applied, returns the outcome it produced
and writes nothing (`Outcome.replayed`). A broken business rule fails fast and is not retried; a
concurrency conflict is retried, and the retry reloads the aggregate.

The appraisal's commands are in activities/appraisal_commands.py, the cycle's in
activities/cycle_activities.py; `AppraisalActivities` joins them with what the appraisal workflow
reads, and the worker registers them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from temporalio import activity

from activities.appraisal_commands import AppraisalCommandActivities
from activities.cycle_activities import CycleActivities
from activities.errors import domain_errors_fail_fast
from domain.application import Appraisals


@dataclass
class AppraisalView:
    """What the workflow needs to keep time for one appraisal."""

    stage: str
    pending: dict[str, str] | None
    version: int
    employee_nip: str
    appraiser_nip: str
    atasan_nip: str
    check_ins: list[str]
    keberatan_deadline: str | None
    keberatan_decision_due: str | None
    keberatan_escalated: bool


class AppraisalActivities(AppraisalCommandActivities, CycleActivities):
    """Temporal in, one application command, its outcome out."""

    def __init__(self, app: Appraisals) -> None:
        self.app = app

    # --- reading ----------------------------------------------------------------

    @activity.defn
    def read_appraisal(self, appraisal_id: str) -> AppraisalView:
        with domain_errors_fail_fast():
            a = self.app.appraisal(UUID(appraisal_id))
        keberatan = a.keberatan or {}
        due = keberatan.get("decision_due")
        return AppraisalView(
            stage=a.stage,
            pending=a.pending_task(),
            version=a.version,
            employee_nip=a.employee_nip,
            appraiser_nip=a.appraiser_nip,
            atasan_nip=a.atasan_nip,
            check_ins=sorted(a.check_ins),
            keberatan_deadline=a.keberatan_deadline.isoformat() if a.keberatan_deadline else None,
            keberatan_decision_due=due.isoformat() if due else None,
            keberatan_escalated=bool(keberatan.get("escalated")),
        )

    def all(self) -> list[Any]:
        """Every activity of this class and its stages' mixins, for the worker."""
        names = {
            name
            for klass in type(self).__mro__
            for name, member in vars(klass).items()
            if hasattr(member, "__temporal_activity_definition")
        }
        return [getattr(self, name) for name in sorted(names)]
