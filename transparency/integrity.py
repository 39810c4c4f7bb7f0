"""The integrity of one record, quick enough to run before every read of it.

Its hash chain, the seal of each of its rows, and its rows against the stored tree: a row
the tree covered but the log no longer has is named (truncation, a deleted record, a gap),
and a row that differs from its leaf is named rewritten. A record with no row left but
leaves in the tree was deleted whole; one never written is simply not found.

The whole-log verifier (transparency/verify.py) also checks the stored tree itself against
the signed checkpoints and witnesses; this check trusts it, which is what makes it quick.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.application import Appraisals
from domain.audit import Audit
from domain.errors import NotFound
from domain.merkle import event_leaf, leaf_hash
from transparency.findings import Report
from transparency.note import Verifier
from transparency.rows import Missing, Row, check_seal, classify_missing, record_label
from transparency.tree import Log, LogTree


class RecordCheck:
    def __init__(self, app: Appraisals, origin: str, log_keys: list[Verifier]) -> None:
        self.app, self.origin, self.keys = app, origin, log_keys
        self.log = Log.of(app)
        self.tree = LogTree(self.log)
        self.t = self.log.tables

    def events_table(self) -> sa.Table:
        return self.log.recorder.events_record_cls.__table__  # type: ignore[attr-defined, no-any-return]

    def check(self, record_id: UUID) -> Report:
        """Findings about this record only; NotFound if it never existed."""
        self.tree.ensure_tables()
        report = Report(self.log.name, self.origin)
        events = self.events_table()
        oid = str(record_id)
        with self.log.engine.connect() as conn:
            stored = conn.execute(
                sa.select(events.c.id, events.c.originator_version, events.c.topic, events.c.state)
                .where(events.c.originator_id == record_id)
                .order_by(events.c.originator_version)
            ).all()
            seals = dict(
                conn.execute(
                    sa.select(self.t.seals.c.notification_id, self.t.seals.c.note).where(
                        self.t.seals.c.originator_id == oid
                    )
                ).all()
            )
            leaves = conn.execute(
                sa.select(self.t.leaves.c.notification_id, self.t.leaves.c.originator_version, self.t.leaves.c.hash)
                .where(self.t.leaves.c.originator_id == oid)
                .order_by(self.t.leaves.c.idx)
            ).all()
        if not stored and not leaves and not seals:
            raise NotFound(f"no record {record_id}")
        rows = [
            Row(int(r.id), oid, int(r.originator_version), record_label(r.topic), _leaf(r, record_id)) for r in stored
        ]
        report.events, report.records = len(rows), 1
        if rows:
            chain = Audit(self.app).verify(record_id)
            if not chain.ok:
                report.add("chain", f"{rows[0].label} {oid}", f"{rows[0].label} {oid}: {chain.problem}", oid)
        for row in rows:
            check_seal(report, row, seals.get(row.nid), self.keys)
        report.sealed = len([r for r in rows if r.nid in seals])
        by_nid = {r.nid: r for r in rows}
        missing: Missing = {}
        for nid, version, h in leaves:
            row = by_nid.get(int(nid))
            if row is None:
                missing[int(nid)] = (oid, int(version))
            elif row.leaf != bytes(h) and row.where not in {f.subject for f in report.findings}:
                report.add(
                    "rewritten",
                    row.where,
                    f"{row.where} differs from its leaf in the log's tree: it was rewritten",
                    oid,
                )
        for nid in seals:
            if int(nid) not in by_nid and int(nid) not in missing:
                missing[int(nid)] = (oid, _version_of(seals[nid]))
        if missing:
            classify_missing(report, rows, missing, "recorded in the log's tree and seals")
        return report


def _leaf(row: Any, record_id: UUID) -> bytes:
    state = bytes(row.state) if isinstance(row.state, memoryview) else row.state
    return leaf_hash(event_leaf(int(row.id), record_id, int(row.originator_version), row.topic, state))


def _version_of(seal_note: str) -> int:
    for line in seal_note.split("\n"):
        if line.startswith("event "):
            return int(line.rsplit(" ", 1)[1])
    return 0
