"""One place that turns failures into HTTP answers.

Body of every error: {"error": <kind>, "code": <the rule's code>, "params": {<its figures>},
"message": <the rule, in the reader's language>, "field": <field or null>, "errors": [...]} (errors only
for request validation). The message is said in Bahasa Indonesia, or in English when the caller's
Accept-Language prefers it (services/catalogue.py); a refusal without a code keeps its English text.
Domain errors map by class; a failed workflow update carries the domain error as an ApplicationError
whose `type` is the domain class name and whose details hold its field, code and figures, so it maps
by that name. Nothing a caller sends can produce a 500: malformed bodies are 422 before any handler runs.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from eventsourcing import persistence
from fastapi import Request
from fastapi.responses import JSONResponse
from temporalio.exceptions import ApplicationError

from domain.errors import Refusal, json_figures, refusal
from services import catalogue
from services.errors import RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)

# The API's own refusals (no domain rule behind them): outages, timeouts, a workflow that is not there.
DATABASE_DOWN = refusal(
    "service.database",
    "the database cannot be reached; nothing was changed, retry later with the same Idempotency-Key",
)
TEMPORAL_DOWN = refusal(
    "service.temporal", "Temporal cannot be reached; nothing was changed, retry later with the same Idempotency-Key"
)
TIMED_OUT = refusal("service.timeout", "the workflow did not answer in time; retry with the same Idempotency-Key")
NO_RUNNING_WORKFLOW = refusal("service.no_workflow", "no running workflow for this record ({detail})")
ALREADY_RUNNING = refusal("service.already_running", "workflow {workflow_id} is already running")
INTERNAL = refusal("service.internal", "unexpected error; it was logged")

STATUS = {
    "NotAllowed": 403,
    "NotFound": 404,
    "WrongStage": 409,
    "DeadlinePassed": 409,
    "ConcurrencyConflict": 409,
    "InvalidInput": 422,
    "IntegrityBroken": 409,
}


# What a database outage raises, as SQLAlchemy raises it and as eventsourcing re-raises it: a lost or
# refused connection, an exhausted pool. Anything else from the database is a bug, not an outage.
DATABASE_OUTAGES = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    persistence.OperationalError,
    persistence.InterfaceError,
    persistence.ConnectionUnavailableError,
)


def body(
    kind: str,
    message: str,
    field: str | None = None,
    code: str = "",
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "error": kind,
        "code": code,
        "params": json_figures(params or {}),
        "message": message,
        "field": field,
        **extra,
    }


def answer(
    request: Request,
    status: int,
    kind: str,
    english: str,
    field: str | None = None,
    code: str = "",
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    plain_english: bool = False,
    **extra: Any,
) -> JSONResponse:
    """One error answer, its message in the language the caller's Accept-Language prefers (Indonesian by default).

    `plain_english`: the English text as given is the better one (pydantic's own words for a malformed body)."""
    locale = catalogue.negotiate(request.headers.get("accept-language"))
    kept = plain_english and locale == "en"
    message = (not kept and catalogue.say(code, params, locale, field)) or english
    language = {"Content-Language": locale, "Vary": "Accept-Language"}
    return JSONResponse(
        body(kind, message, field, code, params, **extra), status_code=status, headers={**language, **(headers or {})}
    )


def domain_answer(
    request: Request, kind: str, message: str, field: str | None = None, details: dict[str, Any] | None = None
) -> JSONResponse:
    details = details or {}
    if kind == "InvalidInput" and field is None and ": " in message:
        field = message.split(": ", 1)[0]  # InvalidInput's message is "<field>: <rule>"
    code, params = str(details.get("code") or ""), dict(details.get("params") or {})
    return answer(request, STATUS.get(kind, 409), kind, message, field, code, params)


def unavailable(request: Request, kind: str, message: str, said: Refusal | None = None) -> JSONResponse:
    """503 with the error body and Retry-After (a database cut, Temporal away, a command whose worker could not
    reach the database): nothing final happened, the same request with the same Idempotency-Key may be retried."""
    code = said.code if said else ""
    return answer(request, 503, kind, message, None, code, {}, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def application_error(exc: BaseException) -> ApplicationError | None:
    """The first ApplicationError whose type is a domain error, down the cause chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ApplicationError) and seen.type in STATUS:
            return seen
        seen = seen.__cause__ or getattr(seen, "cause", None)
    return None


def details_of(err: ApplicationError) -> tuple[str | None, dict[str, Any]]:
    """The refused field and the refusal's code and figures, as an activity's failure carries them
    (activities/errors.py); a history recorded before codes carried only the field."""
    for detail in err.details or ():
        if isinstance(detail, dict):
            return (str(detail["field"]) if detail.get("field") else None), detail
        if isinstance(detail, str) and detail and err.type == "InvalidInput":
            return detail, {}
    return None, {}


def field_path(loc: tuple[Any, ...]) -> str:
    if loc and loc[0] in ("body", "path", "query", "header", "cookie"):
        loc = loc[1:]
    parts = [str(p) for p in loc if p != "[key]"]  # a bad dict key is named by the key itself
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"
