"""Refusals that are not the domain's: authentication, authorisation at the edge, rate limits, outages.

Each carries the HTTP status it answers with; api/errors.py turns every refusal into one JSON body
and web/ shows the same answer as a page.
"""

from __future__ import annotations

from typing import Any

from domain.errors import Refusal, refusal

# How long a client waits before retrying what an outage or a starting workflow refused (Retry-After).
RETRY_AFTER_SECONDS = 5


# The server lacks a part it was not given (a store, a read model): nothing the caller can change.
NOT_CONFIGURED = refusal("service.not_configured", "the {store} is not configured on this server")


class ApiError(Exception):
    """A refusal by the service layer or the edge (authorisation, idempotency, rate limit, 503)."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        code: str = "",
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.field, self.headers = status, kind, message, field, headers
        # The catalogue's code and figures (services/catalogue.py), when the refusal has a text there.
        self.code, self.params = code, params or {}

    @classmethod
    def of(
        cls,
        status: int,
        kind: str,
        said: Refusal,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> ApiError:
        """A refusal with a code in the catalogue: the English text is its developer's wording."""
        message = f"{field}: {said.say(params)}" if field else said.say(params)
        return cls(status, kind, message, field, headers, code=said.code, params=params)


class SignInError(Exception):
    """A refusal of the caller's credentials, with its code and figures (the English text is the log's)."""

    def __init__(self, said: Refusal, /, **params: Any) -> None:
        super().__init__(said.say(params))
        self.code, self.params = said.code, params


class Unauthenticated(SignInError):
    """No credentials, or credentials that do not prove who the caller is (401)."""


class IssuerUnavailable(SignInError):
    """The OIDC issuer's JWKS could not be fetched: not the caller's fault (503)."""
