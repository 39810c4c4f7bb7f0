"""Bring the message catalogue up to date with the refusals the code declares (by hand, after adding one).

`.venv/bin/python scripts/catalogue.py`: the English catalogue takes every refusal's English text; the
Indonesian one keeps its texts and gains an empty entry for each new code (tests/test_catalogue.py fails
until it is written); codes no longer declared are dropped from both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.catalogue import LOCALE_DIR, every_refusal

HEADER = """\
# Kinerja's refusals, by code (domain/errors.py and the modules that declare them).
# The msgid is the refusal's stable code; {names} are its figures. Updated by scripts/catalogue.py."""


def update(locale: str, text_of: dict[str, str], keep: bool = True) -> None:
    """Write a locale's catalogue with these codes; `keep`: a text already written wins over the one given."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    old = read_po(path.open("rb"), locale=locale) if path.exists() else Catalog(locale=locale)
    new = Catalog(
        locale=locale,
        domain="messages",
        header_comment=HEADER,
        project="Kinerja",
        version="1",
        copyright_holder="Kinerja",
        msgid_bugs_address="-",
        last_translator="Kinerja",
        language_team="Kinerja",
        creation_date=old.creation_date,  # unchanged, so that a run without new codes changes nothing
        fuzzy=False,
    )
    for code, default in sorted(text_of.items()):
        kept = old.get(code)
        written = kept.string if keep and kept is not None and kept.string else default
        new.add(code, written, flags=("python-brace-format",))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, new, width=120, omit_header=False, sort_output=True)


def main() -> None:
    refusals = every_refusal()
    update("en", {code: r.english for code, r in refusals.items()}, keep=False)
    update("id", dict.fromkeys(refusals, ""))


if __name__ == "__main__":
    main()
