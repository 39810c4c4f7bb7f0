"""Who is on the page: the same JWT as the API, kept in an HttpOnly cookie; the login and logout forms.

The embedded default signs in with the dev login (the API's own function). Production signs in at
the agency's OpenID Connect issuer; the redirect to that issuer is not built here (see README).
Forms are protected by the cookie's SameSite=Lax and by refusing a POST whose Origin is another site.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Unauthenticated
from api.errors import ApiError
from api.login import issue_dev_token
from domain.base import Actor
from domain.errors import InvalidInput
from domain.nip import check_nip
from web.labels import label
from web.outcome import refusal
from web.render import page, redirect

COOKIE = "kinerja_sesi"
router = APIRouter()


class LoginRequired(Exception):
    """No valid session cookie: the page sends the browser to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def page_actor(request: Request) -> Actor:
    """The signed-in caller, verified exactly as the API verifies a bearer token."""
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise LoginRequired(request.url.path)
    try:
        return request.app.state.verifier.actor(f"Bearer {token}")
    except Unauthenticated:
        raise LoginRequired(request.url.path) from None


def same_origin(request: Request) -> None:
    """A form may only be posted from this site."""
    origin = request.headers.get("origin")
    if request.method == "POST" and origin and origin != "null" and urlparse(origin).netloc != request.url.netloc:
        raise ApiError(403, "NotAllowed", "this form was sent from another site")


PageActor = Annotated[Actor, Depends(page_actor)]


def home_for(actor: Actor) -> str:
    if "hr" in actor.roles:
        return "/hr"
    if "auditor" in actor.roles:
        return "/audit"
    return "/tugas"


def _safe(next_path: str) -> str:
    return next_path if next_path.startswith("/") and not next_path.startswith("//") else ""


@router.get("/masuk", response_class=HTMLResponse)
def login_form(request: Request, lanjut: str = "") -> HTMLResponse:
    return _login_page(request, lanjut)


def _login_page(request: Request, lanjut: str, error: str = "", nip: str = "", status: int = 200) -> HTMLResponse:
    state = request.app.state
    demo = sorted(state.users.users.values(), key=lambda u: (not u.roles, u.name)) if state.settings.dev_login else []
    return page(
        request,
        "login.html",
        None,
        status,
        lanjut=_safe(lanjut),
        error=error,
        nip=nip,
        demo=demo,
        dev_login=state.settings.dev_login,
    )


@router.post("/masuk")
async def login(request: Request, nip: Annotated[str, Form()] = "", lanjut: Annotated[str, Form()] = "") -> Response:
    state = request.app.state
    try:
        check_nip(nip.strip(), "nip")
        token = issue_dev_token(nip.strip(), state.settings, state.users, state.verifier)
    except (InvalidInput, ApiError) as e:
        status, kind, message = await refusal(request, e)
        return _login_page(request, lanjut, f"{label(kind, 'refusal')}: {message}", nip, status)
    actor = Actor(token.nip, tuple(token.roles))
    response = RedirectResponse(_safe(lanjut) or home_for(actor), status_code=303)
    response.set_cookie(
        COOKIE,
        token.access_token,
        max_age=token.expires_in,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/keluar")
def logout() -> Response:
    response = redirect("/masuk", "keluar")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home(actor: PageActor) -> Response:
    return redirect(home_for(actor))
