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


class ActingActivities:
    def __init__(self, app: Appraisals) -> None:
        self.app = app

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
            nips = list((designation["began"] or {}).get("reached", []))
        client = activity.client()
        done = StepDone([], {})
        for nip in nips:
            handle = client.get_workflow_handle(appraisal_workflow_id(req.cycle_id, nip))
            try:
                await handle.execute_update(update, cmd, id=f"acting-{req.designation_id}-{req.step}")
                done.reached.append(nip)
            except WorkflowUpdateFailedError as e:
                found = refusal_in(e)
                done.skipped[nip] = {"code": found["code"], "params": found["params"]} if found else _not_running(nip)
            except RPCError as e:
                if e.status not in (
                    RPCStatusCode.NOT_FOUND,
                    RPCStatusCode.FAILED_PRECONDITION,
                    RPCStatusCode.INVALID_ARGUMENT,
                ):
                    raise
                done.skipped[nip] = _not_running(nip)  # finished, withdrawn, or never started
            activity.heartbeat(nip)
        at = datetime.fromisoformat(req.at_iso)
        await asyncio.to_thread(
            lambda: self.app.record_acting_step(
                cycle_id, req.designation_id, req.step, done.reached, done.skipped, by=SYSTEM, at=at
            )
        )
        return done


def _not_running(nip: str) -> dict[str, Any]:
    return {"code": NOT_RUNNING, "params": {"stage": "-"}}
