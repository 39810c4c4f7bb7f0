"""Waking the projector's process when the API has written (PostgreSQL LISTEN/NOTIFY).

The projector's loop looks for new events every `KINERJA_PROJECTOR_EVERY_SECONDS` when idle. On PostgreSQL
the API says, right after a write, which log took it (`notify`, one `pg_notify` on the read models'
database); the projector's process listens (`listen`) and starts its catch-up at once, so a read waiting
for that write (read-your-writes) waits for the projection, not for the next poll. A notification lost
(the listener reconnecting, another database) costs only that poll. SQLite has no such channel: there the
poll alone wakes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa

CHANNEL = "kinerja_projector"
log = logging.getLogger(__name__)


def notify(engine: sa.Engine, log_name: str) -> None:
    """Tell a listening projector that `log_name` ("" for the single log) has a new event (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_notify(:channel, :log)"), {"channel": CHANNEL, "log": log_name[:200]})


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
