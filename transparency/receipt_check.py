"""Checking a receipt: offline with the agency's and the witnesses' keys, then (given the log) against the log now."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.merkle import event_leaf, leaf_hash
from domain.merkle_verify import ProofError, verify_inclusion
from transparency.checkpoint import open_checkpoint
from transparency.note import NoteError, Verifier, cosignature_time, parse
from transparency.persistence import open_seal
from transparency.receipts import FORMAT

if TYPE_CHECKING:
    from transparency.receipts import Receipts


@dataclass
class ReceiptCheck:
    checks: list[dict[str, Any]] = field(default_factory=list)
    event: dict[str, Any] = field(default_factory=dict)
    witnessed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c["ok"] for c in self.checks)

    @property
    def reason(self) -> str:
        failed = [c for c in self.checks if not c["ok"]]
        return failed[0]["detail"] if failed else ""

    def add(self, check: str, ok: bool, detail: str) -> bool:
        self.checks.append({"check": check, "ok": ok, "detail": detail})
        return ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "event": self.event,
            "witnessed": self.witnessed,
            "checks": self.checks,
        }


def verify_receipt(
    receipt: Any, log_keys: list[Verifier], witness_keys: list[Verifier], log: Receipts | None = None
) -> ReceiptCheck:
    """Check a receipt offline, then (given the log) against the log as it is now."""
    result = ReceiptCheck()
    try:
        _verify(result, receipt, log_keys, witness_keys, log)
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as e:
        result.add("format", False, f"the receipt is malformed ({type(e).__name__}: {str(e)[:120]})")
    return result


def _verify(
    result: ReceiptCheck, receipt: Any, keys: list[Verifier], witness_keys: list[Verifier], log: Receipts | None
) -> None:
    if not isinstance(receipt, dict) or receipt.get("format") != FORMAT:
        result.add("format", False, f"not a Kinerja receipt (format {FORMAT} expected)")
        return
    event = receipt["event"]
    result.event = {k: event.get(k) for k in ("record_id", "version", "notification_id", "type", "at", "by", "digest")}
    try:
        sealed, _ = open_seal(receipt["seal"], keys)
    except NoteError as e:
        result.add("seal", False, f"the agency's seal does not verify: {e}")
        return
    result.add("seal", True, f"sealed by {sealed.origin}")
    state = base64.b64decode(event["state"], validate=True)
    leaf = leaf_hash(
        event_leaf(
            int(event["notification_id"]), UUID(event["record_id"]), int(event["version"]), event["topic"], state
        )
    )
    same = (
        sealed.leaf,
        sealed.notification_id,
        str(sealed.originator_id),
        sealed.version,
        sealed.at,
        sealed.digest,
    ) == (leaf, int(event["notification_id"]), event["record_id"], int(event["version"]), event["at"], event["digest"])
    if not result.add(
        "event",
        same,
        "the event is the one the agency sealed"
        if same
        else "the event in the receipt is not the one the agency sealed: the receipt was altered",
    ):
        return
    proof = receipt.get("proof")
    if proof:
        _check_proof(result, proof, leaf, sealed.origin, keys, witness_keys)
    if log is not None:
        _check_log(result, log, proof, leaf, event)


def _check_proof(
    result: ReceiptCheck,
    proof: dict[str, Any],
    leaf: bytes,
    origin: str,
    keys: list[Verifier],
    witness_keys: list[Verifier],
) -> None:
    try:
        signed = open_checkpoint(proof["checkpoint"], keys, origin=origin)
    except NoteError as e:
        result.add("checkpoint", False, f"the checkpoint in the receipt does not verify: {e}")
        return
    size = signed.checkpoint.size
    result.add("checkpoint", size == int(proof["tree_size"]), f"checkpoint of size {size} signed by {origin}")
    for key in witness_keys:
        found = signed.note.verified_by(key)
        if found is not None:
            result.witnessed.append({"witness": key.name, "time": cosignature_time(found)})
    hashes = [base64.b64decode(h, validate=True) for h in proof["hashes"]]
    try:
        verify_inclusion(int(proof["leaf_index"]), size, leaf, hashes, signed.checkpoint.root)
        result.add("inclusion", True, f"included at leaf {proof['leaf_index']} of checkpoint size {size}")
    except ProofError as e:
        result.add("inclusion", False, f"the inclusion proof does not lead to the checkpoint's root: {e}")


def _check_log(
    result: ReceiptCheck, log: Receipts, proof: dict[str, Any] | None, leaf: bytes, event: dict[str, Any]
) -> None:
    now = log.present(int(event["notification_id"]))
    what = f"{event['type']} (record {event['record_id']}, event {event['version']}, notification {event['notification_id']})"
    if now is None:
        result.add(
            "in the log",
            False,
            f"the event {what} is no longer in the log: it was deleted (the log was "
            "truncated) after it was recorded; this receipt remains the proof that it was",
        )
        return
    if now != leaf:
        result.add("in the log", False, f"the event {what} in the log differs from the receipt: it was rewritten")
        return
    result.add("in the log", True, "the event is in the log, unchanged")
    if proof:
        size = int(proof["tree_size"])
        try:
            root = log.tree.root(size) if log.tree.size() >= size else None
        except LookupError:
            root = None
        signed_root = parse(proof["checkpoint"]).text.split("\n")[2]
        ok = root is not None and base64.b64encode(root).decode() == signed_root
        result.add(
            "log consistent",
            ok,
            f"the log still has the root of checkpoint size {size}"
            if ok
            else f"the log no longer has the root of checkpoint size {size}: it was altered",
        )
