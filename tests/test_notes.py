"""Signed notes, checkpoints and cosignatures against the reference implementation's known answers.

The PeterNeumann key and note are those of Go's golang.org/x/mod/sumdb/note documentation, and
example.com/foo is the example of the C2SP signed-note specification: Ed25519 is
deterministic, so our signer must reproduce their signatures byte for byte.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from domain.merkle import leaf_hash
from transparency.checkpoint import Checkpoint, open_checkpoint
from transparency.keys import load_or_create
from transparency.note import COSIGNATURE_V1, NoteError, Signer, Verifier, cosignature_time, parse, sign

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_signing_reproduces_the_reference_note_byte_for_byte() -> None:
    signer = Signer.parse(GO_SKEY)
    assert str(signer) == GO_SKEY
    assert str(signer.verifier()) == GO_VKEY
    assert str(sign(GO_TEXT, signer)) == GO_NOTE
    assert parse(GO_NOTE).signed_by_any([Verifier.parse(GO_VKEY)]) == Verifier.parse(GO_VKEY)


def test_the_specification_example_verifies_and_an_altered_copy_does_not() -> None:
    key = Verifier.parse(SPEC_VKEY)
    assert parse(SPEC_NOTE).signed_by_any([key]) == key
    with pytest.raises(NoteError, match="the signature does not verify: the note was altered"):
        parse(SPEC_NOTE.replace("an example", "a forged")).signed_by_any([key])
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        parse(SPEC_NOTE).signed_by_any([Verifier.parse(GO_VKEY)])


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("no newline", "a note must end with a newline"),
        ("text\n\u2014 k AAAA\n", "a note needs a blank line"),
        ("text\n\n", "a note needs at least one signature"),
        ("text\n\n- k AAAAAA==\n", "must start with an em dash"),
        ("text\n\n\u2014 k !!!\n", "a signature is not valid base64"),
        ("text\n\n\u2014 k AAE=\n", "a signature is shorter than its key id"),
        ("te\x00xt\n\n\u2014 k AAAAAA==\n", "control characters"),
    ],
)
def test_malformed_notes_are_refused_with_the_reason(note: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse(note)


def test_malformed_keys_are_refused_with_the_reason() -> None:
    with pytest.raises(NoteError, match="does not match its name and key"):
        Verifier.parse(GO_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(NoteError, match="does not match its name and key"):
        Verifier.parse(GO_VKEY.replace("PeterNeumann", "PaulNeumann"))
    with pytest.raises(NoteError, match="without spaces or '\\+'"):
        Signer.generate("two words")
    with pytest.raises(NoteError, match="PRIVATE\\+KEY"):
        Signer.parse(GO_VKEY)


def test_a_checkpoint_round_trips_and_its_edits_are_caught() -> None:
    log = Signer.generate("kinerja.test/log/kinerja")
    checkpoint = Checkpoint("kinerja.test/log/kinerja", 20852163, leaf_hash(b"x"))
    text = str(checkpoint.sign(log))
    opened = open_checkpoint(text, [log.verifier()], origin="kinerja.test/log/kinerja")
    assert opened.checkpoint == checkpoint
    edited = text.replace("20852163", "20852162")
    with pytest.raises(NoteError, match="the note was altered after it was signed"):
        open_checkpoint(edited, [log.verifier()])
    with pytest.raises(NoteError, match="is of log 'kinerja.test/log/kinerja', not 'other/log'"):
        open_checkpoint(text, [log.verifier()], origin="other/log")
    for body, message in [
        ("o\n01\nAAAA\n", "not a decimal number"),
        ("o\n1\nAAAA\n", "has 3 bytes, not 32"),
        ("o\n1\n", "three non-empty lines"),
    ]:
        with pytest.raises(NoteError, match=message):
            Checkpoint.from_body(body)


def test_a_cosignature_signs_the_checkpoint_with_its_time() -> None:
    log, witness = Signer.generate("log.test/a"), Signer.generate("witness.test/w1", COSIGNATURE_V1)
    note = Checkpoint("log.test/a", 3, leaf_hash(b"r")).sign(log)
    cosigned = note.with_lines(witness.signature_line(note.text, timestamp=1_700_000_000))
    found = cosigned.verified_by(witness.verifier())
    assert found is not None and cosignature_time(found) == 1_700_000_000
    assert str(witness.verifier()).startswith("witness.test/w1+") and Verifier.parse(str(witness.verifier()))
    # the same cosignature moved onto another checkpoint does not verify
    other = Checkpoint("log.test/a", 4, leaf_hash(b"r")).sign(log)
    assert other.with_lines(found.line).verified_by(witness.verifier()) is None
    with pytest.raises(NoteError, match="needs a timestamp"):
        witness.signature_line(note.text)


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "kinerja.key"
    keys: list[str] = []
    starters = [threading.Thread(target=lambda: keys.append(str(load_or_create(path, "log.test/a")))) for _ in range(8)]
    for t in starters:
        t.start()
    for t in starters:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["kinerja.key", "kinerja.pub"]
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    with pytest.raises(NoteError, match="is for 'log.test/a', not 'log.test/b'"):
        load_or_create(path, "log.test/b")
