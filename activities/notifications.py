"""Reminders and escalations: recorded in the domain log by the activities, delivered through the outbox.

The activities only record (RecordReminder, RecordDeadlineMissed, EscalateKeberatan), keyed
deterministically by the workflow (appraisal, task, due instant, offset), so a retried activity or a
replayed workflow finds the record already applied and writes nothing twice. What the log records is
delivered by the worker's `Dispatcher`: it follows the log into the outbox (readmodels/outbox.py: one item
per recorded notice), gathers reminders into one daily digest per person and escalations into mails of
their own, and sends each through SMTP until the server accepts it or it is dead-lettered. A failed send
loses nothing: the message stays pending, with its attempts and last error, visible to HR.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from uuid import UUID

import sqlalchemy as sa
from temporalio import activity

from activities.errors import domain_errors_fail_fast
from domain.application import Appraisals
from domain.base import SYSTEM
from domain.commands import AppraisalCommand
from domain.outcome import Outcome, Stamp
from domain.people import HR_INBOX
from domain.people_commands import RecordDeadlineMissed, RecordReminder
from domain.result_commands import EscalateKeberatan
from partitioning.outbox import outbox_for
from readmodels.outbox import Outbox
from readmodels.outbox_tables import NO_ADDRESS, Policy, Render
from readmodels.ticking import Ticking
from settings import Settings
from web.mail import renderer

log = logging.getLogger("kinerja.notifications")


@dataclass(frozen=True)
class Mail:
    """One message as it leaves: its outbox id (the Message-ID's left part), address, subject and body."""

    message_id: str
    to: str
    subject: str
    body: str


class Sender(Protocol):
    def send(self, mail: Mail) -> None: ...


class Refused(Exception):
    """The mail server refused the message for good (a 5xx answer): retrying cannot help."""


class LogSender:
    """The development sink (no SMTP host set): one log line per mail, counted as delivered."""

    def send(self, mail: Mail) -> None:
        log.info("notify %s: %s", mail.to, mail.subject)


class SmtpSender:
    """Mail through an SMTP relay; returns once the server accepted it (250), raises otherwise."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 30) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, mail.to, mail.subject
        message["Date"] = formatdate(localtime=False)
        # Stable across retries: a receiving system that deduplicates by Message-ID keeps one copy.
        message["Message-ID"] = f"<{mail.message_id.replace(':', '.')}@{self.sender.rpartition('@')[2] or 'kinerja'}>"
        message.set_content(mail.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise Refused(f"alamat ditolak server: {_said(e.recipients)}") from e
            raise
        except smtplib.SMTPResponseException as e:
            if e.smtp_code >= 500:
                raise Refused(f"ditolak server: {e.smtp_code} {_decode(e.smtp_error)}") from e
            raise


def _decode(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _said(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{to}: {code} {_decode(text)}" for to, (code, text) in recipients.items())


@dataclass
class CapturingSender:
    """Keeps every mail in memory: for tests and local demos."""

    sent: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, mail: Mail) -> None:
        with self.lock:
            self.sent.append(mail)


def sender_from_settings(settings: Settings) -> Sender:
    if settings.smtp_host:
        return SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    return LogSender()


@dataclass
class Reminder:
    """A task is due soon (a reminder) or overdue (an escalation): where, when, and the idempotency key."""

    stamp: Stamp
    task: str
    to: str  # who the task waits for
    due: datetime


class NotificationActivities:
    """Record a reminder, a missed deadline or an escalated keberatan in the appraisal's log.

    The outbox follows the log, so the record is the notice: nothing is sent here."""

    def __init__(self, app: Appraisals) -> None:
        self.app = app

    @activity.defn
    def send_reminder(self, r: Reminder) -> Outcome:
        return self._record(r, RecordReminder(SYSTEM, r.task, r.to, r.due))

    @activity.defn
    def escalate_missed_deadline(self, r: Reminder) -> Outcome:
        """The deadline passed: recorded with the escalation target the domain's chain names, who is told."""
        return self._record(r, RecordDeadlineMissed(SYSTEM, r.task, r.due))

    @activity.defn
    def waiting_subordinates(self, appraisal_id: str) -> int:
        """How many subordinates wait on this appraisal's employee for their RHK (#15); 0 once they have some."""
        with domain_errors_fail_fast():
            return self.app.waiting_on(UUID(appraisal_id))

    @activity.defn
    def escalate_keberatan(self, r: Reminder) -> Outcome:
        """The atasan let the decision deadline pass: HR (pengelola kinerja) takes the keberatan over."""
        return self._record(r, EscalateKeberatan(SYSTEM))

    def _record(self, r: Reminder, cmd: AppraisalCommand) -> Outcome:
        with domain_errors_fail_fast():
            return self.app.execute(r.stamp.record_id, cmd, at=r.stamp.at, key=r.stamp.key)


class Directory:
    """Who is who in the org master data (the Agency aggregates): a person's address and name."""

    def __init__(self, app: Appraisals, hr_address: str = "") -> None:
        self.app, self.hr_address = app, hr_address

    def address_of(self, agency_id: str, nip: str) -> str | None:
        if nip == HR_INBOX:
            return self.hr_address or None
        agency = self.app.find_agency(agency_id)
        return agency.email_of(nip) if agency is not None else None

    def name_of(self, agency_id: str, nip: str) -> str | None:
        agency = self.app.find_agency(agency_id)
        employee = agency.employees.get(nip) if agency is not None else None
        return str(employee["name"]) if employee else None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Dispatcher(Ticking):
    """The outbox's loop in the worker: follow the log, compose what is due, send what is pending."""

    what = "notification dispatch"

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        render: Render,
        address_of: Callable[[str, str], str | None],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.outbox, self.sender, self.render, self.address_of, self.clock = outbox, sender, render, address_of, clock

    def tick(self, now: datetime | None = None) -> dict[str, int]:
        """One round; returns what it did (items added, messages composed, delivered, failed)."""
        now = now or self.clock()
        added = self.outbox.catch_up()
        composed = self.outbox.compose(now, self.render)
        delivered = failed = 0
        for message in self.outbox.claim(now):
            if self._deliver(message, now):
                delivered += 1
            else:
                failed += 1
        return {"added": added, "composed": composed, "delivered": delivered, "failed": failed}

    def _deliver(self, message: dict[str, object], now: datetime) -> bool:
        message_id = str(message["message_id"])
        address = self.address_of(str(message["agency_id"]), str(message["recipient"]))
        if not address:
            self.outbox.failed(message_id, NO_ADDRESS, now, address=None, final=True)
            return False
        mail = Mail(message_id, address, str(message["subject"]), str(message["body"]))
        try:
            self.sender.send(mail)
        except Refused as e:
            self.outbox.failed(message_id, str(e), now, address=address, final=True)
            return False
        except (OSError, smtplib.SMTPException) as e:  # the relay is down or answered 4xx: later
            self.outbox.failed(message_id, f"{type(e).__name__}: {e}", now, address=address)
            return False
        self.outbox.delivered(message_id, address, now)
        return True


def outbox_policy(settings: Settings) -> Policy:
    return Policy(digest_hour=settings.digest_hour, max_attempts=settings.notify_max_attempts)


def dispatcher_from_settings(
    settings: Settings, app: Appraisals, engine: sa.Engine, sender: Sender | None = None
) -> Dispatcher:
    """The worker's dispatcher: the outbox on the read-model database, SMTP (or the log), the mail text."""
    directory = Directory(app, settings.hr_email)
    outbox = outbox_for(app, engine, outbox_policy(settings), start_at_head=True)  # each agency's log, when partitioned
    render = renderer(settings.public_base_url, directory.name_of)
    return Dispatcher(outbox, sender or sender_from_settings(settings), render, directory.address_of)
