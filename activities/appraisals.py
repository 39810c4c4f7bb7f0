"""Thin adapters from Temporal to the Appraisals application: one typed command in, its outcome out.

One activity per command, as one Update per command: the workflow passes a `Stamp` (the record,
the business instant, the idempotency key it chose: workflow id + update id, or + timer) and the
command itself. A retried activity finds its key already applied, returns the outcome it produced
and writes nothing (`Outcome.replayed`). A broken business rule fails fast and is not retried; a
concurrency conflict is retried, and the retry reloads the aggregate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.commands import (
    AddParticipant,
    AppraisalCommand,
    ApproveSkp,
    CalibrateUnit,
    ChangeSupervisor,
    CloseCycle,
    CloseKeberatanWindow,
    CycleCommand,
    DecideFollowUp,
    DecideKeberatan,
    DelegateTask,
    DeliverResult,
    DraftSkp,
    ExtendDeadline,
    FileKeberatan,
    Finalise,
    GiveFeedback,
    GivePeerFeedback,
    HoldCheckIn,
    OpenReview,
    Outcome,
    Rate,
    ReassignKeberatanDecider,
    RecordCitizenFeedback,
    RemoveParticipant,
    ReportProgress,
    ReturnSkp,
    SelfAssess,
    SetOrgPredikat,
    Stamp,
    StartCycle,
    SubmitSkp,
)
from domain.errors import ConcurrencyConflict, DomainError, NotFound

NOT_OPENED = "not_opened"


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


class AppraisalActivities:
    """Temporal in, one application command, its outcome out."""

    def __init__(self, app: Appraisals) -> None:
        self.app = app

    def _run(self, stamp: Stamp, cmd: AppraisalCommand) -> Outcome:
        with domain_errors_fail_fast():
            return self.app.execute(stamp.record_id, cmd, at=stamp.at, key=stamp.key)

    # --- planning -------------------------------------------------------------

    @activity.defn
    def draft_skp(self, stamp: Stamp, cmd: DraftSkp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def submit_skp(self, stamp: Stamp, cmd: SubmitSkp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def return_skp(self, stamp: Stamp, cmd: ReturnSkp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def approve_skp(self, stamp: Stamp, cmd: ApproveSkp) -> Outcome:
        return self._run(stamp, cmd)

    # --- execution ------------------------------------------------------------

    @activity.defn
    def report_progress(self, stamp: Stamp, cmd: ReportProgress) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def give_feedback(self, stamp: Stamp, cmd: GiveFeedback) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def give_peer_feedback(self, stamp: Stamp, cmd: GivePeerFeedback) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def record_citizen_feedback(self, stamp: Stamp, cmd: RecordCitizenFeedback) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def hold_check_in(self, stamp: Stamp, cmd: HoldCheckIn) -> Outcome:
        return self._run(stamp, cmd)

    # --- review ---------------------------------------------------------------

    @activity.defn
    def open_review(self, stamp: Stamp, cmd: OpenReview) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def self_assess(self, stamp: Stamp, cmd: SelfAssess) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def rate(self, stamp: Stamp, cmd: Rate) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def deliver_result(self, stamp: Stamp, cmd: DeliverResult) -> Outcome:
        return self._run(stamp, cmd)

    # --- keberatan and follow-up ------------------------------------------------

    @activity.defn
    def file_keberatan(self, stamp: Stamp, cmd: FileKeberatan) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def close_keberatan_window(self, stamp: Stamp, cmd: CloseKeberatanWindow) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def decide_keberatan(self, stamp: Stamp, cmd: DecideKeberatan) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def reassign_keberatan_decider(self, stamp: Stamp, cmd: ReassignKeberatanDecider) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def decide_follow_up(self, stamp: Stamp, cmd: DecideFollowUp) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def finalise(self, stamp: Stamp, cmd: Finalise) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def delegate_task(self, stamp: Stamp, cmd: DelegateTask) -> Outcome:
        return self._run(stamp, cmd)

    @activity.defn
    def change_supervisor(self, stamp: Stamp, cmd: ChangeSupervisor) -> Outcome:
        """The cycle's master data and the appraisal change together (stamp.record_id is the appraisal)."""
        with domain_errors_fail_fast():
            appraisal = self.app.appraisal(stamp.record_id)
            return self.app.change_supervisor(
                appraisal.cycle_id, appraisal.employee_nip, cmd, at=stamp.at, key=stamp.key
            )

    # --- the cycle --------------------------------------------------------------

    def _cycle(self, stamp: Stamp, cmd: CycleCommand) -> int:
        with domain_errors_fail_fast():
            return self.app.execute_cycle(stamp.record_id, cmd, at=stamp.at, key=stamp.key)

    @activity.defn
    def start_cycle(self, stamp: Stamp, cmd: StartCycle) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def add_participant(self, stamp: Stamp, cmd: AddParticipant) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def remove_participant(self, stamp: Stamp, cmd: RemoveParticipant) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def extend_deadline(self, stamp: Stamp, cmd: ExtendDeadline) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def set_org_predikat(self, stamp: Stamp, cmd: SetOrgPredikat) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def close_cycle(self, stamp: Stamp, cmd: CloseCycle) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def calibrate_unit(self, stamp: Stamp, cmd: CalibrateUnit) -> list[str]:
        with domain_errors_fail_fast():
            return self.app.calibrate_unit(stamp.record_id, cmd, at=stamp.at, key=stamp.key)

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

    @activity.defn
    def read_cycle(self, cycle_id: str) -> dict[str, Any]:
        """The cycle's status, size, and each named deadline as the UTC instant it ends."""
        with domain_errors_fail_fast():
            cycle = self.app.cycle(UUID(cycle_id))
            deadlines = {name: cycle.deadline(name).isoformat() for name in cycle.deadlines}
        return {"status": cycle.status, "participants": len(cycle.participants), "deadlines": deadlines}

    @activity.defn
    def count_stages(self, cycle_id: str) -> dict[str, Any]:
        """How many of the cycle's participants are at each stage, read from the domain log."""
        with domain_errors_fail_fast():
            cycle = self.app.cycle(UUID(cycle_id))
        counts: dict[str, int] = {}
        for i, nip in enumerate(sorted(cycle.participants)):
            try:
                stage = self.app.appraisal(Appraisal.create_id(cycle.id, nip)).stage
            except NotFound:
                stage = NOT_OPENED
            counts[stage] = counts.get(stage, 0) + 1
            if i % 500 == 499:
                activity.heartbeat(i)
        return {"status": cycle.status, "participants": len(cycle.participants), "stages": counts}

    def all(self) -> list[Any]:
        """Every activity of this class, for the worker."""
        return [
            getattr(self, name)
            for name, member in vars(type(self)).items()
            if hasattr(member, "__temporal_activity_definition")
        ]


@contextmanager
def domain_errors_fail_fast() -> Iterator[None]:
    """Retrying a broken business rule never helps, so don't; a lost race is worth a retry."""
    try:
        yield
    except ConcurrencyConflict as e:
        raise ApplicationError(str(e), type=type(e).__name__) from e
    except DomainError as e:
        raise ApplicationError(str(e), type=type(e).__name__, non_retryable=True) from e
