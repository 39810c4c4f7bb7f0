"""The witnesses a log sends its checkpoints to: a directory, or an HTTP witness (another party's key).

Both keep every checkpoint they accept and refuse one that is not consistent with the last
(transparency/witnessing.py). A directory witness writes each accepted checkpoint once, to
its own file (<origin>/<size>.checkpoint, created exclusively, then read-only), for storage
that forbids overwriting (WORM, object lock). An HTTP witness is the Kinerja witness service
(transparency/witness_service.py) or any c2sp.org/tlog-witness: it answers with a
cosignature that the log verifies with the witness's public key and keeps.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import httpx

from transparency.checkpoint import SignedCheckpoint, open_checkpoint
from transparency.note import NoteError, Verifier, parse
from transparency.witnessing import (
    WitnessConflict,
    WitnessRefused,
    WitnessUnavailable,
    check_submission,
    format_submission,
)


class Witness(Protocol):
    name: str

    def submit(self, old_size: int, proof: list[bytes], note: str) -> str:
        """Offer a checkpoint; returns the witness's cosignature lines ('' if it does not cosign)."""
        ...

    def latest(self, origin: str) -> str | None:
        """The latest checkpoint (note text, with cosignatures) it holds for a log."""
        ...

    def sizes(self, origin: str) -> list[int]:
        """The sizes of every checkpoint it holds for a log, in the order accepted."""
        ...


class DirectoryWitness:
    """Checkpoints as write-once files in a directory outside the event store."""

    def __init__(self, path: Path | str, log_keys: list[Verifier]) -> None:
        self.path, self.log_keys = Path(path), log_keys
        self.name = f"dir:{self.path}"

    def _dir(self, origin: str) -> Path:
        return self.path / quote(origin, safe="")

    def _files(self, origin: str) -> list[Path]:
        folder = self._dir(origin)
        if not folder.is_dir():
            return []
        return sorted(
            (f for f in folder.iterdir() if f.suffix == ".checkpoint" and f.stem.isdigit()), key=lambda f: int(f.stem)
        )

    def sizes(self, origin: str) -> list[int]:
        return [int(f.stem) for f in self._files(origin)]

    def latest(self, origin: str) -> str | None:
        files = self._files(origin)
        return files[-1].read_text(encoding="utf-8") if files else None

    def submit(self, old_size: int, proof: list[bytes], note: str) -> str:
        origin = note.split("\n", 1)[0]
        held = self.latest(origin)
        try:
            latest = open_checkpoint(held, self.log_keys) if held is not None else None
        except NoteError as e:
            raise WitnessRefused(500, f"the newest checkpoint in {self._dir(origin)} no longer verifies: {e}") from None
        signed = check_submission(old_size, proof, note, self.log_keys, latest)
        if latest is not None and latest.checkpoint.size == signed.checkpoint.size:
            return ""  # the same checkpoint again: nothing new to keep
        target = self._dir(origin) / f"{signed.checkpoint.size:020d}.checkpoint"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            raise WitnessConflict(self.sizes(origin)[-1]) from None  # a concurrent submitter won
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(note)
            f.flush()
            os.fsync(f.fileno())
        return ""


class HttpWitness:
    """A c2sp.org/tlog-witness over HTTP, whose cosignatures verify with its key."""

    def __init__(self, url: str, key: Verifier, client: httpx.Client | None = None, timeout: float = 10) -> None:
        self.url, self.key = url.rstrip("/"), key
        self.name = key.name
        self.client = client or httpx.Client(timeout=timeout)

    def _call(self, method: Callable[..., httpx.Response], path: str, **kwargs: object) -> httpx.Response:
        try:
            return method(self.url + path, **kwargs)
        except httpx.HTTPError as e:
            raise WitnessUnavailable(f"{self.url} did not answer: {type(e).__name__}: {e}"[:300]) from None

    def submit(self, old_size: int, proof: list[bytes], note: str) -> str:
        response = self._call(
            self.client.post,
            "/add-checkpoint",
            content=format_submission(old_size, proof, note),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        if response.status_code == 409 and response.headers.get("content-type", "").startswith("text/x.tlog.size"):
            raise WitnessConflict(int(response.text.strip()))
        if response.status_code >= 500:
            raise WitnessUnavailable(f"{self.url} answered {response.status_code}")
        if response.status_code != 200:
            raise WitnessRefused(response.status_code, response.text.strip()[:500])
        cosigned = parse(note).with_lines(response.text)
        if cosigned.verified_by(self.key) is None:
            raise WitnessRefused(502, f"{self.name} answered without a valid cosignature of its key")
        return response.text

    def latest(self, origin: str) -> str | None:
        response = self._call(self.client.get, "/latest", params={"origin": origin})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise WitnessUnavailable(f"{self.url} answered {response.status_code} for its latest checkpoint")
        return response.text

    def sizes(self, origin: str) -> list[int]:
        response = self._call(self.client.get, "/checkpoints", params={"origin": origin})
        if response.status_code != 200:
            raise WitnessUnavailable(f"{self.url} answered {response.status_code} for its checkpoints")
        return [int(c["size"]) for c in response.json()["checkpoints"]]


def open_held(witness: Witness, origin: str, log_keys: list[Verifier]) -> SignedCheckpoint | None:
    """The latest checkpoint a witness holds, its log signature verified (NoteError if it fails)."""
    held = witness.latest(origin)
    return None if held is None else open_checkpoint(held, log_keys, origin=origin)
