"""The event store with seals: every row is signed with the log's key in the transaction that writes it.

Use it as the eventsourcing persistence module (`PERSISTENCE_MODULE=transparency.persistence`);
it is eventsourcing-sqlalchemy with one addition. When the recorder inserts events it
learns their notification ids, computes each row's leaf (domain/merkle.py) and inserts a
*seal* per row into `<log>_seals`: a signed note naming the row and its leaf hash. A row
written around the application (plain SQL) has no seal, or one that no longer matches, so
the verifier names a forged append even after the hash chain was recomputed; an
employee's receipt is the seal of the event their action wrote.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import transactions
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from sqlalchemy.orm import Session

from domain.merkle import leaf_hash, leaf_position, leaf_row
from transparency.keys import load_or_create
from transparency.note import Note, NoteError, Signer, Verifier, parse, sign
from transparency.pipeline import SealedInsert
from transparency.reads import CoreNotifications, CoreReads
from transparency.tables import log_tables


@dataclass(frozen=True)
class SealText:
    """What a seal says: this log wrote this row, whose leaf hash is this, at this business time."""

    origin: str
    notification_id: int
    originator_id: UUID
    version: int
    type: str
    at: str
    digest: str
    leaf: bytes

    def text(self) -> str:
        return (
            f"{self.origin}\nseal {self.notification_id}\nevent {self.originator_id} {self.version}\n"
            f"type {self.type}\nat {self.at}\ndigest {self.digest}\nleaf {base64.b64encode(self.leaf).decode()}\n"
        )

    @classmethod
    def parse(cls, text: str) -> SealText:
        lines = text.split("\n")
        if len(lines) != 8 or lines[-1]:
            raise NoteError("a seal has seven lines: origin, seal, event, type, at, digest, leaf")
        fields: dict[str, str] = {}
        for line, key in zip(lines[1:7], ("seal", "event", "type", "at", "digest", "leaf"), strict=True):
            word, _, value = line.partition(" ")
            if word != key or not value:
                raise NoteError(f"line {key!r} of the seal is missing")
            fields[key] = value
        oid, _, version = fields["event"].partition(" ")
        try:
            return cls(
                lines[0],
                int(fields["seal"]),
                UUID(oid),
                int(version),
                fields["type"],
                fields["at"],
                fields["digest"],
                base64.b64decode(fields["leaf"], validate=True),
            )
        except ValueError:
            raise NoteError("the seal's numbers, event id or leaf hash are malformed") from None


def row_summary(topic: str, state: bytes) -> tuple[str, str, str]:
    """(type, business time, chain digest) of a stored row, '-' where the state does not say."""
    kind = topic.rpartition(".")[2] or topic
    try:
        fields = json.loads(state)
        at = fields["timestamp"]["_data_"] if isinstance(fields.get("timestamp"), dict) else "-"
        return kind, str(at), str(fields.get("digest") or "-")
    except (ValueError, AttributeError, KeyError, TypeError):
        return kind, "-", "-"


@dataclass(frozen=True)
class PendingSeal:
    """A row's seal as far as it can be made before the row has its notification id (which the seal signs)."""

    originator_id: UUID
    version: int
    type: str
    at: str
    digest: str
    leaf_row: bytes  # the row's leaf after its position (domain/merkle.py leaf_row)


class Sealer:
    """Signs rows as the log: the key's name is the log's origin."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer

    def prepare(self, event: StoredEvent) -> PendingSeal:
        """Everything of a seal that does not depend on the notification id: done before the table's lock."""
        oid = event.originator_id if type(event.originator_id) is UUID else UUID(str(event.originator_id))
        kind, at, digest = row_summary(event.topic, event.state)
        version = event.originator_version
        return PendingSeal(oid, version, kind, at, digest, leaf_row(oid, version, event.topic, event.state))

    def sealed(self, notification_id: int, pending: PendingSeal) -> SealText:
        leaf = leaf_hash(leaf_position(notification_id) + pending.leaf_row)
        p = pending
        return SealText(self.signer.name, notification_id, p.originator_id, p.version, p.type, p.at, p.digest, leaf)

    def seal_text(self, notification_id: int, event: StoredEvent) -> SealText:
        return self.sealed(notification_id, self.prepare(event))

    def seal_row(self, notification_id: int, pending: PendingSeal) -> tuple[int, str, int, bytes, str]:
        """The seals table's row (notification_id, originator_id, originator_version, leaf_hash, note)."""
        sealed = self.sealed(notification_id, pending)
        note = str(sign(sealed.text(), self.signer))
        return notification_id, str(sealed.originator_id), sealed.version, sealed.leaf, note

    def seal(self, notification_id: int, event: StoredEvent) -> dict[str, Any]:
        row = self.seal_row(notification_id, self.prepare(event))
        return dict(zip(SEAL_COLUMNS, row, strict=True))


SEAL_COLUMNS = ("notification_id", "originator_id", "originator_version", "leaf_hash", "note")


def open_seal(note_text: str, log_keys: list[Verifier]) -> tuple[SealText, Note]:
    """Parse a seal and verify the log's signature; NoteError says what is wrong."""
    note = parse(note_text)
    sealed = SealText.parse(note.text)
    note.signed_by_any([k for k in log_keys if k.name == sealed.origin] or log_keys)
    return sealed, note


class SealingRecorder(CoreReads, CoreNotifications):
    """eventsourcing-sqlalchemy's application recorder, which also seals what it inserts."""

    sealer: Sealer | None = None

    def __init__(self, datastore: Any, *, events_table_name: str, schema_name: str | None = None) -> None:
        super().__init__(datastore, events_table_name=events_table_name, schema_name=schema_name)
        self.log_tables = log_tables(events_table_name, schema_name)
        self.tables.append(self.log_tables.seals)

    def create_table(self) -> None:
        """The tables, and the seals' indexes on a log whose seals table is older than they are (created
        once, when the store opens; a process starting beside this one may create one first)."""
        super().create_table()
        engine = self.datastore.engine
        assert engine is not None
        seals = self.log_tables.seals
        for index in seals.indexes:
            try:
                index.create(engine, checkfirst=True)
            except sa.exc.DatabaseError:
                if not sa.inspect(engine).has_index(seals.name, str(index.name), schema=seals.schema):
                    raise

    def insert_events(
        self, stored_events: Sequence[StoredEvent], *, session: Session | None = None, **kwargs: Any
    ) -> Sequence[int] | None:
        """On PostgreSQL, a transaction of its own: transparency/pipeline.py (two round trips, the lock held
        for the least). Inside a caller's session or transaction, and on SQLite: the library's, sealed below."""
        engine = self.datastore.engine
        if (
            session is None
            and stored_events
            and not any(kwargs.values())
            and isinstance(engine, sa.Engine)
            and engine.dialect.name == "postgresql"
            and self.datastore.scoped_session is None
            and transactions.get(None) is None
        ):
            return self.sealed_insert(engine, stored_events, self.sealer)
        return super().insert_events(stored_events, session=session, **kwargs)

    @cached_property
    def sealed_insert(self) -> SealedInsert:
        def name(table: str) -> str:
            return f"{self.schema_name}.{table}" if self.schema_name else table

        return SealedInsert(name(self.events_table_name), name(self.log_tables.seals.name))

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        ids = self._insert_rows(session, stored_events) if stored_events else []
        if self.sealer is not None and stored_events:
            rows = [self.sealer.seal(i, e) for i, e in zip(ids, stored_events, strict=True)]
            session.execute(sa.insert(self.log_tables.seals), rows)
        return ids

    def _insert_rows(self, session: Session, stored_events: Sequence[StoredEvent]) -> list[int]:
        """eventsourcing-sqlalchemy's insert (the table's lock, then the rows) with one Core INSERT ... RETURNING
        instead of ORM records and a flush, and without its NOTIFY: less CPU per save (bench/partitions.py)."""
        self._lock_table(session)
        table: sa.Table = self.events_record_cls.__table__
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        found = session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return [int(i) for i in found.scalars()]  # no NOTIFY: nothing in Kinerja LISTENs (no subscriptions)

    @property
    def snapshot_key(self) -> bytes | None:
        """The key of the log's snapshots' MACs (domain/snapshots.py): derived from the sealing key, so the
        database, which holds the snapshots, does not hold it. An Ed25519 signature is deterministic."""
        if self.sealer is None:
            return None
        return hashlib.sha256(self.sealer.signer.private_key.sign(b"kinerja snapshot key v1")).digest()


# How long a save on SQLite waits for another writer of the file, as the projector's engine waits for a save
# (readmodels/projector.py make_engine). pysqlite's default is 5 s, which a projector's batch may hold the
# file's write lock past on a loaded machine: the save then failed, "database is locked".
SQLITE_BUSY_MILLISECONDS = 30_000


def _wait_for_other_writers(dbapi_connection: Any, _: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MILLISECONDS}")
    cursor.close()


class SealingFactory(SQLAlchemyFactory):
    """The persistence factory: SQLAlchemy, with the log's key from SEAL_KEYS_DIR/<application>.key."""

    application_recorder_class = SealingRecorder
    aggregate_recorder_class = CoreReads  # the snapshots' table (domain/snapshots.py)

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        engine = self.datastore.engine
        if isinstance(engine, sa.Engine) and engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _wait_for_other_writers)

    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        assert isinstance(recorder, SealingRecorder)
        keys_dir = self.env.get("SEAL_KEYS_DIR")
        if keys_dir:
            name = self.env.name.lower()
            origin = f"{self.env.get('SEAL_ORIGIN_PREFIX') or 'kinerja.local'}/{name}"
            recorder.sealer = Sealer(load_or_create(Path(keys_dir) / f"{name}.key", origin))
        return recorder
