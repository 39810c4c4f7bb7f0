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

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from cryptography import x509

from domain.application import Appraisals
from domain.audit import Audit
from transparency.findings import Report
from transparency.log import BATCH, Log
from transparency.note import Verifier
from transparency.rows import Missing, Row, check_seal, classify_missing, record_label, roots_at
from transparency.snapshot import read_snapshot
from transparency.tree import LogTree, row_leaf
from transparency.vouchers import Trusted, Vouchers
from transparency.witnesses import Witness


class LogVerifier:
    def __init__(
        self,
        app: Appraisals,
        origin: str,
        log_keys: list[Verifier],
        witnesses: list[Witness],
        tsa_chain: list[x509.Certificate] | None = None,
    ) -> None:
        self.app, self.origin, self.keys, self.witnesses, self.tsa_chain = app, origin, log_keys, witnesses, tsa_chain
        self.log = Log.of(app)
        self.tree = LogTree(self.log)
        self.t = self.log.tables

    def run(self) -> Report:
        report = Report(self.log.name, self.origin)
        self.tree.ensure_tables()
        vouchers = Vouchers(self.log, self.origin, self.keys, self.witnesses, self.tsa_chain)
        asked = vouchers.ask()  # before the snapshot, so that the snapshot holds what the witnesses hold
        with read_snapshot(self.log.engine) as conn:
            rows, seal_report, orphans = self._scan(conn)
            report.events, report.tree_size = len(rows), self.tree.size(conn)
            report.sealed = len(rows) - len([f for f in seal_report.findings if f.kind == "unsealed"])
            self._chains(report, rows, conn)
            report.findings += seal_report.findings
            trusted = vouchers.collect(report, conn, asked)
            self._against(report, rows, trusted, orphans, conn)
        if not trusted:
            report.add("no-checkpoint", "log", "no checkpoint covers the log yet: only chains and seals were checked")
        return report

    # --- 1 and 2: rows, seals, chains ----------------------------------------

    def _scan(self, conn: sa.Connection) -> tuple[list[Row], Report, Missing]:
        rows: list[Row] = []
        seals = Report(self.log.name, self.origin)
        seal_ids: Missing = {}
        after = 0
        while True:
            page = self.log.page(after, BATCH, conn)
            notes = self._seals(conn, page[0].id, page[-1].id) if page else {}
            for n in page:
                row = Row(n.id, str(n.originator_id), n.originator_version, record_label(n.topic), row_leaf(n))
                rows.append(row)
                check_seal(seals, row, notes.get(n.id), self.keys)
            if len(page) < BATCH:
                break
            after = page[-1].id
        present = {r.nid for r in rows}
        s = self.t.seals
        for nid, oid, version in conn.execute(
            sa.select(s.c.notification_id, s.c.originator_id, s.c.originator_version)
        ):
            if int(nid) not in present:
                seal_ids[int(nid)] = (str(oid), int(version))
        return rows, seals, seal_ids

    def _seals(self, conn: sa.Connection, first: int, last: int) -> dict[int, str]:
        s = self.t.seals
        if not sa.inspect(conn).has_table(s.name, schema=s.schema):
            return {}
        found = conn.execute(sa.select(s.c.notification_id, s.c.note).where(s.c.notification_id.between(first, last)))
        return {int(i): note for i, note in found}

    def _chains(self, report: Report, rows: list[Row], conn: sa.Connection) -> None:
        labels = {r.oid: r.label for r in rows}
        report.records = len(labels)
        audit = Audit(self.app)
        for oid, label in labels.items():
            chain = audit.verify_rows(self.log.record(conn, UUID(oid)))
            if not chain.ok:
                report.add("chain", f"{label} {oid}", f"{label} {oid}: {chain.problem}", oid)

    # --- 3: checkpoints and witnesses ---------------------------------------

    # --- 3 continued: the log against what the checkpoints vouch for ----------

    def _against(
        self, report: Report, rows: list[Row], trusted: list[Trusted], orphans: Missing, conn: sa.Connection
    ) -> None:
        roots = roots_at([r.leaf for r in rows], {t.checkpoint.size for t in trusted})
        broken = [t for t in trusted if roots.get(t.checkpoint.size) != t.checkpoint.root]
        missing = dict(orphans)  # notification id -> (record id, version), rows gone from the log
        reference = max(trusted, key=lambda t: t.checkpoint.size, default=None)
        if broken and reference is not None:
            stored = list(self.tree.stored_leaves(conn))
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
        if missing:
            covered_by = f"covered by {reference.source} (size {reference.checkpoint.size})" if reference else "sealed"
            classify_missing(report, rows, missing, covered_by)

    def _diff(
        self,
        report: Report,
        rows: list[Row],
        covered: list[Any],
        missing: Missing,
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
