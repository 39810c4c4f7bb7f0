"""The replay corpus: how it is recorded and read back (tests/histories/, its README has the table).

Every run of a recorded workflow is one file, `<branch>--run<n>.json`. Recordings are grouped in
generations: a folder named after the newest `workflow.patched` id the recording ran under
(`GENERATION`). A change guarded by a new patch is recorded as a new generation beside the older ones,
which stay as long as a workflow they stand for may still run. The files directly in tests/histories/
are the first generations: without a run number, recorded before continue-as-new; with one, before
LOCAL_COMMANDS.

`make histories` re-records the current generation: it runs the recording tests with
KINERJA_SAVE_HISTORIES=1 (commit the JSON); without that variable the same tests only check.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowHistory

from workflows.appraisal_runtime import LOCAL_COMMANDS

HISTORIES = Path(__file__).parent / "histories"
GENERATION = LOCAL_COMMANDS  # the newest patch the workflows' code has; a new one starts a new folder
SAVE_HISTORIES = os.environ.get("KINERJA_SAVE_HISTORIES") == "1"


async def runs(client: Client, handle: WorkflowHandle[Any, Any]) -> list[WorkflowHistory]:
    """Every run of a workflow, first to latest: each run after the first names the one it continues."""
    histories, run_id = [], handle.run_id
    while True:
        history = await client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        histories.append(history)
        run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        if not run_id:
            return histories[::-1]


async def save_history(branch: str, handle: WorkflowHandle[Any, Any], client: Client) -> None:
    """With KINERJA_SAVE_HISTORIES=1: every run of the workflow as tests/histories/<GENERATION>/<branch>--run<n>.json,
    replacing that branch's files of this generation."""
    if not SAVE_HISTORIES:
        return
    folder = HISTORIES / GENERATION
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{branch}--run*.json"):
        old.unlink()
    for n, history in enumerate(await runs(client, handle), start=1):
        (folder / f"{branch}--run{n}.json").write_text(
            json.dumps({"workflow_id": history.workflow_id, "history": history.to_json_dict()}, indent=1) + "\n"
        )


def corpus() -> list[Path]:
    """Every saved history, of every generation."""
    return sorted(HISTORIES.rglob("*.json"))


def name_of(path: Path) -> str:
    """A history's name: its path below tests/histories/, without .json."""
    return path.relative_to(HISTORIES).with_suffix("").as_posix()


def load(name: str) -> WorkflowHistory:
    saved = json.loads((HISTORIES / f"{name}.json").read_text())
    return WorkflowHistory.from_json(saved["workflow_id"], saved["history"])


# Every branch the corpus holds: what it walks, and the test that records it (tests/test_workflows.py or
# tests/test_workflow_branches.py). `python -m tests.recording` writes the table of tests/histories/README.md.
BRANCHES = {
    "appraisal_happy_path": "planning → execution → review → result delivered → follow-up → finalised, one run "
    "per stage: continue-as-new at each phase (`test_happy_path_runs_a_whole_year`)",
    "appraisal_skp_returned": "the SKP returned twice, then approved (`test_an_skp_returned_twice_is_then_approved`)",
    "appraisal_missed_planning": "planning deadline missed, no extension: escalated to HR, the SKP taken late "
    "(`test_a_missed_planning_deadline_without_extension_escalates_and_a_late_skp_is_still_taken`)",
    "appraisal_missed_planning_extended": "planning deadline missed, then extended: the reminder of the new date "
    "(`test_a_missed_planning_deadline_reminds_escalates_and_follows_an_extension`)",
    "appraisal_delegate_missed_planning": "a delegate's SKP review missed: escalated to the atasan "
    "(`test_a_delegate_s_missed_deadline_escalates_to_the_atasan_not_hr`)",
    "appraisal_check_in_reminded": "check-in reminders, only of the check-ins not held (a check-in has no "
    "escalation) (`test_the_appraiser_is_reminded_only_of_the_check_ins_not_held`)",
    "appraisal_execution_handed_over": "continue-as-new within a stage, after updates_per_run human actions "
    "(`test_a_long_stage_hands_over_to_new_runs_keeping_its_calendar`)",
    "appraisal_missed_review": "review deadline missed, no extension: the rating escalated to the atasan, "
    "rated late (`test_a_missed_review_deadline_escalates_the_rating_to_the_atasan`)",
    "appraisal_missed_review_extended": "review deadline missed, then extended "
    "(`test_a_missed_review_deadline_extended_moves_the_reminders`)",
    "appraisal_keberatan_upheld": "keberatan upheld by the atasan (`test_a_keberatan_upheld_by_the_atasan_keeps_the_rating`)",
    "appraisal_keberatan_amended": "keberatan filed on day 14, amended by the atasan "
    "(`test_a_keberatan_filed_on_day_14_is_decided_by_the_atasan_and_amended`)",
    "appraisal_keberatan_escalated": "keberatan decision deadline missed: escalated to HR, which reassigns the "
    "decider, who upholds (the decision deadline has no extension) (`test_an_undecided_keberatan_escalates_to_hr`)",
    "appraisal_keberatan_after_supervisor_change": "keberatan decided by the new atasan after a supervisor change "
    "(`test_a_keberatan_is_decided_by_the_new_atasan_after_a_supervisor_change`)",
    "appraisal_missed_follow_up": "follow-up deadline missed, no extension: escalated to HR, finalised late "
    "(`test_a_missed_follow_up_deadline_escalates_to_hr`)",
    "appraisal_missed_follow_up_extended": "follow-up deadline missed, then extended "
    "(`test_a_missed_follow_up_deadline_extended_moves_the_reminders`)",
    "appraisal_supervisor_changed": "a supervisor change in planning: task and reminders move to the new "
    "appraiser (`test_a_supervisor_change_moves_pending_tasks_and_reminders`)",
    "appraisal_delegated": "delegation: the delegate approves and holds a check-in, the appraiser takes the "
    "tasks back (`test_a_delegate_approves_and_holds_a_check_in_until_the_appraiser_takes_the_tasks_back`)",
    "appraisal_withdrawn": "withdrawal from the cycle in execution: the workflow ends "
    "(`test_a_withdrawn_employee_s_workflow_ends_and_the_domain_takes_no_more_input`)",
    "appraisal_cascade_escalated": "a superior late with the RHK subordinates wait on (#15, `cascade-rhk-deadline-2026-11`): "
    "reminded before their own deadline, escalated to their pejabat penilai, then drafts "
    "(`test_a_late_leader_is_reminded_then_escalated_to_their_own_appraiser`)",
    "appraisal_cascade_due_extended": "the superior's RHK due as HR chose it, moved by an extension of the planning "
    "deadline (#15, `cascade-due-follows-planning-2026-12`): reminded and escalated at the moved due "
    "(`test_hr_chooses_the_superiors_days_and_an_extension_of_planning_moves_their_due`)",
    "cycle_happy_path": "the cycle's workflow until HR closes it (recorded before `closed-cycle-waits-for-reopen`; "
    "not recorded since: its branch is now cycle_closed_and_reopened)",
    "cycle_closed_and_reopened": "the cycle calibrates (answering with the version written), is closed, "
    "reopened, extends a deadline, closes again (`test_happy_path_runs_a_whole_year`)",
    "cycle_calibration_receipt": "a calibration answering with the version it wrote (`calibration-receipt`), "
    "recorded when that patch came; its branch is in cycle_closed_and_reopened since",
    "cycle_participant_removed": "the cycle withdraws a participant "
    "(`test_a_withdrawn_employee_s_workflow_ends_and_the_domain_takes_no_more_input`)",
    "acting_two_months": "an acting head's designation: begins on its first day, ends after its last "
    "(`test_a_two_month_plt_takes_the_heads_tasks_and_gives_them_back`; `acting_two_months.json` recorded before "
    "`acting-shortenable-2026-12`, when it slept instead of waiting)",
    "acting_ended_early": "HR ends a running designation early (#15, `acting-shortenable-2026-12`): the `shorten` "
    "signal moves its end (`test_hr_ends_a_plt_early_and_whoever_joined_the_unit_meanwhile_had_the_plt_too`)",
    "acting_cancelled": "a designation cancelled before its first day: its workflow ends at once, nobody reached "
    "(same test)",
    "transfer_evaluation_escalated": "a transfer's evaluation reminded, escalated, then done by the old appraiser "
    "as an Update (#15) (`test_a_transfer_within_an_agency_opens_a_second_appraisal`)",
    "cycle_participant_added_and_removed": "HR adds a participant, who gets any acting head running over their "
    "head (#15, `acting-reaches-joiners`), and removes another, whose latest post's workflow stops "
    "(`withdraw-latest-post`), then closes (`test_a_cycle_serves_hr_and_reports_failures_per_employee`)",
    "pppk_contract_dossier": "a PPPK contract's durable timer fires six months before its end and produces the "
    "renewal dossier (#14, `test_a_dossier_for_a_contract_ending_mid_cycle_reaches_hr_on_its_timer`)",
    "appraisal_rule_set_migrated": "HR moves the running appraisal to another rule set during execution (recorded "
    "straight to the domain, no Update), then the year goes on to its end "
    "(#14, `test_a_running_appraisal_moves_to_new_rules_and_its_history_replays`)",
}
NOT_RECORDED_NOW = {
    "cycle_happy_path",
    "cycle_calibration_receipt",
}  # branches the current code no longer takes; their old runs still replay


def branch_of(path: Path) -> str:
    return path.stem.split("--run", 1)[0]


def _cell(files: list[Path]) -> str:
    """A branch's files, one folder (generation) at a time: `a.json`, `a--run1..5.json`."""
    parts = []
    for folder in sorted({p.parent for p in files}):
        here = sorted((p for p in files if p.parent == folder), key=lambda p: (len(p.stem), p.stem))
        prefix = "" if folder == HISTORIES else f"{folder.relative_to(HISTORIES).as_posix()}/"
        single = [p for p in here if "--run" not in p.stem]
        numbered = [p for p in here if "--run" in p.stem]
        parts += [f"`{prefix}{p.name}`" for p in single]
        if len(numbered) == 1:
            parts.append(f"`{prefix}{numbered[0].name}`")
        elif numbered:
            parts.append(f"`{prefix}{branch_of(numbered[0])}--run1..{len(numbered)}.json`")
    return ", ".join(parts)


def table() -> str:
    """The README's table: each branch, what it walks, its histories in every generation."""
    saved = corpus()
    rows = ["| branch | what it walks (the test that records it) | histories |", "|---|---|---|"]
    for branch, what in BRANCHES.items():
        rows.append(f"| {branch} | {what} | {_cell([p for p in saved if branch_of(p) == branch])} |")
    return "\n".join(rows) + "\n"


START, END = "<!-- corpus table: python -m tests.recording -->\n", "<!-- end of the corpus table -->\n"


def readme_with_table(readme: str) -> str:
    before, rest = readme.split(START, 1)
    return before + START + table() + END + rest.split(END, 1)[1]


if __name__ == "__main__":
    readme = HISTORIES / "README.md"
    readme.write_text(readme_with_table(readme.read_text()))
    sys.stdout.write(f"{readme}: table of {len(BRANCHES)} branches, {len(corpus())} histories\n")
