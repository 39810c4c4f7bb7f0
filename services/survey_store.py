"""Survei Kepuasan Masyarakat storage (scoring is the domain's: domain/skm.py).

Responses are kept in their own table: the survey is the unit's public-service data,
not part of an appraisal's legal record. A response about an employee stays here, beside
the appraisal (public input never writes into an appraisal): their appraiser reads it.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from domain.skm import ELEMENTS, score

metadata = sa.MetaData()
_CREATING = threading.Lock()
responses = sa.Table(
    "api_skm_responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agency_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False, index=True),
    sa.Column("employee_nip", sa.String(18)),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("ni", sa.Float, nullable=False),
    sa.Column("comment", sa.String(2000), nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
)


class SurveyStore:
    """One table in the read-model database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._ready = False

    def _ensure(self) -> None:
        """Create the table if missing. Each request has its own store, and the first surveys may come together:
        threads of this process take turns, and a table another process made between this one's check and
        its CREATE (which then fails) is found on the next try, as identity/tables.py does."""
        if self._ready:
            return
        with _CREATING:
            for attempt in range(5):
                try:
                    metadata.create_all(self.engine, checkfirst=True)
                    break
                except sa.exc.DatabaseError:
                    if attempt == 4:
                        raise
                    time.sleep(0.1)
        self._ready = True

    def add(self, agency_id: str, unit_id: str, employee_nip: str | None, answers: dict[str, int], comment: str) -> int:
        self._ensure()
        row = {
            "agency_id": agency_id,
            "unit_id": unit_id,
            "employee_nip": employee_nip,
            "answers": answers,
            "ni": score(answers)["ni"],
            "comment": comment,
            "received_at": datetime.now(timezone.utc).replace(tzinfo=None),
        }
        with self.engine.begin() as conn:
            key = conn.execute(responses.insert().values(**row)).inserted_primary_key
            assert key is not None
            return int(key[0])

    def received_about(self, employee_nip: str, since: datetime) -> list[datetime]:
        """When the surveys about an employee since `since` arrived (for the per-employee limit)."""
        self._ensure()
        query = sa.select(responses.c.received_at).where(
            responses.c.employee_nip == employee_nip, responses.c.received_at > since.replace(tzinfo=None)
        )
        with self.engine.connect() as conn:
            return [t.replace(tzinfo=timezone.utc) for t in conn.execute(query).scalars()]

    def about(self, employee_nip: str, unit_id: str) -> list[dict[str, Any]]:
        """The surveys about an employee (newest first), for their appraiser."""
        self._ensure()
        query = (
            sa.select(responses)
            .where(responses.c.employee_nip == employee_nip, responses.c.unit_id == unit_id)
            .order_by(responses.c.received_at.desc(), responses.c.id.desc())
        )
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        return [{**r, "received_at": r["received_at"].replace(tzinfo=timezone.utc)} for r in rows]

    def summary(self, agency_id: str, unit_id: str) -> dict[str, Any]:
        """Per element the mean of its answers, then NI as the equal-weight mean of those means."""
        self._ensure()
        where = (responses.c.agency_id == agency_id) & (responses.c.unit_id == unit_id)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(responses.c.answers).where(where)).scalars().all()
        sums: dict[str, list[int]] = {e: [] for e in ELEMENTS}
        for answers in rows:
            for element, value in answers.items():
                sums.setdefault(element, []).append(int(value))
        means = {e: round(sum(v) / len(v), 4) for e, v in sums.items() if v}
        result: dict[str, Any] = {"agency_id": agency_id, "unit_id": unit_id, "responses": len(rows), "elements": means}
        if means:
            result.update(score(means))  # type: ignore[arg-type]
        return result
