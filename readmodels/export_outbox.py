"""The national export's outbox (#14): each final result's record with its delivery state, sent to a receiver.

A record (domain/national_export.py) is keyed by its id: the agency, the year, the employee, the post and the
rule set. `enqueue` adds the records it does not hold yet; one it holds with the same digest is left as it is
(delivered stays delivered: a re-export duplicates nothing), one whose content changed is stored anew and sent
again as a correction under the same key. `deliver` sends what is pending or failed, one record at a time,
and marks it delivered after the receiver's 2xx, or failed with its attempt count and last error; a failed
record is sent again by the worker's relay (`ExportRelay`: by itself, after a doubling wait), by the next
export or by `kinerja export`, never lost.

Exactly once at the receiver, as far as HTTP allows: a record whose mark is lost after the receiver's 2xx (a crash
in between) is sent again, with the same `Idempotency-Key`, so a receiver that deduplicates keeps one copy; the
directory receiver writes a file named by the key, atomically, so a second write replaces it with the same
bytes. Concurrent exports of one agency take turns on the outbox's lock row (the same as the notification outbox's).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from domain.text import scrub
from readmodels.projector import create_tables
from readmodels.tables import UtcDateTime, projection_tracking
from readmodels.ticking import Ticking

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATES = (PENDING, DELIVERED, FAILED)

metadata = sa.MetaData()

records = sa.Table(
    "ops_export_records",
    metadata,
    sa.Column("record_id", sa.String(300), primary_key=True),
    sa.Column("agency_id", sa.String(100), nullable=False, index=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("rule_set_id", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the record as JSON, as sent
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("state", sa.String(12), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("corrections", sa.Integer, nullable=False),  # times the content changed after it was first queued
    sa.Column("last_error", sa.Text),
    sa.Column("target", sa.String(500)),  # where the last attempt went
    sa.Column("queued_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime),
)

LOCK = "export_outbox"  # its row in rm_projection_tracking: the lock two exports take turns on


class Refused(Exception):
    """The receiver answered no to the record (a 4xx other than 409): sending it again as it is cannot help."""


class Unavailable(OSError):
    """The receiver could not take the record now (a 5xx, or 429): later."""


class Receiver(Protocol):
    """Where records go: `send` returns once the receiver holds the record, raises otherwise."""

    @property
    def target(self) -> str: ...

    def send(self, record_id: str, body: str) -> None: ...


@dataclass(frozen=True)
class HttpReceiver:
    """POST each record as JSON to a URL, with `Idempotency-Key: <record id>`; 2xx (or 409: held already) is success."""

    url: str
    timeout: float = 20.0

    @property
    def target(self) -> str:
        return self.url

    def send(self, record_id: str, body: str) -> None:
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": record_id},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
        except urllib.error.HTTPError as e:
            if e.code == 409:
                return  # the receiver holds this key already
            said = f"HTTP {e.code} {scrub(str(e.reason), 200)}"
            raise (Unavailable(said) if e.code >= 500 or e.code == 429 else Refused(said)) from e


@dataclass(frozen=True)
class DirectoryReceiver:
    """Write each record to `<directory>/<record id>.json` (atomically: a temporary file, then a rename)."""

    directory: str

    @property
    def target(self) -> str:
        return self.directory

    def send(self, record_id: str, body: str) -> None:
        folder = Path(self.directory)
        folder.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in record_id) + ".json"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class ExportOutbox:
    """The export records on the read-model database: queued, delivered or failed, with their attempts."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._ready = False

    def ensure_tables(self) -> None:
        if self._ready:
            return
        create_tables(self.engine, projection_tracking.metadata, [projection_tracking])
        create_tables(self.engine, metadata)
        try:
            with self.engine.begin() as conn:
                conn.execute(projection_tracking.insert().values(projection=LOCK, last_notification_id=0))
        except sa.exc.IntegrityError:
            pass
        self._ready = True

    def _lock(self, conn: sa.Connection) -> None:
        t = projection_tracking
        conn.execute(t.update().where(t.c.projection == LOCK).values(last_notification_id=t.c.last_notification_id))

    def enqueue(self, found: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, int]:
        """Hold each record once: new ones pending, changed ones pending again as corrections, the rest untouched."""
        self.ensure_tables()
        given = {str(r["record_id"]): r for r in found}
        counts = {"added": 0, "corrected": 0, "unchanged": 0}
        r = records
        with self.engine.begin() as conn:
            self._lock(conn)
            held = {
                row.record_id: row.digest
                for row in conn.execute(sa.select(r.c.record_id, r.c.digest).where(r.c.record_id.in_(list(given))))
            }
            for record_id, body in given.items():
                text = json.dumps(dict(body), ensure_ascii=False, sort_keys=True)
                if record_id not in held:
                    conn.execute(
                        r.insert().values(
                            record_id=record_id,
                            agency_id=str(body["instansi_id"]),
                            year=int(body["tahun"]),
                            nip=str(body["nipBaru"]),
                            rule_set_id=str(body["rule_set_id"]),
                            body=text,
                            digest=str(body["digest"]),
                            state=PENDING,
                            attempts=0,
                            corrections=0,
                            queued_at=now,
                        )
                    )
                    counts["added"] += 1
                elif held[record_id] != body["digest"]:
                    conn.execute(
                        r.update()
                        .where(r.c.record_id == record_id)
                        .values(body=text, digest=str(body["digest"]), state=PENDING, corrections=r.c.corrections + 1)
                    )
                    counts["corrected"] += 1
                else:
                    counts["unchanged"] += 1
        return counts

    def deliver(self, receiver: Receiver, now: datetime, agency_id: str | None = None) -> dict[str, int]:
        """Send every pending or failed record (of one agency, or all) once; returns how many went and failed."""
        delivered = failed = 0
        for row in self.unsent(agency_id):
            if self.send(receiver, row["record_id"], row["body"], now):
                delivered += 1
            else:
                failed += 1
        return {"delivered": delivered, "failed": failed}

    def unsent(self, agency_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """The pending and failed records (of one agency, or all), oldest first, with their attempts and last error."""
        self.ensure_tables()
        r = records
        query = (
            sa.select(r.c.record_id, r.c.body, r.c.attempts, r.c.last_error)
            .where(r.c.state.in_((PENDING, FAILED)))
            .order_by(r.c.queued_at, r.c.record_id)
            .limit(limit)
        )
        if agency_id is not None:
            query = query.where(r.c.agency_id == agency_id)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def send(self, receiver: Receiver, record_id: str, body: str, now: datetime) -> bool:
        """One record sent and its outcome marked; True once the receiver holds it."""
        try:
            receiver.send(record_id, body)
        except (OSError, Refused) as e:
            self._mark(record_id, FAILED, receiver.target, now, f"{type(e).__name__}: {e}")
            return False
        self._mark(record_id, DELIVERED, receiver.target, now, None)
        return True

    def _mark(self, record_id: str, state: str, target: str, now: datetime, error: str | None) -> None:
        r = records
        values: dict[str, Any] = {"state": state, "attempts": r.c.attempts + 1, "target": scrub(target, 500)}
        if state == DELIVERED:
            values.update(delivered_at=now, last_error=None)
        else:
            values.update(last_error=scrub(error or "", 1000))
        with self.engine.begin() as conn:
            conn.execute(r.update().where(r.c.record_id == record_id).values(**values))

    # --- reading ------------------------------------------------------------------------------------------

    def listing(self, agency_id: str, year: int | None = None, states: Sequence[str] = STATES) -> list[dict[str, Any]]:
        self.ensure_tables()
        r = records
        query = sa.select(r).where(r.c.agency_id == agency_id, r.c.state.in_(list(states))).order_by(r.c.record_id)
        if year is not None:
            query = query.where(r.c.year == year)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def bodies(self, agency_id: str, year: int) -> list[dict[str, Any]]:
        """The records held for an agency's year, as sent (for the CSV and JSON downloads)."""
        return [json.loads(row["body"]) for row in self.listing(agency_id, year)]

    def status(self, agency_id: str) -> dict[str, int]:
        self.ensure_tables()
        r = records
        with self.engine.connect() as conn:
            counts = {
                str(s): int(n)
                for s, n in conn.execute(
                    sa.select(r.c.state, sa.func.count()).where(r.c.agency_id == agency_id).group_by(r.c.state)
                )
            }
        return {s: counts.get(s, 0) for s in STATES}


class ExportRelay(Ticking):
    """The worker's loop over the export outbox: a record an export could not deliver (the receiver down, slow
    or answering 5xx) is sent again by itself, each after a wait that doubles from `first_seconds` up to
    `most_seconds`, until the receiver holds it. The waits are kept in memory: after a restart each failed
    record is tried once at once. A record the receiver refused (an HTTP 4xx other than 409: the record, not the
    line, is wrong) is left for HR, who sees its error and exports again after the correction."""

    what, every_seconds, pause = "export relay", 30.0, 3

    def __init__(
        self,
        outbox: ExportOutbox,
        receiver: Receiver,
        clock: Callable[[], datetime],
        first_seconds: float = 60.0,
        most_seconds: float = 3600.0,
    ) -> None:
        self.outbox, self.receiver, self.clock = outbox, receiver, clock
        self.first, self.most = first_seconds, most_seconds
        self.next_try: dict[str, datetime] = {}

    def tick(self, now: datetime | None = None) -> dict[str, int]:
        """One round: each pending record, and each failed one whose wait is over, sent once."""
        now = now or self.clock()
        delivered = failed = 0
        for row in self.outbox.unsent():
            if str(row["last_error"] or "").startswith(f"{Refused.__name__}:"):
                continue  # refused by the receiver: HR's to correct
            due = self.next_try.get(row["record_id"])
            if due is not None and now < due:
                continue
            if self.outbox.send(self.receiver, row["record_id"], row["body"], now):
                self.next_try.pop(row["record_id"], None)
                delivered += 1
            else:
                wait = min(self.first * 2 ** int(row["attempts"]), self.most)
                self.next_try[row["record_id"]] = now + timedelta(seconds=wait)
                failed += 1
        return {"delivered": delivered, "failed": failed}


def receiver_from(url: str, directory: str, timeout: float = 20.0) -> Receiver | None:
    """The configured receiver: the URL if set, else the directory, else none (the export is only queued)."""
    if url:
        return HttpReceiver(url, timeout)
    if directory:
        return DirectoryReceiver(directory)
    return None
