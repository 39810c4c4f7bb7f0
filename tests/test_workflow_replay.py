"""Saved histories replay on today's workflow code: a change that breaks running workflows fails here.

`<name>.json` were written before continue-as-new, by runs that never continue as new; they stay as
long as such runs may be alive. `<name>--run<n>.json` are the runs of one workflow since.
`KINERJA_SAVE_HISTORIES=1 pytest tests/test_workflows.py` adds the latter (commit the JSON); a change
to what a workflow does is guarded with `workflow.patched()` (README, "Versioning running workflows").
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from activities.opening import AppraisalInput
from workflows.appraisal import AppraisalWorkflow
from workflows.cycle import CycleWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_the_saved_histories_are_there() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "appraisal_happy_path",
        "cycle_happy_path",  # recorded before the REOPENABLE patch: a closed cycle's workflow ended
        "cycle_closed_and_reopened",  # since: it waits, takes a reopening, serves HR, closes again
        "cycle_calibration_receipt--run1",  # since "calibration-receipt": calibration returns its version
        "appraisal_keberatan_escalated",
        *(f"appraisal_happy_path--run{n}" for n in range(1, 6)),  # planning ... follow-up, one run each
        "appraisal_delegate_missed_planning--run1",
        *(f"appraisal_execution_handed_over--run{n}" for n in range(1, 5)),  # within a stage, by length
    }


def history(name: str) -> WorkflowHistory:
    saved = json.loads((Path(__file__).parent / "histories" / f"{name}.json").read_text())
    return WorkflowHistory.from_json(saved["workflow_id"], saved["history"])


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_saved_history_replays_on_the_current_code(path: Path) -> None:
    await Replayer(workflows=[CycleWorkflow, AppraisalWorkflow]).replay_workflow(history(path.stem))


# --- the check works: a change that is not guarded fails the replay ------------------------------------


@workflow.defn(name="AppraisalWorkflow")
class ContinuesAsNewUnguarded(AppraisalWorkflow):
    """Continue-as-new without its workflow.patched guard: a run started before it would continue as new
    where its history goes on in the same run."""

    @workflow.run
    async def run(self, input: AppraisalInput) -> dict[str, Any]:
        return await super().run(input)

    def _continues_as_new(self) -> bool:
        return True


@workflow.defn(name="AppraisalWorkflow")
class WaitsFirstUnguarded(AppraisalWorkflow):
    """A new timer before the appraisal's first clock, added without a guard."""

    @workflow.run
    async def run(self, input: AppraisalInput) -> dict[str, Any]:
        await workflow.sleep(timedelta(hours=1))
        return await super().run(input)


@workflow.defn(name="AppraisalWorkflow")
class WaitsFirstGuarded(AppraisalWorkflow):
    """The same timer behind workflow.patched: runs that started without it go on without it."""

    @workflow.run
    async def run(self, input: AppraisalInput) -> dict[str, Any]:
        if workflow.patched("wait-an-hour-first"):
            await workflow.sleep(timedelta(hours=1))
        return await super().run(input)


@pytest.mark.parametrize(
    ("changed", "name"),
    [
        (ContinuesAsNewUnguarded, "appraisal_happy_path"),  # a run from before continue-as-new
        (WaitsFirstUnguarded, "appraisal_happy_path"),
        (WaitsFirstUnguarded, "appraisal_happy_path--run1"),
    ],
)
async def test_an_unguarded_change_to_the_workflow_fails_the_replay(changed: type, name: str) -> None:
    with pytest.raises(workflow.NondeterminismError):
        await Replayer(workflows=[changed]).replay_workflow(history(name))


async def test_the_same_change_behind_workflow_patched_replays() -> None:
    for name in ("appraisal_happy_path", "appraisal_happy_path--run1", "appraisal_happy_path--run2"):
        await Replayer(workflows=[WaitsFirstGuarded]).replay_workflow(history(name))
