"""What every witness checks before it accepts a checkpoint (c2sp.org/tlog-witness, add-checkpoint).

A witness keeps every checkpoint it accepted. It accepts a new one only when the log's
signature verifies with a key it trusts, the submitter knows the size it holds, and a
consistency proof shows the new tree extends that one: a log that dropped, rewrote or
reordered anything a witness has seen cannot get past it.
"""

from __future__ import annotations

import base64
import binascii

from domain.merkle_verify import ProofError, verify_consistency
from transparency.checkpoint import SignedCheckpoint, open_checkpoint
from transparency.note import NoteError, Verifier

MAX_PROOF_LINES = 63


class WitnessError(Exception):
    """The witness did not accept the checkpoint; `status` is the protocol's HTTP status."""

    status = 500


class WitnessConflict(WitnessError):
    """The submitter's old size is not the size the witness holds (409, answered with that size)."""

    status = 409

    def __init__(self, size: int) -> None:
        super().__init__(f"the witness holds size {size}")
        self.size = size


class WitnessRefused(WitnessError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class WitnessUnavailable(WitnessError):
    status = 503


def format_submission(old_size: int, proof: list[bytes], note: str) -> str:
    return f"old {old_size}\n" + "".join(base64.b64encode(p).decode() + "\n" for p in proof) + "\n" + note


def parse_submission(body: str) -> tuple[int, list[bytes], str]:
    head, sep, note = body.partition("\n\n")
    if not sep:
        raise WitnessRefused(400, "the body needs an old size line, proof lines, a blank line, then the checkpoint")
    lines = head.split("\n")
    word, _, size = lines[0].partition(" ")
    if word != "old" or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise WitnessRefused(400, "the first line must be 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefused(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except (binascii.Error, ValueError):
        raise WitnessRefused(400, "a consistency proof line is not base64") from None
    return int(size), proof, note


def check_submission(
    old_size: int, proof: list[bytes], note: str, log_keys: list[Verifier], latest: SignedCheckpoint | None
) -> SignedCheckpoint:
    """The new checkpoint if it may be accepted on top of `latest`, else the WitnessError to answer."""
    try:
        signed = open_checkpoint(note, log_keys)
    except NoteError as e:
        known = any(k.name == note.split("\n", 1)[0] for k in log_keys)
        raise WitnessRefused(403 if known else 404, f"checkpoint refused: {e}") from None
    new = signed.checkpoint
    if old_size > new.size:
        raise WitnessRefused(400, f"the old size {old_size} is larger than the checkpoint's size {new.size}")
    held = latest.checkpoint if latest else None
    if old_size != (held.size if held else 0):
        raise WitnessConflict(held.size if held else 0)
    if held is None:
        if proof:
            raise WitnessRefused(422, "a first checkpoint comes without a consistency proof")
        return signed
    try:
        verify_consistency(held.size, new.size, held.root, new.root, proof)
    except ProofError as e:
        status = 409 if held.size == new.size else 422
        raise WitnessRefused(status, f"not consistent with the checkpoint of size {held.size} it holds: {e}") from None
    return signed
