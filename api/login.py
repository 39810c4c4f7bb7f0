"""Dev login (demo and tests only) and "who am I"."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from api.auth import TokenVerifier
from api.deps import CurrentActor, SettingsDep, Users, Verifier
from api.models import Nip
from services.signin import dev_user
from services.users import UserDirectory
from settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"])

NIP_EXAMPLE = "198503152010011002"


class DevLoginIn(BaseModel):
    """The NIP of a user of the demo agency."""

    nip: Nip

    model_config = ConfigDict(json_schema_extra={"examples": [{"nip": NIP_EXAMPLE}]})


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    nip: str
    name: str
    roles: list[str]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIs…",
                    "token_type": "bearer",
                    "expires_in": 28800,
                    "nip": NIP_EXAMPLE,
                    "name": "Siti Rahmawati",
                    "roles": ["hr"],
                }
            ]
        }
    )


class MeOut(BaseModel):
    nip: str
    roles: list[str]
    name: str = ""

    model_config = ConfigDict(json_schema_extra={"examples": [{"nip": NIP_EXAMPLE, "roles": [], "name": "Budi"}]})


@router.post("/dev-login", response_model=TokenOut, responses={401: {}, 404: {}})
def dev_login(body: DevLoginIn, settings: SettingsDep, users: Users, verifier: Verifier) -> TokenOut:
    """Issue a dev token for a user of the directory (only when KINERJA_DEV_LOGIN is on)."""
    return issue_dev_token(body.nip, settings, users, verifier)


def issue_dev_token(nip: str, settings: Settings, users: UserDirectory, verifier: TokenVerifier) -> TokenOut:
    user = dev_user(nip, settings, users)
    token, expires_in = verifier.issue_dev_token(user.nip, user.roles, user.name)
    return TokenOut(access_token=token, expires_in=expires_in, nip=user.nip, name=user.name, roles=list(user.roles))


@router.get("/me", response_model=MeOut)
def me(actor: CurrentActor, users: Users) -> MeOut:
    """Who the bearer token says the caller is."""
    user = users.get(actor.nip)
    return MeOut(nip=actor.nip, roles=list(actor.roles), name=user.name if user else "")
