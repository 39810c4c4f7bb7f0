"""A refused action on a page: the same error mapping as the API, shown as the domain's message.

The app's own exception handlers (api/errors.py) are asked for their answer, so a page and the
API can never disagree on what an error means or which status it has.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from services import catalogue
from services.actions import AppraisalActions, CycleActions
from services.bulk import error_answer
from services.labels import label
from web import forms
from web.render import redirect

T = TypeVar("T")


class Refused(Exception):
    def __init__(self, status: int, kind: str, message: str, said: str = "") -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.said = status, kind, message, said

    @property
    def text(self) -> str:
        """The refusal in Bahasa Indonesia from its code and figures; a refusal without a code keeps its message."""
        if self.said:  # the rule said in Bahasa Indonesia: the API's English message is not repeated
            return f"{label(self.kind, 'refusal')}: {self.said}"
        return f"{label(self.kind, 'refusal')}: {self.message}"


async def refusal(request: Request, exc: BaseException) -> tuple[int, str, str]:
    """(status, kind, message) as the API would answer `exc`, the message in Bahasa Indonesia where the
    catalogue has its code; unmapped errors propagate."""
    status, answer = await api_answer(request, exc)
    return status, str(answer.get("error", "")), said_in_indonesian(answer) or str(answer.get("message", ""))


async def api_answer(request: Request, exc: BaseException) -> tuple[int, dict[str, Any]]:
    """The API's status and error body for `exc` (its code, figures and field); unmapped errors propagate."""
    if isinstance(exc, ValidationError):
        exc = RequestValidationError(exc.errors())
    return await error_answer(request, exc)


async def attempt(request: Request, action: Callable[[], Awaitable[T] | T]) -> T:
    """Run an action (and await it); a refusal becomes `Refused` with the API's status, kind and message,
    and the refusal said in Bahasa Indonesia from its code through the catalogue.

    The action is a callable so that building its input (a pydantic model) is checked the same way.
    """
    try:
        result = action()
        return await result if inspect.isawaitable(result) else result
    except Exception as e:
        status, answer = await api_answer(request, e)
        if status == 500:
            raise
        kind, message = str(answer.get("error", "")), str(answer.get("message", ""))
        raise Refused(status, kind, message, said_in_indonesian(answer)) from None


def said_in_indonesian(answer: dict[str, Any]) -> str:
    """An API error body's refusal in Bahasa Indonesia from its code; "" for a refusal without a text."""
    field = answer.get("field")
    return catalogue.say(str(answer.get("code") or ""), answer.get("params") or {}, "id", field and str(field))


async def act_on_form(
    request: Request,
    call: Callable[[Any, str], Any],
    *,
    done: str,
    note: str,
    again: Callable[[Any, Refused], Awaitable[Response]],
) -> Response:
    """Run one action with the posted form (and its idempotency key): on success redirect to `done`
    (POST-redirect-GET); refused, `again` shows the page once more with the domain's message."""
    form = await request.form()
    try:
        result = await attempt(request, lambda: call(form, forms.key(form)))
    except Refused as r:
        return await again(form, r)
    return redirect(done, note, **receipt_param(result))


def receipt_param(result: Any) -> dict[str, str]:
    """`bukti=<record>.<version>` when the action wrote a sealed event: the next page shows its receipt."""
    receipt = result.get("receipt") if isinstance(result, dict) else getattr(result, "receipt", None)
    if not receipt:
        return {}
    event = receipt["event"]
    return {"bukti": f"{event['record_id']}.{event['version']}"}


def actions(request: Request) -> AppraisalActions:
    """The service layer's writes on an appraisal, as the API's routes use them."""
    actions: AppraisalActions = request.app.state.actions
    return actions


def cycle_actions(request: Request) -> CycleActions:
    """The service layer's writes on a cycle, as the API's routes use them."""
    found: CycleActions = request.app.state.cycle_actions
    return found
