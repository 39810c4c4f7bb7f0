"""The read models as the API uses them: a projector to catch up after writes, and queries.

The read side is helper code in readmodels/; this wrapper keeps the routes independent of
its module layout and answers 503 (not 500) when it is not configured.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from services.errors import NOT_CONFIGURED, ApiError

log = logging.getLogger(__name__)


class ReadSide:
    """Projector + query functions over one engine."""

    def __init__(self, engine: Any = None, projector: Any = None, queries: Any = None, outbox: Any = None) -> None:
        self.engine, self.projector, self.queries, self.outbox = engine, projector, queries, outbox

    @classmethod
    def from_url(cls, database_url: str, appraisals: Appraisals) -> ReadSide:
        try:
            from readmodels import queries  # noqa: PLC0415 - optional: the API runs without the read side
            from readmodels.outbox import Outbox  # noqa: PLC0415
            from readmodels.projector import Projector, make_engine  # noqa: PLC0415
        except ImportError as e:
            log.warning("read models unavailable (%s): inbox and dashboards answer 503", e)
            return cls()
        engine = make_engine(database_url)
        return cls(engine, Projector(appraisals, engine), queries, Outbox(appraisals, engine, start_at_head=True))

    def _q(self, name: str) -> Any:
        if self.queries is None or self.engine is None:
            raise ApiError.of(503, "ReadModelsUnavailable", NOT_CONFIGURED, store="read models")
        return getattr(self.queries, name)

    async def catch_up(self) -> None:
        """Bring the projections up to the log after a write; a failure is logged, never the caller's."""
        if self.projector is None:
            return
        try:
            await run_in_threadpool(self.projector.catch_up)
        except Exception:
            log.exception("read-model catch-up failed after a write")

    async def status(self) -> dict[str, Any]:
        """How far the read models are behind the log and the last projection error (for /health, HR)."""
        if self.projector is None:
            return {"ok": False, "error": "the read models are not configured on this server"}
        try:
            found: dict[str, Any] = await run_in_threadpool(self.projector.status)
        except Exception as e:  # noqa: BLE001 - a status that cannot be read is itself the answer
            return {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}
        return found

    async def notifications(self, now: datetime, agency_id: str | None = None) -> dict[str, Any]:
        """The outbox (readmodels/outbox.py): messages per state, the oldest pending one's age, and the
        dead and failing ones (of one agency, if given) for HR; never raises, like `status`."""
        if self.outbox is None:
            return {"ok": False, "error": "the notification outbox is not configured on this server"}

        def read() -> dict[str, Any]:
            found: dict[str, Any] = self.outbox.status(now)
            listed = self.outbox.listing()
            found["troubled"] = [
                m for m in listed if (m["state"] == "dead" or m["attempts"]) and agency_id in (None, m["agency_id"])
            ]
            return found

        try:
            return await run_in_threadpool(read)
        except Exception as e:  # noqa: BLE001 - a status that cannot be read is itself the answer
            return {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}

    async def retry_notification(self, message_id: str, now: datetime) -> bool:
        """HR sends a dead-lettered message again; False when no such dead message exists."""
        if self.outbox is None:
            raise ApiError.of(503, "ReadModelsUnavailable", NOT_CONFIGURED, store="notification outbox")
        done: bool = await run_in_threadpool(self.outbox.retry, message_id, now)
        return done

    def employee(self, nip: str) -> dict[str, Any] | None:
        """The employee with this NIP in the org master data (blocking; None without read models)."""
        if self.queries is None or self.engine is None:
            return None
        if self.projector is not None:
            self.projector.ensure_tables()
        return self.queries.employee(self.engine, nip)

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(self._q(name), self.engine, *args, **kwargs)
