"""HR's changes to a running cycle: one workflow Update per command, each with its typed input.

Each Update runs its command's activity under the workflow's lock (workflows/cycle_runtime.py),
at `workflow.now()` and keyed by the update id; the validators refuse only what the workflow alone
knows, that the cycle is closed. Every business rule is the AppraisalCycle's.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from workflows.cycle_runtime import FAN_OUT, PHASE_CHECKPOINTS, PROGRESS, CycleRuntime

with workflow.unsafe.imports_passed_through():
    from activities.acting import ActingActivities, JoinActing
    from activities.appraisals import AppraisalActivities
    from activities.opening import OpenBatch, OpeningActivities, SignalAppraisals

    # Payload classes are imported from the module that defines them (see workflows/appraisal.py).
    from domain.cycle_commands import (
        AddParticipant,
        CalibrateUnit,
        CloseCycle,
        ExtendDeadline,
        RemoveParticipant,
        ReopenCycle,
        SetOrgPredikat,
    )
    from workflows.appraisal import DeadlineMoved
    from workflows.ids import appraisal_workflow_id

# Issue 11's gap: a calibration answers with the version it wrote, so HR gets its receipt like for
# every other write. Runs started before keep the activity that returns the warnings only.
CALIBRATION_RECEIPT = "calibration-receipt"
# Issue 15's gap: a participant in a later post (a transfer within the agency) runs `appraisal-{cycle}-{nip}-2`;
# removing them stops that one. Runs started before keep the activity that returns the version only.
WITHDRAW_POST = "withdraw-latest-post"
# #15: a participant added while an acting head's designation runs over their head gets the acting head at once.
ACTING_REACHES_JOINERS = "acting-reaches-joiners"


class HrChanges(CycleRuntime):
    """Mixed into CycleWorkflow: the Updates HR sends (run by CycleRuntime)."""

    @workflow.update
    async def add_participant(self, cmd: AddParticipant) -> dict[str, Any]:
        """A participant joins the cycle; the new appraisal opens at once."""
        version = await self._run(AppraisalActivities.add_participant, cmd)
        nip = str(cmd.participant["nip"])
        async with self.lock:
            page = await self._open(
                OpenBatch(self.input.cycle_id, workflow.info().workflow_id, workflow.now().isoformat(), nips=[nip])
            )
        answer = {"version": version, "opened": page.opened, "started": page.started, "failures": page.failures}
        if workflow.patched(ACTING_REACHES_JOINERS):
            joins = JoinActing(self.input.cycle_id, nip, workflow.now().isoformat())
            answer["acting"] = await workflow.execute_activity_method(ActingActivities.join_acting, joins, **FAN_OUT)
        return answer

    @workflow.update
    async def remove_participant(self, cmd: RemoveParticipant) -> dict[str, Any]:
        """The appraisal workflow of the employee's latest post stops; its domain record stays."""
        if workflow.patched(WITHDRAW_POST):
            removed = await self._run(AppraisalActivities.remove_participant_post, cmd)
            version, post = removed["version"], removed["post"]
        else:
            version, post = await self._run(AppraisalActivities.remove_participant, cmd), 1
        handle = workflow.get_external_workflow_handle(appraisal_workflow_id(self.input.cycle_id, cmd.nip, post))
        try:
            await handle.signal("withdraw", cmd.reason)
        except Exception:  # noqa: BLE001 - it may have finished already; nothing left to stop
            workflow.logger.info("appraisal of %s was not running", cmd.nip)
        return {"version": version}

    @workflow.update
    async def extend_deadline(self, cmd: ExtendDeadline) -> dict[str, Any]:
        """A deadline moves later, with its reason; running appraisals move their timers."""
        version = await self._run(AppraisalActivities.extend_deadline, cmd)
        cycle = await workflow.execute_activity_method(AppraisalActivities.read_cycle, self.input.cycle_id, **PROGRESS)
        moved = DeadlineMoved(cmd.name, cycle["deadlines"][cmd.name])
        self.state.deadlines = dict(cycle["deadlines"])
        if cmd.name in self.state.phases_closed:  # extended after it passed: the phase is open again
            self.state.phases_closed.remove(cmd.name)
        self.changes += 1
        signalled = await workflow.execute_activity_method(
            OpeningActivities.signal_appraisals,
            SignalAppraisals(self.input.cycle_id, "deadline_moved", moved.__dict__),
            **FAN_OUT,
        )
        return {"version": version, "deadline": cmd.name, "until": moved.until_iso, "signalled": signalled}

    @workflow.update
    async def set_org_predikat(self, cmd: SetOrgPredikat) -> dict[str, Any]:
        return {"version": await self._run(AppraisalActivities.set_org_predikat, cmd)}

    @workflow.update
    async def calibrate_unit(self, cmd: CalibrateUnit) -> dict[str, Any]:
        """Returns the curve's warnings and the version written (for HR's receipt)."""
        if workflow.patched(CALIBRATION_RECEIPT):
            result: dict[str, Any] = await self._run(AppraisalActivities.calibrate_unit_recorded, cmd)
            return result
        return {"warnings": await self._run(AppraisalActivities.calibrate_unit, cmd)}

    @workflow.update
    async def close(self, cmd: CloseCycle) -> dict[str, Any]:
        version = await self._run(AppraisalActivities.close_cycle, cmd)
        self.state.closed = True
        if workflow.patched(PHASE_CHECKPOINTS):
            await self._request_checkpoint(f"phase close: cycle {self.input.cycle_id} closed")
        return {"version": version}

    @workflow.update
    async def reopen(self, cmd: ReopenCycle) -> dict[str, Any]:
        """HR reopens the closed cycle with a reason; the workflow serves HR's updates again."""
        version = await self._run(AppraisalActivities.reopen_cycle, cmd)
        self.state.closed = False
        self.reopenings += 1
        return {"version": version}

    @workflow.update
    async def refresh_progress(self) -> dict[str, Any]:
        await self._refresh()
        return self.progress()

    @add_participant.validator
    def _admit_add_participant(self, cmd: AddParticipant) -> None:
        self._admit()

    @remove_participant.validator
    def _admit_remove_participant(self, cmd: RemoveParticipant) -> None:
        self._admit()

    @extend_deadline.validator
    def _admit_extend_deadline(self, cmd: ExtendDeadline) -> None:
        self._admit()

    @set_org_predikat.validator
    def _admit_set_org_predikat(self, cmd: SetOrgPredikat) -> None:
        self._admit()

    @calibrate_unit.validator
    def _admit_calibrate_unit(self, cmd: CalibrateUnit) -> None:
        self._admit()

    @close.validator
    def _admit_close(self, cmd: CloseCycle) -> None:
        self._admit()

    def _admit(self) -> None:
        if self.state.closed:
            raise ValueError("the cycle is closed")
