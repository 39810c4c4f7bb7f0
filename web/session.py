"""Who is on the page: a server-side session whose opaque id lives in an HttpOnly cookie; logout.

Sessions are started by the sign-in routes (web/signin.py: the agency's OpenID Connect issuer,
a local account, or the dev login in development mode) and checked on the server at every
request (identity/sessions.py): they expire, go idle, and end at logout. The cookie is Secure
whenever the request came over HTTPS, directly or through a trusted TLS proxy (api/edge.py).
State-changing forms carry a CSRF token (api/edge.py); the Origin check below is a second fence.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.base import Actor
from domain.errors import refusal
from services.authz import bound_to_agency, with_agency
from services.errors import ApiError
from web.render import redirect

OTHER_SITE = refusal("signin.other_site", "this form was sent from another site")

COOKIE = "kinerja_sesi"
CHANGE_PASSWORD = "/masuk/ganti-sandi"
router = APIRouter()


class LoginRequired(Exception):
    """No live session: the page sends the browser to the login form (or to the forced password change)."""

    def __init__(self, next_path: str, to: str = "/masuk") -> None:
        super().__init__(next_path)
        self.next_path, self.to = next_path, to


def page_session(request: Request) -> Any:  # identity.sessions.Session | None
    sessions = getattr(request.app.state, "sessions", None)
    token = request.cookies.get(COOKIE, "")
    return sessions.resolve(token) if sessions is not None and token else None


def signed_in(request: Request) -> Actor:
    """The signed-in caller, from a live server-side session (HR with its agency)."""
    found = page_session(request)
    if found is None:
        raise LoginRequired(request.url.path)
    if found.must_change:
        raise LoginRequired(request.url.path, CHANGE_PASSWORD)
    return with_agency(Actor(found.nip, found.roles), getattr(request.app.state, "users", None))


def page_actor(request: Request) -> Actor:
    """The signed-in caller of a page; HR is bound to its agency: the records the page names must be that
    agency's (services/authz.py)."""
    actor = signed_in(request)
    bound_to_agency(request.app.state.appraisals, actor, {**request.query_params, **request.path_params})
    return actor


def same_origin(request: Request) -> None:
    """A form may only be posted from this site."""
    origin = request.headers.get("origin")
    if request.method == "POST" and origin and origin != "null" and urlparse(origin).netloc != request.url.netloc:
        raise ApiError.of(403, "NotAllowed", OTHER_SITE)


PageActor = Annotated[Actor, Depends(page_actor)]


def home_for(actor: Actor) -> str:
    if "hr" in actor.roles:
        return "/hr"
    if "auditor" in actor.roles:
        return "/audit"
    return "/tugas"


def safe_next(next_path: str) -> str:
    """Only a path of this site (no open redirect)."""
    ok = next_path.startswith("/") and not next_path.startswith(("//", "/\\")) and "\\" not in next_path
    return next_path if ok else ""


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    max_age = int(request.app.state.sessions.lifetime.total_seconds())
    response.set_cookie(
        COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
    )


@router.post("/keluar")
def logout(request: Request) -> Response:
    """End the session on the server (the cookie alone would not be enough), then forget the cookie."""
    token = request.cookies.get(COOKIE, "")
    if token and getattr(request.app.state, "sessions", None) is not None:
        request.app.state.sessions.end(token)
    response = redirect("/masuk", "keluar")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get("/")
def home(actor: PageActor) -> Response:
    return redirect(home_for(actor))
