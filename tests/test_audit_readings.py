"""What an auditor reads: the state keyed as the record is, a recomputation that notices a changed
table, a missing record named, and plain JSON in every export.

Expected predikats are DOMAIN.md §3.2's matrix (Sesuai results and Sesuai behaviour give Baik).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from uuid import UUID, uuid4

import pytest

import domain.rules
from domain.audit import Audit, jsonable
from domain.errors import NotFound
from domain.rules import AS_EXPECTED, BAIK, PERMENPANRB_6_2022, SANGAT_BAIK
from tests.factories import STAFF, reach


def test_the_state_at_a_version_names_its_record_and_version() -> None:
    s = reach("review")
    state = Audit(s.app).state_at(s.id(STAFF), version=1)
    assert state["id"] == str(s.id(STAFF)) and state["version"] == 1
    assert state["stage"] == "planning" and state["employee_nip"] == STAFF


def test_an_unknown_record_is_named() -> None:
    missing = uuid4()
    with pytest.raises(NotFound, match=f"^no record {missing}$"):
        Audit(reach("planning").app).history(missing)


def test_a_rating_that_the_table_now_in_force_would_set_otherwise_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recorded Baik from Sesuai/Sesuai; if the table under the same id said Sangat Baik, the
    behaviour rating still matches but the predikat does not, and the rating is not a match."""
    s = reach("follow_up")
    changed = dataclasses.replace(
        PERMENPANRB_6_2022, matrix={**PERMENPANRB_6_2022.matrix, (AS_EXPECTED, AS_EXPECTED): SANGAT_BAIK}
    )
    monkeypatch.setitem(domain.rules.RULE_SETS, PERMENPANRB_6_2022.id, changed)
    report = Audit(s.app).recompute(s.id(STAFF))
    rated = next(r for r in report["ratings"] if r["event"] == "Rated")
    assert rated["behaviour_rating"] == {"recorded": AS_EXPECTED, "recomputed": AS_EXPECTED}
    assert rated["predikat"] == {"recorded": BAIK, "recomputed": SANGAT_BAIK}
    assert rated["match"] is False and report["all_match"] is False


def test_exports_hold_only_plain_json_types() -> None:
    when = datetime(2025, 1, 8, 1, 0, tzinfo=timezone.utc)
    oid = UUID("0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11")
    assert jsonable({"at": [when, (oid, 3)], 7: {"x": None}}) == {
        "at": ["2025-01-08T01:00:00+00:00", ["0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11", 3]],
        "7": {"x": None},
    }
    assert jsonable(oid) == "0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11"
