"""Checks on stored rows shared by the whole-log verifier and the per-record check.

A row is named by its record and version ("appraisal <id> event 6 (notification 40)");
missing rows are named per record: its newest events (truncation), all of it (a deleted
record), or some in the middle (a deletion the hash chain also names).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from domain.appraisal_events import TOPICS as APPRAISAL_EVENTS_ELSEWHERE
from domain.merkle import Frontier
from transparency.findings import Report
from transparency.note import NoteError, Verifier
from transparency.persistence import SealText, open_seal

MAX_VERIFIED_SEALS = 100_000  # seals remembered as verified (by the SHA-256 of their text), then forgotten at once
Missing = dict[int, tuple[str, int]]  # notification id -> (record id, version) of rows gone from the log


@dataclass(frozen=True)
class Row:
    nid: int
    oid: str
    version: int
    label: str
    leaf: bytes

    @property
    def where(self) -> str:
        return f"{self.label} {self.oid} event {self.version} (notification {self.nid})"


def record_label(topic: str) -> str:
    if topic in APPRAISAL_EVENTS_ELSEWHERE:  # an appraisal's event declared in its rules' module (#15 on)
        return "appraisal"
    cls = topic.partition(":")[2].split(".")[0]
    return {"AppraisalCycle": "cycle"}.get(cls, cls.lower() or "record")


def describe(label: str, oid: str, versions: list[int]) -> str:
    vs = sorted(versions)
    if len(vs) == 1:
        span = f"event {vs[0]}"
    elif vs == list(range(vs[0], vs[-1] + 1)):
        span = f"events {vs[0]}-{vs[-1]}"
    else:
        span = "events " + ", ".join(map(str, vs))
    return f"{label} {oid}: {span}"


def check_seal(
    report: Report, row: Row, note: str | None, keys: list[Verifier], verified: dict[bytes, SealText] | None = None
) -> None:
    """The row must carry the agency's seal, and the seal must name this very row. `verified`: seals (by
    the SHA-256 of their exact text) whose signature verified before, which are not verified again."""
    if note is None:
        message = f"{row.where} carries no seal of the agency: it was written around Kinerja (a forged event)"
        report.add("unsealed", row.where, message, row.oid)
        return
    known = hashlib.sha256(note.encode()).digest()
    sealed = verified.get(known) if verified is not None else None
    if sealed is None:
        try:
            sealed, _ = open_seal(note, keys)
        except NoteError as e:
            report.add("seal-invalid", row.where, f"the seal of {row.where} does not verify: {e}", row.oid)
            return
        if verified is not None:
            if len(verified) >= MAX_VERIFIED_SEALS:
                verified.clear()
            verified[known] = sealed
    if (sealed.leaf, sealed.notification_id, str(sealed.originator_id), sealed.version) != (
        row.leaf,
        row.nid,
        row.oid,
        row.version,
    ):
        message = (
            f"{row.where} differs from what the agency sealed when it was written: "
            "it was rewritten (its hash chain may have been recomputed)"
        )
        report.add("rewritten", row.where, message, row.oid)


def classify_missing(report: Report, rows: list[Row], missing: Missing, covered_by: str) -> None:
    """Name the rows gone from the log per record: truncation, a deleted record, or a gap."""
    remaining: dict[str, list[int]] = defaultdict(list)
    labels = {r.oid: r.label for r in rows}
    for r in rows:
        remaining[r.oid].append(r.version)
    gone: dict[str, list[int]] = defaultdict(list)
    for nid in sorted(missing):
        oid, version = missing[nid]
        if version not in gone[oid]:
            gone[oid].append(version)
    chained = {f.record_id for f in report.findings if f.kind == "chain"}
    for oid, versions in gone.items():
        label = labels.get(oid, "record")
        if not remaining[oid]:
            message = (
                f"record {oid} was deleted whole: its {len(versions)} events (versions {min(versions)}-"
                f"{max(versions)}), {covered_by}, are all missing from the log"
            )
            report.add("aggregate-deleted", f"record {oid}", message, oid)
        elif min(versions) > max(remaining[oid]):
            verb = "is" if len(versions) == 1 else "are"
            message = (
                f"{describe(label, oid, versions)} {verb} missing: the record was truncated after event "
                f"{max(remaining[oid])}; they were {covered_by}"
            )
            report.add("truncated", f"{label} {oid}", message, oid)
        elif oid not in chained:
            message = f"{describe(label, oid, versions)} missing; they were {covered_by}"
            report.add("deleted", f"{label} {oid}", message, oid)


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
