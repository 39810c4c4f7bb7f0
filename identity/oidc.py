"""Sign-in at the agency's OpenID Connect issuer: authorization code flow with PKCE (S256), by Authlib.

Authlib keeps the state, nonce and PKCE verifier in a short-lived signed cookie (Starlette's
SessionMiddleware, signed with KINERJA_JWT_SECRET), checks them on the callback, exchanges the
code, and verifies the ID token against the issuer's keys. The issuer's NIP claim
(KINERJA_OIDC_NIP_CLAIM, default `nip`) names the employee; the `roles` claim the standing roles.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import Request
from fastapi.responses import RedirectResponse

from settings import Settings

NAME = "agency"
__all__ = ["OAuthError", "Issuer", "issuer_for"]


class Issuer:
    """The registered Authlib client of the agency's issuer."""

    def __init__(self, settings: Settings) -> None:
        self.nip_claim = settings.oidc_nip_claim
        self.oauth = OAuth()
        self.oauth.register(
            NAME,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret or None,
            server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scope, "code_challenge_method": "S256", "timeout": 10},
        )

    @property
    def client(self) -> Any:
        return self.oauth.create_client(NAME)

    async def redirect(self, request: Request, callback: str) -> RedirectResponse:
        return await self.client.authorize_redirect(request, callback)

    async def claims(self, request: Request) -> dict[str, Any]:
        """The verified ID token's claims, completed from the userinfo endpoint (OAuthError if refused)."""
        token = await self.client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if self.nip_claim not in claims:
            claims.update(await self.client.userinfo(token=token))
        return claims


def issuer_for(settings: Settings) -> Issuer | None:
    """None when no client is configured (no single sign-on button on the login page)."""
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    return Issuer(settings)
