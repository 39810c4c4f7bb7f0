"""Every write on an appraisal, once: the caller's relationship checked, then the typed command sent.

The API's routes and the pages call these same methods with a command they built from a JSON body
or a form; the relationship a step needs (the appraisal's employee, its pejabat penilai, the atasan
deciding a keberatan, or HR) is stated here and nowhere else. The domain then checks its own rule.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from temporalio.workflow import UpdateMethodMultiParam

from domain.application import Appraisals
from domain.base import Actor
from domain.cycle_commands import AddParticipant, CalibrateUnit, CloseCycle, ExtendDeadline, ReopenCycle, SetOrgPredikat
from domain.errors import InvalidInput, refusal
from domain.outcome import Outcome
from domain.people_commands import ChangeSupervisor, DelegateTask
from domain.result_commands import (
    DecideFollowUp,
    DecideKeberatan,
    DeliverResult,
    FileKeberatan,
    Finalise,
    OpenReview,
    Rate,
    ReassignKeberatanDecider,
    SelfAssess,
)
from domain.rule_migration import MigrateRuleSet
from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor
from domain.work_commands import (
    ApproveSkp,
    DraftSkp,
    GiveFeedback,
    HoldCheckIn,
    LinkRhk,
    LogDailyWork,
    RecordCitizenFeedback,
    ReportProgress,
    ReturnSkp,
    SubmitSkp,
)
from services.authz import (
    APPRAISER,
    ATASAN,
    DECIDER,
    EMPLOYEE,
    bound_to_agency,
    require_agency_hr,
    require_hr,
    require_write,
)
from services.gateway import Gateway, Unorchestrated
from services.proof import Proof
from workflows.appraisal import AppraisalWorkflow as W
from workflows.cycle import CycleWorkflow

NO_BULK_KEY = refusal("bulk.key", "is required: each item's idempotency key derives from it")
NOT_BULK = refusal("bulk.task", "must be one of {choices}")

C = TypeVar("C", bound=Any)
# The tasks a pejabat penilai may do for several appraisals with one confirmation (web/bulk.py).
BULK_TASKS = ("review_skp", "deliver_result")
MAX_BULK = 200


def item_key(bulk_key: str, appraisal_id: UUID, task: str) -> str:
    """Each item of a bulk request its own idempotency key, from the request's key and the appraisal:
    a retried bulk request repeats none of its items, and no item shares a key with another."""
    return hashlib.sha256(f"{bulk_key}\n{appraisal_id}\n{task}".encode()).hexdigest()[:40]


OWN, SUPERVISOR, DECIDES = (EMPLOYEE,), (APPRAISER,), (ATASAN, DECIDER)


@dataclass(frozen=True)
class Acted(Outcome):
    """The outcome, and the person's receipt: the event their action wrote, sealed by the agency."""

    receipt: dict[str, Any] | None = None


class AppraisalActions:
    """One method per command on an appraisal; every answer carries the receipt of the event written."""

    def __init__(self, appraisals: Appraisals, gateway: Gateway, proof: Proof | None = None) -> None:
        self.appraisals, self.gateway, self.proof = appraisals, gateway, proof

    async def _receipted(self, outcome: Outcome) -> Acted:
        """The receipt, read while the gateway notes the write's notification id (two reads at once)."""

        async def receipt() -> dict[str, Any] | None:
            if self.proof is None:
                return None
            found: dict[str, Any] | None = await run_in_threadpool(
                self.proof.receipt_after, outcome.id, outcome.version
            )
            return found

        found, _ = await asyncio.gather(receipt(), self.gateway.readside.wrote(outcome.id, outcome))
        return Acted(**vars(outcome), receipt=found)

    async def _record(self, appraisal_id: UUID, cmd: Unorchestrated, key: str, relations: tuple[str, ...]) -> Outcome:
        """The same check, then the command straight to the domain: it needs no orchestration."""
        appraisal = await run_in_threadpool(self.appraisals.appraisal, appraisal_id)
        require_write(cmd.by, appraisal, *relations)
        return await self._receipted(await self.gateway.record(appraisal, cmd, cmd.by, key, note=False))

    async def _act(
        self,
        appraisal_id: UUID,
        update: UpdateMethodMultiParam[[Any, C], Outcome],
        cmd: C,
        key: str,
        relations: tuple[str, ...],
    ) -> Outcome:
        """The route-level check (404 for a stranger, 403 for the wrong relationship), then the Update."""
        appraisal = await run_in_threadpool(self.appraisals.appraisal, appraisal_id)
        require_write(cmd.by, appraisal, *relations)
        return await self._receipted(await self.gateway.appraisal(appraisal, update, cmd, cmd.by, key, note=False))

    # --- the employee ---------------------------------------------------------

    async def draft_skp(self, appraisal_id: UUID, cmd: DraftSkp, key: str) -> Outcome:
        return await self._act(appraisal_id, W.draft_skp, cmd, key, OWN)

    async def submit_skp(self, appraisal_id: UUID, cmd: SubmitSkp, key: str) -> Outcome:
        return await self._act(appraisal_id, W.submit_skp, cmd, key, OWN)

    async def report_progress(self, appraisal_id: UUID, cmd: ReportProgress, key: str) -> Outcome:
        return await self._record(appraisal_id, cmd, key, OWN)

    async def log_daily_work(self, appraisal_id: UUID, cmd: LogDailyWork, key: str) -> Outcome:
        """A daily log entry (its evidence files already stored: services/daily_log.py)."""
        return await self._record(appraisal_id, cmd, key, OWN)

    async def link_rhk(self, appraisal_id: UUID, cmd: LinkRhk, key: str) -> Outcome:
        """A waiting RHK linked to the superior's (#15): no stage or task changes, so straight to the domain."""
        return await self._record(appraisal_id, cmd, key, (EMPLOYEE, APPRAISER))

    async def flag_wrong_supervisor(self, appraisal_id: UUID, cmd: FlagWrongSupervisor, key: str) -> Outcome:
        """ "Atasan saya salah" (#15): the employee or the person named as appraiser; HR's task is a read model."""
        return await self._record(appraisal_id, cmd, key, (EMPLOYEE, APPRAISER))

    async def self_assess(self, appraisal_id: UUID, cmd: SelfAssess, key: str) -> Outcome:
        return await self._act(appraisal_id, W.self_assess, cmd, key, OWN)

    async def file_keberatan(self, appraisal_id: UUID, cmd: FileKeberatan, key: str) -> Outcome:
        return await self._act(appraisal_id, W.file_keberatan, cmd, key, OWN)

    # --- the pejabat penilai (or their delegate) and the atasan -----------------

    async def approve_skp(self, appraisal_id: UUID, cmd: ApproveSkp, key: str) -> Outcome:
        return await self._act(appraisal_id, W.approve_skp, cmd, key, SUPERVISOR)

    async def return_skp(self, appraisal_id: UUID, cmd: ReturnSkp, key: str) -> Outcome:
        return await self._act(appraisal_id, W.return_skp, cmd, key, SUPERVISOR)

    async def give_feedback(self, appraisal_id: UUID, cmd: GiveFeedback, key: str) -> Outcome:
        return await self._record(appraisal_id, cmd, key, SUPERVISOR)

    async def hold_check_in(self, appraisal_id: UUID, cmd: HoldCheckIn, key: str) -> Outcome:
        return await self._act(appraisal_id, W.hold_check_in, cmd, key, SUPERVISOR)

    async def rate(self, appraisal_id: UUID, cmd: Rate, key: str) -> Outcome:
        return await self._act(appraisal_id, W.rate, cmd, key, SUPERVISOR)

    async def deliver_result(self, appraisal_id: UUID, cmd: DeliverResult, key: str) -> Outcome:
        return await self._act(appraisal_id, W.deliver_result, cmd, key, SUPERVISOR)

    async def delegate_task(self, appraisal_id: UUID, cmd: DelegateTask, key: str) -> Outcome:
        return await self._act(appraisal_id, W.delegate_task, cmd, key, SUPERVISOR)

    async def decide_keberatan(self, appraisal_id: UUID, cmd: DecideKeberatan, key: str) -> Outcome:
        return await self._act(appraisal_id, W.decide_keberatan, cmd, key, DECIDES)

    async def bulk_item(self, appraisal_id: UUID, task: str, actor: Actor, bulk_key: str) -> Outcome:
        """One item of a bulk request: the very command the task's own form sends, under its own key."""
        if not bulk_key:
            raise InvalidInput("kunci", NO_BULK_KEY)
        # The appraisal is in the body, not the path: HR's agency is checked here as the route's would be.
        await run_in_threadpool(bound_to_agency, self.appraisals, actor, {"appraisal_id": appraisal_id})
        key = item_key(bulk_key, appraisal_id, task)
        if task == "review_skp":
            return await self.approve_skp(appraisal_id, ApproveSkp(actor), key)
        if task == "deliver_result":
            return await self.deliver_result(appraisal_id, DeliverResult(actor), key)
        raise InvalidInput("task", NOT_BULK, choices=", ".join(BULK_TASKS))

    # --- HR (pengelola kinerja) --------------------------------------------------

    async def open_review(self, appraisal_id: UUID, cmd: OpenReview, key: str) -> Outcome:
        return await self._act(appraisal_id, W.open_review, _hr(cmd), key, ())

    async def decide_follow_up(self, appraisal_id: UUID, cmd: DecideFollowUp, key: str) -> Outcome:
        return await self._act(appraisal_id, W.decide_follow_up, _hr(cmd), key, ())

    async def finalise(self, appraisal_id: UUID, cmd: Finalise, key: str) -> Outcome:
        return await self._act(appraisal_id, W.finalise, _hr(cmd), key, ())

    async def reassign_keberatan_decider(self, appraisal_id: UUID, cmd: ReassignKeberatanDecider, key: str) -> Outcome:
        return await self._act(appraisal_id, W.reassign_keberatan_decider, _hr(cmd), key, ())

    async def dismiss_supervisor_flag(self, appraisal_id: UUID, cmd: DismissSupervisorFlag, key: str) -> Outcome:
        return await self._record(appraisal_id, _hr(cmd), key, ())

    async def migrate_rule_set(self, appraisal_id: UUID, cmd: MigrateRuleSet, key: str) -> Outcome:
        """#14: HR of the appraisal's agency moves it to another rule set, saying why (domain/rule_migration.py)."""
        appraisal = await run_in_threadpool(self.appraisals.appraisal, appraisal_id)
        cycle = await run_in_threadpool(self.appraisals.cycle, appraisal.cycle_id)
        require_agency_hr(cmd.by, cycle.agency_id)
        return await self._record(appraisal_id, cmd, key, ())

    async def change_supervisor(self, appraisal_id: UUID, cmd: ChangeSupervisor, key: str) -> Outcome:
        """Mutation: a new pejabat penilai mid-cycle; the cycle's master data changes with the appraisal."""
        return await self._act(appraisal_id, W.change_supervisor, _hr(cmd), key, ())

    # --- citizens -----------------------------------------------------------------

    async def record_citizen_feedback(self, appraisal_id: UUID, cmd: RecordCitizenFeedback, key: str) -> Outcome:
        """A citizen's SKM answer (no login): recorded in the appraisal, no relationship to check."""
        appraisal = await run_in_threadpool(self.appraisals.appraisal, appraisal_id)
        return await self.gateway.record(appraisal, cmd, cmd.by, key)


class CycleActions:
    """HR's writes on a cycle, each one Update of the cycle's workflow; answers carry HR's receipt."""

    def __init__(self, gateway: Gateway, proof: Proof | None = None) -> None:
        self.gateway, self.proof = gateway, proof

    async def _update(
        self, cycle_id: UUID, update: UpdateMethodMultiParam[[Any, C], dict[str, Any]], cmd: C, key: str
    ) -> dict[str, Any]:
        """HR only; the Update, then HR's receipt of the event it wrote (when the answer names its version)."""
        result = await self.gateway.cycle(cycle_id, update, _hr(cmd), cmd.by, key)
        version = result.get("version")
        if self.proof is None or not isinstance(version, int):
            return result
        return {**result, "receipt": await run_in_threadpool(self.proof.receipt_after, cycle_id, version)}

    async def add_participant(self, cycle_id: UUID, cmd: AddParticipant, key: str) -> dict[str, Any]:
        """A person left out joins the running cycle; their appraisal opens at once."""
        return await self._update(cycle_id, CycleWorkflow.add_participant, cmd, key)

    async def extend_deadline(self, cycle_id: UUID, cmd: ExtendDeadline, key: str) -> dict[str, Any]:
        """Move a deadline later; running appraisals move their timers."""
        return await self._update(cycle_id, CycleWorkflow.extend_deadline, cmd, key)

    async def set_org_predikat(self, cycle_id: UUID, cmd: SetOrgPredikat, key: str) -> dict[str, Any]:
        return await self._update(cycle_id, CycleWorkflow.set_org_predikat, cmd, key)

    async def calibrate_unit(self, cycle_id: UUID, cmd: CalibrateUnit, key: str) -> dict[str, Any]:
        return await self._update(cycle_id, CycleWorkflow.calibrate_unit, cmd, key)

    async def close(self, cycle_id: UUID, cmd: CloseCycle, key: str) -> dict[str, Any]:
        return await self._update(cycle_id, CycleWorkflow.close, cmd, key)

    async def reopen(self, cycle_id: UUID, cmd: ReopenCycle, key: str) -> dict[str, Any]:
        return await self._update(cycle_id, CycleWorkflow.reopen, cmd, key)


def _hr(cmd: C) -> C:
    """HR's steps: only HR (and never an auditor) reaches the workflow with them."""
    require_hr(cmd.by)
    return cmd
