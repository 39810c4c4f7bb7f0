"""How a domain refusal leaves an activity: fail fast when retrying cannot help, retry a lost race."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ApplicationError

from domain.errors import ConcurrencyConflict, DomainError, InvalidInput


@contextmanager
def domain_errors_fail_fast() -> Iterator[None]:
    """Retrying a broken business rule never helps, so don't; a lost race is worth a retry."""
    try:
        yield
    except ConcurrencyConflict as e:
        raise ApplicationError(str(e), type=type(e).__name__) from e
    except InvalidInput as e:  # the field and the general rule travel along, for a page to say them in Indonesian
        params = {k: v if isinstance(v, (str, int, float, bool)) else str(v) for k, v in e.params.items()}
        rule = {"field": e.field, "rule": e.rule, "params": params}  # JSON-safe: a date as ISO text
        raise ApplicationError(str(e), rule, type=type(e).__name__, non_retryable=True) from e
    except DomainError as e:
        raise ApplicationError(str(e), type=type(e).__name__, non_retryable=True) from e
