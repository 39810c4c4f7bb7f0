"""C2SP signed notes (c2sp.org/signed-note) with Ed25519, and witness cosignatures (c2sp.org/tlog-cosignature).

A note is a text ending in a newline, a blank line, then signature lines
"— <key name> base64(key id || signature)". Keys are written as the reference
implementation (Go's golang.org/x/mod/sumdb/note) writes them:

    verifier key  <name>+<key id hex>+base64(0x01 || 32-byte public key)
    signer key    PRIVATE+KEY+<name>+<key id hex>+base64(0x01 || 32-byte seed)

A cosignature (type 0x04) signs "cosignature/v1\\ntime <t>\\n" + the checkpoint body and
carries its timestamp: base64(key id || u64 time || signature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ED25519, COSIGNATURE_V1 = 0x01, 0x04
DASH = "\u2014 "
MAX_SIGNATURES = 64


class NoteError(ValueError):
    """A malformed note or key, or a signature that does not verify; the message says which."""


def key_id(name: str, algorithm: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not valid base64") from None


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A public key with its name and signature type (Ed25519 note signature or v1 cosignature)."""

    name: str
    public_key: bytes
    algorithm: int = ED25519

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.algorithm, self.public_key)

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """`<name>+<key id hex>+base64(type || public key)`; the key id must match."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<key id>+<base64 key>")
        name, id_hex, material = parts
        raw = _b64(material, "the verifier key")
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise NoteError("the verifier key is not an Ed25519 key (type 0x01 or 0x04)")
        verifier = cls(_check_name(name), raw[1:], raw[0])
        if verifier.id.hex() != id_hex.lower():
            raise NoteError(f"the verifier key's id {id_hex} does not match its name and key")
        return verifier

    def __str__(self) -> str:
        material = base64.b64encode(bytes([self.algorithm]) + self.public_key).decode()
        return f"{self.name}+{self.id.hex()}+{material}"

    def check(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 key that signs notes under a name (type 0x01) or cosigns (type 0x04)."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)
    algorithm: int = ED25519

    @classmethod
    def generate(cls, name: str, algorithm: int = ED25519) -> Signer:
        return cls(_check_name(name), Ed25519PrivateKey.generate(), algorithm)

    @classmethod
    def parse(cls, skey: str) -> Signer:
        """`PRIVATE+KEY+<name>+<key id hex>+base64(type || seed)`."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signer key is PRIVATE+KEY+<name>+<key id>+<base64 key>")
        raw = _b64(parts[4], "the signer key")
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise NoteError("the signer key is not an Ed25519 key (type 0x01 or 0x04)")
        signer = cls(_check_name(parts[2]), Ed25519PrivateKey.from_private_bytes(raw[1:]), raw[0])
        if signer.verifier().id.hex() != parts[3].lower():
            raise NoteError(f"the signer key's id {parts[3]} does not match its name and key")
        return signer

    def __str__(self) -> str:
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        material = base64.b64encode(bytes([self.algorithm]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier().id.hex()}+{material}"

    def verifier(self) -> Verifier:
        return Verifier(self.name, _raw_public(self.private_key.public_key()), self.algorithm)

    @cached_property
    def key_id(self) -> bytes:
        """The verifier's key id, derived (and the name checked) once: a log's key signs a seal on every save."""
        return key_id(_check_name(self.name), self.algorithm, _raw_public(self.private_key.public_key()))

    def signature(self, text: str, timestamp: int | None = None) -> Signature:
        """This key's signature over a note text (a cosignature needs its POSIX timestamp)."""
        check_text(text)
        if self.algorithm == COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 2**63:
                raise NoteError("a cosignature needs a timestamp")
            blob = struct.pack(">Q", timestamp) + self.private_key.sign(cosigned_message(text, timestamp))
        else:
            blob = self.private_key.sign(text.encode())
        return Signature(self.name, self.key_id, blob)

    def signature_line(self, text: str, timestamp: int | None = None) -> str:
        """One "— name base64" line over a note text (a cosignature needs its POSIX timestamp)."""
        return self.signature(text, timestamp).line


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # control characters but the newline


def check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note text must end with a newline")
    if _CONTROL.search(text):  # a regular expression: every seal's text is checked on every save
        raise NoteError("a note must not contain control characters")


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    blob: bytes  # the signature after the key id (a cosignature's timestamp first)

    @property
    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.blob).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    def with_lines(self, lines: str) -> Note:
        """The note with more signature lines (e.g. a witness's answer) added, duplicates dropped."""
        extra = parse_signature_lines(lines)
        return Note(self.text, self.signatures + tuple(s for s in extra if s not in self.signatures))

    def verified_by(self, verifier: Verifier) -> Signature | None:
        """The signature of this key that verifies, or None if it did not sign (or its signature fails)."""
        for s in self.signatures:
            if s.name != verifier.name or s.key_id != verifier.id:
                continue
            if verifier.algorithm == COSIGNATURE_V1:
                if len(s.blob) != 72:
                    return None
                (timestamp,) = struct.unpack(">Q", s.blob[:8])
                ok = verifier.check(cosigned_message(self.text, timestamp), s.blob[8:])
            else:
                ok = verifier.check(self.text.encode(), s.blob)
            return s if ok else None
        return None

    def signed_by_any(self, verifiers: list[Verifier]) -> Verifier:
        """The first trusted key that signed this note, else NoteError saying why."""
        known = False
        for v in verifiers:
            if any(s.name == v.name and s.key_id == v.id for s in self.signatures):
                known = True
                if self.verified_by(v) is not None:
                    return v
        if known:
            raise NoteError("the signature does not verify: the note was altered after it was signed")
        raise NoteError("the note carries no signature from a trusted key")


def cosignature_time(signature: Signature) -> int:
    return int(struct.unpack(">Q", signature.blob[:8])[0])


def sign(text: str, *signers: Signer) -> Note:
    check_text(text)
    if len(signers) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(s.signature(text) for s in signers))


def parse_signature_lines(lines: str) -> list[Signature]:
    out = []
    for line in lines.splitlines():
        if not line.startswith(DASH):
            raise NoteError(f"a signature line must start with an em dash: {line[:40]!r}")
        name, _, encoded = line[len(DASH) :].partition(" ")
        raw = _b64(encoded, "a signature")
        if len(raw) < 5:
            raise NoteError("a signature is shorter than its key id")
        out.append(Signature(_check_name(name), raw[:4], raw[4:]))
    if len(out) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return out


def parse(note: str) -> Note:
    """Split a signed note into its text and signatures (nothing is verified here)."""
    if not note.endswith("\n"):
        raise NoteError("a note must end with a newline")
    check_text(note)
    text, sep, lines = note.rpartition("\n\n")
    if not sep:
        raise NoteError("a note needs a blank line between its text and its signatures")
    signatures = parse_signature_lines(lines)
    if not signatures:
        raise NoteError("a note needs at least one signature")
    return Note(text + "\n", tuple(signatures))
