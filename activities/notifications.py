"""Reminders and escalations: recorded in the domain log first, then sent at most once.

The record is keyed deterministically by the workflow (appraisal, task, due instant, offset),
so a retried activity or a replayed workflow finds it already applied (`replayed=True`) and
sends nothing. The price of "never twice" is "at most once": a worker dying between the
record and the send loses that one message, while the domain log still shows it was due.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from temporalio import activity

from activities.errors import domain_errors_fail_fast
from domain.application import Appraisals
from domain.base import SYSTEM
from domain.commands import AppraisalCommand, EscalateKeberatan, Outcome, RecordDeadlineMissed, RecordReminder, Stamp
from domain.people import HR_INBOX
from settings import Settings

log = logging.getLogger("kinerja.notifications")


@dataclass(frozen=True)
class Notice:
    to: str  # a NIP, or "hr" for the agency's pengelola kinerja
    subject: str
    body: str


class Sender(Protocol):
    def send(self, notice: Notice) -> None: ...


class LogSender:
    """The default sink: one log line per notice."""

    def send(self, notice: Notice) -> None:
        log.info("notify %s: %s", notice.to, notice.subject)


class SmtpSender:
    """Mail through an SMTP relay; the directory that maps a NIP to an address is `address_of`."""

    def __init__(self, host: str, port: int, sender: str, domain: str = "kinerja.local") -> None:
        self.host, self.port, self.sender, self.domain = host, port, sender, domain

    def address_of(self, to: str) -> str:
        return f"{to}@{self.domain}"

    def send(self, notice: Notice) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, self.address_of(notice.to), notice.subject
        message.set_content(notice.body)
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            smtp.send_message(message)


@dataclass
class CapturingSender:
    """Keeps every notice in memory: for tests and local demos."""

    sent: list[Notice] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, notice: Notice) -> None:
        with self.lock:
            self.sent.append(notice)


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
    """Record a reminder or a missed deadline in the appraisal's log, then tell the person."""

    def __init__(self, app: Appraisals, sender: Sender) -> None:
        self.app, self.sender = app, sender

    @activity.defn
    def send_reminder(self, r: Reminder) -> Outcome:
        outcome = self._record(r, RecordReminder(SYSTEM, r.task, r.to, r.due))
        if not outcome.replayed:
            due = r.due.isoformat()
            appraisal = r.stamp.record_id
            self.sender.send(
                Notice(r.to, f"Reminder: {r.task} is due {due}", f"Appraisal {appraisal}: {r.task} is due by {due}.")
            )
        return outcome

    @activity.defn
    def escalate_missed_deadline(self, r: Reminder) -> Outcome:
        """The deadline passed: recorded with the escalation target the domain's chain names, who is told."""
        outcome = self._record(r, RecordDeadlineMissed(SYSTEM, r.task, r.due))
        if not outcome.replayed:
            target = self.app.appraisal(r.stamp.record_id, outcome.version).missed[-1]["escalated_to"]
            due = r.due.isoformat()
            self.sender.send(
                Notice(
                    target,
                    f"Overdue: {r.task} (due {due})",
                    f"Appraisal {r.stamp.record_id}: {r.task}, assigned to {r.to}, "
                    f"was due by {due} and is escalated to you.",
                )
            )
        return outcome

    @activity.defn
    def escalate_keberatan(self, r: Reminder) -> Outcome:
        """The atasan let the decision deadline pass: HR (pengelola kinerja) takes the keberatan over."""
        outcome = self._record(r, EscalateKeberatan(SYSTEM))
        if not outcome.replayed:
            due = r.due.isoformat()
            self.sender.send(
                Notice(
                    HR_INBOX,
                    f"Keberatan escalated: decision was due {due}",
                    f"Appraisal {r.stamp.record_id}: the keberatan assigned to {r.to} was not decided "
                    f"by {due}; reassign it to a decider.",
                )
            )
        return outcome

    def _record(self, r: Reminder, cmd: AppraisalCommand) -> Outcome:
        with domain_errors_fail_fast():
            return self.app.execute(r.stamp.record_id, cmd, at=r.stamp.at, key=r.stamp.key)
