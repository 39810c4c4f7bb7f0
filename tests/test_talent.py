"""The 9-box talent grid (domain/talent.py): each cell, the potential score's weights, the pool, hostile input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.ratings import BAIK, BUTUH_PERBAIKAN, KURANG, PREDIKATS, SANGAT_BAIK, SANGAT_KURANG
from domain.rules import PERMENPANRB_6_2022 as RULES
from domain.talent import Assessment, assessment, place, pools, potential_score
from domain.talent_rules import ABOVE, BELOW, HIGH, LOW, MEETS, MIDDLE, PARTS

TODAY = date(2026, 11, 30)
NIP = "199001012015031001"


def _assessed(
    score: float, nip: str = NIP, on: date = date(2026, 6, 1), source: str = "Assessment centre BKD"
) -> Assessment:
    return assessment(nip, source, on, dict.fromkeys(PARTS, score), today=TODAY)


# Every cell: (predikat, potential score) -> (performance, potential, box); box 1 below/low ... 9 above/high.
@pytest.mark.parametrize(
    ("predikat", "score", "performance", "potential", "box"),
    [
        (KURANG, 40, BELOW, LOW, 1),
        (SANGAT_KURANG, 60, BELOW, MIDDLE, 2),
        (BAIK, 59.99, MEETS, LOW, 3),
        (BUTUH_PERBAIKAN, 80, BELOW, HIGH, 4),
        (BAIK, 79.99, MEETS, MIDDLE, 5),
        (SANGAT_BAIK, 10, ABOVE, LOW, 6),
        (BAIK, 95, MEETS, HIGH, 7),
        (SANGAT_BAIK, 60, ABOVE, MIDDLE, 8),
        (SANGAT_BAIK, 100, ABOVE, HIGH, 9),
    ],
)
def test_each_cell_of_the_grid(predikat: str, score: float, performance: str, potential: str, box: int) -> None:
    placed = place(RULES, nip=NIP, year=2026, predikat=predikat, assessments=[_assessed(score)])
    assert (placed.performance, placed.potential, placed.box) == (performance, potential, box)


def test_the_potential_score_weighs_its_parts_40_25_20_15() -> None:
    a = assessment(
        NIP,
        "Uji kompetensi 2026",
        date(2026, 3, 1),
        {"competency": 100, "potential": 0, "qualification": 50, "integrity": 80},
        today=TODAY,
    )
    assert potential_score(RULES, a) == 40 + 0 + 10 + 12


def test_the_latest_assessment_up_to_the_year_s_end_places_the_year() -> None:
    old, new, later = (
        _assessed(50, on=date(2024, 5, 1)),
        _assessed(90, on=date(2025, 9, 1)),
        _assessed(20, on=date(2026, 2, 1)),
    )
    history = [place(RULES, nip=NIP, year=y, predikat=BAIK, assessments=[later, new, old]) for y in (2024, 2025, 2026)]
    assert [(p.year, p.box, p.assessed_on) for p in history] == [
        (2024, 3, date(2024, 5, 1)),
        (2025, 7, date(2025, 9, 1)),
        (2026, 3, date(2026, 2, 1)),
    ]
    with pytest.raises(InvalidInput) as refused:
        place(RULES, nip=NIP, year=2023, predikat=BAIK, assessments=[old])
    assert refused.value.code == "talent.no_assessment"


def test_the_pool_takes_boxes_7_to_9_by_level_best_first_from_each_person_s_latest_year() -> None:
    a, b, c, d = "199001012015031001", "199102022016042002", "198803032010011003", "198504042009021004"
    placements = [
        place(RULES, nip=a, year=2025, predikat=SANGAT_BAIK, assessments=[_assessed(90, a, date(2025, 6, 1))]),  # 9
        place(RULES, nip=a, year=2026, predikat=BUTUH_PERBAIKAN, assessments=[_assessed(90, a)]),  # 4: left the pool
        place(RULES, nip=b, year=2026, predikat=BAIK, assessments=[_assessed(85, b)]),  # 7
        place(RULES, nip=c, year=2026, predikat=SANGAT_BAIK, assessments=[_assessed(70, c)]),  # 8
        place(RULES, nip=d, year=2026, predikat=SANGAT_BAIK, assessments=[_assessed(99, d)]),  # 9
    ]
    grouped = pools(RULES, placements, {a: "administrator", b: "pengawas", c: "pengawas", d: "administrator"})
    assert {level: [(p.nip, p.box) for p in members] for level, members in grouped.items()} == {
        "administrator": [(d, 9)],
        "pengawas": [(c, 8), (b, 7)],
    }


@pytest.mark.parametrize(
    ("scores", "field", "code"),
    [
        ({"competency": 90, "potential": 90, "qualification": 90}, "scores", "talent.parts"),
        ({**dict.fromkeys(PARTS, 90), "luck": 1}, "scores", "talent.parts"),
        ({**dict.fromkeys(PARTS, 90), "integrity": 101}, "scores.integrity", "talent.score"),
        ({**dict.fromkeys(PARTS, 90), "integrity": -1}, "scores.integrity", "talent.score"),
        ({**dict.fromkeys(PARTS, 90), "integrity": True}, "scores.integrity", "talent.score"),
        ({**dict.fromkeys(PARTS, 90), "integrity": "90"}, "scores.integrity", "talent.score"),
    ],
)
def test_a_bad_assessment_is_refused_naming_the_field(scores: dict[str, object], field: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        assessment(NIP, "AC", date(2026, 1, 1), scores, today=TODAY)
    assert (refused.value.field, refused.value.code) == (field, code)


@pytest.mark.parametrize(
    ("source", "on"), [("", date(2026, 1, 1)), ("AC\x00", date(2026, 1, 1)), ("AC", date(2026, 12, 1))]
)
def test_a_nameless_hostile_or_future_assessment_is_refused(source: str, on: date) -> None:
    with pytest.raises(InvalidInput):
        assessment(NIP, source, on, dict.fromkeys(PARTS, 50), today=TODAY)


@given(st.sampled_from(PREDIKATS), st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_a_better_potential_never_lowers_the_box(predikat: str, x: float, y: float) -> None:
    low, high = sorted((x, y))
    boxes = [place(RULES, nip=NIP, year=2026, predikat=predikat, assessments=[_assessed(s)]).box for s in (low, high)]
    assert boxes[0] <= boxes[1]
