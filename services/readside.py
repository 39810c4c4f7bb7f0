"""The read models as the API uses them: queries, where the projections stand, read-your-writes.

The read side is helper code in readmodels/; this wrapper keeps the routes independent of
its module layout and answers 503 (not 500) when it is not configured.

No request catches the projections up: the projector runs in its own loop (`kinerja projections run`,
or a thread of `kinerja dev`). A write notes the head of the log that took it (`wrote`), and a read
that must see it waits, bounded, until the projection's position passes it (`wait_for`,
services/consistency.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from domain.outcome import Outcome
from domain.partitions import PartitionedAppraisals
from services import consistency
from services.consistency import READ_BEHIND, Seen
from services.errors import NOT_CONFIGURED, RETRY_AFTER_SECONDS, ApiError

log = logging.getLogger(__name__)


# A waiting read asks where the projection stands after FIRST_POLL seconds, then half as long again each
# time up to LAST_POLL: a projection landing at 20 ms is seen by about 25 ms (doubling saw it at 45 ms).
FIRST_POLL, LAST_POLL, POLL_GROWTH = 0.002, 0.02, 1.5


class ReadSide:
    """Projector + query functions over one engine."""

    def __init__(self, engine: Any = None, projector: Any = None, queries: Any = None, outbox: Any = None) -> None:
        self.engine, self.projector, self.queries, self.outbox = engine, projector, queries, outbox
        # The read-model queries and the projections' positions on PostgreSQL in autocommit: each SELECT its own
        # snapshot, as under READ COMMITTED inside a transaction, without the BEGIN and the pool's ROLLBACK (two
        # round trips more than a one-statement read). Writes (the outbox, the tables' creation) keep `engine`.
        self.reads = engine
        if engine is not None and engine.dialect.name == "postgresql":
            self.reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        # Positions and heads only grow: what this process saw last spares a query to a read that is behind it.
        self._reached: dict[str, int] = {}
        self._heads: dict[str, int] = {}
        self._lock = threading.Lock()
        self.wait_seconds = 2.0  # a read's longest wait for a write it must see (settings.read_wait_seconds)
        self.metrics: Any = None  # services/metrics.py, when the app keeps them
        # A partitioned store's projectors that this process runs, by log name (api/main.py gives this dict to
        # their loops): `status` shows each one's last failure of a whole catch-up, which only its loop knows.
        self.projectors: dict[str, Any] = {}
        # Set after a write to a log none of them follows yet (a new agency's): their loops look for it at once.
        self.discover = threading.Event()

    @property
    def store(self) -> Appraisals | None:
        """The application service whose log(s) the projections follow."""
        return self.projector.app if self.projector is not None else None

    @classmethod
    def from_url(cls, database_url: str, appraisals: Appraisals) -> ReadSide:
        try:
            from readmodels import queries  # noqa: PLC0415 - optional: the API runs without the read side
            from readmodels.outbox import Outbox  # noqa: PLC0415
            from readmodels.projector import Projector, make_engine  # noqa: PLC0415
        except ImportError as e:
            log.warning("read models unavailable (%s): inbox and dashboards answer 503", e)
            return cls()
        engine = make_engine(database_url)
        return cls(engine, Projector(appraisals, engine), queries, Outbox(appraisals, engine, start_at_head=True))

    def _q(self, name: str) -> Any:
        if self.queries is None or self.engine is None:
            raise ApiError.of(503, "ReadModelsUnavailable", NOT_CONFIGURED, store="read models")
        return getattr(self.queries, name)

    async def catch_up(self) -> None:
        """Bring the projections up to the log now: for tests and tools only, never inside a request (the
        projector's own loop does it; tests/test_read_your_writes.py checks no request path calls it)."""
        if self.projector is None:
            return
        await run_in_threadpool(self.projector.catch_up)

    # --- read-your-writes (services/consistency.py) -------------------------------

    async def wrote(self, record_id: UUID, outcome: Outcome | None = None) -> None:
        """Note, for this request's answer, where the write to `record_id` went: the position its `outcome` names,
        else the head of its log. The process that saved woke the projector's process (readmodels/wakeup.py
        `wake_on_save`); this one wakes its own loops."""
        noted = consistency.written()
        if noted is None or self.projector is None:
            return
        if outcome is not None and outcome.position > 0:
            self._wake_here(outcome.log)
            self._saw_head(outcome.log, outcome.position)
            noted.add(outcome.log, outcome.position)
            return
        try:
            log_name, head = await run_in_threadpool(self._head_after_write, record_id)
        except Exception:
            log.warning("no notification id for the write to %s", record_id, exc_info=True)
            return
        if log_name is not None:
            noted.add(log_name, head)

    def _head_after_write(self, record_id: UUID) -> tuple[str | None, int]:
        """The log's name and head; this process's projector loops are woken for it."""
        store = self.store
        if isinstance(store, PartitionedAppraisals):
            agency = store.agency_of_record(record_id)
            if agency is None:
                return None, 0
            part = store.partition(agency)
            log_name, head = part.name, int(part.recorder.max_notification_id() or 0)
        else:
            assert store is not None
            log_name, head = "", int(store.recorder.max_notification_id() or 0)
        self._wake_here(log_name)
        self._saw_head(log_name, head)
        return log_name, head

    def _wake_here(self, log_name: str) -> None:
        """This process's loops (kinerja dev, tests), which SQLite has no other way to wake: the log's own loop
        catches up at once, and a log without one yet is looked for now, not at the next look (5 s)."""
        if not isinstance(self.store, PartitionedAppraisals):
            if self.projector is not None:
                self.projector.wake.set()
            return
        loop = self.projectors.get(log_name)
        if loop is not None:
            loop.wake.set()
        else:
            self.discover.set()

    def _saw_head(self, log_name: str, head: int) -> None:
        with self._lock:
            self._heads[log_name] = max(self._heads.get(log_name, 0), head)

    def projection_of(self, log_name: str) -> tuple[str, Any] | None:
        """(the projection's tracking row, the log's store) for a token's log; None for a log this store has not."""
        store = self.store
        if store is None or self.projector is None:
            return None
        if not isinstance(store, PartitionedAppraisals):
            return (self.projector.name, store) if log_name == "" else None
        from partitioning.projection import tracking_name  # noqa: PLC0415 - only a partitioned store needs it

        if log_name == "":
            return None
        for parts in (store._partitions, None):  # the ones open in this process, else every agency's
            for code, part in (parts if parts is not None else store.partitions()).items():
                if part.name == log_name:
                    return tracking_name(code), part
        return None

    def check_seen(self, seen: Seen) -> str | None:
        """Why `seen` cannot come from this server (a log it has not, an id its log has not reached), or None.
        Blocking: at most one head query per log, when the id is beyond the head this process last saw."""
        for log_name, wanted in seen.positions.items():
            found = self.projection_of(log_name)
            if found is None:
                return f"no log {log_name or '(single)'!r} on this server"
            with self._lock:
                known = self._heads.get(log_name, 0)
            if wanted <= known:
                continue
            head = int(found[1].recorder.max_notification_id() or 0)
            self._saw_head(log_name, head)
            if wanted > head:
                return f"{log_name or 'the log'} has not reached {wanted}"
        return None

    def _position(self, projection: str) -> int:
        """The tracked position of a projection (0 before its first batch)."""
        from readmodels.tables import projection_tracking as t  # noqa: PLC0415 - optional, as in from_url

        try:
            with self.reads.connect() as conn:
                found = conn.execute(sa.select(t.c.last_notification_id).where(t.c.projection == projection))
                at = int(found.scalar_one_or_none() or 0)
        except sa.exc.DatabaseError:  # no projector ever ran here (no table yet): nothing is projected
            at = 0
        with self._lock:
            at = self._reached[projection] = max(self._reached.get(projection, 0), at)
        return at

    async def wait_for(self, seen: Seen, seconds: float) -> None:
        """Return once every projection of `seen` has passed its id; 503 with Retry-After after `seconds`."""
        start = time.monotonic()
        deadline = start + seconds
        try:
            waited = await self._wait_for(seen, seconds, deadline)
        except ApiError:
            self._waited("behind", start)
            raise
        if waited:
            self._waited("seen", start)

    def _waited(self, outcome: str, start: float) -> None:
        if self.metrics is not None:
            self.metrics.read_waits.labels(outcome).observe(time.monotonic() - start)

    async def _wait_for(self, seen: Seen, seconds: float, deadline: float) -> bool:
        waited = False
        for log_name, wanted in seen.positions.items():
            found = self.projection_of(log_name)
            if found is None:
                continue  # checked before (check_seen); a log gone since has nothing to wait for
            projection = found[0]
            with self._lock:
                if self._reached.get(projection, 0) >= wanted:
                    continue
            pause = FIRST_POLL
            while (at := await run_in_threadpool(self._position, projection)) < wanted:
                if self.projector is not None and projection == self.projector.name:
                    self.projector.wake.set()  # a projector in this process (kinerja dev, tests) starts at once
                left = deadline - time.monotonic()
                if left <= 0:
                    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
                    raise ApiError.of(
                        503,
                        "ReadModelsBehind",
                        READ_BEHIND,
                        headers=retry,
                        seconds=f"{seconds:g}",
                        position=at,
                        wanted=wanted,
                        retry=RETRY_AFTER_SECONDS,
                    )
                waited = True
                await asyncio.sleep(min(pause, left))
                pause = min(pause * POLL_GROWTH, LAST_POLL)
        return waited

    async def settle(self) -> bool:
        """Wait (bounded) for this request's own writes to be projected before it reads the read models itself
        (the org import forwards to the running appraisals it lists); False if they were not in time."""
        noted = consistency.written()
        if not noted:
            return True
        try:
            await self.wait_for(noted, self.wait_seconds)
        except ApiError:
            log.warning(
                "the read models did not reach this request's writes in %gs; reading them as they are",
                self.wait_seconds,
            )
            return False
        return True

    def positions(self) -> list[dict[str, Any]]:
        """Every projection of the read models: its position, its log's head and how far behind it is (blocking)."""
        store = self.store
        if store is None or self.projector is None:
            return []
        logs: list[tuple[str, Any]]
        if isinstance(store, PartitionedAppraisals):
            from partitioning.projection import tracking_name  # noqa: PLC0415

            logs = [(tracking_name(code), part) for code, part in sorted(store.partitions().items())]
        else:
            logs = [(self.projector.name, store)]
        found = []
        for projection, part in logs:
            head = int(part.recorder.max_notification_id() or 0)
            at = self._position(projection)
            found.append({"projection": projection, "position": at, "head": head, "behind": max(head - at, 0)})
        return found

    async def status(self, agencies: Collection[str] | None = None) -> dict[str, Any]:
        """How far the read models are behind the log and the last projection error (for /health, HR). `agencies`:
        only their projections and failures (HR bound to an agency sees its own); None: every one (auditors,
        /health). A partitioned store: each agency's projection of its own log, under `projections`, and their
        sums (the newest error, naming its agency)."""
        if self.projector is None:
            return {"ok": False, "error": "the read models are not configured on this server"}
        try:
            found: dict[str, Any] = await run_in_threadpool(self._status, agencies)
        except Exception as e:  # noqa: BLE001 - a status that cannot be read is itself the answer
            return {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}
        return found

    def _status(self, agencies: Collection[str] | None) -> dict[str, Any]:
        store = self.store
        if isinstance(store, PartitionedAppraisals):
            return self._partitions_status(store, agencies)
        found: dict[str, Any] = self.projector.status(agencies)
        found["projections"] = self.positions()  # the one log's projection: its position, head and lag
        return found

    def _partitions_status(self, store: PartitionedAppraisals, agencies: Collection[str] | None) -> dict[str, Any]:
        """Each agency's projection in two queries for them all (positions, failed aggregates) and one per log (its
        head), as `positions` reads them: /health asks for every agency's, at every probe."""
        from partitioning.projection import tracking_name  # noqa: PLC0415
        from readmodels.projection_failures import summary  # noqa: PLC0415
        from readmodels.tables import projection_failures as f  # noqa: PLC0415
        from readmodels.tables import projection_tracking as t  # noqa: PLC0415

        codes = [c for c in sorted(store.partitions()) if agencies is None or c in agencies]  # logs holding records
        names = {tracking_name(c): c for c in codes}
        self.projector.ensure_tables()  # the projectors (their own loops or processes) may not have made them yet
        with self.engine.connect() as conn:
            tracked = sa.select(t.c.projection, t.c.last_notification_id).where(t.c.projection.in_(list(names)))
            at = {str(name): int(position) for name, position in conn.execute(tracked)}
            failed = sa.select(f).where(f.c.projection.in_(list(names))).order_by(f.c.failed_at.desc())
            failures: dict[str, list[Any]] = {}
            for row in conn.execute(failed).mappings():
                failures.setdefault(row["projection"], []).append(row)
        projections = []
        for projection, code in names.items():
            part = store.partition(code)
            head = int(part.recorder.max_notification_id() or 0)
            mine = failures.get(projection, [])
            loop = self.projectors.get(part.name)  # this process's loop of that log, if it runs one: its own error
            one = summary(
                head, int(at.get(projection, 0)), len(mine), mine[0] if mine else None, loop and loop.last_error
            )
            if one["last_error"] is not None:
                one["last_error"]["agency_id"] = code
            projections.append({"projection": projection, "agency_id": code, **one})
        errors = [p["last_error"] for p in projections if p["last_error"] is not None]
        return {
            "ok": all(p["ok"] for p in projections),
            **{k: sum(p[k] for p in projections) for k in ("position", "head", "behind", "failing_aggregates")},
            "last_error": max(errors, key=lambda e: str(e["at"]), default=None),
            "projections": projections,
        }

    async def notifications(self, now: datetime, agency_id: str | None = None) -> dict[str, Any]:
        """The outbox (readmodels/outbox.py): messages per state, the oldest pending one's age, and the
        dead and failing ones (of one agency, if given) for HR; never raises, like `status`."""
        if self.outbox is None:
            return {"ok": False, "error": "the notification outbox is not configured on this server"}

        def read() -> dict[str, Any]:
            found: dict[str, Any] = self.outbox.status(now)
            listed = self.outbox.listing()
            found["troubled"] = [
                m for m in listed if (m["state"] == "dead" or m["attempts"]) and agency_id in (None, m["agency_id"])
            ]
            return found

        try:
            return await run_in_threadpool(read)
        except Exception as e:  # noqa: BLE001 - a status that cannot be read is itself the answer
            return {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}

    async def retry_notification(self, message_id: str, now: datetime) -> bool:
        """HR sends a dead-lettered message again; False when no such dead message exists."""
        if self.outbox is None:
            raise ApiError.of(503, "ReadModelsUnavailable", NOT_CONFIGURED, store="notification outbox")
        done: bool = await run_in_threadpool(self.outbox.retry, message_id, now)
        return done

    def employee(self, nip: str) -> dict[str, Any] | None:
        """The employee with this NIP in the org master data (blocking; None without read models)."""
        if self.queries is None or self.engine is None:
            return None
        if self.projector is not None:
            self.projector.ensure_tables()
        return self.queries.employee(self.reads, nip)

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A read-model query. In a request that wrote, it first waits (bounded, `settle`) for the projection
        to pass those writes: a page that answers a form by showing a list (the transfers after recording
        one) reads what the form just wrote, though the projector runs in its own process or loop."""
        query = self._q(name)
        await self.settle()

        def read() -> Any:
            if self.projector is not None:  # the projector may not have run yet (its own process): empty tables
                self.projector.ensure_tables()
            return query(self.reads, *args, **kwargs)

        return await run_in_threadpool(read)
