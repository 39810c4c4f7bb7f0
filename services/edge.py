"""What every HTTP answer passes through: trusted proxy headers, security headers, a cap on request bodies,
CSRF tokens.

Order, outermost first: the proxy headers (only from KINERJA_TRUSTED_PROXIES: the client address
and scheme the rest of the app sees), the security headers, the body cap (KINERJA_MAX_REQUEST_BYTES:
413 before a byte past it is read, so no layer behind it, the Idempotency-Key's fingerprint, the CSRF
check or a form parser, buffers more), then the CSRF check of page forms.

CSRF: a double-submit token by the maintained `asgi-csrf` middleware (a signed `csrftoken` cookie
and the same value in a hidden form field). Every state-changing page request is checked, login
and logout included, with or without cookies. The JSON API is not: it authenticates only with an
`Authorization` header, which a browser never adds to a cross-site request.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from asgi_csrf import Errors, asgi_csrf
from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from settings import Settings

NOT_PAGES = ("/api/", "/health", "/metrics", "/docs", "/redoc", "/openapi.json", "/static/")
CSRF_FIELD = "csrftoken"

# No inline script anywhere (pages, docs): scripts only from this origin. Inline style attributes
# (the dashboard's bar widths, Swagger UI) are allowed; they cannot run code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# ReDoc (/redoc) starts its search worker from a `blob:` URL it makes itself; that page alone may.
REDOC_PATH = "/redoc"
REDOC_CSP = CSP + "; worker-src blob:"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def is_page_path(path: str) -> bool:
    return not path.startswith(NOT_PAGES)


class SecurityHeaders:
    """Adds the security headers to every answer (pages, API, docs, static files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        csp = (REDOC_CSP if scope.get("path") == REDOC_PATH else CSP).encode()

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in [(b"content-security-policy", csp), *SECURITY_HEADERS] if n not in names]
                if https:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


# Pages whose form changes nothing and belongs to no session: the public checks of a receipt and of
# a document, whose forms upload a file (multipart, which asgi-csrf cannot parse with today's python-multipart).
# HR's org import and an employee's daily log entry upload a file too: their routes check the same token
# themselves (form_token_ok) before they act.
NO_CSRF = frozenset({"/verifikasi", "/dokumen"})
CHECKED_BY_ROUTE = frozenset({"/hr/impor"})
CHECKED_BY_ROUTE_PATTERN = re.compile(r"/saya/[0-9a-fA-F-]{32,36}/catatan-harian")


def _csrf_protected(path: str) -> bool:
    checked_by_route = path in CHECKED_BY_ROUTE or CHECKED_BY_ROUTE_PATTERN.fullmatch(path) is not None
    return is_page_path(path) and path not in NO_CSRF and not checked_by_route


class _Pages:
    """asgi-csrf's `always_protect`: every page path is protected even when no cookie came with it."""

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and _csrf_protected(path)


CSRF_REFUSED_PAGE = (
    b'<!doctype html><html lang="id"><meta charset="utf-8"><title>Formulir ditolak</title>'
    b'<link rel="stylesheet" href="/static/kinerja.css"><main><h1>Formulir ditolak</h1>'
    b"<p>Formulir ini kedaluwarsa atau dikirim dari situs lain (pemeriksaan CSRF). "
    b'Muat ulang halaman lalu kirim sekali lagi.</p><p><a href="/">Beranda</a></p></main></html>'
)
CSRF_REFUSED_HEADERS = {"x-kinerja-refusal": "csrf"}


async def _csrf_refused(scope: Scope, send: Send, error: Errors) -> None:
    body = CSRF_REFUSED_PAGE
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *((k.encode(), v.encode()) for k, v in CSRF_REFUSED_HEADERS.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


TOO_LARGE_PAGE = (
    b'<!doctype html><html lang="id"><meta charset="utf-8"><title>Kiriman terlalu besar</title><main>'
    b"<h1>Kiriman terlalu besar</h1><p>Data yang dikirim melebihi batas %d MB. Kurangi ukuran atau jumlah "
    b'berkas lalu kirim sekali lagi.</p><p><a href="/">Beranda</a></p></main></html>'
)


class BodyTooLarge(Exception):
    """The body went past the cap while a layer behind `BodyLimit` was reading it."""


class BodyLimit:
    """Refuses a request body over `limit` bytes with 413: at once when its Content-Length says so, else (a
    chunked body, or one longer than announced) at the first message that goes past it, before the app
    sees those bytes. Pages get a page in Bahasa Indonesia, the API its JSON error naming the body."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = dict(scope["headers"]).get(b"content-length")
        if announced is not None and (not announced.isdigit() or int(announced) > self.limit):
            await self._refuse(scope, send)
            return
        seen, started = 0, False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, tracking)
        except BodyTooLarge:
            if started:  # the app answered before reading the rest: nothing more can be said
                return
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if is_page_path(scope["path"]):
            content, kind = TOO_LARGE_PAGE % (self.limit // 2**20), b"text/html; charset=utf-8"
        else:
            message = f"the request body is larger than {self.limit} bytes (KINERJA_MAX_REQUEST_BYTES)"
            refusal = {"error": "PayloadTooLarge", "code": "body_too_large", "params": {"limit": self.limit}}
            content = json.dumps({**refusal, "message": message, "field": "body"}).encode()
            kind = b"application/json"
        headers = [(b"content-type", kind), (b"content-length", str(len(content)).encode()), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": content})


class ByScheme:
    """A cookie-setting middleware built twice: with the Secure flag for HTTPS requests, without for HTTP."""

    def __init__(self, app: ASGIApp, build: Callable[[ASGIApp, bool], ASGIApp]) -> None:
        self.plain, self.secure = build(app, False), build(app, True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.secure if scope.get("scheme") == "https" else self.plain)(scope, receive, send)


def _csrf(secret: str | None) -> Callable[[ASGIApp, bool], ASGIApp]:
    def build(app: ASGIApp, secure: bool) -> ASGIApp:
        return asgi_csrf(
            app,
            signing_secret=secret,
            always_protect=_Pages(),
            cookie_secure=secure,
            cookie_samesite="Lax",
            skip_if_scope=lambda scope: not _csrf_protected(scope["path"]),
            send_csrf_failed=_csrf_refused,
        )

    return build


def _signin_state(secret: str) -> Callable[[ASGIApp, bool], ASGIApp]:
    """Authlib's state, nonce and PKCE verifier between the redirect and the callback (10 minutes)."""

    def build(app: ASGIApp, secure: bool) -> ASGIApp:
        return SessionMiddleware(
            app, secret_key=secret, session_cookie="kinerja_masuk", max_age=600, same_site="lax", https_only=secure
        )

    return build


def trusted_proxies(settings: Settings) -> list[str]:
    return [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]


def install(app: FastAPI, settings: Settings) -> None:
    """Add the edge middlewares (call last: Starlette's last-added middleware runs first)."""
    app.add_middleware(ByScheme, build=_signin_state(settings.jwt_secret or secrets.token_urlsafe(32)))
    app.add_middleware(ByScheme, build=_csrf(settings.jwt_secret or None))
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)
    proxies = trusted_proxies(settings)
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)


def form_token_ok(scope: Scope, sent: object) -> bool:
    """The double-submit check asgi-csrf makes, for a form the route parses itself (a file upload): the
    form's token equals the signed cookie's (the middleware put the cookie's token, checked, in the scope)."""
    expected = csrf_token(scope)
    return isinstance(sent, str) and bool(expected) and secrets.compare_digest(sent, expected)


def csrf_token(scope: Scope) -> str:
    """The token a page puts in its forms (the middleware sets the matching cookie)."""
    get = scope.get(CSRF_FIELD)
    return get() if callable(get) else ""
