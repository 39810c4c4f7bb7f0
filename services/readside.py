"""The read models as the API uses them: a projector to catch up after writes, and queries.

The read side is helper code in readmodels/; this wrapper keeps the routes independent of
its module layout and answers 503 (not 500) when it is not configured.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from services.errors import ApiError

log = logging.getLogger(__name__)


class ReadSide:
    """Projector + query functions over one engine."""

    def __init__(self, engine: Any = None, projector: Any = None, queries: Any = None) -> None:
        self.engine, self.projector, self.queries = engine, projector, queries

    @classmethod
    def from_url(cls, database_url: str, appraisals: Appraisals) -> ReadSide:
        try:
            from readmodels import queries  # noqa: PLC0415 - optional: the API runs without the read side
            from readmodels.projector import Projector, make_engine  # noqa: PLC0415
        except ImportError as e:
            log.warning("read models unavailable (%s): inbox and dashboards answer 503", e)
            return cls()
        engine = make_engine(database_url)
        return cls(engine, Projector(appraisals, engine), queries)

    def _q(self, name: str) -> Any:
        if self.queries is None or self.engine is None:
            raise ApiError(503, "ReadModelsUnavailable", "the read models are not configured on this server")
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

    def employee(self, nip: str) -> dict[str, Any] | None:
        """The employee with this NIP in the org master data (blocking; None without read models)."""
        if self.queries is None or self.engine is None:
            return None
        if self.projector is not None:
            self.projector.ensure_tables()
        return self.queries.employee(self.engine, nip)

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(self._q(name), self.engine, *args, **kwargs)
