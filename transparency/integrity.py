"""The integrity of one record, quick enough to run before every read of it.

Its hash chain, the seal of each of its rows, and its rows against the stored tree: a row
the tree covered but the log no longer has is named (truncation, a deleted record, a gap),
and a row that differs from its leaf is named rewritten. A record with no row left but
leaves in the tree was deleted whole; one never written is simply not found.

Everything is read up to one notification id, taken first: rows, seals and leaves written
by a command that commits during the check are left out together, so a concurrent write
never looks like a forged or a missing row.

The whole-log verifier (transparency/verify.py) also checks the stored tree itself against
the signed checkpoints and witnesses; this check trusts it, which is what makes it quick.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Any, NamedTuple
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

from domain.application import Appraisals
from domain.audit import NO_RECORD, Audit
from domain.errors import IntegrityBroken, NotFound
from domain.merkle import event_leaf, leaf_hash
from transparency.findings import Report
from transparency.log import Log
from transparency.note import Verifier
from transparency.persistence import SealText
from transparency.reads import reading
from transparency.rows import Missing, Row, check_seal, classify_missing, record_label
from transparency.tree import LogTree

MAX_REMEMBERED = 50_000  # records remembered intact (a fingerprint each), then forgotten all at once


class RecordCheck:
    def __init__(self, app: Appraisals, origin: str, log_keys: list[Verifier]) -> None:
        self.app, self.origin, self.keys = app, origin, log_keys
        self._intact: dict[UUID, bytes] = {}
        # Seals whose signature verified, by their text: a record checked again after a write verifies only
        # its new seals (an altered seal is another text, verified afresh).
        self._verified_seals: dict[bytes, SealText] = {}
        self.log = Log.of(app)
        self.tree = LogTree(self.log)
        self.t = self.log.tables

    def events_table(self) -> sa.Table:
        table: sa.Table = self.log.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        return table

    def check(self, record_id: UUID) -> Report:
        """Findings about this record only; NotFound if it never existed."""
        return self._report(record_id, *self._read(record_id))

    def require_intact(self, record_id: UUID) -> list[StoredEvent]:
        """Before a read: IntegrityBroken naming the first broken thing (NotFound if it never existed).

        A record whose rows, seals and leaves are byte for byte those last found intact is not
        checked again (decoding every event and verifying every seal is the costly part). Returns the
        record's stored events as checked, so the read that follows replays them instead of reading
        them a second time (Store._get).
        """
        read = self._read(record_id)
        fingerprint = _fingerprint(*read)
        checked = [_stored_event(r, record_id) for r in read[0]]
        if self._intact.get(record_id) == fingerprint:
            return checked
        report = self._report(record_id, *read)
        first = report.first
        if first is not None:
            self._intact.pop(record_id, None)
            more = len(report.tampering) - 1
            also = (
                f" ({more} more finding{'s' if more > 1 else ''}: `kinerja audit verify {record_id}`)" if more else ""
            )
            raise IntegrityBroken(str(record_id), first.kind, first.message + also)
        if len(self._intact) >= MAX_REMEMBERED:
            self._intact.clear()
        self._intact[record_id] = fingerprint
        return checked

    def _read(self, record_id: UUID) -> tuple[list[Any], dict[int, str], list[Any]]:
        """The record's rows, seals and leaves, all up to one notification id, in one statement: one snapshot of
        the database on both SQLite and PostgreSQL without a transaction around several reads (which cost a
        BEGIN, a SET TRANSACTION, four SELECTs and a ROLLBACK: seven round trips on PostgreSQL before every
        read and every action's authorisation)."""
        self.tree.ensure_tables()
        with reading(self.log.engine) as conn:
            found = conn.execute(self._statement, {"rid": record_id, "oid": str(record_id)}).all()
        stored = [_Stored(int(r.nid), int(r.version), r.topic, r.state) for r in found if r.part == 0]
        seals = {int(r.nid): str(r.note) for r in found if r.part == 1}
        leaves = [(int(r.nid), int(r.version), bytes(r.state)) for r in found if r.part == 2]
        return stored, seals, leaves

    @cached_property
    def _statement(self) -> sa.Select[Any]:
        """`_read`'s statement, built once (building it and its cache key cost more than running it)."""
        events = self.events_table()
        s, lv = self.t.seals, self.t.leaves
        rid, oid = (
            sa.bindparam("rid", type_=events.c.originator_id.type),
            sa.bindparam("oid", type_=s.c.originator_id.type),
        )
        # The newest row anything records (the log, the seals, the tree): rows the log lost count too.
        newest = sa.union_all(
            sa.select(sa.func.max(events.c.id).label("n")),
            sa.select(sa.func.max(s.c.notification_id)),
            sa.select(sa.func.max(self.t.state.c.last_notification_id)),
        ).subquery()
        upto = sa.select(sa.func.coalesce(sa.func.max(newest.c.n), 0)).scalar_subquery()
        text, blob, number = events.c.topic.type, events.c.state.type, events.c.id.type

        def none(kind: Any) -> Any:
            return sa.cast(sa.null(), kind)

        parts = sa.union_all(
            sa.select(
                sa.literal(0).label("part"),
                events.c.id.label("nid"),
                events.c.originator_version.label("version"),
                events.c.topic.label("topic"),
                events.c.state.label("state"),
                none(text).label("note"),
                events.c.originator_version.label("ord"),
            ).where(events.c.originator_id == rid, events.c.id <= upto),
            sa.select(
                sa.literal(1), s.c.notification_id, none(number), none(text), none(blob), s.c.note, none(number)
            ).where(s.c.originator_id == oid, s.c.notification_id <= upto),
            sa.select(
                sa.literal(2),
                lv.c.notification_id,
                lv.c.originator_version,
                none(text),
                lv.c.hash,
                none(text),
                lv.c.idx,
            ).where(lv.c.originator_id == oid, lv.c.notification_id <= upto),
        ).subquery()
        return sa.select(parts).order_by(parts.c.part, parts.c.ord)

    def _report(self, record_id: UUID, stored: list[Any], seals: dict[int, str], leaves: list[Any]) -> Report:
        report = Report(self.log.name, self.origin)
        oid = str(record_id)
        if not stored and not leaves and not seals:
            raise NotFound(NO_RECORD, record_id=str(record_id))
        rows = [
            Row(int(r.id), oid, int(r.originator_version), record_label(r.topic), _leaf(r, record_id)) for r in stored
        ]
        report.events, report.records = len(rows), 1
        if rows:
            chain = Audit(self.app).verify_rows([_stored_event(r, record_id) for r in stored])
            if not chain.ok:
                report.add("chain", f"{rows[0].label} {oid}", f"{rows[0].label} {oid}: {chain.problem}", oid)
        for row in rows:
            check_seal(report, row, seals.get(row.nid), self.keys, self._verified_seals)
        report.sealed = len([r for r in rows if r.nid in seals])
        by_nid = {r.nid: r for r in rows}
        missing: Missing = {}
        for nid, version, h in leaves:
            found = by_nid.get(int(nid))
            if found is None:
                missing[int(nid)] = (oid, int(version))
            elif found.leaf != bytes(h) and found.where not in {f.subject for f in report.findings}:
                report.add(
                    "rewritten",
                    found.where,
                    f"{found.where} differs from its leaf in the log's tree: it was rewritten",
                    oid,
                )
        for nid, note in seals.items():
            if nid not in by_nid and nid not in missing:
                missing[nid] = (oid, _version_of(note))
        if missing:
            classify_missing(report, rows, missing, "recorded in the log's tree and seals")
        return report


class _Stored(NamedTuple):
    """One row of the log as the check reads it."""

    id: int
    originator_version: int
    topic: str
    state: bytes


def _fingerprint(stored: list[Any], seals: dict[int, str], leaves: list[Any]) -> bytes:
    h = hashlib.sha256()
    for r in stored:
        h.update(f"row {r.id} {r.originator_version} {r.topic}\n".encode())
        h.update(hashlib.sha256(_state(r)).digest())
    for nid in sorted(seals):
        h.update(f"seal {nid}\n{seals[nid]}\n".encode())
    for nid, version, leaf in leaves:
        h.update(f"leaf {nid} {version} ".encode() + bytes(leaf))
    return h.digest()


def _state(row: Any) -> bytes:
    return bytes(row.state) if isinstance(row.state, memoryview) else bytes(row.state)


def _leaf(row: Any, record_id: UUID) -> bytes:
    return leaf_hash(event_leaf(int(row.id), record_id, int(row.originator_version), row.topic, _state(row)))


def _stored_event(row: Any, record_id: UUID) -> StoredEvent:
    return StoredEvent(record_id, int(row.originator_version), row.topic, _state(row))


def _version_of(seal_note: str) -> int:
    for line in seal_note.split("\n"):
        if line.startswith("event "):
            return int(line.rsplit(" ", 1)[1])
    return 0
