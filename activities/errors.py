"""How a domain refusal leaves an activity: fail fast when retrying cannot help, retry a lost race."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from temporalio.exceptions import ApplicationError

from domain.errors import ConcurrencyConflict, DomainError, InvalidInput, json_figures


@contextmanager
def domain_errors_fail_fast() -> Iterator[None]:
    """Retrying a broken business rule never helps, so don't; a lost race is worth a retry."""
    try:
        yield
    except ConcurrencyConflict as e:
        raise ApplicationError(str(e), said(e), type=type(e).__name__) from e
    except DomainError as e:
        raise ApplicationError(str(e), said(e), type=type(e).__name__, non_retryable=True) from e


def said(e: DomainError) -> dict[str, Any]:
    """The refused field, the rule's code and its figures travel along, for the API and the pages to say
    the refusal in the reader's language (JSON-safe: a date as ISO text)."""
    field = e.field if isinstance(e, InvalidInput) else None
    return {"field": field, "code": e.code, "params": json_figures(e.params)}


def refusal_in(exc: BaseException) -> dict[str, Any] | None:
    """The field, code and figures of the first domain refusal down a failure's cause chain (an update that
    failed in its activity), as `said` put them there; None when the chain holds none."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ApplicationError):
            found = next((d for d in seen.details or () if isinstance(d, dict) and "code" in d), None)
            if found is not None:
                return found
        seen = seen.__cause__ or getattr(seen, "cause", None)
    return None
