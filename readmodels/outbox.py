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

Here: the log into items, items into messages. The tables, states, policy and lock row are
readmodels/outbox_tables.py; claiming and marking readmodels/outbox_delivery.py; the outbox's status and
listings readmodels/outbox_reading.py.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain import calendar
from domain.appraisal import Appraisal
from domain.text import scrub
from domain.transfer import EVALUATE_TASK, Transfer
from readmodels.outbox_delivery import OutboxDelivery
from readmodels.outbox_reading import OutboxReading
from readmodels.outbox_tables import ESCALATION, KEBERATAN, PENDING, REMINDER, Render, items, messages
from readmodels.tables import projection_tracking

TOPICS = {
    f"{get_topic(Appraisal)}.ReminderSent": REMINDER,
    f"{get_topic(Appraisal)}.DeadlineMissed": ESCALATION,
    f"{get_topic(Appraisal)}.KeberatanEscalated": KEBERATAN,
    # #15: the old appraiser's evaluation of the months served after a transfer (workflows/transfer_evaluation.py)
    f"{get_topic(Transfer)}.EvaluationReminded": REMINDER,
    f"{get_topic(Transfer)}.EvaluationEscalated": ESCALATION,
}


class Outbox(OutboxDelivery, OutboxReading):
    """The outbox on the read-model database: fed from the log, composed, claimed, marked."""

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
        if n.topic.startswith(get_topic(Transfer)):
            return self._transfer_item(n, event, kind)
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

    def _transfer_item(self, n: Notification, event: Any, kind: str) -> dict[str, Any]:
        """A transfer's evaluation reminded (to the old appraiser) or escalated (to the old atasan). The item names
        the transfer where an appraisal's notice names the appraisal: the mail links the transfer's task page."""
        transfer: Transfer = self.app.repository.get(UUID(str(n.originator_id)), version=n.originator_version)
        at, zone = calendar.as_utc(event.timestamp), str(transfer.origin.get("time_zone") or "WIB")
        recipient = event.to if kind == REMINDER else event.escalated_to
        return {
            "item_id": f"{n.originator_id}:{n.originator_version}",
            "notification_id": n.id,
            "kind": kind,
            "recipient": str(recipient),
            "agency_id": transfer.agency_id,
            "time_zone": zone,
            "appraisal_id": str(n.originator_id),  # the transfer (web/mail.py links /tugas/mutasi/{id})
            "employee_nip": transfer.employee_nip,
            "employee_name": transfer.employee_name,
            "task": EVALUATE_TASK,
            "assignee": str(event.to)[:18],
            "due_at": calendar.as_utc(datetime.fromisoformat(event.due)),
            "recorded_at": at,
            "send_after": at if kind != REMINDER else calendar.next_local_hour(at, self.policy.digest_hour, zone),
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
