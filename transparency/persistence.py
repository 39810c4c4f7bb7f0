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
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import sqlalchemy as sa
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from sqlalchemy.orm import Session

from domain.merkle import event_leaf, leaf_hash
from transparency.keys import load_or_create
from transparency.note import Note, NoteError, Signer, Verifier, parse, sign
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


class Sealer:
    """Signs rows as the log: the key's name is the log's origin."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer

    def seal_text(self, notification_id: int, event: StoredEvent) -> SealText:
        oid = UUID(str(event.originator_id))
        leaf = leaf_hash(event_leaf(notification_id, oid, event.originator_version, event.topic, event.state))
        kind, at, digest = row_summary(event.topic, event.state)
        return SealText(self.signer.name, notification_id, oid, event.originator_version, kind, at, digest, leaf)

    def seal(self, notification_id: int, event: StoredEvent) -> dict[str, Any]:
        sealed = self.seal_text(notification_id, event)
        return {
            "notification_id": notification_id,
            "originator_id": str(sealed.originator_id),
            "originator_version": sealed.version,
            "leaf_hash": sealed.leaf,
            "note": str(sign(sealed.text(), self.signer)),
        }


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
        if session.get_bind().dialect.name == "postgresql":
            return self._insert_rows_pipelined(session, stored_events)
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

    def _insert_rows_pipelined(self, session: Session, stored_events: Sequence[StoredEvent]) -> list[int]:
        """On PostgreSQL: the transaction's BEGIN, the library's table lock and one INSERT ... RETURNING per
        event sent together in one libpq pipeline (one round trip instead of three), so the lock is held
        for less; the seals (which sign the ids) follow in the same transaction. Same statements, same
        lock, same order of ids as the rows given."""
        name = f"{self.schema_name}.{self.events_table_name}" if self.schema_name else self.events_table_name
        driver: Any = session.connection().connection.driver_connection  # psycopg's, in SQLAlchemy's transaction
        insert = (
            f"INSERT INTO {name} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s) RETURNING id"
        )
        ids: list[int] = []
        rows = [(e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events]
        try:
            with driver.cursor() as lock, driver.cursor() as cursor:
                with driver.pipeline():
                    lock.execute(f"LOCK TABLE {name} IN EXCLUSIVE MODE")
                    cursor.executemany(insert, rows, returning=True)
                while True:
                    ids.append(int(cursor.fetchone()[0]))
                    if not cursor.nextset():
                        return ids
        except psycopg.Error as e:  # as SQLAlchemy would have raised it: eventsourcing maps those (a conflict...)
            raise sa.exc.DBAPIError.instance(insert, rows, e, psycopg.Error) from e

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
