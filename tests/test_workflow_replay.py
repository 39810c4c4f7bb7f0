"""Saved histories replay on today's workflow code: a change that breaks running workflows fails here.

The corpus is tests/histories/, every generation (its README has the table of branches and files;
tests/recording.py says how they are recorded): `<name>.json` were written before continue-as-new, by
runs that never continue as new; `<name>--run<n>.json` are the runs of one workflow since, directly in
tests/histories/ before LOCAL_COMMANDS and in a folder per generation after it. `make histories`
re-records the current generation (commit the JSON); a change to what a workflow does is guarded with
`workflow.patched()` (README, "Versioning running workflows").
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.worker import Replayer

from activities.opening import AppraisalInput
from tests.recording import (
    BRANCHES,
    END,
    GENERATION,
    HISTORIES,
    NOT_RECORDED_NOW,
    START,
    branch_of,
    corpus,
    name_of,
    table,
)
from tests.recording import load as history
from workflows.acting import ActingWorkflow
from workflows.appraisal import AppraisalWorkflow
from workflows.contract import ContractWorkflow
from workflows.cycle import CycleWorkflow
from workflows.transfer_evaluation import TransferEvaluationWorkflow

SAVED = corpus()


def test_every_branch_is_recorded_in_the_current_generation_and_in_the_table() -> None:
    """The recording tests wrote every branch under the current code; no history is of a branch nobody named;
    the README's table is the one `python -m tests.recording` writes from the corpus."""
    current = {branch_of(p) for p in (HISTORIES / GENERATION).glob("*.json")}
    assert current == set(BRANCHES) - NOT_RECORDED_NOW, current ^ (set(BRANCHES) - NOT_RECORDED_NOW)
    assert {branch_of(p) for p in SAVED} <= set(BRANCHES)
    assert START + table() + END in (HISTORIES / "README.md").read_text()


def test_the_saved_histories_are_there() -> None:
    assert {name_of(p) for p in SAVED} >= {
        "appraisal_happy_path",
        "cycle_happy_path",  # recorded before the REOPENABLE patch: a closed cycle's workflow ended
        "cycle_closed_and_reopened",  # since: it waits, takes a reopening, serves HR, closes again
        "cycle_calibration_receipt--run1",  # since "calibration-receipt": calibration returns its version
        "appraisal_keberatan_escalated",
        *(f"appraisal_happy_path--run{n}" for n in range(1, 6)),  # planning ... follow-up, one run each
        "appraisal_delegate_missed_planning--run1",
        *(f"appraisal_execution_handed_over--run{n}" for n in range(1, 5)),  # within a stage, by length
    }


@pytest.mark.parametrize("path", SAVED, ids=[name_of(p) for p in SAVED])
async def test_a_saved_history_replays_on_the_current_code(path: Path) -> None:
    workflows = [CycleWorkflow, AppraisalWorkflow, ActingWorkflow, TransferEvaluationWorkflow, ContractWorkflow]
    await Replayer(workflows=workflows).replay_workflow(history(name_of(path)))


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


@workflow.defn(name="AppraisalWorkflow")
class LocalCommandsUnguarded(AppraisalWorkflow):
    """A person's command as a local activity without its workflow.patched guard: a run whose Updates ran
    regular activities would run them locally on replay."""

    @workflow.run
    async def run(self, input: AppraisalInput) -> dict[str, Any]:
        return await super().run(input)

    def _local_commands(self) -> bool:
        return True


@workflow.defn(name="AppraisalWorkflow")
class LocalCommandsDropped(AppraisalWorkflow):
    """The local activity dropped again, back to regular activities, without a guard of its own."""

    @workflow.run
    async def run(self, input: AppraisalInput) -> dict[str, Any]:
        return await super().run(input)

    def _local_commands(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("changed", "name"),
    [
        (ContinuesAsNewUnguarded, "appraisal_happy_path"),  # a run from before continue-as-new
        (WaitsFirstUnguarded, "appraisal_happy_path"),
        (WaitsFirstUnguarded, "appraisal_happy_path--run1"),
        (WaitsFirstUnguarded, f"{GENERATION}/appraisal_happy_path--run1"),
        (LocalCommandsUnguarded, "appraisal_happy_path--run1"),  # a run from before LOCAL_COMMANDS
        (LocalCommandsDropped, f"{GENERATION}/appraisal_happy_path--run1"),  # a run since
    ],
)
async def test_an_unguarded_change_to_the_workflow_fails_the_replay(changed: type, name: str) -> None:
    with pytest.raises(workflow.NondeterminismError):
        await Replayer(workflows=[changed]).replay_workflow(history(name))


async def test_the_same_change_behind_workflow_patched_replays() -> None:
    for name in (
        "appraisal_happy_path",
        "appraisal_happy_path--run1",
        "appraisal_happy_path--run2",
        f"{GENERATION}/appraisal_happy_path--run2",
    ):
        await Replayer(workflows=[WaitsFirstGuarded]).replay_workflow(history(name))
