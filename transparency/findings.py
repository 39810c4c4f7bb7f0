"""What a verification found: one Finding per broken thing, in the order the verifier checks.

The order is the verifier's: every hash chain first, then every row's seal, then the log
against the checkpoints (the log's own and each witness's), then the witnesses. A report's
first tampering finding is "the first broken thing". Kinds are stable identifiers the
pages translate; messages are English sentences for the CLI, the API and the logs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TAMPERED, WARNING = "tampered", "warning"
KINDS = {
    "chain": "a record's hash chain is broken (a row modified, deleted, inserted or reordered)",
    "unsealed": "a row carries no seal of the agency: it was written around Kinerja (a forged event)",
    "rewritten": "a row differs from what the agency sealed or checkpointed (rewritten, even with a re-hashed chain)",
    "seal-invalid": "a seal does not verify with the agency's key",
    "inserted": "a row appears among rows a checkpoint covered, which it did not cover",
    "deleted": "rows covered by a checkpoint are missing",
    "truncated": "a record's newest events, covered by a checkpoint, are missing",
    "aggregate-deleted": "a whole record, covered by a checkpoint, is missing",
    "log-truncated": "the log is shorter than a signed checkpoint",
    "inconsistent": "the log no longer has the root a signed checkpoint vouches for",
    "tree-store-altered": "the stored tree no longer matches the signed checkpoints",
    "checkpoint-edited": "a stored checkpoint does not verify with the agency's key",
    "time-stamp-invalid": "a checkpoint's RFC 3161 time-stamp does not verify",
    "checkpoint-missing": "a checkpoint a witness holds is missing from the log's own list",
    "witness-checkpoint-edited": "a checkpoint a witness holds does not verify",
    "witness-rolled-back": "a witness holds less than it accepted before",
    "witness-refused": "a witness refused a checkpoint as inconsistent",
    "witness-unreachable": "a witness could not be asked",
    "no-checkpoint": "no checkpoint covers the log yet",
}
WARNINGS = {"witness-unreachable", "no-checkpoint"}


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    message: str
    record_id: str | None = None

    @property
    def severity(self) -> str:
        return WARNING if self.kind in WARNINGS else TAMPERED

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "severity": self.severity}


@dataclass
class Report:
    """The outcome of verifying a log (or one record of it)."""

    log: str
    origin: str
    events: int = 0
    records: int = 0
    sealed: int = 0
    tree_size: int = 0
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    witnesses: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def tampering(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == TAMPERED]

    @property
    def ok(self) -> bool:
        return not self.tampering

    @property
    def verdict(self) -> str:
        return "intact" if self.ok else "tampered"

    @property
    def first(self) -> Finding | None:
        return self.tampering[0] if self.tampering else None

    def add(self, kind: str, subject: str, message: str, record_id: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown finding kind {kind}")
        self.findings.append(Finding(kind, subject, message, record_id))

    def as_dict(self) -> dict[str, Any]:
        first = self.first
        return {
            "log": self.log,
            "origin": self.origin,
            "verdict": self.verdict,
            "ok": self.ok,
            "first": first.as_dict() if first else None,
            "events": self.events,
            "records": self.records,
            "sealed": self.sealed,
            "tree_size": self.tree_size,
            "checkpoints": self.checkpoints,
            "witnesses": self.witnesses,
            "findings": [f.as_dict() for f in self.findings],
        }
