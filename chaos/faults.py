"""The faults of a chaos run, paced by the clients' progress so that each lands on work in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from chaos.clients import Stats
from chaos.cluster import Cluster
from chaos.plan import Plan
from tests.tcp_proxy import TcpProxy


def faults(
    plan: Plan,
    cluster: Cluster,
    proxy: TcpProxy,
    stats: Stats,
    total: int,
    log: Callable[[str], None],
    clients_done: threading.Event,
) -> None:
    """The faults, each once the clients have acknowledged a given share of their writes (or are done)."""
    schedule: list[tuple[float, str]] = [((k + 1) / (plan.kills + 2), "kill") for k in range(plan.kills)]
    schedule += [(0.45, "cut")] if plan.cut_seconds > 0 else []
    schedule += [
        (0.3 + 0.4 * (r + 1) / (plan.temporal_restarts + 1), "temporal") for r in range(plan.temporal_restarts)
    ]
    kills = 0
    for share, what in sorted(schedule):
        while stats.acknowledged() < share * total and not clients_done.is_set():
            time.sleep(0.2)
        if what == "kill":
            slot = kills % len(cluster.workers)
            log(f"kill -9 worker {slot} (pid {cluster.workers[slot].popen.pid})")
            cluster.kill_worker(slot)
            kills += 1
        elif what == "cut":
            log(f"database cut for {plan.cut_seconds:g} s")
            proxy.cut()
            time.sleep(plan.cut_seconds)
            proxy.restore()
            log("database back")
        else:
            log("Temporal restart")
            cluster.restart_temporal()
            log("Temporal back")
