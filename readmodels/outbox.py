"""The notification outbox: every notice the log asks for, each mail with its delivery state (issue 9).

Derived from the log, like a projection: a reminder (ReminderSent), an overdue task (DeadlineMissed) or an
escalated keberatan (KeberatanEscalated) recorded in an appraisal's log becomes one *item*, keyed by that
event (appraisal id and version), written in the same transaction as the outbox's tracked position. So
every recorded notice has exactly one item, whatever crashes where, and the workflow and its activities
only record: nothing is sent inside an activity any more.

Items become *messages* (one mail each): an escalation at once, alone; reminders gathered per person into
one digest at the agency's digest hour (domain/calendar.next_local_hour). A message keeps its text as sent,
its state (pending, delivered, dead), its attempts, the next attempt's time and the last error. The
dispatcher (activities/notifications.py) claims a due message with a lease, sends it, and marks it
delivered after the server's 250; a failure waits (backoff doubling from `first_retry` to `last_retry`)
and, after `max_attempts`, or at once when the server refuses for good (5xx) or there is no address, the
message is dead: shown on the HR dashboard and /health, and sent again when HR asks (`retry`).

Exactly once, as far as SMTP allows: composing and marking are transactions under the outbox's lock row,
so two dispatchers never compose the same item twice, and a claimed message is not sent by another
dispatcher while its lease runs. The one gap SMTP leaves: a dispatcher that dies after the server's 250
and before its mark is written (or whose lease runs out mid-send) leaves the message pending, and it is
sent again. Each message carries a stable Message-ID, so a receiving system that deduplicates sees one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain import calendar
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.text import scrub
from readmodels.projector import create_tables
from readmodels.tables import UtcDateTime, projection_tracking

log = logging.getLogger(__name__)

REMINDER, ESCALATION, KEBERATAN = "reminder", "escalation", "keberatan"
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
TOPICS = {
    f"{get_topic(Appraisal)}.ReminderSent": REMINDER,
    f"{get_topic(Appraisal)}.DeadlineMissed": ESCALATION,
    f"{get_topic(Appraisal)}.KeberatanEscalated": KEBERATAN,
}
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


class Outbox:
    """The outbox tables on the read-model database: fed from the log, composed, claimed, marked."""

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

    # --- the log -> items ---------------------------------------------------

    def catch_up(self) -> int:
        """One item per notice recorded after the tracked position; returns how many were added."""
        self.ensure_tables()
        added, more = 0, True
        while more:
            position = self.position()
            head = self.app.recorder.max_notification_id() or 0
            if head <= position:
                return added
            found = self.app.recorder.select_notifications(position + 1, self.batch, stop=head, topics=list(TOPICS))
            more = len(found) == self.batch
            rows = [self._item(n) for n in found]
            with self.engine.begin() as conn:
                if self._lock(conn) != position:
                    more = True  # another dispatcher moved on: read again from there
                    continue
                known = (
                    set(
                        conn.execute(
                            sa.select(items.c.item_id).where(items.c.item_id.in_([r["item_id"] for r in rows]))
                        ).scalars()
                    )
                    if rows
                    else set()
                )
                new = [r for r in rows if r["item_id"] not in known]
                if new:
                    conn.execute(items.insert(), new)
                until = found[-1].id if more else head
                conn.execute(
                    projection_tracking.update()
                    .where(projection_tracking.c.projection == self.name)
                    .values(last_notification_id=until)
                )
            added += len(new)
        return added

    def _item(self, n: Notification) -> dict[str, Any]:
        event: Any = self.app.mapper.to_domain_event(n)
        kind = TOPICS[n.topic]
        appraisal: Appraisal = self.app.repository.get(UUID(str(n.originator_id)), version=n.originator_version)
        cycle: Any = self.app.repository.get(appraisal.cycle_id)
        at = calendar.as_utc(event.timestamp)
        if kind == REMINDER:
            recipient, task, assignee, due = event.to, event.task, event.to, event.due
        elif kind == ESCALATION:
            recipient, task, due = event.escalated_to, event.task, event.due
            pending = appraisal.pending_task() or {}
            assignee = pending["assignee"] if pending.get("task") == task else ""
        else:
            assert appraisal.keberatan is not None
            recipient, task, due = event.to, "decide_keberatan", appraisal.keberatan["decision_due"]
            assignee = appraisal.keberatan["decider"]
        urgent = kind != REMINDER
        return {
            "item_id": f"{n.originator_id}:{n.originator_version}",
            "notification_id": n.id,
            "kind": kind,
            "recipient": str(recipient),
            "agency_id": cycle.agency_id,
            "time_zone": appraisal.time_zone,
            "appraisal_id": str(n.originator_id),
            "employee_nip": appraisal.employee_nip,
            "employee_name": str(appraisal.employee.get("name") or appraisal.employee_nip),
            "task": str(task)[:40],
            "assignee": str(assignee or "")[:18],
            "due_at": calendar.as_utc(due),
            "recorded_at": at,
            "send_after": at if urgent else calendar.next_local_hour(at, self.policy.digest_hour, appraisal.time_zone),
            "message_id": None,
        }

    # --- items -> messages --------------------------------------------------

    def compose(self, now: datetime, render: Render) -> int:
        """Gather the items whose time has come into messages; returns how many messages were made.

        An escalation is a message of its own; the reminders of one person (in one agency) due at the same
        digest hour are one digest. Under the lock row: two dispatchers never put an item in two messages.
        """
        self.ensure_tables()
        made = 0
        with self.engine.begin() as conn:
            self._lock(conn)
            due = conn.execute(
                sa.select(items)
                .where(items.c.message_id.is_(None), items.c.send_after <= now)
                .order_by(items.c.item_id)
            ).mappings()
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
            for row in due:
                key: tuple[str, ...] = (
                    (row["kind"], row["item_id"])
                    if row["kind"] != REMINDER
                    else ("digest", row["agency_id"], row["recipient"], row["send_after"].isoformat())
                )
                groups[key].append(dict(row))
            for key, group in groups.items():
                group.sort(key=lambda r: (r["due_at"], r["employee_name"], r["item_id"]))
                first = group[0]
                kind = key[0]
                message_id = f"{kind}:{first['recipient']}:{first['item_id']}"
                subject, body = render(group)
                conn.execute(
                    messages.insert().values(
                        message_id=message_id,
                        kind=kind,
                        recipient=first["recipient"],
                        agency_id=first["agency_id"],
                        subject=scrub(subject, 300),
                        body=body,
                        items=len(group),
                        state=PENDING,
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                ids = [r["item_id"] for r in group]
                conn.execute(items.update().where(items.c.item_id.in_(ids)).values(message_id=message_id))
                made += 1
        return made

    # --- delivery -----------------------------------------------------------

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

    # --- reading ------------------------------------------------------------

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
