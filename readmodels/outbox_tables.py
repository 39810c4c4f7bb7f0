"""The outbox's tables, its states and its policy, and the base its halves share: tables, position, lock row.

readmodels/outbox.py feeds it from the log and composes the mails; readmodels/outbox_delivery.py
claims and marks them; readmodels/outbox_reading.py answers /health, the HR dashboard and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from domain.application import Appraisals
from readmodels.projector import create_tables
from readmodels.tables import UtcDateTime, projection_tracking

REMINDER, ESCALATION, KEBERATAN = "reminder", "escalation", "keberatan"
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
NO_ADDRESS = "tanpa alamat email"  # the dead-letter reason when the org data has no address for the person

metadata = sa.MetaData()

# One row per notice the log asks for: the event's own facts, and the message it went out in.
items = sa.Table(
    "ops_outbox_items",
    metadata,
    sa.Column("item_id", sa.String(60), primary_key=True),  # "<appraisal id>:<event version>"
    sa.Column("notification_id", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("recipient", sa.String(18), nullable=False),  # a NIP, or "hr"
    sa.Column("agency_id", sa.String(100), nullable=False),
    sa.Column("time_zone", sa.String(8), nullable=False),
    sa.Column("appraisal_id", sa.String(36), nullable=False),
    sa.Column("employee_nip", sa.String(18), nullable=False),
    sa.Column("employee_name", sa.String(200), nullable=False),
    sa.Column("task", sa.String(40), nullable=False),
    sa.Column("assignee", sa.String(18), nullable=False),  # whom the task waited for
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("send_after", UtcDateTime, nullable=False),  # at once (escalations) or the digest hour
    sa.Column("message_id", sa.String(100), index=True),
    sa.Index("ix_ops_outbox_items_unsent", "message_id", "send_after"),
)

# One row per mail: what was (or will be) sent, to whom, and how its delivery went.
messages = sa.Table(
    "ops_outbox_messages",
    metadata,
    sa.Column("message_id", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # "digest" or the urgent item's kind
    sa.Column("recipient", sa.String(18), nullable=False),
    sa.Column("agency_id", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("items", sa.Integer, nullable=False),
    sa.Column("state", sa.String(12), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("lease_until", UtcDateTime),
    sa.Column("address", sa.String(254)),  # where the last attempt went
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime),
)


@dataclass(frozen=True)
class Policy:
    """When digests go out and how long a failing message is retried."""

    digest_hour: int = 7  # local hour in the agency's zone
    max_attempts: int = 8
    first_retry: timedelta = timedelta(seconds=30)
    last_retry: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=5)  # a claimed message is another dispatcher's again after this

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        return min(self.first_retry * 2 ** max(attempts - 1, 0), self.last_retry)


# (items of one message, sorted by due) -> (subject, body); the words are web/mail.py's.
Render = Callable[[list[dict[str, Any]]], tuple[str, str]]


class OutboxTables:
    """The outbox on the read-model database: its tables, its tracked position in the log and its lock row."""

    name = "outbox"  # its row in rm_projection_tracking

    def __init__(
        self,
        app: Appraisals,
        engine: sa.Engine,
        policy: Policy | None = None,
        *,
        start_at_head: bool = False,
        batch: int = 200,
    ) -> None:
        self.app, self.engine, self.policy, self.batch = app, engine, policy or Policy(), batch
        self.start_at_head = start_at_head
        self._ready = False

    # --- tables and position ------------------------------------------------

    def ensure_tables(self) -> None:
        """Create the tables and the tracking row. `start_at_head` (the worker's and the API's choice): a new
        outbox on an existing log starts at its head, since what was recorded before it was sent by the
        earlier code; tests start from the log's beginning."""
        if self._ready:
            return
        create_tables(self.engine, projection_tracking.metadata, [projection_tracking])
        create_tables(self.engine, metadata)
        start = (self.app.recorder.max_notification_id() or 0) if self.start_at_head else 0
        try:
            with self.engine.begin() as conn:
                conn.execute(projection_tracking.insert().values(projection=self.name, last_notification_id=start))
        except sa.exc.IntegrityError:
            pass  # it exists: an earlier run, or another worker
        self._ready = True

    def position(self) -> int:
        self.ensure_tables()
        t = projection_tracking
        with self.engine.connect() as conn:
            return int(
                conn.execute(sa.select(t.c.last_notification_id).where(t.c.projection == self.name)).scalar_one()
            )

    def _lock(self, conn: sa.Connection) -> int:
        """Take the outbox's lock row (a write first: the row lock on PostgreSQL, the write lock on SQLite)."""
        t = projection_tracking
        mine = t.c.projection == self.name
        conn.execute(t.update().where(mine).values(last_notification_id=t.c.last_notification_id))
        return int(conn.execute(sa.select(t.c.last_notification_id).where(mine)).scalar_one())
