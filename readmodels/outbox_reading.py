"""Reading the outbox: how it goes (/health, the HR dashboard), its messages and their items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from readmodels.outbox_tables import DEAD, DELIVERED, PENDING, OutboxTables, items, messages
from readmodels.tables import UtcDateTime


class OutboxReading(OutboxTables):
    """The outbox as /health, the HR dashboard and `kinerja notifications` read it."""

    def status(self, now: datetime) -> dict[str, Any]:
        """How the outbox goes: messages per state, those failing now, the oldest pending one's age, items not
        yet composed; `ok` when none is dead or failing."""
        self.ensure_tables()
        m = messages
        with self.engine.connect() as conn:
            counts: dict[str, int] = {
                str(state): int(n)
                for state, n in conn.execute(sa.select(m.c.state, sa.func.count()).group_by(m.c.state))
            }
            oldest = conn.execute(sa.select(sa.func.min(m.c.created_at)).where(m.c.state == PENDING)).scalar()
            failing = conn.execute(
                sa.select(sa.func.count()).select_from(m).where(m.c.state == PENDING, m.c.attempts > 0)
            ).scalar_one()
            waiting = conn.execute(
                sa.select(sa.func.count()).select_from(items).where(items.c.message_id.is_(None))
            ).scalar_one()
            last = (
                conn.execute(
                    sa.select(m.c.message_id, m.c.last_error)
                    .where(m.c.state != DELIVERED, m.c.last_error.is_not(None))
                    .order_by(m.c.next_attempt_at.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        if isinstance(oldest, datetime) and oldest.tzinfo is None:
            oldest = UtcDateTime().process_result_value(oldest, None)
        dead = int(counts.get(DEAD, 0))
        return {
            "ok": dead == 0 and not failing,  # a relay refusing or down makes /health "degraded" at once
            "pending": int(counts.get(PENDING, 0)),
            "failing": int(failing),  # pending, whose last attempt failed: waiting for their retry
            "delivered": int(counts.get(DELIVERED, 0)),
            "dead": dead,
            "waiting_for_digest": int(waiting),
            "oldest_pending_seconds": round((now - oldest).total_seconds()) if oldest else 0,
            "last_error": dict(last) if last else None,
            "behind": max((self.app.recorder.max_notification_id() or 0) - self.position(), 0),
        }

    def listing(self, states: Sequence[str] = (PENDING, DEAD), limit: int = 200) -> list[dict[str, Any]]:
        """Messages in these states, dead ones first, then by next attempt."""
        self.ensure_tables()
        m = messages
        query = sa.select(m).where(m.c.state.in_(list(states))).order_by(m.c.state, m.c.next_attempt_at).limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def message(self, message_id: str) -> dict[str, Any] | None:
        self.ensure_tables()
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(messages).where(messages.c.message_id == message_id)).mappings().first()
        return dict(row) if row else None

    def items_of(self, message_id: str | None = None) -> list[dict[str, Any]]:
        """The items of one message, or all items in log order."""
        self.ensure_tables()
        query = sa.select(items).order_by(items.c.notification_id)
        if message_id is not None:
            query = query.where(items.c.message_id == message_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
