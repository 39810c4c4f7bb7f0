"""The cycle's activities: one per cycle command, and what the cycle workflow reads of its cycle.

Mixed into `AppraisalActivities` (activities/appraisals.py), whose worker registers them by
method name; the cycle workflow calls them as `AppraisalActivities.<name>`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from temporalio import activity

from activities.errors import domain_errors_fail_fast
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.cycle_commands import (
    AddParticipant,
    CalibrateUnit,
    CloseCycle,
    CycleCommand,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
    SetOrgPredikat,
    StartCycle,
)
from domain.errors import NotFound
from domain.outcome import Stamp

NOT_OPENED = "not_opened"


class CycleActivities:
    """Temporal in, one AppraisalCycle command, the cycle's new version out."""

    app: Appraisals

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
    def remove_participant_post(self, stamp: Stamp, cmd: RemoveParticipant) -> dict[str, int]:
        """The cycle's version, and which of the employee's posts' workflow to stop (a transfer within the
        agency leaves the first post's workflow ended and runs the next post's)."""
        version = self._cycle(stamp, cmd)
        with domain_errors_fail_fast():
            return {"version": version, "post": self.app.latest_post(stamp.record_id, cmd.nip)}

    @activity.defn
    def extend_deadline(self, stamp: Stamp, cmd: ExtendDeadline) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def set_org_predikat(self, stamp: Stamp, cmd: SetOrgPredikat) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def close_cycle(self, stamp: Stamp, cmd: CloseCycle) -> int:
        """The cycle's rule needs the appraisals still open (stamp.record_id is the cycle)."""
        with domain_errors_fail_fast():
            return self.app.close_cycle(stamp.record_id, cmd, at=stamp.at, key=stamp.key)

    @activity.defn
    def reopen_cycle(self, stamp: Stamp, cmd: ReopenCycle) -> int:
        return self._cycle(stamp, cmd)

    @activity.defn
    def calibrate_unit(self, stamp: Stamp, cmd: CalibrateUnit) -> list[str]:
        """The curve's warnings only: what cycle workflows started before "calibration-receipt" run."""
        with domain_errors_fail_fast():
            return self.app.calibrate_unit(stamp.record_id, cmd, at=stamp.at, key=stamp.key)

    @activity.defn
    def calibrate_unit_recorded(self, stamp: Stamp, cmd: CalibrateUnit) -> dict[str, Any]:
        """The curve's warnings and the cycle's version the calibration wrote (HR's receipt names it)."""
        with domain_errors_fail_fast():
            warnings = self.app.calibrate_unit(stamp.record_id, cmd, at=stamp.at, key=stamp.key)
            version = self.app.cycle(stamp.record_id).applied_version(stamp.key)
        return {"warnings": warnings, "version": version}

    # --- reading ---------------------------------------------------------------

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
            running = self.app.workflows_running(cycle.id)
        counts: dict[str, int] = {}
        for i, nip in enumerate(sorted(cycle.participants)):
            # Open means its workflow runs (domain/opening.py): a record still waiting for it is not open yet.
            try:
                found = Appraisal.create_id(cycle.id, nip, cycle.participants[nip])
                stage = self.app.appraisal(found).stage if nip in running else NOT_OPENED
            except NotFound:
                stage = NOT_OPENED
            counts[stage] = counts.get(stage, 0) + 1
            if i % 500 == 499:
                activity.heartbeat(i)
        return {"status": cycle.status, "participants": len(cycle.participants), "stages": counts}
