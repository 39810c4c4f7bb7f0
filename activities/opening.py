"""Fan-out for a whole cycle: open appraisals and start their workflows in pages, signal them in pages.

A cycle may hold 10,000 participants. The cycle workflow never carries them: it asks this
activity for one page at a time (a cursor on the NIP order) and keeps only counts, the
cursor and the failures. Each page loads the cycle once, opens the domain records and
starts one `AppraisalWorkflow` per participant with the deterministic id
`appraisal-{cycle_id}-{nip}` and REJECT_DUPLICATE, so a re-run or a retried page never
starts a second workflow for anybody, running or finished.
"""

from __future__ import annotations

import asyncio
import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.errors import domain_errors_fail_fast
from domain.application import Appraisals
from domain.cascade import cascade_due, cascade_leads
from domain.cycle import AppraisalCycle
from domain.errors import DomainError
from domain.outcome import Outcome
from domain.participants import post_of
from domain.schedule import schedule
from workflows.ids import appraisal_workflow_id, start_once

STARTS_IN_FLIGHT = 50  # concurrent start/signal RPCs per page


@dataclass
class CheckIn:
    period: str
    due_iso: str


@dataclass
class AppraisalInput:
    """Everything an appraisal workflow needs to keep time, computed once per page from the cycle."""

    cycle_id: str
    nip: str
    appraisal_id: str
    time_zone: str
    deadlines: dict[str, str]  # planning / review / follow_up -> ISO instant the deadline ends
    check_ins: list[CheckIn]
    review_opens_at: str
    reminder_days_before: list[int]
    check_in_reminder_days_before: int
    stage: str = "planning"
    pending: dict[str, str] | None = None
    cycle_workflow_id: str = ""
    # Carried over continue-as-new (workflows/appraisal.py); a freshly opened appraisal has none of them.
    predikat: str | None = None
    done: list[str] = field(default_factory=list)  # the timer keys already acted on
    failures: list[dict[str, str]] = field(default_factory=list)  # the latest ones, bounded
    run: int = 1  # which run of the appraisal's workflow this is
    updates_per_run: int = 200  # human actions after which a run hands over to the next (continue-as-new)
    # #15: when this employee's RHK are due because subordinates cascade from them (domain/cascade.py); None
    # for an employee nobody in the cycle reports to, and for every appraisal opened before the field.
    cascade_due: str | None = None
    # The same as days before the planning deadline (domain/cascade.py:cascade_leads), so that the due moves with
    # an extension of it (`cascade-due-follows-planning-2026-12`); None for inputs before the field.
    cascade_days: int | None = None


@dataclass
class OpenBatch:
    """One page of participants to open: those after `after_nip`, or exactly `nips`."""

    cycle_id: str
    cycle_workflow_id: str
    at_iso: str
    after_nip: str = ""
    limit: int = 500
    nips: list[str] | None = None
    review_opens: str | None = None  # month-day of the cycle year, agency time; None: the rule set's
    check_in_reminder_days_before: int | None = None  # None: the rule set's


@dataclass
class OpenedBatch:
    opened: int  # domain records created by this page
    started: int  # workflows started by this page
    last_nip: str
    done: bool
    failures: list[dict[str, str]] = field(default_factory=list)  # {nip, error, message}
    running: int = 0  # workflows of this page that run (started now or before), each recorded as running


@dataclass
class SignalAppraisals:
    """Send one signal to every running appraisal workflow of a cycle."""

    cycle_id: str
    signal: str
    arg: dict[str, Any]


def appraisal_plan(cycle: AppraisalCycle, review_opens: str | None, reminder_days: int | None) -> dict[str, Any]:
    """The domain's calendar of the cycle (domain/schedule.py) in the shape an AppraisalInput carries."""
    plan = schedule(cycle, review_opens, reminder_days)
    return {
        "time_zone": cycle.time_zone,
        "deadlines": {name: instant.isoformat() for name, instant in plan.deadlines.items()},
        "check_ins": [CheckIn(c.period, c.due.isoformat()) for c in plan.check_ins],
        "review_opens_at": plan.review_opens_at.isoformat(),
        "reminder_days_before": list(plan.reminder_days_before),
        "check_in_reminder_days_before": plan.check_in_reminder_days_before,
    }


class OpeningActivities:
    """Open and start appraisals page by page; the Temporal client is the worker's own."""

    def __init__(self, app: Appraisals) -> None:
        self.app = app

    @activity.defn
    async def open_appraisals(self, batch: OpenBatch) -> OpenedBatch:
        page, outcomes, failures, done, plan, posts = await asyncio.to_thread(self._open_records, batch)
        leads = plan.pop("cascade_leads")
        planning = datetime.fromisoformat(plan["deadlines"]["planning"])
        activity.heartbeat(len(page))
        client, task_queue = activity.client(), activity.info().task_queue
        gate = asyncio.Semaphore(STARTS_IN_FLIGHT)

        async def start(nip: str, outcome: Outcome) -> tuple[str, bool]:
            inp = AppraisalInput(
                cycle_id=batch.cycle_id,
                nip=nip,
                appraisal_id=str(outcome.id),
                stage=outcome.stage,
                pending=outcome.pending,
                cycle_workflow_id=batch.cycle_workflow_id,
                cascade_due=cascade_due(planning, leads[nip]).isoformat() if nip in leads else None,
                cascade_days=leads.get(nip),
                **plan,
            )
            async with gate:
                try:
                    wid = appraisal_workflow_id(batch.cycle_id, nip, posts.get(nip, 1))
                    await start_once(client, "AppraisalWorkflow", inp, id=wid, task_queue=task_queue)
                    return nip, True
                except WorkflowAlreadyStartedError:  # a retried page, or a re-run of the cycle
                    return nip, False

        # Any other error (server unavailable) fails the page, which is retried as a whole: it is idempotent.
        started = await asyncio.gather(*(start(nip, o) for nip, o in outcomes.items()))
        # Only now, with every start accepted, is each of them recorded as running: progress counts an
        # appraisal as open from this fact, so it never counts one whose writes would still get 409.
        at = datetime.fromisoformat(batch.at_iso)
        with domain_errors_fail_fast():
            await asyncio.to_thread(
                self.app.record_workflows_started, UUID(batch.cycle_id), [n for n, _ in started], at
            )
        return OpenedBatch(
            opened=sum(not o.replayed for o in outcomes.values()),
            started=sum(new for _, new in started),
            running=len(started),
            last_nip=page[-1] if page else batch.after_nip,
            done=done,
            failures=failures,
        )

    def _open_records(
        self, batch: OpenBatch
    ) -> tuple[list[str], dict[str, Outcome], list[dict[str, str]], bool, Any, dict[str, int]]:
        at = datetime.fromisoformat(batch.at_iso)
        with domain_errors_fail_fast():
            cycle = self.app.cycle(UUID(batch.cycle_id))
            plan = appraisal_plan(cycle, batch.review_opens, batch.check_in_reminder_days_before)
            plan["cascade_leads"] = cascade_leads(cycle)
        if batch.nips is not None:
            page, done = list(batch.nips), True
        else:
            ordered = sorted(cycle.participants)
            start = bisect.bisect_right(ordered, batch.after_nip)
            page = ordered[start : start + batch.limit]
            done = start + batch.limit >= len(ordered)
        outcomes: dict[str, Outcome] = {}
        failures: list[dict[str, str]] = []
        try:
            with domain_errors_fail_fast():
                outcomes = dict(zip(page, self.app.open_appraisals(cycle.id, page, at), strict=True))
        except ApplicationError as e:
            if e.type == "WrongStage":  # the cycle itself is not open for appraisals: nobody can be opened
                raise
            for nip in page:  # isolate the participant(s) the domain refused; the others open
                try:
                    outcomes[nip] = self.app.open_appraisal(cycle.id, nip, at)
                except DomainError as error:
                    failures.append({"nip": nip, "error": type(error).__name__, "message": str(error)})
        posts = {nip: post_of(cycle.participants.get(nip)) for nip in page}  # a later post runs its own workflow
        return page, outcomes, failures, done, plan, posts

    @activity.defn
    async def signal_appraisals(self, req: SignalAppraisals) -> int:
        """Signal each participant's workflow; finished or never-started ones are skipped."""
        with domain_errors_fail_fast():
            cycle = await asyncio.to_thread(self.app.cycle, UUID(req.cycle_id))
        nips = sorted(cycle.participants)
        details = activity.info().heartbeat_details
        if details:  # resume a retried fan-out where the last attempt stopped
            nips = nips[bisect.bisect_right(nips, str(details[0])) :]
        client = activity.client()
        signalled = 0

        async def send(handle: WorkflowHandle[Any, Any]) -> int:
            try:
                await handle.signal(req.signal, req.arg)
                return 1
            except RPCError as e:
                if e.status == RPCStatusCode.NOT_FOUND:  # finished, or not started yet
                    return 0
                raise

        for i in range(0, len(nips), STARTS_IN_FLIGHT):
            chunk = nips[i : i + STARTS_IN_FLIGHT]
            handles = [
                client.get_workflow_handle(appraisal_workflow_id(req.cycle_id, n, post_of(cycle.participants.get(n))))
                for n in chunk
            ]
            signalled += sum(await asyncio.gather(*(send(h) for h in handles)))
            activity.heartbeat(chunk[-1])
        return signalled
