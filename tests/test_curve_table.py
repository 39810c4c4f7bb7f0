"""The distribution curve of DOMAIN.md §3.4 (SE MenPANRB 3/2023), row by row, at its limits.

Numbers from the table: Istimewa at most 70% Sangat Baik; Baik at most 70% Baik and some Butuh
Perbaikan and/or Kurang; Butuh Perbaikan at least 60% Butuh Perbaikan, at most 10% Sangat Baik;
Kurang at least 60% Kurang and 10% Butuh Perbaikan, at most 10% Sangat Baik; Sangat Kurang at
least 60% Sangat Kurang and 10% Kurang and/or Butuh Perbaikan, no Sangat Baik. Small units round
as the README states (§12 asks for the rule to be stated): a minimum up, a maximum down.
"""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.rules import DEFAULT_RULE_SET, rule_set

RULES = rule_set(DEFAULT_RULE_SET)
SB, B, BP, K, SK = "sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"


def warnings(org: str, **counts: int) -> list[str]:
    return [w.message for w in RULES.check_curve(org, counts)]


@pytest.mark.parametrize(
    ("org", "counts", "expected"),
    [
        ("istimewa", {SB: 7, B: 3}, []),
        ("istimewa", {SB: 8, B: 2}, ["curve expects at most 70% Sangat Baik: 7 of 10 allowed, 8 rated"]),
        ("istimewa", {SB: 5, B: 2}, ["curve expects at most 70% Sangat Baik: 4 of 7 allowed, 5 rated"]),
        ("baik", {B: 7, BP: 1, SB: 2}, []),
        ("baik", {B: 7, K: 1, SK: 2}, []),
        ("baik", {B: 8, K: 1, SB: 1}, ["curve expects at most 70% Baik: 7 of 10 allowed, 8 rated"]),
        (
            "baik",
            {B: 7, SB: 3},
            ["curve expects at least one Butuh Perbaikan + Kurang/Misconduct: 1 of 10 required, 0 rated"],
        ),
        ("butuh_perbaikan", {BP: 6, SB: 1, B: 3}, []),
        ("butuh_perbaikan", {BP: 5, B: 5}, ["curve expects at least 60% Butuh Perbaikan: 6 of 10 required, 5 rated"]),
        ("butuh_perbaikan", {BP: 4, B: 3}, ["curve expects at least 60% Butuh Perbaikan: 5 of 7 required, 4 rated"]),
        ("butuh_perbaikan", {BP: 5, B: 2}, []),
        ("butuh_perbaikan", {BP: 6, SB: 2, B: 2}, ["curve expects at most 10% Sangat Baik: 1 of 10 allowed, 2 rated"]),
        ("kurang", {K: 6, BP: 1, SB: 1, B: 2}, []),
        ("kurang", {K: 5, BP: 1, B: 4}, ["curve expects at least 60% Kurang/Misconduct: 6 of 10 required, 5 rated"]),
        ("kurang", {K: 6, B: 4}, ["curve expects at least 10% Butuh Perbaikan: 1 of 10 required, 0 rated"]),
        ("kurang", {K: 6, BP: 1, SB: 2, B: 1}, ["curve expects at most 10% Sangat Baik: 1 of 10 allowed, 2 rated"]),
        ("sangat_kurang", {SK: 6, K: 1, B: 3}, []),
        ("sangat_kurang", {SK: 6, BP: 1, B: 3}, []),
        ("sangat_kurang", {SK: 5, K: 1, B: 4}, ["curve expects at least 60% Sangat Kurang: 6 of 10 required, 5 rated"]),
        (
            "sangat_kurang",
            {SK: 6, B: 4},
            ["curve expects at least 10% Kurang/Misconduct + Butuh Perbaikan: 1 of 10 required, 0 rated"],
        ),
        (
            "sangat_kurang",
            {SK: 6, K: 1, SB: 1, B: 2},
            ["curve expects at most 0% Sangat Baik: 0 of 10 allowed, 1 rated"],
        ),
    ],
)
def test_each_row_of_the_curve_at_its_limits(org: str, counts: dict[str, int], expected: list[str]) -> None:
    assert warnings(org, **counts) == expected


def test_an_empty_unit_breaks_nothing_and_each_check_shows_its_numbers() -> None:
    for org in ("istimewa", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"):
        assert warnings(org) == []
    baik = RULES.curve_checks("baik", {B: 8, K: 2})
    assert [(c.allowed, c.actual, c.total, c.ok) for c in baik] == [(7, 8, 10, False), (1, 2, 10, True)]
    assert [c.share.bound for c in baik] == ["max", "some"]


def test_an_unknown_organisation_predikat_is_named() -> None:
    with pytest.raises(
        InvalidInput, match="^org_predikat: must be one of istimewa, baik, butuh_perbaikan, kurang, sangat_kurang$"
    ):
        RULES.check_curve("cukup", {B: 1})
