"""Signing in on the pages: the agency's OpenID Connect issuer, a local account, or (development
mode only) the dev login; and the password change a local account must make at first sign-in.

Every route here is a page of its own; each successful sign-in starts a server-side session.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.base import Actor
from domain.errors import InvalidInput
from domain.nip import check_nip
from identity.accounts import PasswordRejected, SignInRefused
from identity.oidc import OAuthError
from services.catalogue import say
from services.errors import ApiError
from services.labels import label
from services.signin import ISSUER_SILENT, NO_SSO, dev_user
from services.users import standing_roles
from web.outcome import refusal
from web.render import page
from web.session import CHANGE_PASSWORD, COOKIE, home_for, page_session, safe_next, set_session_cookie

router = APIRouter(prefix="/masuk")
# The issuer's answer when sign-in failed (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6), said in Bahasa
# Indonesia: its own description is in the issuer's language, most often English.
OAUTH_ERRORS = {
    "access_denied": "Anda atau layanan identitas membatalkan permintaan masuk",
    "login_required": "Anda perlu masuk di layanan identitas",
    "consent_required": "persetujuan Anda diperlukan di layanan identitas",
    "interaction_required": "layanan identitas memerlukan tindakan Anda",
    "invalid_request": "permintaan masuk tidak lengkap atau tidak sah",
    "invalid_scope": "cakupan data yang diminta tidak dikenal layanan identitas",
    "unauthorized_client": "aplikasi ini belum didaftarkan di layanan identitas",
    "server_error": "layanan identitas sedang bermasalah; coba lagi nanti",
    "temporarily_unavailable": "layanan identitas sedang tidak tersedia; coba lagi nanti",
    "mismatching_state": "sesi masuk sudah kedaluwarsa atau dibuka di tab lain; ulangi dari awal",
}
NEXT = "kinerja_lanjut"  # where to go after the issuer's round trip (kept in Authlib's signed state cookie)


def _login_page(request: Request, lanjut: str, error: str = "", nip: str = "", status: int = 200) -> HTMLResponse:
    state = request.app.state
    dev = state.settings.dev_login and state.settings.development
    demo = sorted(state.users.users.values(), key=lambda u: (not u.roles, u.name)) if dev else []
    return page(
        request,
        "login.html",
        None,
        status,
        lanjut=safe_next(lanjut),
        error=error,
        nip=nip,
        demo=demo,
        dev_login=dev,
        sso=state.issuer is not None,
    )


def _signed_in(request: Request, token: str, to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.get("", response_class=HTMLResponse)
def login_form(request: Request, lanjut: str = "") -> HTMLResponse:
    return _login_page(request, lanjut)


@router.post("")
async def password_login(
    request: Request,
    nip: Annotated[str, Form(max_length=18)] = "",
    kata_sandi: Annotated[str, Form(max_length=200)] = "",
    lanjut: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A local account: NIP and password (Argon2id), with lockout after repeated failures."""
    state = request.app.state
    try:
        check_nip(nip.strip(), "nip")
        account = await run_in_threadpool(state.accounts.verify, nip.strip(), kata_sandi)
    except InvalidInput as e:
        status, kind, message = await refusal(request, e)
        return _login_page(request, lanjut, f"{label(kind, 'refusal')}: {message}", nip, status)
    except SignInRefused as e:
        return _login_page(request, lanjut, f"Gagal masuk: {e}", nip, 401)
    token = await run_in_threadpool(
        state.sessions.start, account.nip, account.roles, "password", account.name, account.must_change
    )
    to = CHANGE_PASSWORD if account.must_change else (safe_next(lanjut) or home_for(Actor(account.nip, account.roles)))
    return _signed_in(request, token, to)


@router.post("/dev")
async def dev_login(
    request: Request, nip: Annotated[str, Form(max_length=18)] = "", lanjut: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    """Development mode only (`kinerja dev`): sign in as any user of the directory by NIP."""
    state = request.app.state
    try:
        check_nip(nip.strip(), "nip")
        user = await run_in_threadpool(dev_user, nip.strip(), state.settings, state.users)
    except (InvalidInput, ApiError) as e:
        status, kind, message = await refusal(request, e)
        return _login_page(request, lanjut, f"{label(kind, 'refusal')}: {message}", nip, status)
    token = await run_in_threadpool(state.sessions.start, user.nip, user.roles, "dev", user.name)
    return _signed_in(request, token, safe_next(lanjut) or home_for(Actor(user.nip, user.roles)))


@router.get("/sso")
async def sso(request: Request, lanjut: str = "") -> Response:
    """Off to the agency's issuer (authorization code + PKCE); it sends the browser back to /masuk/sso/kembali."""
    issuer = request.app.state.issuer
    if issuer is None:
        raise ApiError.of(404, "NotFound", NO_SSO, hint=" (KINERJA_OIDC_CLIENT_ID)")
    request.session[NEXT] = safe_next(lanjut)
    try:
        return await issuer.redirect(request, str(request.url_for("sso_callback")))
    except Exception as e:  # noqa: BLE001 - the issuer's discovery document could not be fetched
        raise ApiError.of(503, "IssuerUnavailable", ISSUER_SILENT, error=type(e).__name__) from None


@router.get("/sso/kembali", name="sso_callback")
async def sso_callback(request: Request) -> Response:
    state = request.app.state
    if state.issuer is None:
        raise ApiError.of(404, "NotFound", NO_SSO, hint="")
    try:
        claims = await state.issuer.claims(request)
    except OAuthError as e:
        said = OAUTH_ERRORS.get(e.error, "layanan identitas menolak permintaan masuk")
        return _login_page(request, "", f"Gagal masuk melalui layanan identitas: {said} (kode {e.error}).", "", 401)
    nip = str(claims.get(state.issuer.nip_claim) or "")
    try:
        check_nip(nip, state.issuer.nip_claim)
    except InvalidInput:
        return _login_page(request, "", "Gagal masuk: layanan identitas tidak menyebut NIP yang sah.", "", 401)
    user = await run_in_threadpool(state.users.get, nip)
    if user is None:
        return _login_page(
            request, "", f"Gagal masuk: NIP {nip} bukan pegawai instansi yang terdaftar di sini.", "", 403
        )
    roles = tuple(dict.fromkeys(user.roles + standing_roles(claims.get("roles"))))
    token = await run_in_threadpool(state.sessions.start, nip, roles, "oidc", user.name or str(claims.get("name", "")))
    return _signed_in(request, token, safe_next(request.session.pop(NEXT, "")) or home_for(Actor(nip, roles)))


def _change_page(request: Request, session: Any, error: str = "", status: int = 200) -> HTMLResponse:
    return page(request, "password.html", None, status, error=error, forced=session.must_change, nip=session.nip)


@router.get(CHANGE_PASSWORD.removeprefix("/masuk"), response_class=HTMLResponse)
def change_form(request: Request) -> Response:
    session = page_session(request)
    if session is None or session.method != "password":
        return RedirectResponse("/masuk", status_code=303)
    return _change_page(request, session)


@router.post(CHANGE_PASSWORD.removeprefix("/masuk"))
async def change_password(
    request: Request,
    kata_sandi: Annotated[str, Form(max_length=200)] = "",
    sandi_baru: Annotated[str, Form(max_length=400)] = "",
    ulangi: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    state = request.app.state
    session = await run_in_threadpool(page_session, request)
    if session is None or session.method != "password":
        return RedirectResponse("/masuk", status_code=303)
    if sandi_baru != ulangi:
        return _change_page(request, session, "Kata sandi baru dan ulangannya berbeda.", 422)
    try:
        await run_in_threadpool(state.accounts.change_password, session.nip, kata_sandi, sandi_baru)
    except SignInRefused as e:
        return _change_page(request, session, f"Kata sandi tidak diganti: {e}", 422)
    except PasswordRejected as e:
        said = say(e.code, e.params, "id", "new_password")
        return _change_page(request, session, f"Kata sandi tidak diganti: {said}", 422)
    token = request.cookies.get(COOKIE, "")
    await run_in_threadpool(state.sessions.password_changed, token)
    await run_in_threadpool(state.sessions.end_all, session.nip, token)  # other devices sign in again
    return RedirectResponse(home_for(Actor(session.nip, session.roles)), status_code=303)
