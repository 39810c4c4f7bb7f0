"""Checkpoints (c2sp.org/tlog-checkpoint): a log's origin, tree size and root hash, as a signed note.

    kinerja.example.go.id/log/kinerja
    1234
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — kinerja.example.go.id/log/kinerja Az3grlgt...

The log signs with its key under its origin as the key name; witnesses add cosignatures.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from domain.merkle import HASH_SIZE
from transparency.note import Note, NoteError, Signer, Verifier, parse, sign


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not all(lines[:-1]):
            raise NoteError("a checkpoint is three non-empty lines: origin, tree size, root hash")
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"the tree size {size[:30]!r} is not a decimal number")
        try:
            raw = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError):
            raise NoteError("the root hash is not valid base64") from None
        if len(raw) != HASH_SIZE:
            raise NoteError(f"the root hash has {len(raw)} bytes, not {HASH_SIZE}")
        return cls(origin, int(size), raw)

    def sign(self, signer: Signer) -> Note:
        return sign(self.body(), signer)


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint note whose log signature verified with a trusted key."""

    checkpoint: Checkpoint
    note: Note
    key: Verifier


def open_checkpoint(text: str, log_keys: list[Verifier], origin: str | None = None) -> SignedCheckpoint:
    """Parse a checkpoint note and verify the log's signature; NoteError names what is wrong."""
    note = parse(text)
    checkpoint = Checkpoint.from_body(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}")
    key = note.signed_by_any([k for k in log_keys if k.name == checkpoint.origin] or log_keys)
    return SignedCheckpoint(checkpoint, note, key)
