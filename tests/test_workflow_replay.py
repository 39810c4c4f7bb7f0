"""Saved histories replay on today's workflow code: a change that breaks running workflows fails here.

Refresh them with `KINERJA_SAVE_HISTORIES=1 pytest tests/test_workflows.py` only when a change is
meant to be incompatible (and then guard the old path with `workflow.patched()`), and commit the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.appraisal import AppraisalWorkflow
from workflows.cycle import CycleWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_the_saved_histories_are_there() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "appraisal_happy_path",
        "cycle_happy_path",  # recorded before the REOPENABLE patch: a closed cycle's workflow ended
        "cycle_closed_and_reopened",  # since: it waits, takes a reopening, serves HR, closes again
        "appraisal_keberatan_escalated",
    }


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_saved_history_replays_on_the_current_code(path: Path) -> None:
    saved = json.loads(path.read_text())
    history = WorkflowHistory.from_json(saved["workflow_id"], saved["history"])
    await Replayer(workflows=[CycleWorkflow, AppraisalWorkflow]).replay_workflow(history)
