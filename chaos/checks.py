"""The checks after a chaos run, on Temporal and on the database directly: workflows, the log, `kinerja audit verify`."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

from temporalio.client import Client

from chaos.clients import Write
from chaos.plan import STEPS
from domain.application import Appraisals
from domain.appraisal import Appraisal
from settings import event_store_env
from tests.test_topology import NAMESPACE, ROOT
from workflows.ids import appraisal_workflow_id, cycle_workflow_id


async def _workflows(address: str, cycle: str, nips: list[str]) -> dict[str, Any]:
    """Each workflow's status and what it still retries."""
    client = await Client.connect(address, namespace=NAMESPACE)
    found: dict[str, Any] = {}
    for wid in [cycle_workflow_id(cycle), *(appraisal_workflow_id(cycle, n) for n in nips)]:
        d = await client.get_workflow_handle(wid).describe()
        pending = [(p.activity_type.name, p.attempt) for p in d.raw_description.pending_activities]
        found[wid] = {"status": d.status, "pending": pending}
    progress = await client.get_workflow_handle(cycle_workflow_id(cycle)).query("progress")
    found["progress"] = progress
    return found


def settle(address: str, cycle: str, nips: list[str], timeout: float) -> dict[str, Any]:
    """Wait until no workflow has an activity pending (what a fault left retrying finishes)."""
    deadline, state = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        try:
            state = asyncio.run(_workflows(address, cycle, nips))
        except Exception:  # noqa: BLE001 - Temporal busy after its restart
            time.sleep(1)
            continue
        if not any(v["pending"] for k, v in state.items() if k != "progress"):
            return state
        time.sleep(1)
    return state


def check_log(url: str, cycle: str, people: list[dict[str, Any]], writes: list[Write]) -> tuple[int, int, list[str]]:
    """Lost and duplicated writes, read from the domain log itself (not through the API)."""
    store = Appraisals(env=event_store_env(url))
    lost = duplicated = 0
    notes: list[str] = []
    try:
        acked, attempted = Counter[tuple[str, str]](), Counter[tuple[str, str]]()
        for w in writes:
            attempted[(w.appraisal, w.event)] += 1
            acked[(w.appraisal, w.event)] += w.acknowledged
        for p in people:
            a = Appraisal.create_id(UUID(cycle), p["nip"])
            events = [store.mapper.to_domain_event(s) for s in store.recorder.select_events(a)]
            found = Counter(type(e).__name__ for e in events)
            keys = Counter((type(e).__name__, e.command_key) for e in events if getattr(e, "command_key", ""))
            for (name, key), n in keys.items():
                if n > 1:
                    duplicated += n - 1
                    notes.append(f"{p['nip']}: {name} recorded {n} times for one command key {key}")
            if found["Opened"] != 1:
                notes.append(f"{p['nip']}: opened {found['Opened']} times")
                duplicated += max(found["Opened"] - 1, 0)
            for event in {e for *_, e in STEPS}:
                want, tried, have = acked[(str(a), event)], attempted[(str(a), event)], found[event]
                if have < want:
                    lost += want - have
                    notes.append(f"{p['nip']}: {want} {event} acknowledged, {have} in the log")
                if have > tried:
                    duplicated += have - tried
                    notes.append(f"{p['nip']}: {tried} {event} requested, {have} in the log")
        running = store.workflows_running(UUID(cycle))
        if running != {p["nip"] for p in people}:
            notes.append(f"the log records {len(running)} running workflows of {len(people)}")
    finally:
        store.close()
    return lost, duplicated, notes


def kinerja(*args: str) -> list[str]:
    """This tree's CLI, run as a script: its own folder leads sys.path, so the verifier decodes the log with the
    code the workers wrote it with (they run `python worker.py` here). The console script `kinerja` would import
    from wherever the venv's editable install points: with a venv shared between worktrees, another tree's code."""
    return [sys.executable, str(ROOT / "cli.py"), *args]


def verify(env: dict[str, str], *args: str) -> tuple[bool, str]:
    """`kinerja audit verify` as an auditor runs it, against the database directly."""
    done = subprocess.run(
        kinerja("audit", "verify", *args),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return done.returncode == 0, (done.stdout + done.stderr)[-2000:]


def passed(figures: dict[str, Any]) -> bool:
    return (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and figures["plain500"] == 0
        and figures["stuck"] == 0
        and figures["retries_completed"] == figures["retried"]
        and figures["chains_ok"]
        and figures["read_models_ok"]
        and not figures["problems"]
    )


def keep_evidence(logs: Path, into: Path = ROOT / "test-artifacts") -> Path:
    """A copy of the run's logs, keys and witness folder (its temporary folder goes with the run)."""
    kept = into / f"chaos-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    shutil.copytree(logs, kept)
    return kept
