"""The steps of an acting head's designation: at its first day it reaches every appraisal of the head, after
its last day it leaves them (workflows/acting.py keeps the time).

Each appraisal is reached through its own workflow's Update (`begin_acting`, `end_acting`), so the workflow's
pending task and its clocks follow the domain's answer; the Update's id is the designation's step, so a retried
step asks each appraisal once (and the domain applies its command once). An appraisal that refuses (the acting
head's own, one the head no longer takes part in, one whose workflow has ended) is recorded with the refusal's
code on the designation, for HR and the auditor.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.errors import domain_errors_fail_fast, refusal_in
from domain.acting import BEGIN
from domain.acting_commands import BeginActing, EndActing
from domain.application import Appraisals
from domain.base import SYSTEM, Actor
from domain.participants import post_of
from workflows.ids import appraisal_workflow_id

NOT_RUNNING = "appraisal.not_running"


@dataclass
class ActingStep:
    cycle_id: str
    designation_id: str
    step: str  # "begin" or "end"
    at_iso: str  # the workflow's time when the step runs


@dataclass
class StepDone:
    reached: list[str]
    skipped: dict[str, dict[str, Any]]  # NIP -> the refusal's code and figures


@dataclass
class JoinActing:
    cycle_id: str
    nip: str
    at_iso: str  # the cycle workflow's time when the participant was added


class ActingActivities:
    def __init__(self, app: Appraisals) -> None:
        self.app = app

    @activity.defn
    async def join_acting(self, req: JoinActing) -> list[str]:
        """A participant added to the cycle while a designation runs over their head gets the acting head at once
        (the designation's `begin_acting`, by its designator); recorded on the designation. Returns the ids reached."""
        cycle_id = UUID(req.cycle_id)
        with domain_errors_fail_fast():
            running, post = await asyncio.to_thread(self.app.acting_joining, cycle_id, req.nip)
        reached = []
        for d in running:
            cmd = BeginActing(
                Actor(d["by"], ("hr",)), d["id"], d["unit_id"], d["head_nip"], d["acting_nip"], d["kind"], d["decree"]
            )
            workflow_id = appraisal_workflow_id(req.cycle_id, req.nip, post)
            skipped = await _send(workflow_id, "begin_acting", cmd, f"acting-{d['id']}-begin")
            at = datetime.fromisoformat(req.at_iso)
            record = functools.partial(self.app.record_acting_joined, by=SYSTEM, at=at)
            await asyncio.to_thread(record, cycle_id, d["id"], req.nip, skipped)
            if skipped is None:
                reached.append(str(d["id"]))
        return reached

    @activity.defn
    async def step_acting(self, req: ActingStep) -> StepDone:
        cycle_id = UUID(req.cycle_id)
        with domain_errors_fail_fast():
            designation, nips = await asyncio.to_thread(self.app.acting_reach, cycle_id, req.designation_id)
        hr = Actor(designation["by"], ("hr",))
        if req.step == BEGIN:
            update = "begin_acting"
            cmd: BeginActing | EndActing = BeginActing(
                hr,
                req.designation_id,
                designation["unit_id"],
                designation["head_nip"],
                designation["acting_nip"],
                designation["kind"],
                designation["decree"],
            )
        else:
            update, cmd = "end_acting", EndActing(hr, req.designation_id)
            # those its start reached, and those who joined the unit while it ran (#15)
            register = await asyncio.to_thread(self.app.acting_register, cycle_id)
            assert register is not None
            nips = register.reached_now(req.designation_id)
        cycle = await asyncio.to_thread(self.app.cycle, cycle_id)
        done = StepDone([], {})
        for nip in nips:
            post = post_of(cycle.participants.get(nip))  # a later post after a transfer within the agency
            update_id = f"acting-{req.designation_id}-{req.step}"
            skipped = await _send(appraisal_workflow_id(req.cycle_id, nip, post), update, cmd, update_id)
            if skipped is None:
                done.reached.append(nip)
            else:
                done.skipped[nip] = skipped
            activity.heartbeat(nip)
        at = datetime.fromisoformat(req.at_iso)
        await asyncio.to_thread(
            lambda: self.app.record_acting_step(
                cycle_id, req.designation_id, req.step, done.reached, done.skipped, by=SYSTEM, at=at
            )
        )
        return done


async def _send(workflow_id: str, update: str, cmd: Any, update_id: str) -> dict[str, Any] | None:
    """One appraisal's Update; None once applied, else why it was not (the refusal's code and figures)."""
    try:
        await activity.client().get_workflow_handle(workflow_id).execute_update(update, cmd, id=update_id)
        return None
    except WorkflowUpdateFailedError as e:
        found = refusal_in(e)
        return {"code": found["code"], "params": found["params"]} if found else _not_running(workflow_id)
    except RPCError as e:
        if e.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.INVALID_ARGUMENT):
            raise
        return _not_running(workflow_id)  # finished, withdrawn, or never started


def _not_running(_: str) -> dict[str, Any]:
    return {"code": NOT_RUNNING, "params": {"stage": "-"}}
