"""The message catalogue: a refusal's code and figures said in Bahasa Indonesia or English.

The texts are gettext catalogues (services/locale/<locale>/LC_MESSAGES/messages.po), read with Babel when
first needed: no compile step, so `pip install` of the package is all an install needs. The msgid is
the refusal's stable code (domain/errors.py); the text names its figures as {params}.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.core import negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from domain.calendar import ZONES
from domain.errors import NOT_TEXT, REFUSALS, REQUIRED, TOO_LONG, DomainError, Refusal, refusal
from services import dates, labels, refusals

LOCALES = ("id", "en")
DEFAULT = "id"
LOCALE_DIR = Path(__file__).parent / "locale"
# An Accept-Language header longer than this, or with more entries, is read only as far as this.
MAX_HEADER = 512
MAX_ENTRIES = 16
_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*")

# A figure named so is said with the page's names for its values (a stage, a status), not the code.
PARAM_TABLES = {
    "stage": "stage",
    "stages": "stage",
    "skp_status": "skp",
    "cycle_status": "cycle_status",
    "deadline": "deadline",
    "deadlines": "deadline",
    "task": "task",
    "finding": "finding",
    "action": "act",
    "rating": "rating",
    "predikat": "predikat",
    "org_predikat": "org",
    "value": "value",
    "relations": "relation",
    "what": "record_kind",
    "expected": "cycle_status",
    "character": "character",
    "owner": "field",
}
# A code said by the name the refusal carries beside it (a unit's code by its name, an agency's likewise).
NAMED = {"unit_id": "unit_name", "agency_id": "agency_name"}
# A figure that is itself a finding in figures (a curve's deviation), said as a sentence of its own.
SENTENCES = {"deviations": labels.curve_warning, "open_appraisals": labels.open_appraisal}
# A figure that names several codes ("review or planning", "draft, returned") is said code by code.
_SEPARATORS = re.compile(r"( or |, )")
_JOINED = {" or ": " atau ", ", ": ", "}


# The general rules of a request's shape, as pydantic refuses them before any domain rule runs.
TOO_SHORT = refusal("input.too_short", "must be at least {limit} characters")
NOT_A_NUMBER = refusal("input.number", "must be a number")
NOT_A_CHOICE = refusal("input.choice", "must be one of {choices}")
MALFORMED = refusal("input.invalid", "is not in the expected form")
VALIDATION_TYPES = {
    "missing": REQUIRED,
    "string_type": NOT_TEXT,
    "string_too_long": TOO_LONG,
    "string_too_short": TOO_SHORT,
    "int_parsing": NOT_A_NUMBER,
    "int_type": NOT_A_NUMBER,
    "float_parsing": NOT_A_NUMBER,
    "decimal_parsing": NOT_A_NUMBER,
    "literal_error": NOT_A_CHOICE,
    "enum": NOT_A_CHOICE,
}


# A code pydantic's own message says better in English (it names the type it expected).
PYDANTIC_WORDED = frozenset(r.code for r in (*VALIDATION_TYPES.values(), MALFORMED))


def validation_refusal(errors: list[Any]) -> tuple[str, dict[str, Any]]:
    """The code and figures of the first error of a refused request model (pydantic's error list)."""
    if not errors:
        return MALFORMED.code, {}
    first = errors[0]
    context = first.get("ctx") or {}
    cause = getattr(context.get("error"), "__cause__", None)
    if isinstance(cause, DomainError):  # a domain rule refused the value inside the model's validator
        return cause.code, dict(cause.params)
    said = VALIDATION_TYPES.get(str(first.get("type", "")), MALFORMED)
    if said is TOO_SHORT and context.get("min_length", 1) <= 1:
        said = REQUIRED
    figures = {
        "limit": context.get("max_length", context.get("min_length", "")),
        "choices": context.get("expected", ""),
    }
    return said.code, {k: v for k, v in figures.items() if k in said.params}


@cache
def catalogue(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def text(code: str, locale: str = DEFAULT) -> str:
    """The catalogue's text for a code ("" when it has none)."""
    message = catalogue(locale).get(code) if code else None
    return str(message.string) if message is not None and message.string else ""


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def say(
    code: str, params: dict[str, Any] | None, locale: str = DEFAULT, field: str | None = None, named: bool = True
) -> str:
    """A refusal in the reader's language; "" when the catalogue has no text for its code.

    A refused field is named first ("Alasan: wajib diisi") unless the text places it itself ({field}), or
    `named` is false (a report whose column already names it).
    """
    template = text(code, locale)
    if not template:
        return ""
    params = params or {}
    zone = params.get("zone") if params.get("zone") in ZONES else "WIB"
    figures = {k: figure(k, v, locale, str(zone)) for k, v in params.items()}
    if locale == "id":  # a unit or an agency by its name where the refusal carries it, not by its code
        figures.update({code: str(params[name]) for code, name in NAMED.items() if params.get(name)})
    if field is not None:
        figures["field"] = field_name(field, locale)
    try:
        said = template.format_map(_Kept(figures))
    except (ValueError, IndexError, AttributeError):  # a text the figures do not fit: the caller keeps the English
        return ""
    if field is not None and named and "field" not in placeholders(template):
        said = f"{figures['field']}: {said}"
    return said


def said_of(row: dict[str, Any]) -> str:
    """A row that records a refusal (its code, figures and English reason), said in Bahasa Indonesia."""
    return say(str(row.get("code") or ""), row.get("params") or {}, "id") or str(row.get("reason", ""))


class _Kept(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def field_name(field: str, locale: str) -> str:
    """A refused field as a person knows it: 'rhk[0].indicators' -> 'IKI'; English keeps the path."""
    if locale != "id":
        return field
    name = field.rsplit(".", 1)[-1].split("[", 1)[0]
    return refusals.FIELDS.get(name, field)


def figure(name: str, value: Any, locale: str, zone: str = "WIB") -> str:
    """One figure of a refusal, said for the reader: dates in Indonesian format, codes by their names."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return ("; " if name in SENTENCES else ", ").join(figure(name, v, locale, zone) for v in value)
    if name in SENTENCES and isinstance(value, dict):
        return SENTENCES[name](value) if locale == "id" else str(value)
    if locale != "id":
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, date) or _is_instant(value) or dates.is_day(value):
        return dates.when(value, zone)  # a calendar day as that day; an instant in the agency's zone
    table = PARAM_TABLES.get(name)
    if not table:
        return str(value)
    parts = _SEPARATORS.split(str(value))
    return "".join(_JOINED.get(p) or labels.label(p, table) for p in parts)


def _is_instant(value: Any) -> bool:
    """An instant as ISO text with its zone ('2026-12-31T15:59:59+00:00'), as a refusal's figure carries it."""
    if not isinstance(value, str) or len(value) < 20 or value[10:11] != "T":
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def negotiate(header: str | None) -> str:
    """The reader's language from an Accept-Language header: 'id' unless English is preferred.

    Entries are read in the order of their q-values (RFC 9110 §12.5.4; q=0 means "not this one");
    a malformed entry is skipped, an over-long header is read only as far as MAX_HEADER.
    """
    preferred = []
    for position, entry in enumerate((header or "")[:MAX_HEADER].split(",")[:MAX_ENTRIES]):
        tag, _, rest = entry.strip().partition(";")
        weight = _weight(rest)
        if _TAG.fullmatch(tag) and weight > 0:
            preferred.append((-weight, position, tag.lower().replace("-", "_")))
    ordered = [tag for _, _, tag in sorted(preferred)]
    if "*" in ordered:
        ordered = ordered[: ordered.index("*")] + [DEFAULT]
    found = negotiate_locale(ordered, list(LOCALES), sep="_")
    return found if found in LOCALES else DEFAULT


def _weight(parameters: str) -> float:
    name, _, value = parameters.strip().partition("=")
    if not parameters.strip():
        return 1.0
    if name.strip().lower() != "q" or not re.fullmatch(r"0(?:\.\d{0,3})?|1(?:\.0{0,3})?", value.strip()):
        return 0.0  # a malformed weight: the entry is not trusted
    return float(value)


# Where refusals are declared: every module of these packages is imported to find them all.
DECLARING = ("domain", "services", "api", "web", "transparency", "workflows", "activities", "identity")


def every_refusal() -> dict[str, Refusal]:
    """Every refusal the application can raise, by code (all declaring modules imported)."""
    for name in DECLARING:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            importlib.import_module(module.name)
    return dict(REFUSALS)
