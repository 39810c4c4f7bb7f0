"""HR issues local accounts (for agencies without single sign-on): the initial password is shown once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import HRActor, Users
from api.models import EMPLOYEE_NIP, Nip, StandingRole
from services.errors import NOT_CONFIGURED, ApiError
from services.signin import NOT_EMPLOYED

router = APIRouter(prefix="/hr/accounts", tags=["hr"])


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"nip": EMPLOYEE_NIP, "roles": []}]})
    nip: Nip
    roles: list[StandingRole] = Field(default_factory=list, max_length=2)


class AccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "nip": EMPLOYEE_NIP,
                    "name": "Budi Santoso",
                    "roles": [],
                    "initial_password": "q2T7-aXz9RkL0bwc",
                    "must_change": True,
                }
            ]
        }
    )
    nip: str
    name: str
    roles: list[str]
    initial_password: str = Field(description="shown once; the holder must change it at the first sign-in")
    must_change: bool


@router.post("", response_model=AccountOut, status_code=201)
async def issue_account(body: AccountIn, actor: HRActor, users: Users, request: Request) -> dict[str, Any]:
    """Issue (or reset) the local account of an employee; any earlier sessions of that person end."""
    state = request.app.state
    if state.accounts is None:
        raise ApiError.of(503, "ReadModelsUnavailable", NOT_CONFIGURED, store="account store")
    user = await run_in_threadpool(users.get, body.nip)
    if user is None:
        raise ApiError.of(422, "InvalidInput", NOT_EMPLOYED, "nip", nip=body.nip)
    roles = tuple(dict.fromkeys(body.roles))
    password = await run_in_threadpool(state.accounts.issue, body.nip, user.name, roles, actor.nip)
    await run_in_threadpool(state.sessions.end_all, body.nip)
    return {"nip": body.nip, "name": user.name, "roles": list(roles), "initial_password": password, "must_change": True}
