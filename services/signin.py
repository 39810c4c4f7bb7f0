"""The dev login (development mode only), shared by the API's route and the login page."""

from __future__ import annotations

from domain.errors import refusal
from services.errors import ApiError
from services.users import User, UserDirectory
from settings import Settings

DEV_LOGIN_OFF = refusal(
    "signin.dev_login_off", "dev login is disabled; sign in with the agency's OpenID Connect issuer"
)
NO_SSO = refusal("signin.no_sso", "single sign-on is not configured on this server{hint}")
ISSUER_SILENT = refusal("signin.issuer_silent", "the identity provider does not answer ({error})")
NOT_EMPLOYED = refusal("signin.not_employed", "{nip} is not an employee of any agency here")


def dev_user(nip: str, settings: Settings, users: UserDirectory) -> User:
    """Who the dev login signs in (development mode only), shared by the API's route and the login page."""
    if not (settings.dev_login and settings.development):
        raise ApiError.of(404, "NotFound", DEV_LOGIN_OFF)
    user = users.get(nip)
    if user is None:
        raise ApiError.of(401, "Unauthenticated", NOT_EMPLOYED, "nip", nip=nip)
    return user
