"""Mount the pages on the API's app: routers, static files, and errors shown as pages.

The API's exception handlers stay the single error mapping: on a page path the same answer is
rendered as HTML (its status, kind and message); on /api/v1 nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.edge import is_page_path
from services.labels import label
from services.refusals import http_status
from web import (
    audit,
    bulk,
    career_ledger,
    careers,
    cascade,
    citizen,
    documents,
    employee,
    hr,
    hr_acting,
    hr_admin,
    hr_people,
    hr_transfers,
    inbox,
    receipts,
    session,
    signin,
    task_forms,
    transfer_task,
)
from web.outcome import said_in_indonesian
from web.render import HERE, page

Handler = Callable[[Request, Any], Awaitable[Response]]


def is_page(request: Request) -> bool:
    return is_page_path(request.url.path)


def install(app: FastAPI) -> None:
    """Call after api.error_handlers.install(app): page paths answer errors as HTML."""
    pages = (
        session,
        signin,
        bulk,
        inbox,
        task_forms,
        employee,
        hr,
        hr_admin,
        hr_people,
        cascade,
        hr_acting,
        hr_transfers,
        careers,
        transfer_task,
        career_ledger,
        audit,
        citizen,
        receipts,
        documents,
    )
    for module in pages:
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.api_exception_handlers = dict(app.exception_handlers)
    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _as_page(handler)  # type: ignore[arg-type]  # the API's handlers are async
    app.exception_handlers[session.LoginRequired] = _login_required


def _as_page(handler: Handler) -> Handler:
    async def answer(request: Request, exc: Any) -> Response:
        response = await handler(request, exc)
        if not is_page(request) or not isinstance(response, Response) or response.status_code < 400:
            return response
        try:
            body = json.loads(bytes(response.body))
        except (ValueError, AttributeError):
            return response
        kind, message = str(body.get("error", "")), str(body.get("message", ""))
        title, message = label(kind, "refusal"), said_in_indonesian(body) or message
        if kind == "HTTPError":  # no domain error: an unknown address or method, said for a person
            title, message = http_status(response.status_code)
        shown = page(
            request, "error.html", _actor(request), response.status_code, kind=kind, title=title, message=message
        )
        if "retry-after" in response.headers:  # an outage, or read models behind a write: when to try again
            shown.headers["Retry-After"] = response.headers["retry-after"]
        return shown

    return answer


def _actor(request: Request) -> Any:
    try:
        return session.signed_in(request)  # who is signed in, whatever the page they were refused
    except session.LoginRequired:
        return None


async def _login_required(request: Request, exc: session.LoginRequired) -> Response:
    if request.method != "GET" or exc.to != "/masuk":
        return RedirectResponse(exc.to, status_code=303)
    return RedirectResponse(f"/masuk?{urlencode({'lanjut': exc.next_path})}", status_code=303)
