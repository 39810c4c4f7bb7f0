"""Domain errors: each carries the stable code of the rule that refused the command, and its figures.

A rule's refusal is declared once, beside the rule, with `refusal(code, english)`; the English text is
the developer's and the log's (and the `en` catalogue's first wording). Pages and the API say the code
in the reader's language through the message catalogue (services/locale/*/LC_MESSAGES/messages.po);
tests/test_catalogue.py fails when a code has no Indonesian text there.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """One rule's refusal: a stable code ("skp.not_submitted") and its English text with {params}."""

    code: str
    english: str
    extra: tuple[str, ...] = ()  # figures the English text leaves out but another language may say

    @property
    def params(self) -> frozenset[str]:
        named = (name for _, name, _, _ in string.Formatter().parse(self.english) if name)
        return frozenset((*named, *self.extra))

    def say(self, params: dict[str, Any]) -> str:
        """The English text with its figures (a figure left out stays as {name}, never an error)."""
        try:
            return self.english.format_map(_Figures(params))
        except (ValueError, IndexError, AttributeError):  # figures that do not fit their places: the text as declared
            return self.english


class _Figures(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# Every refusal the domain (and the services around it) can raise, by code.
REFUSALS: dict[str, Refusal] = {}


def refusal(code: str, english: str, *extra: str) -> Refusal:
    """Declare a refusal (once per code; the same code twice must say the same thing)."""
    found = REFUSALS.setdefault(code, Refusal(code, english, extra))
    if found != Refusal(code, english, extra):
        raise ValueError(f"refusal {code} is declared twice with different texts")
    return found


def json_figures(params: dict[str, Any]) -> dict[str, Any]:
    """A refusal's figures as JSON: text, numbers, lists and mappings of them; anything else (a date) as its text."""

    def safe(value: Any) -> Any:
        if isinstance(value, (list, tuple, set, frozenset)):
            return [safe(v) for v in value]
        if isinstance(value, dict):  # a finding given in figures (a curve's deviation)
            return {str(k): safe(v) for k, v in value.items()}
        return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)

    return {str(k): safe(v) for k, v in params.items()}


class DomainError(Exception):
    """A command broke a business rule; retrying it cannot help."""

    def __init__(self, said: Refusal, /, **params: Any) -> None:
        super().__init__(said.say(params))
        self.code, self.params = said.code, params


class NotAllowed(DomainError):
    """The actor has no right to take this action on this record."""


class WrongStage(DomainError):
    """The action is not possible at the record's current stage."""


class InvalidInput(DomainError):
    """A value is malformed or outside its allowed set: the refusal names the field."""

    def __init__(self, field: str, said: Refusal, /, **params: Any) -> None:
        Exception.__init__(self, f"{field}: {said.say(params)}")
        self.field, self.code, self.params = field, said.code, params

    @property
    def rule(self) -> str:
        """The rule's short name ("length", "required", "not_self"), as refusals were named before codes."""
        return SHORT_NAMES.get(self.code, self.code.rpartition(".")[2])


# The short names of rules whose code says more than the name they were known by.
SHORT_NAMES = {
    "input.text": "required",
    "input.required_text": "required",
    "participant.own_appraiser": "not_self",
    "participant.own_atasan": "not_self",
    "participant.atasan_is_appraiser": "not_appraiser",
}


class DeadlinePassed(DomainError):
    """The action came after its legal or configured deadline."""


class NotFound(DomainError):
    """No record with this id exists."""


class ConcurrencyConflict(DomainError):
    """Another command changed the record first; reload and try again."""


INTEGRITY = refusal(
    "record.integrity_broken", "the record {record_id} failed its integrity check: {message}", "finding"
)


class IntegrityBroken(DomainError):
    """A record's stored events no longer prove themselves (its chain, seals or tree say it was altered).

    Reads refuse it with the first broken thing named, rather than show an altered record as if it were true.
    """

    def __init__(self, record_id: str, finding: str, message: str) -> None:
        super().__init__(INTEGRITY, record_id=record_id, message=message, finding=finding)
        self.record_id, self.finding = record_id, finding


# The general rules of any input, shared by every field.
REQUIRED = refusal("input.required", "is required")
ONE_OF = refusal("input.one_of", "must be one of {choices}, got {value!r}")
NOT_A_DATE = refusal("input.date", "must be a date YYYY-MM-DD, got {value!r}")
OUT_OF_RANGE = refusal("input.range", "must fall between {earliest} and {latest}, got {value}")
TOO_LONG = refusal("input.length", "must be at most {limit} characters")
NOT_TEXT = refusal("input.text", "must be text")
