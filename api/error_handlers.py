"""The exception handlers that answer every failure with the body of api/errors.py.

Domain refusals by class; a failed workflow update by the domain class its ApplicationError names; outages
of the database or Temporal as 503 with Retry-After; anything unexpected as a logged 500 with the JSON body.
"""

from __future__ import annotations

import logging

from eventsourcing.application import AggregateNotFoundError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError, FailureError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import (
    ALREADY_RUNNING,
    DATABASE_DOWN,
    DATABASE_OUTAGES,
    INTERNAL,
    NO_RUNNING_WORKFLOW,
    TEMPORAL_DOWN,
    TIMED_OUT,
    answer,
    application_error,
    body,
    details_of,
    domain_answer,
    field_path,
    unavailable,
)
from domain.audit import NO_RECORD
from domain.errors import DomainError, IntegrityBroken, InvalidInput
from services import catalogue
from services.errors import RETRY_AFTER_SECONDS, ApiError, IssuerUnavailable, Unauthenticated

log = logging.getLogger("api.errors")  # the name operators' log filters already use


def install(app: FastAPI) -> None:
    install_unavailable(app)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, IntegrityBroken):  # which record, and the kind of the first broken thing
            said = (str(exc), None, exc.code, exc.params)
            return answer(request, 409, "IntegrityBroken", *said, record_id=exc.record_id, finding=exc.finding)
        field = exc.field if isinstance(exc, InvalidInput) else None
        return domain_answer(request, type(exc).__name__, str(exc), field, {"code": exc.code, "params": exc.params})

    @app.exception_handler(AggregateNotFoundError)
    async def aggregate_not_found(request: Request, exc: AggregateNotFoundError) -> JSONResponse:
        return answer(
            request, 404, "NotFound", NO_RECORD.say({"record_id": exc}), None, NO_RECORD.code, {"record_id": exc}
        )

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return answer(request, exc.status, exc.kind, exc.message, exc.field, exc.code, exc.params, exc.headers)

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        challenge = {"WWW-Authenticate": 'Bearer realm="kinerja"'}
        return answer(request, 401, "Unauthenticated", str(exc), None, exc.code, exc.params, challenge)

    @app.exception_handler(IssuerUnavailable)
    async def issuer_unavailable(request: Request, exc: IssuerUnavailable) -> JSONResponse:
        return answer(request, 503, "IssuerUnavailable", str(exc), None, exc.code, exc.params)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": field_path(tuple(e.get("loc", ()))), "rule": e.get("msg", "")} for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "rule": "invalid request"}
        message = f"{first['field']}: {first['rule']}"
        code, params = catalogue.validation_refusal(list(exc.errors()))
        plain = code in catalogue.PYDANTIC_WORDED  # else a domain rule refused it inside the model: its own text
        return answer(
            request, 422, "InvalidInput", message, first["field"], code, params, plain_english=plain, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(body("HTTPError", str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(WorkflowUpdateFailedError)
    async def update_failed(request: Request, exc: WorkflowUpdateFailedError) -> JSONResponse:
        err = application_error(exc)
        if err is not None:
            return domain_answer(request, err.type or "", err.message, *details_of(err))
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type == "Unavailable":
            return unavailable(request, "Unavailable", cause.message)
        if isinstance(cause, ApplicationError):  # an update validator refused: the workflow's state forbids it
            return JSONResponse(body("WrongStage", cause.message), status_code=409)
        log.error("workflow update failed without a domain error", exc_info=exc)
        return JSONResponse(body("UpdateFailed", _message(exc)), status_code=502)

    @app.exception_handler(FailureError)
    async def failure(request: Request, exc: FailureError) -> JSONResponse:
        err = application_error(exc)
        if err is not None:
            return domain_answer(request, err.type or "", err.message, *details_of(err))
        log.error("workflow failure", exc_info=exc)
        return JSONResponse(body("WorkflowFailure", _message(exc)), status_code=502)

    @app.exception_handler(WorkflowAlreadyStartedError)
    async def already_started(request: Request, exc: WorkflowAlreadyStartedError) -> JSONResponse:
        params = {"workflow_id": exc.workflow_id}
        return answer(request, 409, "WrongStage", ALREADY_RUNNING.say(params), None, ALREADY_RUNNING.code, params)

    @app.exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError)
    async def update_timeout(request: Request, exc: WorkflowUpdateRPCTimeoutOrCancelledError) -> JSONResponse:
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return answer(request, 504, "Timeout", TIMED_OUT.english, None, TIMED_OUT.code, {}, retry)

    @app.exception_handler(RPCError)
    async def rpc_error(request: Request, exc: RPCError) -> JSONResponse:
        if exc.status == RPCStatusCode.NOT_FOUND:
            params = {"detail": exc.message}
            message = NO_RUNNING_WORKFLOW.say(params)
            return answer(request, 404, "NotFound", message, None, NO_RUNNING_WORKFLOW.code, params)
        if exc.status == RPCStatusCode.ALREADY_EXISTS:
            return JSONResponse(body("WrongStage", exc.message), status_code=409)
        log.error("Temporal RPC error", exc_info=exc)
        return unavailable(request, "TemporalUnavailable", exc.message, TEMPORAL_DOWN)


def install_unavailable(app: FastAPI) -> None:
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return unavailable(request, "DatabaseUnavailable", DATABASE_DOWN.english, DATABASE_DOWN)

    for outage in DATABASE_OUTAGES:
        app.add_exception_handler(outage, database_unavailable)

    @app.exception_handler(RuntimeError)
    async def runtime_error(request: Request, exc: RuntimeError) -> JSONResponse:
        # A lazy Temporal client that cannot reach its server raises RuntimeError("Failed client connect...").
        if "client connect" in str(exc):
            return unavailable(request, "TemporalUnavailable", TEMPORAL_DOWN.english, TEMPORAL_DOWN)
        log.error("unexpected error", exc_info=exc)
        return answer(request, 500, "InternalError", INTERNAL.english, None, INTERNAL.code, {})


def _message(exc: BaseException) -> str:
    cause = exc.__cause__ or getattr(exc, "cause", None)
    return str(cause or exc)
