"""PPPK contracts and the renewal dossier's recommendation (domain/pppk.py, domain/pppk_rules.py): table-driven,
with the values the sources give (PP 49/2018 Pasal 37: at least a year; PermenPANRB 70/2020: six months ahead)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.pppk import (
    add_months,
    check_contract,
    dossier_due,
    months_in,
    recommend_renewal,
    results_over,
)
from domain.pppk_rules import DECLINE, NO_RESULT, RENEW, WEIGH, PppkTable
from domain.rules import DEFAULT_RULE_SET, rule_set

TABLE = rule_set(DEFAULT_RULE_SET).pppk


def test_the_rule_set_carries_the_sources_lead_time_and_shortest_contract() -> None:
    assert TABLE.lead_months == 6  # PermenPANRB 70/2020: proposed at the latest six months before the end
    assert TABLE.min_contract_months == 12  # PP 49/2018 Pasal 37 ayat (1)
    assert "PP 49/2018" in TABLE.source and "16/2025" in TABLE.source


@pytest.mark.parametrize(
    ("employment", "start", "end", "field", "code"),
    [
        ("honorer", "", "", "employment", "pppk.employment"),
        ("pppk", "", "2027-12-31", "contract_start", "pppk.contract_required"),
        ("pppk_paruh_waktu", "2026-01-01", "", "contract_end", "pppk.contract_required"),
        ("pns", "2026-01-01", "", "contract_start", "pppk.pns_no_contract"),
        ("pppk", "2026-01-01", "2025-12-31", "contract_end", "pppk.contract_order"),
        ("pppk", "2026-01-01", "2026-12-30", "contract_end", "pppk.contract_too_short"),
        ("pppk", "2026-02-30", "2027-12-31", "contract_start", "input.date"),
    ],
)
def test_a_contract_is_refused_naming_the_field_and_the_rule(
    employment: str, start: str, end: str, field: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_contract(TABLE, employment, start, end)
    assert refused.value.field == field
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("employment", "start", "end"),
    [("pppk", "2026-01-01", "2026-12-31"), ("pppk_paruh_waktu", "2025-03-01", "2030-02-28"), ("pns", "", "")],
)
def test_a_contract_of_a_year_or_more_and_a_pns_without_one_are_taken(employment: str, start: str, end: str) -> None:
    assert check_contract(TABLE, employment, start, end) == {
        "employment": employment,
        "contract_start": start,
        "contract_end": end,
    }


@pytest.mark.parametrize(
    ("end", "due"),
    [
        (date(2026, 6, 30), date(2025, 12, 30)),
        (date(2026, 8, 31), date(2026, 2, 28)),  # clamped to the month's last day
        (date(2028, 8, 31), date(2028, 2, 29)),  # a leap year
        (date(2027, 1, 15), date(2026, 7, 15)),
    ],
)
def test_the_dossier_is_due_six_months_before_the_contracts_last_day(end: date, due: date) -> None:
    assert dossier_due(TABLE, end) == due


@given(st.dates(date(2001, 1, 1), date(2150, 12, 31)), st.integers(-60, 60))
def test_moving_by_months_lands_in_the_right_month_and_never_past_the_day(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day


@pytest.mark.parametrize(
    ("year", "start", "end", "months"),
    [
        (2025, date(2025, 1, 1), date(2026, 6, 30), 12),
        (2026, date(2025, 1, 1), date(2026, 6, 30), 6),  # ends mid-cycle: January to June
        (2025, date(2025, 3, 16), date(2026, 6, 30), 9),  # March's 15th is before the start
        (2027, date(2025, 1, 1), date(2026, 6, 30), 0),
    ],
)
def test_months_of_a_year_inside_the_contract(year: int, start: date, end: date, months: int) -> None:
    assert months_in(year, start, end) == months


@pytest.mark.parametrize(
    ("found", "code", "reasons"),
    [
        ({2025: ("finalised", "baik")}, RENEW, ["pppk.reason.open_years", "pppk.reason.all_good"]),
        ({2025: ("finalised", "sangat_baik"), 2026: ("finalised", "baik")}, RENEW, ["pppk.reason.all_good"]),
        ({2025: ("finalised", "butuh_perbaikan")}, WEIGH, ["pppk.reason.open_years", "pppk.reason.below"]),
        ({2025: ("finalised", "kurang")}, DECLINE, ["pppk.reason.open_years", "pppk.reason.poor"]),
        ({2025: ("finalised", "sangat_kurang"), 2026: ("finalised", "sangat_baik")}, DECLINE, ["pppk.reason.poor"]),
        ({2025: ("execution", None)}, NO_RESULT, ["pppk.reason.open_years", "pppk.reason.no_result"]),
        ({}, NO_RESULT, ["pppk.reason.open_years", "pppk.reason.no_result"]),
    ],
)
def test_the_recommendation_over_the_contract(found: dict, code: str, reasons: list[str]) -> None:
    complete = {2026: ("execution", None), **found}
    results = results_over(date(2025, 1, 1), date(2026, 6, 30), complete)
    advice = recommend_renewal(TABLE, results)
    assert advice.code == code
    assert [r["code"] for r in advice.reasons] == reasons


def test_an_agency_sets_its_own_thresholds_in_its_rule_set() -> None:
    strict = PppkTable(
        renew_min_predikat="sangat_baik", decline_predikats=("butuh_perbaikan", "kurang", "sangat_kurang")
    )
    results = results_over(date(2025, 1, 1), date(2025, 12, 31), {2025: ("finalised", "baik")})
    assert recommend_renewal(strict, results).code == WEIGH
    assert recommend_renewal(TABLE, results).code == RENEW
