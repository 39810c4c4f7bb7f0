"""Receipts: an employee's own proof that their action was recorded, and when.

A receipt holds the stored row their action wrote (its topic and state, byte for byte),
the agency's seal over that row (event id, business time, chain digest, leaf hash), and,
once a checkpoint covers the row, the inclusion proof up to that checkpoint with the
witnesses' cosignatures (and the TSA's token, if one is configured). It is a JSON file:

    {"format": "kinerja-receipt/v1", "log": ..., "event": {...}, "seal": "<signed note>",
     "proof": {"leaf_index": ..., "tree_size": ..., "hashes": [...], "checkpoint": "<signed note>"}}

`verify_receipt` (transparency/receipt_check.py) checks it offline with the agency's public key (and the witnesses' keys):
the seal, that the row is the sealed row, the checkpoint and the inclusion proof. Given
the log (`Receipts`), it also checks that the row is still there unchanged and that the
log still has the receipt's checkpoint: a receipt outlives a truncated log and says so.
"""

from __future__ import annotations

import base64
import json
from functools import cached_property
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound, refusal
from domain.merkle import event_leaf, leaf_hash
from transparency.log import Log
from transparency.note import Verifier, parse
from transparency.persistence import row_summary
from transparency.publish import ACCEPTED
from transparency.tables import utc_iso
from transparency.tree import LogTree

NO_EVENT = refusal("receipt.no_event", "no event {version} of record {record_id}")
NO_SEAL = refusal("receipt.no_seal", "event {version} of record {record_id} has no seal")

FORMAT = "kinerja-receipt/v1"


class Receipts:
    """Issues and completes receipts from the log, and answers the online part of a verification."""

    def __init__(self, log: Log, log_keys: list[Verifier]) -> None:
        self.log, self.keys, self.t = log, log_keys, log.tables
        self.tree = LogTree(log)

    def _row(self, conn: sa.Connection, record_id: UUID, version: int) -> Any:
        """The event's row with its seal's text and its leaf (NULL where there is none), in one statement."""
        return conn.execute(self._statement, {"rid": record_id, "version": version}).first()

    @cached_property
    def _statement(self) -> sa.Select[Any]:
        """`_row`'s statement, built once (building it and its cache key cost more than running it)."""
        events = self.log.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        seals, leaves = self.t.seals, self.t.leaves
        rid = sa.bindparam("rid", type_=events.c.originator_id.type)
        version = sa.bindparam("version", type_=events.c.originator_version.type)
        return (
            sa.select(
                events,
                seals.c.note.label("seal_note"),
                leaves.c.idx.label("leaf_idx"),
                leaves.c.hash.label("leaf_hash"),
            )
            .select_from(
                events.outerjoin(seals, seals.c.notification_id == events.c.id).outerjoin(
                    leaves, leaves.c.notification_id == events.c.id
                )
            )
            .where(events.c.originator_id == rid, events.c.originator_version == version)
        )

    def issue(self, record_id: UUID, version: int) -> dict[str, Any]:
        """The receipt of one event, completed with its proof if a checkpoint covers it already."""
        self.tree.ensure_tables()
        with self.log.engine.connect() as conn:
            row = self._row(conn, record_id, version)
        if row is None:
            raise NotFound(NO_EVENT, version=version, record_id=str(record_id))
        seal = row.seal_note
        if seal is None:
            raise NotFound(NO_SEAL, version=version, record_id=str(record_id))
        state = bytes(row.state)
        kind, at, digest = row_summary(row.topic, state)
        try:
            by = json.loads(state).get("by")
        except ValueError:
            by = None
        receipt = {
            "format": FORMAT,
            "log": parse(seal).signatures[0].name,
            "event": {
                "record_id": str(record_id),
                "version": version,
                "notification_id": int(row.id),
                "type": kind,
                "at": at,
                "by": by,
                "digest": digest,
                "topic": row.topic,
                "state": base64.b64encode(state).decode(),
            },
            "seal": seal,
        }
        # The leaf came with the row: an event no checkpoint covers yet (a person's receipt right after their
        # action) costs no further statement.
        return self._complete(receipt, None if row.leaf_idx is None else (int(row.leaf_idx), bytes(row.leaf_hash)))

    def complete(self, receipt: dict[str, Any]) -> dict[str, Any]:
        """Add the inclusion proof to the latest checkpoint that covers the event, if there is one."""
        return self._complete(receipt, self.tree.leaf_of(int(receipt["event"]["notification_id"])))

    def _complete(self, receipt: dict[str, Any], covered: tuple[int, bytes] | None) -> dict[str, Any]:
        c, w = self.t.checkpoints, self.t.witnessed
        if covered is None:
            return receipt
        with self.log.engine.connect() as conn:
            cp = conn.execute(sa.select(c).where(c.c.size > covered[0]).order_by(c.c.id.desc()).limit(1)).first()
            if cp is None:
                return receipt
            lines = conn.execute(
                sa.select(w.c.cosignatures).where(w.c.checkpoint_id == cp.id, w.c.status == ACCEPTED)
            ).scalars()
            note = parse(cp.note)
            for cosignatures in lines:
                if cosignatures:
                    note = note.with_lines(cosignatures)
        proof = {
            "leaf_index": covered[0],
            "tree_size": int(cp.size),
            "checkpoint": str(note),
            "hashes": [base64.b64encode(h).decode() for h in self.tree.inclusion_proof(covered[0], int(cp.size))],
            "checkpoint_created_at": utc_iso(cp.created_at),
            "time_stamp": cp.timestamp_note,
        }
        if cp.timestamp_token:
            proof["time_stamp_token"] = base64.b64encode(cp.timestamp_token).decode()
        return {**receipt, "proof": proof}

    def present(self, notification_id: int) -> bytes | None:
        """The leaf hash of the row now at this notification id, or None if it is gone."""
        events = self.log.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        with self.log.engine.connect() as conn:
            row = conn.execute(sa.select(events).where(events.c.id == notification_id)).first()
        if row is None:
            return None
        oid = UUID(str(row.originator_id))
        return leaf_hash(event_leaf(int(row.id), oid, int(row.originator_version), row.topic, bytes(row.state)))
