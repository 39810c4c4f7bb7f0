"""Evidence files of the daily log: their type sniffed from their bytes, their size limited, stored by content.

The client's file name and Content-Type are never believed: a PDF is a file that starts as one and ends
with its %%EOF, a PNG or JPEG one that Pillow (restricted to those two formats) opens and verifies. The
domain states the limits (domain/daily_log.py); this module applies them to bytes. A file is stored under
the folder of settings.evidence_dir at <sha256[:2]>/<sha256[2:4]>/<sha256>: its name is its digest, so the
same file sent twice (a retried upload) is one file, and no name a client sends can reach the file system.
Reading a file checks its digest again: a file altered on disk is refused, never served as the evidence.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from domain.daily_log import EVIDENCE_LIMIT_BYTES, EVIDENCE_PER_ENTRY, check_sha256, wrong_size, wrong_type
from domain.errors import IntegrityBroken

PDF_TAIL = 1024  # %%EOF ends a PDF, give or take trailing line breaks and an incremental update's padding
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def sniff(data: bytes, field: str = "file") -> str:
    """The evidence type of a file as its bytes show it; InvalidInput (naming `field`) for anything else."""
    if data.startswith(b"%PDF-"):
        if b"%%EOF" in data[-PDF_TAIL:]:
            return "application/pdf"
    else:
        try:
            with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
                found = IMAGE_FORMATS.get(str(image.format))
                image.verify()
            if found:
                return found
        except Exception:  # noqa: BLE001 - whatever Pillow finds wrong, the file is not an image we take
            pass
    raise wrong_type(field)


def shown_name(filename: str) -> str:
    """The name a reader sees: the last part of what the client sent (no folders), at most 200 characters.
    Only shown, never used as a path; the domain's text rule still refuses control characters in it."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[-200:]


class EvidenceStore:
    """Evidence files by SHA-256 in one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        check_sha256("sha256", sha256)  # 64 hex digits: nothing else ever becomes part of a path
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def check(self, data: bytes, filename: str, field: str = "file") -> dict[str, Any]:
        """One file's reference (sha256, size, type, name) once its size and type pass; nothing is stored."""
        if not 0 < len(data) <= EVIDENCE_LIMIT_BYTES:
            raise wrong_size(field)
        kind = sniff(data, field)
        return {
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "type": kind,
            "name": shown_name(filename),
        }

    def put(self, data: bytes, filename: str, field: str = "file") -> dict[str, Any]:
        """Check and store one file; its reference (sha256, size, type, name) for the daily log entry."""
        ref = self.check(data, filename, field)
        sha256 = ref["sha256"]
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, target)  # atomic: a reader sees no file or the whole file
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return ref

    def read(self, sha256: str) -> bytes | None:
        """The stored file, or None when it is not in the store; IntegrityBroken when it is not what was stored."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityBroken(f"evidence/{sha256}", "evidence-altered", "the stored file no longer has its SHA-256")
        return data


def too_large(content_length: str | None, limit: int = EVIDENCE_PER_ENTRY * EVIDENCE_LIMIT_BYTES) -> bool:
    """Whether a request announces more than an entry's evidence files and a short form may take (refused
    before reading)."""
    try:
        return content_length is None or int(content_length) > limit + 64 * 1024
    except ValueError:
        return True
