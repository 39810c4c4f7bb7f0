"""What the checkpoints vouch for: the log's own (signature checked) and the latest each witness holds.

Each is opened with the agency's keys first, so an edited checkpoint is named instead of
trusted; a witness's latest must be at least what it accepted before, by the log's record
of its answers (for an HTTP witness, its kept cosignature proves it), else it was rolled
back; a checkpoint a witness holds must also be in the log's own list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography import x509

from transparency.checkpoint import Checkpoint, open_checkpoint
from transparency.findings import Report
from transparency.log import Log
from transparency.note import NoteError, Verifier, parse
from transparency.publish import ACCEPTED
from transparency.tables import utc_iso
from transparency.timestamps import TimestampError, check
from transparency.witnesses import Witness
from transparency.witnessing import WitnessError

Asked = dict[str, str | None | WitnessError]  # witness name -> the checkpoint it holds (or why it could not say)


@dataclass(frozen=True)
class Trusted:
    source: str  # "checkpoint #3" or "witness <name>"
    checkpoint: Checkpoint


class Vouchers:
    def __init__(
        self,
        log: Log,
        origin: str,
        keys: list[Verifier],
        witnesses: list[Witness],
        tsa_chain: list[x509.Certificate] | None = None,
    ) -> None:
        self.log, self.origin, self.keys, self.witnesses, self.tsa_chain = log, origin, keys, witnesses, tsa_chain
        self.t = log.tables

    def ask(self) -> Asked:
        """What each witness holds now. Asked before the log's snapshot is read: the log stores a checkpoint
        before it offers it, so whatever a witness holds then, the snapshot has its checkpoint and rows."""
        asked: Asked = {}
        for witness in self.witnesses:
            try:
                asked[witness.name] = witness.latest(self.origin)
            except WitnessError as e:
                asked[witness.name] = e
        return asked

    def collect(self, report: Report, conn: sa.Connection, asked: Asked) -> list[Trusted]:
        """Every checkpoint that verifies, from the log's list (read on `conn`, the verifier's snapshot) then
        from each witness (as `asked` before it); findings for the rest."""
        return self._stored_checkpoints(report, conn) + self._witnesses(report, conn, asked)

    def _stored_checkpoints(self, report: Report, conn: sa.Connection) -> list[Trusted]:
        trusted: list[Trusted] = []
        c, w = self.t.checkpoints, self.t.witnessed
        stored = conn.execute(sa.select(c).order_by(c.c.id)).all()
        answers = defaultdict(list)
        for a in conn.execute(sa.select(w).order_by(w.c.id)):
            answers[a.checkpoint_id].append(
                {"witness": a.witness, "status": a.status, "detail": a.detail, "at": utc_iso(a.at)}
            )
        for row in stored:
            entry: dict[str, Any] = {
                "id": row.id,
                "size": row.size,
                "root": bytes(row.root).hex(),
                "reason": row.reason,
                "created_at": utc_iso(row.created_at),
                "time_stamp": row.timestamp_note,
                "witnesses": answers[row.id],
                "valid": False,
            }
            report.checkpoints.append(entry)
            subject = f"checkpoint #{row.id}"
            try:
                signed = open_checkpoint(row.note, self.keys, origin=self.origin)
            except NoteError as e:
                report.add(
                    "checkpoint-edited",
                    subject,
                    f"{subject} (size {row.size}, {row.created_at:%Y-%m-%d %H:%M}) "
                    f"does not verify with the agency's key: {e}",
                )
                continue
            if (signed.checkpoint.size, signed.checkpoint.root) != (row.size, bytes(row.root)):
                report.add(
                    "checkpoint-edited",
                    subject,
                    f"{subject}: its size or root columns differ from its signed note (size {signed.checkpoint.size})",
                )
                continue
            entry["valid"] = True
            trusted.append(Trusted(subject, signed.checkpoint))
            if row.timestamp_token and self.tsa_chain:
                try:
                    check(bytes(row.timestamp_token), signed.checkpoint.body().encode(), self.tsa_chain)
                    entry["time_stamp_verified"] = True
                except TimestampError as e:
                    entry["time_stamp_verified"] = False
                    report.add("time-stamp-invalid", subject, f"the time-stamp of {subject} does not verify: {e}")
            for answer in answers[row.id]:
                if answer["status"] == "refused":
                    report.add(
                        "witness-refused",
                        f"witness {answer['witness']}",
                        f"witness {answer['witness']} refused {subject}: {answer['detail']}",
                    )
        return trusted

    def _witnesses(self, report: Report, conn: sa.Connection, asked: Asked) -> list[Trusted]:
        trusted: list[Trusted] = []
        stored = {(t.checkpoint.size, t.checkpoint.root) for t in self._valid_stored(report)}
        for witness in self.witnesses:
            subject = f"witness {witness.name}"
            entry: dict[str, Any] = {"name": witness.name, "held": None, "status": "ok", "detail": ""}
            report.witnesses.append(entry)
            held = asked.get(witness.name)
            if isinstance(held, WitnessError):
                entry.update(status="unreachable", detail=str(held))
                report.add("witness-unreachable", subject, f"{subject} could not be asked: {held}")
                continue
            size = 0
            if held is not None:
                try:
                    signed = open_checkpoint(held, self.keys, origin=self.origin)
                except NoteError as e:
                    entry.update(status="edited", detail=str(e))
                    report.add(
                        "witness-checkpoint-edited",
                        subject,
                        f"the latest checkpoint {subject} holds does not verify with the agency's key: {e}",
                    )
                    continue
                size = signed.checkpoint.size
                trusted.append(Trusted(subject, signed.checkpoint))
                if (size, signed.checkpoint.root) not in stored:
                    report.add(
                        "checkpoint-missing",
                        subject,
                        f"the checkpoint of size {size} that {subject} holds is "
                        "missing from the log's own checkpoints (deleted or replaced)",
                    )
            entry["held"] = size
            self._rollback(report, witness, size, entry, conn)
        return trusted

    def _size_now(self, witness: Witness) -> int:
        try:
            note = witness.latest(self.origin)
            return open_checkpoint(note, self.keys, origin=self.origin).checkpoint.size if note else 0
        except (WitnessError, NoteError):
            return 0

    def _valid_stored(self, report: Report) -> list[Trusted]:
        return [
            Trusted(f"checkpoint #{c['id']}", Checkpoint(self.origin, c["size"], bytes.fromhex(c["root"])))
            for c in report.checkpoints
            if c["valid"]
        ]

    def _rollback(
        self, report: Report, witness: Witness, held: int, entry: dict[str, Any], conn: sa.Connection
    ) -> None:
        w, c = self.t.witnessed, self.t.checkpoints
        best = conn.execute(
            sa.select(w.c.size, w.c.at, w.c.cosignatures, c.c.note)
            .join(c, c.c.id == w.c.checkpoint_id)
            .where(w.c.witness == witness.name, w.c.status == ACCEPTED)
            .order_by(w.c.size.desc())
            .limit(1)
        ).first()
        if best is None or best.size <= held:
            return
        # The witness was asked before the snapshot; it may have accepted a newer checkpoint since, which the
        # snapshot records. Asked again now (after the snapshot), an honest witness holds at least that.
        held = max(held, self._size_now(witness))
        if best.size <= held:
            return
        proof = ""
        key = getattr(witness, "key", None)
        if key is not None and best.cosignatures:
            try:
                if parse(best.note).with_lines(best.cosignatures).verified_by(key) is not None:
                    proof = "; its cosignature of that checkpoint, kept by the log, verifies with the witness's key"
            except NoteError:
                pass
        entry.update(status="rolled back", detail=f"holds {held}, accepted {best.size}")
        report.add(
            "witness-rolled-back",
            f"witness {witness.name}",
            f"witness {witness.name} was rolled back: it holds "
            f"size {held}, but it accepted size {best.size} on {best.at:%Y-%m-%d %H:%M}{proof}",
        )
