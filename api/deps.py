"""Dependencies, declared once as `Annotated` aliases for the routers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import TokenVerifier
from domain.application import Appraisals
from domain.audit import Audit
from domain.base import Actor
from services.actions import AppraisalActions, CycleActions
from services.authz import bound_to_agency, require_hr, require_oversight, require_writer, with_agency
from services.daily_log import DailyLogs
from services.gateway import Gateway
from services.proof import Proof
from services.readside import ReadSide
from services.surveys import Surveys
from services.users import UserDirectory
from services.views import CycleViews
from settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_clock(request: Request) -> Callable[[], datetime]:
    return request.app.state.clock


def get_appraisals(request: Request) -> Appraisals:
    return request.app.state.appraisals


def get_audit(request: Request) -> Audit:
    return Audit(request.app.state.appraisals)


def get_users(request: Request) -> UserDirectory:
    return request.app.state.users


def get_verifier(request: Request) -> TokenVerifier:
    return request.app.state.verifier


def get_readside(request: Request) -> ReadSide:
    return request.app.state.readside


def get_gateway(request: Request) -> Gateway:
    """The write side: workflow starts and Updates."""
    return request.app.state.gateway


def get_cycle_actions(request: Request) -> CycleActions:
    """HR's writes on a cycle (shared with the pages)."""
    return request.app.state.cycle_actions


def get_cycle_views(request: Request) -> CycleViews:
    """HR's and auditors' reads of a cycle (shared with the pages)."""
    return request.app.state.cycle_views


def get_surveys(request: Request) -> Surveys:
    """The SKM survey service (shared with the survey page)."""
    return request.app.state.surveys


def get_proof(request: Request) -> Proof:
    """Integrity reports, checkpoints and receipts (shared with the pages)."""
    return request.app.state.proof


def get_actions(request: Request) -> AppraisalActions:
    """Every write on an appraisal, with the caller's relationship checked (shared with the pages)."""
    return request.app.state.actions


def get_daily_logs(request: Request) -> DailyLogs:
    """The daily log's entries and evidence files (shared with the pages)."""
    return request.app.state.daily_logs


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="A token of the agency's OpenID Connect issuer (in `kinerja dev`: POST /api/v1/auth/dev-login).",
)


# Sync on purpose: verifying an OIDC token may fetch the JWKS, so it runs in the threadpool.
def current_actor(
    verifier: Annotated[TokenVerifier, Depends(get_verifier)],
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Actor:
    """The OpenAPI document declares the bearer scheme (the docs' Authorize button); the verifier reads the header.
    HR is bound to its agency: the records the request names must be that agency's (services/authz.py)."""
    actor = with_agency(verifier.actor(request.headers.get("authorization")), getattr(request.app.state, "users", None))
    bound_to_agency(request.app.state.appraisals, actor, {**request.query_params, **request.path_params})
    return actor


def writer(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    return require_writer(actor)


def hr(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    return require_hr(actor)


def oversight(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    return require_oversight(actor)


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Repeat a write safely: a repeat returns the first answer.",
            examples=["6f1c2d0e-approve-skp-1"],
        ),
    ] = None,
) -> str:
    return (key or "").strip()


SettingsDep = Annotated[Settings, Depends(get_settings)]
Clock = Annotated[Callable[[], datetime], Depends(get_clock)]
AppraisalsDep = Annotated[Appraisals, Depends(get_appraisals)]
AuditDep = Annotated[Audit, Depends(get_audit)]
Users = Annotated[UserDirectory, Depends(get_users)]
Verifier = Annotated[TokenVerifier, Depends(get_verifier)]
Writes = Annotated[Gateway, Depends(get_gateway)]
Actions = Annotated[AppraisalActions, Depends(get_actions)]
DailyLogsDep = Annotated[DailyLogs, Depends(get_daily_logs)]
Cycles = Annotated[CycleActions, Depends(get_cycle_actions)]
CycleViewsDep = Annotated[CycleViews, Depends(get_cycle_views)]
ProofDep = Annotated[Proof, Depends(get_proof)]
SurveysDep = Annotated[Surveys, Depends(get_surveys)]
ReadModelsDep = Annotated[ReadSide, Depends(get_readside)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
Writer = Annotated[Actor, Depends(writer)]
HRActor = Annotated[Actor, Depends(hr)]
Oversight = Annotated[Actor, Depends(oversight)]
IdempotencyKey = Annotated[str, Depends(idempotency_key)]
