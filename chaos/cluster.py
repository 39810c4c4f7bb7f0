"""The processes of a chaos run, each its own OS process on loopback, and the database it runs on."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import sqlalchemy as sa

from chaos.plan import say
from tests.test_topology import (
    Process,
    Topology,
    _namespace_ready,
    _wait,
    api_command,
    projector_command,
    temporal_command,
)


class Cluster:
    """Temporal dev server, workers, the projector and one API, each a process of its own; the database behind a
    proxy."""

    def __init__(self, topology: Topology, env: dict[str, str], temporal_port: int, api_port: int, workers: int):
        self.topology, self.env = topology, env
        self.temporal_port, self.api_port = temporal_port, api_port
        self.address = f"127.0.0.1:{temporal_port}"
        self.base = f"http://127.0.0.1:{api_port}"
        self.temporal: Process | None = None
        self.workers: list[Process] = []
        self.worker_count = workers
        self.starts = Counter[str]()
        self.lock = threading.Lock()
        self.kills = 0
        self.exits: list[str] = []  # workers that exited on their own, restarted by supervise()

    def _start(self, name: str, command: list[str]) -> Process:
        self.starts[name] += 1
        return self.topology.start(f"{name}.{self.starts[name]}", command, self.env)

    def start_temporal(self) -> None:
        self.temporal = self._start(
            "temporal", temporal_command(self.temporal_port, self.topology.logs / "temporal.db", "error")
        )
        _wait("Temporal dev server", lambda: asyncio.run(_namespace_ready(self.address)), 60, [self.temporal])

    def start_worker(self, slot: int) -> Process:
        worker = self._start(f"worker-{slot}", [sys.executable, "worker.py"])
        if slot < len(self.workers):
            self.workers[slot] = worker
        else:
            self.workers.append(worker)
        return worker

    def start(self) -> None:
        self.start_temporal()
        for slot in range(self.worker_count):
            self.start_worker(slot)
        # The read models follow the log in their own process (as in production), through the same cut database.
        self._start("projector", projector_command())
        api = self._start("api", api_command(self.api_port))
        _wait("the API's /health", lambda: httpx.get(f"{self.base}/health").json()["status"] == "ok", 90, [api])

    def kill_worker(self, slot: int) -> None:
        """kill -9 one worker, then start it again (a process supervisor's restart)."""
        with self.lock:
            victim = self.workers[slot]
            victim.popen.send_signal(signal.SIGKILL)
            victim.popen.wait(timeout=10)
            victim.out.close()
            self.kills += 1
            self.start_worker(slot)

    def supervise(self, stop: threading.Event) -> None:
        """docker-compose's `restart: unless-stopped`: a worker that exited on its own (one started while the
        database is cut fails to open the event store, by design) is started again after a second."""
        while not stop.wait(1.0):
            with self.lock:
                for slot, worker in enumerate(self.workers):
                    if worker.popen.poll() is not None:
                        self.exits.append(f"{worker.name} exited with {worker.popen.returncode}")
                        worker.out.close()
                        self.start_worker(slot)

    def restart_temporal(self) -> None:
        assert self.temporal is not None
        self.temporal.stop()
        self.start_temporal()


@contextmanager
def database(server: str, keep: Callable[[], bool] = lambda: False) -> Iterator[sa.URL]:
    """A fresh PostgreSQL database for the run, dropped afterwards unless `keep()` says it is evidence."""
    url = sa.engine.make_url(server)
    name = f"kinerja_chaos_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name)
    finally:
        if keep():
            say(f"kept the run's database {name} for analysis (drop it when done)")
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
