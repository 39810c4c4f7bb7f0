"""Refusals that are not the domain's: authentication, authorisation at the edge, rate limits, outages.

Each carries the HTTP status it answers with; api/errors.py turns every refusal into one JSON body
and web/ shows the same answer as a page.
"""

from __future__ import annotations

# How long a client waits before retrying what an outage or a starting workflow refused (Retry-After).
RETRY_AFTER_SECONDS = 5


class ApiError(Exception):
    """A refusal by the service layer or the edge (authorisation, idempotency, rate limit, 503)."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.field, self.headers = status, kind, message, field, headers


class Unauthenticated(Exception):
    """No credentials, or credentials that do not prove who the caller is (401)."""


class IssuerUnavailable(Exception):
    """The OIDC issuer's JWKS could not be fetched: not the caller's fault (503)."""
