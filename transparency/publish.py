"""Publishing a checkpoint: grow the tree, sign its head, keep it, time-stamp it, send it to every witness.

Runs on the checkpoint workflow's timer (default hourly) and at each phase close of a cycle
(workflows/checkpoints.py), or by hand (`kinerja audit checkpoint`). A witness that was
down, or that holds an older size, is offered the latest checkpoint again next time with a
consistency proof from the size it holds; each answer (accepted with its cosignature,
refused and why, unreachable) is recorded beside the checkpoint for the auditors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from transparency.checkpoint import Checkpoint
from transparency.log import Log
from transparency.note import Signer
from transparency.persistence import Sealer
from transparency.snapshot import read_snapshot
from transparency.timestamps import TimeStamper, TimestampError
from transparency.tree import LogTree
from transparency.witnesses import Witness
from transparency.witnessing import WitnessConflict, WitnessRefused, WitnessUnavailable

log = logging.getLogger(__name__)
ACCEPTED, REFUSED, UNREACHABLE = "accepted", "refused", "unreachable"


@dataclass(frozen=True)
class Witnessed:
    witness: str
    size: int
    status: str
    detail: str = ""


@dataclass(frozen=True)
class Published:
    checkpoint_id: int
    size: int
    root: bytes
    note: str
    reason: str
    new: bool  # False: no event since the last checkpoint, which was only offered again
    witnessed: list[Witnessed] = field(default_factory=list)
    adopted: int = 0  # rows written before sealing existed, sealed on the first checkpoint

    def as_dict(self) -> dict[str, Any]:
        return {
            "checkpoint_id": self.checkpoint_id,
            "size": self.size,
            "root": self.root.hex(),
            "reason": self.reason,
            "new": self.new,
            "adopted": self.adopted,
            "witnesses": [w.__dict__ for w in self.witnessed],
        }


class Publisher:
    def __init__(
        self,
        log: Log,
        signer: Signer,
        witnesses: list[Witness],
        stamper: TimeStamper | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.log, self.signer, self.witnesses, self.stamper, self.clock = log, signer, witnesses, stamper, clock
        self.tree = LogTree(log)
        self.t = log.tables

    def publish(self, reason: str = "interval") -> Published:
        """Checkpoint everything written so far (or offer the last checkpoint again if nothing was)."""
        adopted = 0 if self.latest() else self._adopt_unsealed()
        size = self.tree.extend()
        last = self.latest()
        if last is not None and last["size"] == size:
            witnessed = [self._offer(w, last["id"], size, last["note"], only_if_behind=True) for w in self.witnesses]
            return Published(
                last["id"],
                size,
                bytes(last["root"]),
                last["note"],
                last["reason"],
                False,
                [w for w in witnessed if w is not None],
            )
        checkpoint = Checkpoint(self.signer.name, size, self.tree.root(size))
        note = str(checkpoint.sign(self.signer))
        token, stamp_note = self._stamp(checkpoint)
        with self.log.engine.begin() as conn:
            inserted = conn.execute(
                sa.insert(self.t.checkpoints).values(
                    size=size,
                    root=checkpoint.root,
                    note=note,
                    reason=reason[:200],
                    created_at=self.clock(),
                    timestamp_token=token,
                    timestamp_note=stamp_note,
                )
            ).inserted_primary_key
        checkpoint_id = int(inserted[0]) if inserted is not None else 0
        witnessed = [self._offer(w, checkpoint_id, size, note) for w in self.witnesses]
        log.info("checkpoint %s of %s: size %s (%s)", checkpoint_id, self.signer.name, size, reason)
        return Published(
            checkpoint_id, size, checkpoint.root, note, reason, True, [w for w in witnessed if w is not None], adopted
        )

    def latest(self) -> dict[str, Any] | None:
        self.tree.ensure_tables()
        with self.log.engine.connect() as conn:
            row = conn.execute(sa.select(self.t.checkpoints).order_by(self.t.checkpoints.c.id.desc()).limit(1)).first()
        return None if row is None else dict(row._mapping)

    def _stamp(self, checkpoint: Checkpoint) -> tuple[bytes | None, str]:
        if self.stamper is None:
            return None, ""
        try:
            stamp = self.stamper.stamp(checkpoint.body().encode())
        except TimestampError as e:
            log.warning("no time-stamp for checkpoint of size %s: %s", checkpoint.size, e)
            return None, f"no time-stamp: {e}"
        return stamp.token, stamp.time.isoformat()

    def held_size(self, witness: str) -> int:
        """The largest size a witness has accepted from this log, by the log's own record."""
        w = self.t.witnessed
        with self.log.engine.connect() as conn:
            size = conn.execute(
                sa.select(sa.func.max(w.c.size)).where(w.c.witness == witness, w.c.status == ACCEPTED)
            ).scalar()
        return int(size or 0)

    def _offer(
        self, witness: Witness, checkpoint_id: int, size: int, note: str, only_if_behind: bool = False
    ) -> Witnessed | None:
        held = self.held_size(witness.name)
        if only_if_behind and held == size:
            return None
        outcome, cosignatures = Witnessed(witness.name, size, UNREACHABLE, "not offered"), ""
        for _ in range(3):  # a witness whose size differs from our record says which size it holds
            if held > size:
                outcome = Witnessed(
                    witness.name,
                    size,
                    REFUSED,
                    f"the witness holds size {held}, larger than the log's {size}: events were lost",
                )
                break
            try:
                proof = self.tree.consistency_proof(held, size) if held else []
                cosignatures = witness.submit(held, proof, note)
                outcome = Witnessed(witness.name, size, ACCEPTED, f"consistent with size {held}")
                break
            except WitnessConflict as e:
                held = e.size
            except WitnessRefused as e:
                outcome = Witnessed(witness.name, size, REFUSED, f"HTTP {e.status}: {e}")
                log.error("witness %s refused checkpoint %s of size %s: %s", witness.name, checkpoint_id, size, e)
                break
            except WitnessUnavailable as e:
                outcome = Witnessed(witness.name, size, UNREACHABLE, str(e))
                log.warning("witness %s unreachable: %s", witness.name, e)
                break
        with self.log.engine.begin() as conn:
            conn.execute(
                sa.insert(self.t.witnessed).values(
                    checkpoint_id=checkpoint_id,
                    witness=witness.name,
                    size=size,
                    status=outcome.status,
                    detail=outcome.detail[:2000],
                    cosignatures=cosignatures,
                    at=self.clock(),
                )
            )
        return outcome

    def _adopt_unsealed(self) -> int:
        """Before the first checkpoint only: seal rows written before sealing existed (trust on first use)."""
        seals = self.t.seals
        self.tree.ensure_tables()
        with self.log.engine.connect() as conn:
            if not sa.inspect(conn).has_table(seals.name, schema=seals.schema):
                seals.create(conn)
                conn.commit()
        sealer = Sealer(self.signer)
        # The seals and the rows in one snapshot: a row committed between two separate reads (with its seal)
        # would look unsealed, and sealing it again would fail on its seal's key.
        with read_snapshot(self.log.engine) as conn:
            sealed = {int(i) for (i,) in conn.execute(sa.select(seals.c.notification_id))}
            rows = [sealer.seal(n.id, n) for n in self.log.rows(conn=conn) if n.id not in sealed]
        if rows:
            with self.log.engine.begin() as conn:
                conn.execute(sa.insert(seals), rows)
            log.warning(
                "log %s: sealed %s rows written before seals existed (first checkpoint)", self.log.name, len(rows)
            )
        return len(rows)
