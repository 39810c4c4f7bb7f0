"""`kinerja audit verify`: every chain, every seal, then the log against every checkpoint and witness.

1. Every record's hash chain (domain/chain.py names the first broken link).
2. Every row's seal: a row without one was written around Kinerja (a forged append); a row
   that differs from its seal was rewritten, even if its author recomputed the chain.
3. The log's Merkle tree, recomputed from the rows, against each checkpoint the log stored
   and the latest each witness holds (their signatures checked first: an edited checkpoint
   is named). Where the log no longer has a checkpoint's root, the stored tree (itself
   checked against that checkpoint) says which rows went missing or changed, and the
   missing ones are named per record: its newest events (truncation), all of it (a
   deleted record), or some in the middle.
4. Each witness holds at least what it accepted before, by the log's record of its
   answers (an HTTP witness's cosignature proves it): a witness rolled back is named.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.application import Appraisals
from domain.audit import Audit
from domain.merkle import Frontier
from transparency.checkpoint import Checkpoint, open_checkpoint
from transparency.findings import Report
from transparency.note import NoteError, Verifier, parse
from transparency.persistence import open_seal
from transparency.publish import ACCEPTED
from transparency.tree import BATCH, Log, LogTree, row_leaf
from transparency.witnesses import Witness
from transparency.witnessing import WitnessError


@dataclass(frozen=True)
class Row:
    nid: int
    oid: str
    version: int
    label: str
    leaf: bytes


@dataclass(frozen=True)
class Trusted:
    source: str  # "checkpoint #3" or "witness <name>"
    checkpoint: Checkpoint


def record_label(topic: str) -> str:
    cls = topic.partition(":")[2].split(".")[0]
    return {"AppraisalCycle": "cycle"}.get(cls, cls.lower() or "record")


def describe(label: str, oid: str, versions: list[int]) -> str:
    vs = sorted(versions)
    span = (
        f"event {vs[0]}"
        if len(vs) == 1
        else f"events {vs[0]}-{vs[-1]}"
        if vs == list(range(vs[0], vs[-1] + 1))
        else "events " + ", ".join(map(str, vs))
    )
    return f"{label} {oid}: {span}"


class LogVerifier:
    def __init__(self, app: Appraisals, origin: str, log_keys: list[Verifier], witnesses: list[Witness]) -> None:
        self.app, self.origin, self.keys, self.witnesses = app, origin, log_keys, witnesses
        self.log = Log.of(app)
        self.tree = LogTree(self.log)
        self.t = self.log.tables

    def run(self) -> Report:
        report = Report(self.log.name, self.origin)
        self.tree.ensure_tables()
        rows, seal_report, orphans = self._scan()
        report.events, report.tree_size = len(rows), self.tree.size()
        report.sealed = len(rows) - len([f for f in seal_report.findings if f.kind == "unsealed"])
        self._chains(report, rows)
        report.findings += seal_report.findings
        trusted = self._stored_checkpoints(report) + self._witnesses(report)
        self._against(report, rows, trusted, orphans)
        if not trusted:
            report.add("no-checkpoint", "log", "no checkpoint covers the log yet: only chains and seals were checked")
        return report

    # --- 1 and 2: rows, seals, chains ----------------------------------------

    def _scan(self) -> tuple[list[Row], Report, dict[int, tuple[str, int]]]:
        rows: list[Row] = []
        seals = Report(self.log.name, self.origin)
        seal_ids: dict[int, tuple[str, int]] = {}
        after = 0
        while True:
            page = self.log.recorder.select_notifications(after + 1, BATCH)
            notes = self._seals(page[0].id, page[-1].id) if page else {}
            for n in page:
                row = Row(n.id, str(n.originator_id), n.originator_version, record_label(n.topic), row_leaf(n))
                rows.append(row)
                self._check_seal(seals, row, notes.get(n.id))
            if len(page) < BATCH:
                break
            after = page[-1].id
        present = {r.nid for r in rows}
        with self.log.engine.connect() as conn:
            s = self.t.seals
            for nid, oid, version in conn.execute(
                sa.select(s.c.notification_id, s.c.originator_id, s.c.originator_version)
            ):
                if int(nid) not in present:
                    seal_ids[int(nid)] = (str(oid), int(version))
        return rows, seals, seal_ids

    def _seals(self, first: int, last: int) -> dict[int, str]:
        s = self.t.seals
        with self.log.engine.connect() as conn:
            if not sa.inspect(conn).has_table(s.name, schema=s.schema):
                return {}
            found = conn.execute(
                sa.select(s.c.notification_id, s.c.note).where(s.c.notification_id.between(first, last))
            )
            return {int(i): note for i, note in found}

    def _check_seal(self, report: Report, row: Row, note: str | None) -> None:
        where = f"{row.label} {row.oid} event {row.version} (notification {row.nid})"
        if note is None:
            report.add(
                "unsealed",
                where,
                f"{where} carries no seal of the agency: it was written around Kinerja (a forged event)",
                row.oid,
            )
            return
        try:
            sealed, _ = open_seal(note, self.keys)
        except NoteError as e:
            report.add("seal-invalid", where, f"the seal of {where} does not verify: {e}", row.oid)
            return
        if (sealed.leaf, sealed.notification_id, str(sealed.originator_id), sealed.version) != (
            row.leaf,
            row.nid,
            row.oid,
            row.version,
        ):
            report.add(
                "rewritten",
                where,
                f"{where} differs from what the agency sealed when it was written: "
                "it was rewritten (its hash chain may have been recomputed)",
                row.oid,
            )

    def _chains(self, report: Report, rows: list[Row]) -> None:
        labels = {r.oid: r.label for r in rows}
        report.records = len(labels)
        audit = Audit(self.app)
        for oid, label in labels.items():
            chain = audit.verify(UUID(oid))
            if not chain.ok:
                report.add("chain", f"{label} {oid}", f"{label} {oid}: {chain.problem}", oid)

    # --- 3: checkpoints and witnesses ---------------------------------------

    def _stored_checkpoints(self, report: Report) -> list[Trusted]:
        trusted: list[Trusted] = []
        c, w = self.t.checkpoints, self.t.witnessed
        with self.log.engine.connect() as conn:
            stored = conn.execute(sa.select(c).order_by(c.c.id)).all()
            answers = defaultdict(list)
            for a in conn.execute(sa.select(w).order_by(w.c.id)):
                answers[a.checkpoint_id].append(
                    {"witness": a.witness, "status": a.status, "detail": a.detail, "at": a.at.isoformat()}
                )
        for row in stored:
            entry: dict[str, Any] = {
                "id": row.id,
                "size": row.size,
                "root": bytes(row.root).hex(),
                "reason": row.reason,
                "created_at": row.created_at.isoformat(),
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
            for answer in answers[row.id]:
                if answer["status"] == "refused":
                    report.add(
                        "witness-refused",
                        f"witness {answer['witness']}",
                        f"witness {answer['witness']} refused {subject}: {answer['detail']}",
                    )
        return trusted

    def _witnesses(self, report: Report) -> list[Trusted]:
        trusted: list[Trusted] = []
        stored = {(t.checkpoint.size, t.checkpoint.root) for t in self._valid_stored(report)}
        for witness in self.witnesses:
            subject = f"witness {witness.name}"
            entry: dict[str, Any] = {"name": witness.name, "held": None, "status": "ok", "detail": ""}
            report.witnesses.append(entry)
            try:
                held = witness.latest(self.origin)
            except WitnessError as e:
                entry.update(status="unreachable", detail=str(e))
                report.add("witness-unreachable", subject, f"{subject} could not be asked: {e}")
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
            self._rollback(report, witness, size, entry)
        return trusted

    def _valid_stored(self, report: Report) -> list[Trusted]:
        return [
            Trusted(f"checkpoint #{c['id']}", Checkpoint(self.origin, c["size"], bytes.fromhex(c["root"])))
            for c in report.checkpoints
            if c["valid"]
        ]

    def _rollback(self, report: Report, witness: Witness, held: int, entry: dict[str, Any]) -> None:
        w, c = self.t.witnessed, self.t.checkpoints
        with self.log.engine.connect() as conn:
            best = conn.execute(
                sa.select(w.c.size, w.c.at, w.c.cosignatures, c.c.note)
                .join(c, c.c.id == w.c.checkpoint_id)
                .where(w.c.witness == witness.name, w.c.status == ACCEPTED)
                .order_by(w.c.size.desc())
                .limit(1)
            ).first()
        if best is None or best.size <= held:
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

    # --- 3 continued: the log against what the checkpoints vouch for ----------

    def _against(
        self, report: Report, rows: list[Row], trusted: list[Trusted], orphans: dict[int, tuple[str, int]]
    ) -> None:
        roots = roots_at([r.leaf for r in rows], {t.checkpoint.size for t in trusted})
        broken = [t for t in trusted if roots.get(t.checkpoint.size) != t.checkpoint.root]
        missing = dict(orphans)  # notification id -> (record id, version), rows gone from the log
        reference = max(trusted, key=lambda t: t.checkpoint.size, default=None)
        if broken and reference is not None:
            stored = list(self.tree.stored_leaves())
            covered = stored[: reference.checkpoint.size]
            if (
                len(covered) == reference.checkpoint.size
                and roots_at([bytes(s.hash) for s in covered], {len(covered)}).get(len(covered))
                == reference.checkpoint.root
            ):
                self._diff(report, rows, covered, missing, reference)
            else:
                report.add(
                    "tree-store-altered",
                    "stored tree",
                    f"the stored tree does not reproduce the root of "
                    f"{reference.source}: it was altered too, so the changed rows cannot be named",
                )
                for t in broken:
                    if t.checkpoint.size > len(rows):
                        report.add(
                            "log-truncated",
                            t.source,
                            f"the log has {len(rows)} rows but {t.source} vouches "
                            f"for {t.checkpoint.size}: rows were removed",
                        )
                    else:
                        report.add(
                            "inconsistent",
                            t.source,
                            f"the first {t.checkpoint.size} rows of the log no longer "
                            f"have the root {t.source} vouches for: rows were removed, changed or inserted",
                        )
        self._classify(report, rows, missing, reference)

    def _diff(
        self,
        report: Report,
        rows: list[Row],
        covered: list[Any],
        missing: dict[int, tuple[str, int]],
        reference: Trusted,
    ) -> None:
        by_nid = {r.nid: r for r in rows}
        named = {f.subject for f in report.findings}
        covered_nids = {int(s.notification_id) for s in covered}
        for s in covered:
            row = by_nid.get(int(s.notification_id))
            if row is None:
                missing[int(s.notification_id)] = (s.originator_id, int(s.originator_version))
            elif row.leaf != bytes(s.hash):
                where = f"{row.label} {row.oid} event {row.version} (notification {row.nid})"
                if where not in named:
                    report.add(
                        "rewritten",
                        where,
                        f"{where} differs from the row {reference.source} covers: it was rewritten",
                        row.oid,
                    )
        last = max(covered_nids, default=0)
        for row in rows:
            if row.nid < last and row.nid not in covered_nids:
                where = f"{row.label} {row.oid} event {row.version} (notification {row.nid})"
                report.add(
                    "inserted",
                    where,
                    f"{where} appears among the rows {reference.source} covers, "
                    "which did not include it: it was inserted later",
                    row.oid,
                )

    def _classify(
        self, report: Report, rows: list[Row], missing: dict[int, tuple[str, int]], reference: Trusted | None
    ) -> None:
        if not missing:
            return
        remaining: dict[str, list[int]] = defaultdict(list)
        labels = {r.oid: r.label for r in rows}
        for r in rows:
            remaining[r.oid].append(r.version)
        gone: dict[str, list[int]] = defaultdict(list)
        for nid in sorted(missing):
            oid, version = missing[nid]
            gone[oid].append(version)
        chained = {f.record_id for f in report.findings if f.kind == "chain"}
        where = f"covered by {reference.source} (size {reference.checkpoint.size})" if reference else "sealed"
        for oid, versions in gone.items():
            label = labels.get(oid, "record")
            if not remaining[oid]:
                report.add(
                    "aggregate-deleted",
                    f"record {oid}",
                    f"record {oid} was deleted whole: its "
                    f"{len(versions)} events (versions {min(versions)}-{max(versions)}), {where}, are all "
                    "missing from the log",
                    oid,
                )
            elif min(versions) > max(remaining[oid]):
                report.add(
                    "truncated",
                    f"{label} {oid}",
                    f"{describe(label, oid, versions)} {'is' if len(versions) == 1 else 'are'} "
                    f"missing: the record was truncated after event {max(remaining[oid])}; they were {where}",
                    oid,
                )
            elif oid not in chained:
                report.add(
                    "deleted", f"{label} {oid}", f"{describe(label, oid, versions)} missing; they were {where}", oid
                )


def roots_at(leaves: list[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The tree's root at each wanted size, in one pass over the leaf hashes."""
    frontier, roots = Frontier(), {}
    if 0 in sizes:
        roots[0] = frontier.root()
    for leaf in leaves:
        frontier.append(leaf)
        if frontier.size in sizes:
            roots[frontier.size] = frontier.root()
    return roots
