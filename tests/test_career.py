"""The angka kredit ledger (domain/career.py) against the figures of its sources (DOMAIN.md §6.2, §13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.career import (
    NEEDS_CREDIT,
    NEEDS_PREDIKAT,
    NO_RESULT_YET,
    TOP_JENJANG,
    Ledger,
    change_jabatan,
    earned,
    eligibility,
    move_up,
    recompute,
    record_result,
)
from domain.errors import InvalidInput
from domain.ratings import BAIK, BUTUH_PERBAIKAN, KURANG, PREDIKATS, SANGAT_BAIK, SANGAT_KURANG
from domain.rules import PERMENPANRB_6_2022 as RULES

NIP = "199001012015031001"


# §6.2: Ahli Pertama, coefficient 12.5; Sangat Baik = 18.75 a year; each predikat's percentage.
@pytest.mark.parametrize(
    ("predikat", "expected"),
    [(SANGAT_BAIK, 18.75), (BAIK, 12.5), (BUTUH_PERBAIKAN, 9.375), (KURANG, 6.25), (SANGAT_KURANG, 3.125)],
)
def test_a_year_earns_the_predikat_s_share_of_the_coefficient(predikat: str, expected: float) -> None:
    assert earned(RULES, "ahli_pertama", predikat, 12) == expected


# §6.2: "2 months Baik = 2.08" at coefficient 12.5; the coefficient of each jenjang.
@pytest.mark.parametrize(
    ("jenjang", "predikat", "months", "expected"),
    [
        ("ahli_pertama", BAIK, 2, 2.083),
        ("ahli_muda", BAIK, 12, 25.0),
        ("ahli_madya", SANGAT_BAIK, 6, 28.125),
        ("ahli_utama", KURANG, 1, 2.083),
        ("terampil", BUTUH_PERBAIKAN, 3, 0.938),
        ("mahir", BAIK, 12, 12.5),
        ("penyelia", SANGAT_KURANG, 12, 6.25),
        ("pemula", BAIK, 12, 3.75),
    ],
)
def test_a_periodic_result_is_prorated_by_months(jenjang: str, predikat: str, months: int, expected: float) -> None:
    assert earned(RULES, jenjang, predikat, months) == expected


@pytest.mark.parametrize("months", [0, 13, -1, 2.5, True])
def test_months_outside_one_to_twelve_are_refused(months: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        earned(RULES, "ahli_pertama", BAIK, months)  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.code) == ("months", "career.months")


def test_an_unknown_jenjang_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as refused:
        earned(RULES, "ahli_super", BAIK, 12)
    assert refused.value.code == "career.jenjang" and "ahli_pertama" in refused.value.params["known"]


def _ledger_with(*predikats: str, jenjang: str = "ahli_pertama") -> Ledger:
    ledger = Ledger(NIP, jenjang)
    for year, predikat in enumerate(predikats, start=2023):
        ledger = record_result(ledger, RULES, on=date(year, 12, 31), predikat=predikat, source=f"appraisal-{year}")
    return ledger


def test_the_next_jenjang_opens_exactly_at_the_required_balance_with_baik() -> None:
    # Ahli Pertama -> Ahli Muda needs 100: eight years of Baik give 100.0 exactly.
    ledger = _ledger_with(*[BAIK] * 8)
    assert ledger.balance == 100.0
    verdict = eligibility(ledger, RULES, today=date(2031, 1, 15))
    assert (verdict.eligible, verdict.next, verdict.reasons) == (True, "ahli_muda", ())
    assert verdict.next_proposal == date(2031, 2, 1)


def test_one_credit_short_is_not_enough_and_says_how_much() -> None:
    ledger = _ledger_with(BUTUH_PERBAIKAN, *[BAIK] * 8)  # 9.375 + 8 x 12.5 = 109.375
    short = _ledger_with(BUTUH_PERBAIKAN, *[BAIK] * 7)  # 96.875
    assert eligibility(ledger, RULES, today=date(2032, 1, 2)).eligible
    verdict = eligibility(short, RULES, today=date(2031, 1, 2))
    assert not verdict.eligible
    assert verdict.reasons == ((NEEDS_CREDIT, {"required": 100.0, "next": "Ahli Muda", "balance": 96.875}),)


@pytest.mark.parametrize("last", [BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG])
def test_below_baik_in_the_last_year_closes_the_move_whatever_the_balance(last: str) -> None:
    verdict = eligibility(_ledger_with(*[SANGAT_BAIK] * 8, last), RULES, today=date(2032, 1, 2))
    assert not verdict.eligible
    assert verdict.reasons == ((NEEDS_PREDIKAT, {"minimum": BAIK, "predikat": last}),)


def test_a_ledger_without_a_result_says_so_and_the_top_jenjang_has_no_next() -> None:
    empty = eligibility(Ledger(NIP, "ahli_muda"), RULES, today=date(2026, 3, 1))
    assert [r for r, _ in empty.reasons] == [NEEDS_CREDIT, NO_RESULT_YET]
    top = eligibility(_ledger_with(SANGAT_BAIK, jenjang="ahli_utama"), RULES, today=date(2026, 3, 1))
    assert (top.eligible, top.next, top.reasons[0][0], top.next_proposal) == (False, None, TOP_JENJANG, None)


@pytest.mark.parametrize(
    ("after", "proposal"),
    [
        # PerBKN 4/2023: 1 Feb, Apr, Jun, Aug, Oct, Dec.
        (date(2024, 1, 10), date(2024, 2, 1)),
        (date(2024, 2, 1), date(2024, 4, 1)),
        (date(2024, 12, 5), date(2025, 2, 1)),
        (date(2025, 8, 31), date(2025, 10, 1)),
        # PerBKN 4/2025: the 1st of every month from 1 October 2025.
        (date(2025, 10, 1), date(2025, 11, 1)),
        (date(2026, 11, 30), date(2026, 12, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_the_next_proposal_date_follows_the_period_rules_of_its_time(after: date, proposal: date) -> None:
    assert RULES.career.next_proposal(after) == proposal


def test_a_move_up_spends_what_it_required_and_the_rest_carries_over() -> None:
    ledger = _ledger_with(*[SANGAT_BAIK] * 6)  # 112.5
    moved = move_up(ledger, RULES, on=date(2029, 3, 1), to="ahli_muda", decree="800/12/BKPSDM/2029")
    assert (moved.jenjang, moved.balance) == ("ahli_muda", 12.5)
    moved = record_result(moved, RULES, on=date(2029, 12, 31), predikat=BAIK, months=10)
    assert moved.balance == round(12.5 + 10 / 12 * 25.0, 3)
    with pytest.raises(InvalidInput) as refused:
        move_up(ledger, RULES, on=date(2029, 3, 1), to="ahli_madya", decree="x")
    assert refused.value.code == "career.not_next_jenjang"


def test_a_change_of_jabatan_carries_the_balance_and_records_the_decree() -> None:
    ledger = _ledger_with(BAIK, BAIK)
    moved = change_jabatan(ledger, RULES, on=date(2025, 2, 1), to="ahli_pertama", decree="821/5/2025")
    assert moved.balance == ledger.balance == 25.0
    assert moved.entries[-1].source == "821/5/2025" and moved.entries[-1].kind == "carried"


def test_entries_must_follow_each_other_in_time() -> None:
    ledger = _ledger_with(BAIK, BAIK)  # last entry 2024-12-31
    with pytest.raises(InvalidInput) as refused:
        record_result(ledger, RULES, on=date(2024, 6, 30), predikat=BAIK, months=6)
    assert refused.value.code == "career.entry_order"


def test_the_auditor_recomputes_each_entry_under_the_rule_set_it_was_earned_under() -> None:
    generous = replace(
        RULES,
        id="agency-ak-2027",
        angka_kredit_percent=MappingProxyType(dict.fromkeys(PREDIKATS, 200)),
    )
    ledger = _ledger_with(BAIK)
    ledger = record_result(ledger, generous, on=date(2027, 12, 31), predikat=BAIK)
    checks = recompute(ledger, {RULES.id: RULES, generous.id: generous})
    assert [(e.rule_set_id, e.amount, again) for e, again in checks] == [
        (RULES.id, 12.5, 12.5),
        ("agency-ak-2027", 25.0, 25.0),
    ]


@given(
    st.lists(
        st.tuples(st.sampled_from(PREDIKATS), st.integers(min_value=1, max_value=12)),
        max_size=15,
    )
)
def test_the_balance_is_the_sum_of_what_each_result_earned(results: list[tuple[str, int]]) -> None:
    ledger = Ledger(NIP, "ahli_muda")
    for i, (predikat, months) in enumerate(results):
        ledger = record_result(ledger, RULES, on=date(2020 + i, 12, 31), predikat=predikat, months=months)
    expected = sum(earned(RULES, "ahli_muda", p, m) for p, m in results)
    assert ledger.balance == pytest.approx(expected, abs=1e-6)
    verdict = eligibility(ledger, RULES, today=date(2040, 1, 1))
    assert verdict.eligible == (
        ledger.balance >= 200.0 and bool(results) and PREDIKATS.index(results[-1][0]) <= PREDIKATS.index(BAIK)
    )


# --- the ledger derived from the log's facts (domain/career.py:derive) ----------------------------------

from domain.career import (  # noqa: E402 - the derivation's half of the module
    APPOINTED,
    CARRIED,
    MOVE_UP,
    JabatanChange,
    YearResult,
    accumulated,
    change_kind,
    derive,
    months_by_jenjang,
)

RULE_SETS = {RULES.id: RULES}


@pytest.mark.parametrize(
    ("effective", "split"),
    [
        # The month of the change counts to the new jenjang when it takes effect by the 15th (as a transfer).
        (date(2025, 7, 1), [("ahli_pertama", 6), ("ahli_muda", 6)]),
        (date(2025, 7, 15), [("ahli_pertama", 6), ("ahli_muda", 6)]),
        (date(2025, 7, 16), [("ahli_pertama", 7), ("ahli_muda", 5)]),
        (date(2025, 1, 1), [("ahli_muda", 12)]),
        (date(2025, 12, 16), [("ahli_pertama", 12)]),
    ],
)
def test_a_year_split_by_a_move_up_is_prorated_by_the_months_in_each_jenjang(
    effective: date, split: list[tuple[str, int]]
) -> None:
    change = JabatanChange(effective, MOVE_UP, "ahli_muda", "800/1/2025")
    assert [(j, m) for j, m, _ in months_by_jenjang(2025, "ahli_pertama", [change])] == split


def test_the_derived_ledger_earns_each_part_of_the_year_at_its_jenjang_and_spends_the_move() -> None:
    results = [YearResult(y, SANGAT_BAIK, RULES.id, f"a-{y}") for y in range(2019, 2026)]  # 7 x 18.75 = 131.25
    move = JabatanChange(date(2025, 7, 1), MOVE_UP, "ahli_muda", "800/7/BKPSDM/2025")
    ledger = derive(NIP, "ahli_pertama", [move], results, RULE_SETS, RULES)
    # 2025: 6 months Sangat Baik at 12.5 (9.375) and 6 at 25 (18.75); the move spent 100 on 1 July.
    assert [(e.kind, e.jenjang, e.months, e.amount) for e in ledger.entries[-3:]] == [
        ("result", "ahli_pertama", 6, 9.375),
        ("move_up", "ahli_muda", 0, -100.0),
        ("result", "ahli_muda", 6, 18.75),
    ]
    assert ledger.balance == round(6 * 18.75 + 9.375 - 100 + 18.75, 3)
    assert ledger.jenjang == "ahli_muda"
    years = accumulated(ledger)
    assert [(y.year, y.earned) for y in years][-2:] == [(2024, 18.75), (2025, 28.125)]
    assert years[-1].total_earned == round(6 * 18.75 + 28.125, 3) and years[-1].balance == ledger.balance


def test_a_change_of_jabatan_at_the_same_jenjang_carries_the_balance_in_the_derived_ledger() -> None:
    results = [YearResult(2024, BAIK, RULES.id, "a"), YearResult(2025, BAIK, RULES.id, "b")]
    carried = JabatanChange(date(2025, 3, 1), CARRIED, "ahli_pertama", "821/5/2025")
    ledger = derive(NIP, "ahli_pertama", [carried], results, RULE_SETS, RULES)
    assert [e.kind for e in ledger.entries] == ["result", "carried", "result"] and ledger.balance == 25.0


def test_months_before_a_first_functional_post_earn_nothing() -> None:
    appointed = JabatanChange(date(2025, 4, 1), APPOINTED, "terampil", "821/9/2025")
    ledger = derive(NIP, "", [appointed], [YearResult(2025, BAIK, RULES.id, "a")], RULE_SETS, RULES)
    assert [(e.kind, e.months, e.amount) for e in ledger.entries] == [("carried", 0, 0.0), ("result", 9, 3.75)]


@pytest.mark.parametrize(
    ("held", "to", "kind"),
    [("", "ahli_pertama", APPOINTED), ("ahli_muda", "ahli_muda", CARRIED), ("mahir", "penyelia", MOVE_UP)],
)
def test_what_a_change_of_jabatan_is(held: str, to: str, kind: str) -> None:
    assert change_kind(RULES.career, held, to) == kind


@pytest.mark.parametrize(("held", "to", "field"), [("ahli_pertama", "ahli_madya", "jenjang"), ("x", "nope", "jenjang")])
def test_a_jump_over_a_jenjang_or_an_unknown_one_is_refused(held: str, to: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        change_kind(RULES.career, held, to)
    assert refused.value.field == field


def test_each_year_s_result_is_earned_under_its_own_cycle_s_rule_set() -> None:
    generous = replace(RULES, id="agency-ak-2025", angka_kredit_percent=MappingProxyType(dict.fromkeys(PREDIKATS, 200)))
    results = [YearResult(2024, BAIK, RULES.id, "a"), YearResult(2025, BAIK, generous.id, "b")]
    ledger = derive(NIP, "ahli_pertama", [], results, {RULES.id: RULES, generous.id: generous}, RULES)
    assert [(e.rule_set_id, e.amount) for e in ledger.entries] == [(RULES.id, 12.5), (generous.id, 25.0)]


# --- kenaikan pangkat (§6.1) under the follow-up table, with the years in rank from the TMT ---------------

from domain.career import pangkat_eligibility, years_in_rank  # noqa: E402


@pytest.mark.parametrize(
    ("since", "today", "years"),
    [
        (date(2022, 4, 1), date(2026, 3, 31), 3),
        (date(2022, 4, 1), date(2026, 4, 1), 4),
        (date(2026, 5, 1), date(2026, 4, 1), 0),
    ],
)
def test_years_in_rank_are_whole_years_from_the_tmt(since: date, today: date, years: int) -> None:
    assert years_in_rank(since, today) == years


@pytest.mark.parametrize(
    ("predikats", "since", "codes"),
    [
        ([BAIK, BAIK], date(2022, 12, 1), []),  # 4 years on the day, Baik twice: open
        ([SANGAT_BAIK, BAIK, KURANG], date(2020, 1, 1), []),  # only the last two years count
        ([BAIK, BAIK], date(2022, 12, 2), ["follow_up.needs_years_in_rank"]),  # one day short of 4 years
        ([BAIK, BUTUH_PERBAIKAN], date(2015, 1, 1), ["follow_up.needs_predikat"]),
        ([BAIK], date(2015, 1, 1), ["follow_up.needs_years_of_predikat"]),
        ([BAIK, BAIK], None, ["career.rank_since"]),
    ],
)
def test_the_pangkat_opens_with_two_good_years_and_four_in_rank(
    predikats: list[str], since: date | None, codes: list[str]
) -> None:
    eligible, reasons, proposal = pangkat_eligibility(RULES, predikats, since, today=date(2026, 12, 1))
    assert ([r["code"] for r in reasons], eligible) == (codes, not codes)
    assert proposal == date(2027, 1, 1)


@given(
    st.lists(st.sampled_from(PREDIKATS), min_size=1, max_size=6),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31)),
)
def test_a_move_up_splits_its_year_and_the_balance_is_what_was_earned_less_what_the_move_spent(
    predikats: list[str], effective: date
) -> None:
    from domain.period_combining import months_before  # noqa: PLC0415

    results = [YearResult(2020 + i, p, RULES.id, f"a-{i}") for i, p in enumerate(predikats)]
    move = JabatanChange(effective, MOVE_UP, "ahli_muda", "800/1")
    ledger = derive(NIP, "ahli_pertama", [move], results, RULE_SETS, RULES)
    lines = [e for e in ledger.entries if e.kind == "result"]
    for r in results:
        year = [e for e in lines if e.on.year == r.year]
        assert sum(e.months for e in year) == 12
        if r.year == effective.year:
            new = sum(e.months for e in year if e.jenjang == "ahli_muda")
            assert new == 12 - months_before(effective)
    earned_ = sum(earned(RULES, e.jenjang, e.predikat or "", e.months) for e in lines)
    assert ledger.balance == pytest.approx(earned_ - 100.0, abs=1e-6)
