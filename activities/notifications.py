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
from typing import Any, Protocol
from uuid import UUID

from temporalio import activity

from activities.appraisals import domain_errors_fail_fast
from domain.application import Appraisals
from domain.base import SYSTEM
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
    """A task is due soon (a reminder) or overdue (an escalation, when `escalated_to` is set)."""

    appraisal_id: str
    task: str
    to: str
    due_iso: str
    at_iso: str
    key: str
    escalated_to: str = ""


class NotificationActivities:
    """Record a reminder or a missed deadline in the appraisal's log, then tell the person."""

    def __init__(self, app: Appraisals, sender: Sender) -> None:
        self.app, self.sender = app, sender

    @activity.defn
    def send_reminder(self, r: Reminder) -> dict[str, Any]:
        outcome = self._record(r, "record_reminder", task=r.task, to=r.to)
        if not outcome["replayed"]:
            self.sender.send(
                Notice(
                    r.to,
                    f"Reminder: {r.task} is due {r.due_iso}",
                    f"Appraisal {r.appraisal_id}: {r.task} is due by {r.due_iso}.",
                )
            )
        return outcome

    @activity.defn
    def escalate_missed_deadline(self, r: Reminder) -> dict[str, Any]:
        outcome = self._record(r, "record_deadline_missed", task=r.task, escalated_to=r.escalated_to)
        if not outcome["replayed"]:
            self.sender.send(
                Notice(
                    r.escalated_to,
                    f"Overdue: {r.task} (due {r.due_iso})",
                    f"Appraisal {r.appraisal_id}: {r.task}, assigned to {r.to}, "
                    f"was due by {r.due_iso} and is escalated to you.",
                )
            )
        return outcome

    @activity.defn
    def escalate_keberatan(self, r: Reminder) -> dict[str, Any]:
        """The atasan let the decision deadline pass: HR (pengelola kinerja) takes the keberatan over."""
        with domain_errors_fail_fast():
            outcome = self.app.command(
                UUID(r.appraisal_id), "escalate_keberatan", by=SYSTEM, at=datetime.fromisoformat(r.at_iso), key=r.key
            ).as_dict()
        if not outcome["replayed"]:
            self.sender.send(
                Notice(
                    r.escalated_to,
                    f"Keberatan escalated: decision was due {r.due_iso}",
                    f"Appraisal {r.appraisal_id}: the keberatan assigned to {r.to} was not decided "
                    f"by {r.due_iso}; reassign it to a decider.",
                )
            )
        return outcome

    def _record(self, r: Reminder, name: str, **args: Any) -> dict[str, Any]:
        with domain_errors_fail_fast():
            outcome = self.app.command(
                UUID(r.appraisal_id),
                name,
                by=SYSTEM,
                at=datetime.fromisoformat(r.at_iso),
                key=r.key,
                due=datetime.fromisoformat(r.due_iso),
                **args,
            )
        return outcome.as_dict()
