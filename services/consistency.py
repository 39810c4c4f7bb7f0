"""Read-your-writes without catching up in the request (#10).

The projector runs in a process of its own (`kinerja projections run`), never inside a request. A write
therefore says where the log stood when it was saved: the **notification id** of the log that took it,
read right after the save (at or after the write's own event: the store hands out ids in commit order).
The API answers it in the header `Kinerja-Notification-Id`; the pages keep it in the cookie `kinerja_seen`.

A read that must see the write sends it back (`Kinerja-Seen: <id>`; a browser sends the cookie by itself).
The read then waits, at most `read_wait_seconds` (settings), until the projection's tracked position has
passed it; if it has not by then, it answers 503 with Retry-After and says why (in Bahasa Indonesia on
pages), never an older state without saying so.

A token is `<id>` (the single log), or `<log>:<id>` (an agency's log of a partitioned store, named as
`domain.partitions.partition_name` names it); several, the latest write per log, are joined by `.`.
Hostile values are answered, never waited on: a malformed header (not digits, too long, too many tokens,
a log this store does not have, an id the log has not reached) is 400 naming the header; such a cookie is
ignored and cleared.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.errors import refusal
from services.edge import is_page_path
from services.errors import ApiError

WRITTEN_HEADER = "Kinerja-Notification-Id"
SEEN_HEADER = "Kinerja-Seen"
SEEN_COOKIE = "kinerja_seen"
SEEN_COOKIE_SECONDS = 300  # long enough for the redirect after a form, short enough to be forgotten

MAX_TOKENS = 8
MAX_LENGTH = 600
_TOKEN = re.compile(r"(?:([a-z0-9_]{1,64}):)?([0-9]{1,18})")

BAD_SEEN = refusal(
    "service.seen_malformed",
    "must be notification ids written by this server: <id> or <log>:<id>, at most {most} joined by '.' ({reason})",
)
READ_BEHIND = refusal(
    "service.read_behind",
    "the read models have not caught up with your last change within {seconds} seconds (they are at "
    "{position}, your change is {wanted}); retry in {retry} seconds",
)


class Malformed(ValueError):
    """A Kinerja-Seen value or cookie that is not a token list (the reason says which rule)."""


@dataclass
class Seen:
    """The latest notification id per log, from one or more tokens; "" names the single log."""

    positions: dict[str, int] = field(default_factory=dict)

    def add(self, log: str, position: int) -> None:
        if position > self.positions.get(log, 0):
            self.positions[log] = position

    def merge(self, other: Seen) -> None:
        for log, position in other.positions.items():
            self.add(log, position)

    def __bool__(self) -> bool:
        return bool(self.positions)

    def token(self) -> str:
        return ".".join(f"{log}:{at}" if log else str(at) for log, at in sorted(self.positions.items()))


def parse(text: str) -> Seen:
    """A header or cookie value as positions; Malformed names what is wrong. Never raises anything else."""
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise Malformed(f"{len(text)} characters, at most {MAX_LENGTH}")
    parts = text.split(".") if text else []
    if not parts or len(parts) > MAX_TOKENS:
        raise Malformed(f"{len(parts)} tokens")
    seen = Seen()
    for part in parts:
        found = _TOKEN.fullmatch(part)
        if found is None:
            raise Malformed(f"{part[:40]!r} is not <id> or <log>:<id>")
        seen.add(found.group(1) or "", int(found.group(2)))
    return seen


@dataclass
class Noted:
    """One request's part in read-your-writes: what it wrote, and whether it came with a `kinerja_seen` cookie."""

    written: Seen = field(default_factory=Seen)
    had_cookie: bool = False


# The request being served: set by `WrittenTokens` around each request, added to by the read side after
# each save (services/readside.py), answered as a header and, on pages, a cookie.
_NOTED: ContextVar[Noted | None] = ContextVar("kinerja_noted", default=None)


def written() -> Seen | None:
    """What this request wrote so far (None outside a request)."""
    noted = _NOTED.get()
    return noted.written if noted is not None else None


async def read_after_write(request: Request) -> None:
    """The app's dependency of every route: a GET or HEAD sent with `Kinerja-Seen` (or, on a page, the
    `kinerja_seen` cookie) waits until the read models have passed it (bounded: ReadSide.wait_for)."""
    if request.method not in ("GET", "HEAD"):
        return
    header = request.headers.get(SEEN_HEADER)
    cookie = request.cookies.get(SEEN_COOKIE) if is_page_path(request.url.path) else None
    if header is None and cookie is None:
        return
    readside = request.app.state.readside
    if readside is None:
        return
    seen = Seen()
    if header is not None:
        try:
            sent = parse(header)
            problem = await run_in_threadpool(readside.check_seen, sent)
        except Malformed as e:
            problem = str(e)
        if problem is not None:
            raise ApiError.of(400, "InvalidInput", BAD_SEEN, SEEN_HEADER, most=MAX_TOKENS, reason=problem)
        seen.merge(sent)
    if cookie is not None:
        try:  # a cookie is not the caller's explicit word: a bad one is cleared (WrittenTokens), not refused
            kept = parse(cookie)
            if await run_in_threadpool(readside.check_seen, kept) is None:
                seen.merge(kept)
        except Malformed:
            pass
    if seen:
        await readside.wait_for(seen, readside.wait_seconds)


class WrittenTokens:
    """Around each request: a fresh record of its writes; the answer carries them as `Kinerja-Notification-Id`
    and, on pages, as the `kinerja_seen` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS, 5 minutes). A
    page answered without a write clears a cookie that came with it (its wait is over), unless the answer is
    a 5xx (the read models were behind: a reload waits again)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        noted = Noted(had_cookie=f"{SEEN_COOKIE}=".encode() in _cookie_header(scope))
        token = _NOTED.set(noted)
        page = is_page_path(scope.get("path", ""))
        secure = "; Secure" if scope.get("scheme") == "https" else ""

        async def with_tokens(message: Any) -> None:
            if message["type"] == "http.response.start":
                extra: list[tuple[bytes, bytes]] = []
                if noted.written:
                    value = noted.written.token()
                    extra.append((WRITTEN_HEADER.lower().encode(), value.encode()))
                    if page:
                        cookie = f"{SEEN_COOKIE}={value}; Path=/; Max-Age={SEEN_COOKIE_SECONDS}; HttpOnly; SameSite=Lax"
                        extra.append((b"set-cookie", (cookie + secure).encode()))
                elif page and noted.had_cookie and message["status"] < 500:
                    cleared = f"{SEEN_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
                    extra.append((b"set-cookie", cleared.encode()))
                if extra:
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, with_tokens)
        finally:
            _NOTED.reset(token)


def _cookie_header(scope: Scope) -> bytes:
    return b";".join(v for k, v in scope.get("headers", []) if k == b"cookie")
