"""Key files: a log's signing key and a witness's cosigning key, created once, read after.

A key file holds one signer key string (PRIVATE+KEY+name+id+base64), mode 0600; the
public verifier key is written beside it as <name>.pub for whoever verifies. Creation
links a fully written file into place, so processes starting together agree on one key
and none reads a half-written one. See docs/proof.md for where production keeps them and
how they are rotated.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from transparency.note import ED25519, NoteError, Signer, Verifier

log = logging.getLogger(__name__)


def load_or_create(path: Path, name: str, algorithm: int = ED25519) -> Signer:
    """The signer in `path`, created (with its .pub beside it) if the file does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        signer = Signer.generate(name, algorithm)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(str(signer) + "\n")
        try:
            os.link(draft, path)  # atomic and exclusive: a reader never sees a half-written key
        except FileExistsError:
            pass  # another process created it a moment ago: use theirs
        else:
            path.with_suffix(".pub").write_text(str(signer.verifier()) + "\n", encoding="ascii")
            log.warning(
                "created a new signing key %s for %s; its public key is in %s", path, name, path.with_suffix(".pub")
            )
            return signer
        finally:
            draft.unlink()
    signer = Signer.parse(path.read_text(encoding="ascii"))
    if signer.name != name or signer.algorithm != algorithm:
        raise NoteError(f"the key in {path} is for {signer.name!r}, not {name!r}: set the log origin to match")
    return signer


def public_keys(paths: list[Path], extra: list[str]) -> list[Verifier]:
    """Verifier keys from .pub/.key files that exist and from configured strings (rotated keys)."""
    keys: list[Verifier] = []
    for path in paths:
        if path.suffix == ".key" and path.exists():
            keys.append(Signer.parse(path.read_text(encoding="ascii")).verifier())
        elif path.exists():
            keys.append(Verifier.parse(path.read_text(encoding="ascii")))
    keys += [Verifier.parse(k) for k in extra]
    return list(dict.fromkeys(keys))
