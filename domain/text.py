"""The text rules: what a name, a code, a free text or a link may hold (finding 3 and 5 of #8).

Every text a person (or a file, or a citizen) gives Kinerja has a length limit and refuses
control characters: NUL and the other C0 and C1 controls, DEL, and lone surrogates (which no
UTF-8 database can store). Multi-line free text keeps tab and line breaks; single-line values
(names, codes, links) refuse those too. Invisible formatting characters that make a text read
differently from what it holds are refused as well: the bidirectional overrides, embeddings and
isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source" spoofing) everywhere; in single-line
values every format character (Unicode category Cf: zero-width spaces and joiners, the BOM, the
soft hyphen, the direction marks), so two names that look the same are the same. Free text keeps
the zero-width joiners that emoji and some scripts need. A link (evidence) is an absolute http:// or https:// URL,
nothing else: a `javascript:` or `data:` link would run in the reader's session.

The rules are declared on the commands' fields (`Annotated[str, RULE]`, domain/*_commands.py) and
checked by `check_command` before a command reaches a workflow and again when the aggregate runs
it; the API derives its request models' limits from the same rules (api/models.py). Every event
an aggregate records passes `refuse_control_characters` as the last net.
"""

from __future__ import annotations

import dataclasses
import re
import typing
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from domain.errors import NOT_TEXT, TOO_LONG, InvalidInput, refusal

TEXT_REQUIRED = refusal("input.required_text", "is required and must be non-empty text")
CONTROL = refusal("input.control", "must not contain control characters ({character} found)")
INVISIBLE = refusal("input.invisible", "must not contain invisible formatting characters ({character} found)")
NOT_A_LINK = refusal("input.link", "must be a link starting with http:// or https:// and naming a host{found}")
NOT_AN_EMAIL = refusal("input.email", "must be one e-mail address such as nama@instansi.go.id, got {value!r}")

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_MULTILINE_BAD = re.compile(f"[{_CONTROL}]")
_SINGLE_LINE_BAD = re.compile(f"[{_CONTROL}\t\n\r]")
# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
LINK_SCHEMES = ("http", "https")


def forbidden_character(value: str, multiline: bool = False) -> str | None:
    """The first character a text of this kind may not hold, or None."""
    found = (_MULTILINE_BAD if multiline else _SINGLE_LINE_BAD).search(value)
    return found.group() if found else None


def invisible_character(value: str, multiline: bool = False) -> str | None:
    """The first invisible formatting character a text of this kind may not hold, or None."""
    found = _BIDI.search(value)
    if found:
        return found.group()
    if not multiline:
        return next((c for c in value if unicodedata.category(c) == "Cf"), None)
    return None


def scrub(value: str, limit: int = 2000) -> str:
    """A text safe to store and show whatever it holds: control characters become U+FFFD, cut to `limit`."""
    return _MULTILINE_BAD.sub("\ufffd", value)[:limit]


def describe(character: str) -> str:
    names = {"\x00": "NUL", "\t": "a tab", "\n": "a line break", "\r": "a line break"}
    if character in names:
        return names[character]
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X} {name}" if name else f"U+{ord(character):04X}"


@dataclass(frozen=True)
class TextRule:
    """A kind of text: its length limit, whether it may span lines, whether it is required, whether a link."""

    limit: int
    multiline: bool = False
    required: bool = True
    link: bool = False

    def check(self, field: str, value: object) -> str:
        """The value stripped, or InvalidInput naming the field and the rule."""
        stripped = self.check_shape(field, value)
        if self.required and not stripped:
            raise InvalidInput(field, TEXT_REQUIRED)
        return stripped

    def check_shape(self, field: str, value: object) -> str:
        """Everything but presence (which the command's own rule may state better): text, length,
        control characters, and a link's scheme; the value stripped."""
        if not isinstance(value, str):
            raise InvalidInput(field, NOT_TEXT)
        if len(value) > self.limit:
            raise InvalidInput(field, TOO_LONG, limit=self.limit)
        bad = forbidden_character(value, self.multiline)
        if bad is not None:
            raise InvalidInput(field, CONTROL, character=describe(bad))
        hidden = invisible_character(value, self.multiline)
        if hidden is not None:
            raise InvalidInput(field, INVISIBLE, character=describe(hidden))
        stripped = value.strip()
        if self.link and stripped:
            check_link(field, stripped)
        return stripped

    def optional(self) -> TextRule:
        return dataclasses.replace(self, required=False)


def is_web_link(value: object) -> bool:
    """Whether a value is an absolute http(s) URL that a page may render as a link."""
    if not isinstance(value, str) or forbidden_character(value) is not None or value != value.strip():
        return False
    if invisible_character(value) is not None:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in LINK_SCHEMES and bool(parts.hostname) and " " not in value


def check_link(field: str, value: str) -> str:
    if not is_web_link(value):
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        found = f", not {scheme}:" if scheme and scheme not in LINK_SCHEMES else ""
        raise InvalidInput(field, NOT_A_LINK, found=found)
    return value


# An e-mail address as the org CSV may give it: one plain address, ASCII (RFC 5321 dot-atom local part, a host
# of DNS labels under an alphabetic top-level domain). No display name, comment, quoted part, IP literal, list,
# space or line break: anything a mail header could be made to carry more than one address with is refused.
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
EMAIL_LIMIT = 254  # RFC 5321: a path holds at most 256 octets, two of them the angle brackets


def check_email(field: str, value: object) -> str:
    """One mail address (stripped, the host lower-cased), or InvalidInput naming the field and the rule."""
    if not isinstance(value, str):
        raise InvalidInput(field, NOT_TEXT)
    address = value.strip()
    if len(address) > EMAIL_LIMIT:
        raise InvalidInput(field, TOO_LONG, limit=EMAIL_LIMIT)
    local, at, host = address.rpartition("@")
    labels = host.split(".")
    if (
        not at
        or len(local) > 64
        or not _EMAIL_LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_EMAIL_LABEL.fullmatch(label) for label in labels)
        or not labels[-1].isalpha()
    ):
        raise InvalidInput(field, NOT_AN_EMAIL, value=address[:60])
    return f"{local}@{host.lower()}"


# The kinds of text (limits as the read models' and the survey store's columns allow).
CODE = TextRule(100)  # ids and codes: agency, unit, RHK and IKI ids, periods
NAME = TextRule(200)  # names of people, units and agencies; positions
RANK = TextRule(100).optional()  # pangkat/golongan, e.g. "Pembina Utama Madya (IV/d)"
ITEM = TextRule(2000, multiline=True)  # an RHK, an IKI and its target, a short reason
TEXT = TextRule(5000, multiline=True)  # free text: reasons, notes, realisation, self-assessment
LINK = TextRule(2000, link=True, required=False)  # evidence (bukti dukung)
LINE = TextRule(300)  # one line of a daily log (catatan harian): typed on a phone in a few seconds
COMMENT = TextRule(2000, multiline=True, required=False)  # a citizen's survey comment

Code = typing.Annotated[str, CODE]
Name = typing.Annotated[str, NAME]
OptionalName = typing.Annotated[str, NAME.optional()]
Item = typing.Annotated[str, ITEM]
Text = typing.Annotated[str, TEXT]
OptionalText = typing.Annotated[str, TEXT.optional()]
Link = typing.Annotated[str, LINK]
Line = typing.Annotated[str, LINE]


def text(field: str, value: object, rule: TextRule = TEXT) -> str:
    """A required free text, stripped; the message names the field."""
    return rule.check(field, value)


def check_command(cmd: Any) -> None:
    """Check the shape of every text field a command declares with a rule (Annotated[str, RULE]): length,
    control characters, links. Presence is left to the aggregate, whose rule says why a text is needed."""
    for name, rule in _rules(type(cmd)).items():
        value = getattr(cmd, name)
        if value is not None:
            rule.check_shape(name, value)


_RULES: dict[type, dict[str, TextRule]] = {}


def _rules(cls: type) -> dict[str, TextRule]:
    found = _RULES.get(cls)
    if found is None:
        found = {}
        for name, hint in typing.get_type_hints(cls, include_extras=True).items():
            for meta in getattr(hint, "__metadata__", ()):
                if isinstance(meta, TextRule):
                    found[name] = meta
        _RULES[cls] = found
    return found


def refuse_control_characters(values: Mapping[str, Any], where: str = "") -> None:
    """The last net under every event: no string anywhere in it holds a control character (tab and
    line breaks aside) or a bidirectional override. Whatever rule a field forgot, NUL never reaches the log."""
    for key, value in values.items():
        _walk(f"{where}.{key}" if where else str(key), value)


def _walk(path: str, value: Any) -> None:
    if isinstance(value, str):
        bad = forbidden_character(value, multiline=True)
        if bad is not None:
            raise InvalidInput(path, CONTROL, character=describe(bad))
        hidden = _BIDI.search(value)
        if hidden:
            raise InvalidInput(path, INVISIBLE, character=describe(hidden.group()))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk(path, key)
            _walk(f"{path}.{key}", item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, item in enumerate(value):
            _walk(f"{path}[{i}]", item)
