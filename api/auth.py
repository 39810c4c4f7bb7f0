"""Bearer JWT authentication: dev tokens (HS256) and an external OIDC issuer (RS256 + JWKS).

A dev token is signed with settings.jwt_secret and only accepted while
settings.dev_login is on. An OIDC token is verified against the issuer's JWKS
(kid -> key), and its issuer, audience and expiry are checked. Either way the
caller becomes a domain `Actor(nip, roles)`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from domain.base import Actor
from domain.errors import InvalidInput, refusal
from domain.nip import check_nip
from services.errors import IssuerUnavailable, Unauthenticated
from settings import Settings

DEV_ISSUER = "kinerja-dev"
DEV_TOKEN_SECONDS = 8 * 3600
KNOWN_ROLES = ("hr", "auditor")

# Why a bearer token proves nothing (401); said in the reader's language like any refusal.
NO_AUTHORIZATION = refusal("auth.missing", "missing Authorization header: send 'Authorization: Bearer <token>'")
NOT_BEARER = refusal("auth.not_bearer", "the Authorization header must be 'Bearer <token>'")
NOT_A_JWT = refusal("auth.not_jwt", "the bearer token is not a JWT ({error})")
DEV_TOKENS_OFF = refusal("auth.dev_tokens_off", "dev tokens are disabled (KINERJA_DEV_LOGIN=false)")
OIDC_MISCONFIGURED = refusal(
    "auth.oidc_misconfigured", "OIDC is misconfigured: set KINERJA_OIDC_ISSUER and KINERJA_OIDC_AUDIENCE"
)
EXPIRED = refusal("auth.expired", "the bearer token has expired")
ISSUER_KEYS_SILENT = refusal("auth.issuer_keys", "the identity provider's keys cannot be fetched ({error})")
UNKNOWN_KEY = refusal("auth.unknown_key", "the token's signing key is not in the issuer's JWKS ({error})")
INVALID_TOKEN = refusal("auth.invalid", "the bearer token is invalid: {error}")
ALGORITHM = refusal("auth.algorithm", "tokens signed with {algorithm} are not accepted here")
NO_VALID_NIP = refusal("auth.nip", "the token names no valid NIP ({error})")


@dataclass
class TokenVerifier:
    """Turns a bearer token into an Actor, or raises Unauthenticated naming the reason."""

    settings: Settings
    jwks: jwt.PyJWKClient | None = None

    def __post_init__(self) -> None:
        if self.jwks is None and self.settings.oidc_jwks_url:
            self.jwks = jwt.PyJWKClient(self.settings.oidc_jwks_url, cache_keys=True, lifespan=300, timeout=5)

    def issue_dev_token(self, nip: str, roles: tuple[str, ...], name: str = "") -> tuple[str, int]:
        """An HS256 token for the dev login: (token, expires_in seconds)."""
        now = int(time.time())
        claims = {
            "iss": DEV_ISSUER,
            "sub": nip,
            "nip": nip,
            "name": name,
            "roles": list(roles),
            "iat": now,
            "exp": now + DEV_TOKEN_SECONDS,
        }
        return jwt.encode(claims, self.settings.jwt_secret, algorithm="HS256"), DEV_TOKEN_SECONDS

    def actor(self, authorization: str | None) -> Actor:
        if not authorization:
            raise Unauthenticated(NO_AUTHORIZATION)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(NOT_BEARER)
        claims = self.claims(token.strip())
        return actor_from_claims(claims)

    def claims(self, token: str) -> dict[str, object]:
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as e:
            raise Unauthenticated(NOT_A_JWT, error=str(e)) from None
        try:
            if alg == "HS256":
                if not (self.settings.dev_login and self.settings.development):
                    raise Unauthenticated(DEV_TOKENS_OFF)
                return jwt.decode(
                    token,
                    self.settings.jwt_secret,
                    algorithms=["HS256"],
                    issuer=DEV_ISSUER,
                    options={"require": ["exp", "sub"]},
                )
            if alg == "RS256" and self.jwks is not None:
                if not self.settings.oidc_issuer or not self.settings.oidc_audience:
                    raise Unauthenticated(OIDC_MISCONFIGURED)
                key = self.jwks.get_signing_key_from_jwt(token).key
                return jwt.decode(
                    token,
                    key,
                    algorithms=["RS256"],
                    audience=self.settings.oidc_audience,
                    issuer=self.settings.oidc_issuer,
                    options={"require": ["exp", "sub", "iss", "aud"]},
                )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated(EXPIRED) from None
        except jwt.PyJWKClientConnectionError as e:
            raise IssuerUnavailable(ISSUER_KEYS_SILENT, error=str(e)) from None
        except jwt.PyJWKClientError as e:
            raise Unauthenticated(UNKNOWN_KEY, error=str(e)) from None
        except jwt.PyJWTError as e:
            raise Unauthenticated(INVALID_TOKEN, error=str(e)) from None
        raise Unauthenticated(ALGORITHM, algorithm=repr(alg))


def actor_from_claims(claims: dict[str, object]) -> Actor:
    """NIP from the `nip` claim (or `sub`); standing roles from the `roles` claim."""
    nip = str(claims.get("nip") or claims.get("sub") or "")
    try:
        check_nip(nip, "nip")
    except InvalidInput as e:
        raise Unauthenticated(NO_VALID_NIP, error=str(e)) from None
    raw = claims.get("roles") or []
    if isinstance(raw, str):
        raw = raw.split()
    roles = tuple(r for r in raw if isinstance(r, str) and r in KNOWN_ROLES) if isinstance(raw, list) else ()
    return Actor(nip, roles)
