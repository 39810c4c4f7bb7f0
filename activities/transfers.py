"""The transfer evaluation's activities (workflows/transfer_evaluation.py): its calendar's notices and the old
appraiser's evaluation, each one Transfer command under the workflow's key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from temporalio import activity

from activities.errors import domain_errors_fail_fast
from domain.application import Appraisals
from domain.transfer_commands import EvaluateServedPeriod


@dataclass
class Notice:
    transfer_id: str
    notice: str  # domain/transfer.py: REMIND or ESCALATE
    at_iso: str
    key: str


@dataclass
class EvaluationStep:
    transfer_id: str
    cmd: EvaluateServedPeriod
    key: str
    at_iso: str


class TransferActivities:
    def __init__(self, app: Appraisals) -> None:
        self.app = app

    @activity.defn
    def notify_transfer(self, n: Notice) -> bool:
        """Record the reminder or the escalation (none once the evaluation is done); whether one was recorded."""
        with domain_errors_fail_fast():
            return self.app.notify_transfer(
                UUID(n.transfer_id), n.notice, at=datetime.fromisoformat(n.at_iso), key=n.key
            )

    @activity.defn
    def evaluate_served_period(self, step: EvaluationStep) -> int:
        with domain_errors_fail_fast():
            at = datetime.fromisoformat(step.at_iso)
            return self.app.evaluate_served_period(UUID(step.transfer_id), step.cmd, at=at, key=step.key).version
