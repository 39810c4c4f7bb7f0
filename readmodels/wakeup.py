"""Waking the projector's process when the API has written (PostgreSQL LISTEN/NOTIFY).

The projector's loop looks for new events every `KINERJA_PROJECTOR_EVERY_SECONDS` when idle. On PostgreSQL
the process that saved (the worker, the API) says, right after the save, which log took it (`wake_on_save`:
`notify`, one `pg_notify` on the read models' database); the projector's process listens (`listen`) and starts its catch-up at once, so a read waiting
for that write (read-your-writes) waits for the projection, not for the next poll. A notification lost
(the listener reconnecting, another database) costs only that poll. SQLite has no such channel: there the
loop asks the file itself, every few milliseconds, whether another connection has committed to it
(`SqliteChanges`, `PRAGMA data_version`: one read of the WAL index, no query of the log), and catches up
only then.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

CHANNEL = "kinerja_projector"
log = logging.getLogger(__name__)


def notify(engine: sa.Engine, log_name: str) -> None:
    """Tell a listening projector that `log_name` ("" for the single log) has a new event (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    # In autocommit: one statement, not BEGIN, the statement and COMMIT (a NOTIFY is sent when it commits).
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(sa.text("SELECT pg_notify(:channel, :log)"), {"channel": CHANNEL, "log": log_name[:200]})


def wake_on_save(app: Any, engine: sa.Engine) -> None:
    """On PostgreSQL, each save of `app` (the worker's, the API's own) wakes the projector's process for the log
    that took it: a person's read waiting for their write finds it projected sooner. On SQLite the projector's
    loop sees the file change by itself (`SqliteChanges`)."""
    if engine.dialect.name == "postgresql":
        app.on_saved = lambda log_name: notify(engine, log_name)


def listen(engine: sa.Engine, wake: Callable[[str], None], stop: threading.Event) -> threading.Thread | None:
    """A thread calling `wake(log_name)` for each notification until `stop`; None on a database without them."""
    if engine.dialect.name != "postgresql":
        return None

    def loop() -> None:
        while not stop.is_set():
            try:
                raw = engine.raw_connection()
                try:
                    conn = raw.driver_connection
                    conn.autocommit = True  # type: ignore[union-attr]
                    conn.execute(f"LISTEN {CHANNEL}")  # type: ignore[union-attr]
                    while not stop.is_set():
                        for note in conn.notifies(timeout=1.0):  # type: ignore[union-attr]
                            wake(note.payload)
                finally:
                    raw.invalidate()  # a LISTENing, autocommit connection never goes back to the pool
            except Exception:
                log.warning("projector wake-up channel lost; listening again in 5 s", exc_info=True)
                stop.wait(5.0)

    thread = threading.Thread(target=loop, name="projector wake-up", daemon=True)
    thread.start()
    return thread


# How often an idle loop on SQLite asks the file whether it changed (SqliteChanges: microseconds a look).
PROBE_SECONDS = 0.002


class SqliteChanges:
    """True once another connection has committed to the SQLite file since the last call: `PRAGMA
    data_version` changes on any other connection's commit (the worker's saves, the API's), and costs no
    statement on the log. The projector's own commits come from its other connections, so each catch-up is
    followed by one more look, which finds nothing."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.last = self._version()

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def __call__(self) -> bool:
        now = self._version()
        changed, self.last = now != self.last, now
        return changed

    def close(self) -> None:
        self.conn.close()


def changes_of(engine: sa.Engine | None) -> SqliteChanges | None:
    """A SqliteChanges on the database file of `engine`; None for another database (PostgreSQL has LISTEN) or
    an in-memory one."""
    if engine is None or engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return SqliteChanges(path)


def wait_for_change(wake: threading.Event, changed: SqliteChanges | None, seconds: float) -> None:
    """Wait up to `seconds`, ending early when `wake` is set or (SQLite) the file changed."""
    if changed is None:
        wake.wait(seconds)
        return
    deadline = time.monotonic() + seconds
    while not wake.wait(min(PROBE_SECONDS, max(deadline - time.monotonic(), 0))):
        if time.monotonic() >= deadline:
            return
        try:
            if changed():
                return
        except sqlite3.Error:  # the file busy or gone a moment: the poll carries on
            log.debug("could not look at the SQLite file's version", exc_info=True)
