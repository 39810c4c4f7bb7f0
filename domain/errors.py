"""Domain errors: each message names the rule that refused the command."""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a business rule; retrying it cannot help."""


class NotAllowed(DomainError):
    """The actor has no right to take this action on this record."""


class WrongStage(DomainError):
    """The action is not possible at the record's current stage."""


class InvalidInput(DomainError):
    """A value is malformed or outside its allowed set."""

    def __init__(self, field: str, message: str, rule: str = "", **params: object) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        # Which general rule refused the value (a code such as "link" or "control"), and its figures,
        # so a page can say it in the reader's language; empty for a rule only its message states.
        self.rule, self.params = rule, params


class DeadlinePassed(DomainError):
    """The action came after its legal or configured deadline."""


class NotFound(DomainError):
    """No record with this id exists."""


class ConcurrencyConflict(DomainError):
    """Another command changed the record first; reload and try again."""


class IntegrityBroken(DomainError):
    """A record's stored events no longer prove themselves (its chain, seals or tree say it was altered).

    Reads refuse it with the first broken thing named, rather than show an altered record as if it were true.
    """

    def __init__(self, record_id: str, finding: str, message: str) -> None:
        super().__init__(f"the record {record_id} failed its integrity check: {message}")
        self.record_id, self.finding = record_id, finding
