"""GET /health: whether Temporal and the database answer, how far the read models follow, the notification outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio
import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import JSONResponse
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest


def db_check_of(url: str) -> Callable[[], None]:
    """A check that the database at `url` answers (SELECT 1), on one engine made here."""
    engine = sa.create_engine(url, pool_pre_ping=True)

    def check() -> None:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    return check


async def health(request: Request) -> JSONResponse:
    """Whether Temporal and the database answer (503 when either does not), and how the read models follow."""
    state = request.app.state
    checks: dict[str, dict[str, Any]] = {}
    try:
        if state.temporal is None:
            raise RuntimeError("not connected")
        await asyncio.wait_for(
            state.temporal.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=timedelta(seconds=3)),
            timeout=4,
        )
        checks["temporal"] = {"ok": True}
    except Exception as e:  # noqa: BLE001 - any failure means "not reachable"
        checks["temporal"] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}
    try:
        with anyio.fail_after(5):
            await anyio.to_thread.run_sync(state.db_check)
        checks["database"] = {"ok": True}
    except Exception as e:  # noqa: BLE001
        checks["database"] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}
    ok = all(c["ok"] for c in checks.values())
    # The read models: behind the log by how many events, failing aggregates, the last projection error.
    # They make the status "degraded" but not the answer 503: this instance still serves every write.
    try:
        with anyio.fail_after(5):
            checks["read_models"] = await state.readside.status()
    except Exception as e:  # noqa: BLE001
        checks["read_models"] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}
    # The notification outbox: pending and dead-lettered mails, the oldest pending one's age (degraded, not 503).
    with anyio.move_on_after(5):
        found = await state.readside.notifications(state.clock())
        found.pop("troubled", None)
        checks["notifications"] = found
    checks.setdefault("notifications", {"ok": False, "error": "the outbox did not answer in 5 s"})
    status = "ok" if ok and checks["read_models"]["ok"] and checks["notifications"]["ok"] else "degraded"
    return JSONResponse({"status": status, **checks}, status_code=200 if ok else 503)
