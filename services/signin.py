"""The dev login (development mode only), shared by the API's route and the login page."""

from __future__ import annotations

from services.errors import ApiError
from services.users import User, UserDirectory
from settings import Settings


def dev_user(nip: str, settings: Settings, users: UserDirectory) -> User:
    """Who the dev login signs in (development mode only), shared by the API's route and the login page."""
    if not (settings.dev_login and settings.development):
        raise ApiError(404, "NotFound", "dev login is disabled; sign in with the agency's OpenID Connect issuer")
    user = users.get(nip)
    if user is None:
        raise ApiError(401, "Unauthenticated", f"nip: {nip} is not an employee of any agency here", "nip")
    return user
