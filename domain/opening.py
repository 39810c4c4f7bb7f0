"""CycleRunning: which appraisals of a cycle have a running workflow (issue 9, finding 6).

An appraisal's record is opened first and its workflow started a moment later (the cycle's
opening activity does both, page by page). Between the two, the record exists but nothing can
act on it: a write answers 409 WorkflowStarting. So "open" in progress means "its workflow
runs", and that is a fact of its own, recorded here by the opening activity once Temporal has
accepted the start (or said the workflow was started already). It is recorded after the start,
never before, so a recorded NIP always has a workflow; one started but not yet recorded (the
activity died in between) is recorded when the page is retried.

One record per cycle (not one more event on every appraisal), so an appraisal's own log keeps
only what happened to the appraisal, and a page of 500 starts is one event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import KinerjaAggregate

NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/cycle-running")


class CycleRunning(KinerjaAggregate):
    """The NIPs of a cycle whose appraisal workflow Temporal has accepted."""

    @staticmethod
    def create_id(cycle_id: UUID) -> UUID:
        return uuid5(NAMESPACE, str(cycle_id))

    @event("Begun")
    def __init__(self, cycle_id: UUID, timestamp: datetime) -> None:
        self.cycle_id = cycle_id
        self.nips: list[str] = []  # in the order their starts were recorded

    def running(self) -> frozenset[str]:
        return frozenset(self.nips)

    def record(self, nips: Iterable[str], at: datetime) -> list[str]:
        """Record the NIPs not recorded yet (a retried page records nothing twice); returns them."""
        known = self.running()
        new = sorted({n for n in nips if n not in known})
        if new:
            self._started(nips=new, timestamp=at)
        return new

    @event("WorkflowsStarted")
    def _started(self, nips: list[str], timestamp: datetime) -> None:
        self.nips.extend(nips)
