"""Every route declares the error answers it can give, with the one error body's schema.

Declared from what a route depends on, so a new route is covered without a list to keep:
authentication (401, 403), a path that names a record (404), a write through a workflow
(409, 502, 503, 504), the read models or Temporal (503), the citizens' rate limit (429), and any
input at all (422). The body is api.errors.body: {"error", "code", "params", "message", "field", "errors"?}.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute


class FieldError(BaseModel):
    field: str
    rule: str


class ErrorBody(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "NotAllowed",
                    "code": "role.only_hr",
                    "params": {},
                    "message": "Hanya pengelola kinerja (BKPSDM) yang dapat melakukan tindakan ini.",
                    "field": None,
                }
            ]
        }
    )
    error: str = Field(description="the kind: InvalidInput, NotAllowed, NotFound, WrongStage, Unauthenticated, …")
    code: str = Field("", description="the refusal's stable code (skp.not_submitted, input.required, …); empty if none")
    params: dict[str, Any] = Field(default_factory=dict, description="the refusal's figures, named as in its text")
    message: str = Field(
        description="the rule that refused the request, naming the field where there is one: in Bahasa Indonesia,"
        " or in English when Accept-Language prefers it"
    )
    field: str | None = None
    errors: list[FieldError] | None = Field(None, description="every invalid field (422 only)")


MEANING = {
    401: "Not authenticated: no bearer token, or one that does not prove who the caller is.",
    403: "Authenticated, but this caller may not do this (role or relationship).",
    404: "No such record among the ones the caller may see.",
    409: "Refused by the record's state: wrong stage, deadline passed, concurrent change, idempotency clash.",
    422: "Invalid input: the message names the field and the rule.",
    429: "Too many requests: retry after the seconds in Retry-After.",
    502: "The workflow failed without a domain answer.",
    503: "A service this answer needs (Temporal, the read models, the identity provider) is unavailable.",
    504: "The workflow did not answer in time; retry with the same Idempotency-Key.",
}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def statuses(route: APIRoute) -> set[int]:
    names = {getattr(call, "__name__", "") for call in _calls(route.dependant)}
    found = {422}
    if "current_actor" in names:
        found |= {401, 403, 503}  # 503: the issuer's keys cannot be fetched
    if route.dependant.path_params or "current_actor" in names:
        found.add(404)
    if names & {
        "get_readside",
        "get_gateway",
        "get_actions",
        "get_cycle_actions",
        "get_cycle_views",
        "get_surveys",
        "get_appraisals",
    }:
        found.add(503)
    if (route.methods or set()) - {"GET", "HEAD"}:
        found |= {409, 502, 503, 504}
    if "rate_limited" in names:
        found.add(429)
    return found


def declare(routes: Sequence[BaseRoute]) -> None:
    """Add the error responses to every API route of a router (before it is included)."""
    for route in routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for status in sorted(statuses(route)):
            route.responses.setdefault(status, {"model": ErrorBody, "description": MEANING[status]})
            existing = route.responses[status]
            existing.setdefault("model", ErrorBody)
            existing.setdefault("description", MEANING[status])
        if 429 in route.responses:
            route.responses[429].setdefault(
                "headers", {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
            )
        _rebuild(route)


def _rebuild(route: APIRoute) -> None:
    """FastAPI computes a route's response fields when the route is made; make them again."""
    from fastapi.utils import create_model_field  # noqa: PLC0415

    fields = {}
    for code, response in route.responses.items():
        model = response.get("model")
        if model is not None:
            fields[code] = create_model_field(
                name=f"Response_{code}_{route.unique_id}", type_=model, mode="serialization"
            )
    route.response_fields = fields
