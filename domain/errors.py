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
