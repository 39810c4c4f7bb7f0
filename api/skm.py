"""Survei Kepuasan Masyarakat (PermenPANRB 14/2017, DOMAIN.md §7.1): scoring and storage.

Nine elements on a scale of 1-4; NI is their mean with equal weights, IKM = NI x 25,
and the NI interval gives the perception (1-4), the quality (A-D) and the unit's
performance label. Responses are kept in their own table: the survey is the unit's
public-service data, not part of an appraisal's legal record; a response about an
employee is in addition recorded in that employee's appraisal (FeedbackGiven).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

ELEMENTS = (
    "persyaratan", "prosedur", "waktu_penyelesaian", "biaya_tarif", "produk_layanan",
    "kompetensi_pelaksana", "perilaku_pelaksana", "penanganan_pengaduan", "sarana_prasarana",
)  # fmt: skip
# Lower bound of NI for perception 4, 3, 2 (else 1), with quality and performance label (§7.1 table).
INTERVALS = ((3.5324, 4, "A", "Sangat Baik"), (3.0644, 3, "B", "Baik"), (2.60, 2, "C", "Kurang Baik"),
             (1.00, 1, "D", "Tidak Baik"))  # fmt: skip

metadata = sa.MetaData()
responses = sa.Table(
    "api_skm_responses", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agency_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False, index=True),
    sa.Column("employee_nip", sa.String(18)),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("ni", sa.Float, nullable=False),
    sa.Column("comment", sa.String(2000), nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
)  # fmt: skip


def score(answers: dict[str, int]) -> dict[str, Any]:
    """NI (mean of the answered elements), IKM, perception 1-4, quality A-D and label."""
    ni = sum(answers.values()) / len(answers)
    return {"ni": round(ni, 4), "ikm": round(ni * 25, 2), **classify(ni)}


def classify(ni: float) -> dict[str, Any]:
    for lower, perception, quality, label in INTERVALS:
        if ni >= lower:
            return {"perception": perception, "quality": quality, "performance": label}
    raise ValueError(f"NI {ni} is below 1")


class SurveyStore:
    """One table in the read-model database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._ready = False

    def _ensure(self) -> None:
        if not self._ready:
            metadata.create_all(self.engine, checkfirst=True)
            self._ready = True

    def add(self, agency_id: str, unit_id: str, employee_nip: str | None, answers: dict[str, int],
            comment: str) -> int:
        self._ensure()
        row = {"agency_id": agency_id, "unit_id": unit_id, "employee_nip": employee_nip, "answers": answers,
               "ni": score(answers)["ni"], "comment": comment,
               "received_at": datetime.now(timezone.utc).replace(tzinfo=None)}
        with self.engine.begin() as conn:
            return int(conn.execute(responses.insert().values(**row)).inserted_primary_key[0])

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
        result: dict[str, Any] = {"agency_id": agency_id, "unit_id": unit_id, "responses": len(rows),
                                  "elements": means}
        if means:
            result.update(score(means))  # type: ignore[arg-type]
        return result
