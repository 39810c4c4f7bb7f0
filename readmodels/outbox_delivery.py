"""Delivering the outbox's mails: a due message leased to one dispatcher, then marked delivered, retried or dead.

The dispatcher (activities/notifications.py) claims, sends and marks; HR sends a dead mail again
(`retry`). See readmodels/outbox.py for the exactly-once argument.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from domain.text import scrub
from readmodels.outbox_tables import DEAD, DELIVERED, PENDING, OutboxTables, messages

log = logging.getLogger(__name__)


class OutboxDelivery(OutboxTables):
    """Claiming a message, and its outcome: delivered, failed (retry or dead), sent again by HR."""

    def claim(self, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
        """Pending messages whose attempt is due, each leased to this caller (no other dispatcher sends it)."""
        self.ensure_tables()
        m = messages
        free = sa.or_(m.c.lease_until.is_(None), m.c.lease_until <= now)
        query = (
            sa.select(m)
            .where(m.c.state == PENDING, m.c.next_attempt_at <= now, free)
            .order_by(m.c.next_attempt_at, m.c.message_id)
            .limit(limit)
        )
        claimed = []
        with self.engine.connect() as conn:
            candidates = [dict(r) for r in conn.execute(query).mappings()]
        for row in candidates:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    m.update()
                    .where(m.c.message_id == row["message_id"], m.c.state == PENDING, free)
                    .values(lease_until=now + self.policy.lease)
                )
            if taken.rowcount == 1:
                claimed.append(row)
        return claimed

    def delivered(self, message_id: str, address: str, now: datetime) -> None:
        """The server answered 250: the message is delivered, never sent again."""
        m = messages
        with self.engine.begin() as conn:
            conn.execute(
                m.update()
                .where(m.c.message_id == message_id)
                .values(state=DELIVERED, delivered_at=now, address=address, attempts=m.c.attempts + 1, lease_until=None)
            )

    def failed(self, message_id: str, error: str, now: datetime, *, address: str | None, final: bool = False) -> str:
        """An attempt failed: wait and retry, or (after max_attempts, or `final`) dead-letter. Returns the state."""
        m = messages
        with self.engine.begin() as conn:
            attempts = int(conn.execute(sa.select(m.c.attempts).where(m.c.message_id == message_id)).scalar_one()) + 1
            state = DEAD if final or attempts >= self.policy.max_attempts else PENDING
            conn.execute(
                m.update()
                .where(m.c.message_id == message_id)
                .values(
                    state=state,
                    attempts=attempts,
                    last_error=scrub(error, 1000),
                    address=address,
                    next_attempt_at=now + self.policy.backoff(attempts),
                    lease_until=None,
                )
            )
        if state == DEAD:
            log.error("notification %s dead-lettered after %d attempt(s): %s", message_id, attempts, error)
        return state

    def retry(self, message_id: str, now: datetime) -> bool:
        """HR sends a dead message again (after fixing the address, say): pending, due now, attempts from zero.
        False when there is no such dead message."""
        self.ensure_tables()
        m = messages
        with self.engine.begin() as conn:
            done = conn.execute(
                m.update()
                .where(m.c.message_id == message_id, m.c.state == DEAD)
                .values(state=PENDING, attempts=0, next_attempt_at=now, lease_until=None)
            )
        return done.rowcount == 1
