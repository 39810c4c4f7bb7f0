"""Idempotency-Key for every write: a repeat returns the first answer and writes nothing.

Two layers. The key travels down as the domain command key (and the Temporal
update id), so the log itself never applies one command twice, even across API
replicas. And this middleware keeps the first answer (status and body, for
successes and 4xx refusals alike: final outcomes; never a 5xx, nor an answer that says when to
retry (Retry-After: a workflow still starting, a rate limit), which are not) keyed by
(caller, key), so a repeat does not even reach Temporal. The same key with a
different request is refused with 422.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import body

HEADER = b"idempotency-key"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY = 200
MULTIPART_BOUNDARY = re.compile(rb'^multipart/form-data;.*\bboundary="?([^";]{1,70})"?', re.IGNORECASE)


@dataclass
class Stored:
    fingerprint: str
    status: int
    headers: list[tuple[bytes, bytes]]
    content: bytes
    at: float


class ResponseCache:
    """First answers by (caller, key), in memory, bounded and expiring."""

    def __init__(self, max_entries: int = 10_000, ttl_seconds: float = 24 * 3600) -> None:
        self.entries: OrderedDict[tuple[str, str], Stored] = OrderedDict()
        self.locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.max_entries, self.ttl = max_entries, ttl_seconds

    def get(self, ident: tuple[str, str]) -> Stored | None:
        stored = self.entries.get(ident)
        if stored is not None and time.monotonic() - stored.at > self.ttl:
            del self.entries[ident]
            return None
        return stored

    def put(self, ident: tuple[str, str], stored: Stored) -> None:
        self.entries[ident] = stored
        self.entries.move_to_end(ident)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def lock(self, ident: tuple[str, str]) -> asyncio.Lock:
        return self.locks.setdefault(ident, asyncio.Lock())


class IdempotencyMiddleware:
    """Replays the first answer to a write that repeats its Idempotency-Key."""

    def __init__(self, app: ASGIApp, cache: ResponseCache | None = None) -> None:
        self.app, self.cache = app, cache or ResponseCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        key = headers.get(HEADER, b"").decode("latin-1").strip()
        if not key:
            return await self.app(scope, receive, send)
        if len(key) > MAX_KEY:
            return await _answer(
                send, 422, body("InvalidInput", f"Idempotency-Key: at most {MAX_KEY} characters", "Idempotency-Key")
            )
        caller = await _caller(scope, headers)
        if caller is None:  # unauthenticated: let the route answer 401
            return await self.app(scope, receive, send)
        messages, raw = await _read_body(receive)
        fingerprint = _fingerprint(scope, headers, raw)
        ident = (caller, key)
        async with self.cache.lock(ident):
            stored = self.cache.get(ident)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    return await _answer(
                        send,
                        422,
                        body(
                            "InvalidInput",
                            "Idempotency-Key: this key was already used for a different request",
                            "Idempotency-Key",
                        ),
                    )
                return await _replay(send, stored)
            captured: dict[str, Any] = {"status": 500, "headers": [], "content": b""}

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    captured["status"], captured["headers"] = message["status"], list(message.get("headers", []))
                elif message["type"] == "http.response.body":
                    captured["content"] += message.get("body", b"")
                await send(message)

            await self.app(scope, _replaying(messages, receive), capture)
            if _final(captured["status"], captured["headers"]):
                self.cache.put(
                    ident,
                    Stored(fingerprint, captured["status"], captured["headers"], captured["content"], time.monotonic()),
                )


def _fingerprint(scope: Scope, headers: dict[bytes, bytes], raw: bytes) -> str:
    """What makes two requests the same: method, path and body; a multipart body without its boundary,
    which a client draws anew for every send (a retried upload is the same request)."""
    found = MULTIPART_BOUNDARY.search(headers.get(b"content-type", b""))
    if found:
        raw = raw.replace(found.group(1), b"")
    return hashlib.sha256(f"{scope['method']} {scope['path']}\n".encode() + raw).hexdigest()


def _final(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    """A 2xx or 4xx that does not ask to be retried later: what a repeat of the request must answer too."""
    return status < 500 and not any(name.lower() == b"retry-after" for name, _ in headers)


async def _caller(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    """Whose key it is: the authenticated NIP, or the client address for anonymous writes."""
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    app = scope["app"]
    if not authorization:
        client = scope.get("client") or ("unknown", 0)
        return f"anonymous:{client[0]}" if scope["path"].startswith(app.state.anonymous_prefix) else None
    try:
        actor = await anyio.to_thread.run_sync(app.state.verifier.actor, authorization)
    except Exception:  # noqa: BLE001 - the route gives the precise 401
        return None
    return actor.nip


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    """The whole body (the edge's BodyLimit, in front, caps it at KINERJA_MAX_REQUEST_BYTES)."""
    messages, chunks = [], []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replaying(messages: list[Message], then: Receive) -> Receive:
    """The body already read, then the real channel (for disconnect notices)."""
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0) if queue else await then()

    return receive


async def _replay(send: Send, stored: Stored) -> None:
    headers = [h for h in stored.headers if h[0].lower() != b"content-length"]
    headers += [(b"content-length", str(len(stored.content)).encode()), (b"idempotent-replayed", b"true")]
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.content})


async def _answer(send: Send, status: int, payload: dict[str, Any]) -> None:
    content = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": content})
