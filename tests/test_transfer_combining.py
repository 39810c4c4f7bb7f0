"""The rule that combines the periods of a year split by a transfer (domain/period_combining.py), as a table and
as properties over every split of the twelve months and every pair (and triple) of predikat."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.period_combining import LATEST, LOWEST, MONTHS_WEIGHTED, TRANSFER_RULES, combine, months_before
from domain.rules import DEFAULT_RULE_SET, PREDIKATS, rule_set

# The rule set's own scale, stated here so that a changed scale cannot agree with itself.
SCALE = {"sangat_baik": 150, "baik": 100, "butuh_perbaikan": 75, "kurang": 50, "sangat_kurang": 25}
ORDER = sorted(SCALE, key=SCALE.__getitem__)  # worst first

predikat = st.sampled_from(sorted(SCALE))
months = st.integers(min_value=1, max_value=11)


@pytest.mark.parametrize(
    ("rule", "periods", "expected"),
    [
        # 5 months Baik then 7 Sangat Baik: (5*100 + 7*150)/12 = 129.2, nearer 150 than 100.
        (MONTHS_WEIGHTED, [(5, "baik"), (7, "sangat_baik")], "sangat_baik"),
        # 7 months Baik then 5 Sangat Baik: 120.8, nearer 100.
        (MONTHS_WEIGHTED, [(7, "baik"), (5, "sangat_baik")], "baik"),
        # 6 and 6 of Baik and Butuh Perbaikan: 87.5, exactly between 100 and 75: the lower.
        (MONTHS_WEIGHTED, [(6, "baik"), (6, "butuh_perbaikan")], "butuh_perbaikan"),
        (MONTHS_WEIGHTED, [(6, "sangat_baik"), (6, "baik")], "baik"),  # 125: a tie, the lower
        (MONTHS_WEIGHTED, [(1, "sangat_kurang"), (11, "sangat_baik")], "sangat_baik"),  # 139.6
        (MONTHS_WEIGHTED, [(3, "sangat_kurang"), (9, "baik")], "butuh_perbaikan"),  # 81.25, nearer 75
        (MONTHS_WEIGHTED, [(0, "sangat_kurang"), (12, "baik")], "baik"),  # a period of no month weighs nothing
        (MONTHS_WEIGHTED, [(5, "kurang")], "kurang"),
        (LATEST, [(11, "sangat_baik"), (1, "kurang")], "kurang"),
        (LATEST, [(1, "kurang"), (11, "sangat_baik")], "sangat_baik"),
        (LOWEST, [(11, "sangat_baik"), (1, "butuh_perbaikan")], "butuh_perbaikan"),
        (LOWEST, [(6, "baik"), (6, "sangat_baik")], "baik"),
    ],
)
def test_the_rules_on_a_table_of_splits(rule: str, periods: list[tuple[int, str]], expected: str) -> None:
    assert combine(rule, periods, SCALE) == expected


@pytest.mark.parametrize(
    ("effective", "before"),
    [
        (date(2027, 6, 1), 5),  # June belongs to the new post: Jan-May served before
        (date(2027, 6, 15), 5),  # the 15th still gives June to the new post
        (date(2027, 6, 16), 6),  # after the 15th June was mostly served in the old post
        (date(2027, 1, 1), 0),
        (date(2027, 12, 31), 12),
    ],
)
def test_months_served_before_a_transfer(effective: date, before: int) -> None:
    assert months_before(effective) == before


def test_the_default_rule_set_states_its_rule_and_why() -> None:
    rules = rule_set(DEFAULT_RULE_SET)
    assert rules.transfer_rule == MONTHS_WEIGHTED
    assert "Asumsi" in rules.transfer_rule_basis and "bulan" in rules.transfer_rule_basis
    assert dict(rules.angka_kredit_percent) == SCALE  # the scale the weighting uses is the angka kredit one
    assert rules.combine_periods([(5, "baik"), (7, "sangat_baik")]) == "sangat_baik"


@pytest.mark.parametrize(
    ("rule", "periods", "field", "code"),
    [
        ("average", [(6, "baik")], "transfer_rule", "transfer.unknown_rule"),
        (MONTHS_WEIGHTED, [], "periods", "transfer.no_periods"),
        (MONTHS_WEIGHTED, [(13, "baik")], "periods.months", "transfer.period_months"),
        (MONTHS_WEIGHTED, [(-1, "baik")], "periods.months", "transfer.period_months"),
        (MONTHS_WEIGHTED, [(True, "baik")], "periods.months", "transfer.period_months"),
    ],
)
def test_what_the_rule_refuses(rule: str, periods: list[tuple[int, str]], field: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        combine(rule, periods, SCALE)
    assert (refused.value.field, refused.value.code) == (field, code)


def test_an_unknown_predikat_is_never_weighed() -> None:
    with pytest.raises(KeyError):
        combine(MONTHS_WEIGHTED, [(6, "istimewa"), (6, "baik")], SCALE)


@given(rule=st.sampled_from(TRANSFER_RULES), first=predikat, second=predikat, before=months)
def test_the_year_lies_between_its_periods(rule: str, first: str, second: str, before: int) -> None:
    year = combine(rule, [(before, first), (12 - before, second)], SCALE)
    low, high = sorted((first, second), key=SCALE.__getitem__)
    assert SCALE[low] <= SCALE[year] <= SCALE[high]


@given(rule=st.sampled_from(TRANSFER_RULES), same=predikat, before=months)
def test_the_same_predikat_in_both_posts_is_the_year(rule: str, same: str, before: int) -> None:
    assert combine(rule, [(before, same), (12 - before, same)], SCALE) == same


@given(first=predikat, second=predikat, before=months)
def test_months_weighted_ignores_the_order_served(first: str, second: str, before: int) -> None:
    forward = combine(MONTHS_WEIGHTED, [(before, first), (12 - before, second)], SCALE)
    assert forward == combine(MONTHS_WEIGHTED, [(12 - before, second), (before, first)], SCALE)


@given(first=predikat, second=predikat, better=predikat, before=months)
def test_a_better_period_never_lowers_the_year(first: str, second: str, better: str, before: int) -> None:
    if SCALE[better] < SCALE[second]:
        first, second, better = first, better, second
    worse_year = combine(MONTHS_WEIGHTED, [(before, first), (12 - before, second)], SCALE)
    better_year = combine(MONTHS_WEIGHTED, [(before, first), (12 - before, better)], SCALE)
    assert SCALE[better_year] >= SCALE[worse_year]


@given(first=predikat, second=predikat, before=months)
def test_lowest_and_latest_are_what_they_say(first: str, second: str, before: int) -> None:
    periods = [(before, first), (12 - before, second)]
    assert combine(LATEST, periods, SCALE) == second
    assert combine(LOWEST, periods, SCALE) == min(first, second, key=SCALE.__getitem__)


@given(periods=st.lists(st.tuples(st.integers(min_value=1, max_value=4), predikat), min_size=1, max_size=3))
def test_three_posts_in_a_year_combine_too(periods: list[tuple[int, str]]) -> None:
    year = combine(MONTHS_WEIGHTED, periods, SCALE)
    assert year in PREDIKATS
    assert min(SCALE[p] for _, p in periods) <= SCALE[year] <= max(SCALE[p] for _, p in periods)
