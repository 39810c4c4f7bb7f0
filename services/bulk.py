"""Bulk work on a supervisor's inbox (a kepala sekolah approving forty SKPs in one pass), shared by the API
(POST /api/v1/tasks/bulk) and the page (/tugas/massal).

Each item is its own command through `AppraisalActions.bulk_item`: its own workflow Update on its own
appraisal, its own event, its own key derived from the bulk key. Items run up to `AT_ONCE` at a time (they
touch different appraisals, so nothing waits on another's lock) and each answers for itself, in the order
given: one refused leaves the others done, and a repeat of the same bulk key repeats none of them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from starlette.requests import Request

from domain.base import Actor
from services.actions import AppraisalActions

AT_ONCE = 8  # Updates in flight per bulk request; a worker runs 16 activities at a time


async def each(items: list[tuple[UUID, str]], run: Callable[[UUID, str], Awaitable[Any]]) -> list[Any]:
    """`run` on every item, up to AT_ONCE at a time; the answers in the items' order."""
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(appraisal_id: UUID, task: str) -> Any:
        async with gate:
            return await run(appraisal_id, task)

    return list(await asyncio.gather(*(one(a, t) for a, t in items)))


async def bulk(
    request: Request, actions: AppraisalActions, items: list[tuple[UUID, str]], actor: Actor, key: str
) -> list[dict[str, Any]]:
    """Every item through the service layer; a refused one answers with the API's error body (status, code,
    message in the caller's language, field) instead of an outcome."""

    async def run(appraisal_id: UUID, task: str) -> dict[str, Any]:
        row: dict[str, Any] = {"appraisal_id": str(appraisal_id), "task": task}
        try:
            outcome = await actions.bulk_item(appraisal_id, task, actor, key)
        except Exception as e:
            status, answer = await error_answer(request, e)
            if status >= 500:
                raise
            return {**row, "done": False, "status": status, "error": answer}
        return {**row, "done": True, "stage": outcome.stage, "version": outcome.version}

    return await each(items, run)


async def error_answer(request: Request, exc: BaseException) -> tuple[int, dict[str, Any]]:
    """The API's status and error body for `exc` (its code, figures and field); unmapped errors propagate."""
    handlers = getattr(request.app.state, "api_exception_handlers", None) or request.app.exception_handlers
    handler = next((handlers[c] for c in type(exc).__mro__ if c in handlers), None)
    if handler is None or not isinstance(exc, Exception):
        raise exc
    response = await handler(request, exc)
    answer: dict[str, Any] = json.loads(bytes(response.body))
    return response.status_code, answer
