"""The rule set permenpanrb-6-2022 and the NIP check, against oracles written out from DOMAIN.md.

The tables below are copied from DOMAIN.md (§3.2 kuadran, §3.4 pola distribusi,
§6.2 angka kredit, §12 NIP) in their own words, not imported from domain.rules,
so that a wrong cell in the code and the test cannot agree by construction.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain import skm
from domain.errors import InvalidInput, NotFound
from domain.nip import check_nip
from domain.rules import PERMENPANRB_6_2022, Share, rule_set

RULES = PERMENPANRB_6_2022
FAST = settings(max_examples=60, deadline=None)

# The codes the engine uses for the labels of DOMAIN.md §3.1.
RATING = {"Di Atas Ekspektasi": "di_atas", "Sesuai Ekspektasi": "sesuai", "Di Bawah Ekspektasi": "di_bawah"}
PREDIKAT = {
    "Sangat Baik": "sangat_baik",
    "Baik": "baik",
    "Butuh Perbaikan": "butuh_perbaikan",
    "Kurang/Misconduct": "kurang",
    "Sangat Kurang": "sangat_kurang",
}
SEVEN = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")

# --- §3.2 the kuadran, cell by cell -------------------------------------------------------------

KUADRAN = """
Hasil Kerja / Perilaku Kerja | Di Bawah Ekspektasi | Sesuai Ekspektasi | Di Atas Ekspektasi
Di Atas Ekspektasi           | Kurang/Misconduct   | Baik              | Sangat Baik
Sesuai Ekspektasi            | Kurang/Misconduct   | Baik              | Baik
Di Bawah Ekspektasi          | Sangat Kurang       | Butuh Perbaikan   | Butuh Perbaikan
"""


def _cells() -> list[tuple[str, str, str]]:
    header, *rows = [[c.strip() for c in line.split("|")] for line in KUADRAN.strip().splitlines()]
    return [(row[0], behaviour, cell) for row in rows for behaviour, cell in zip(header[1:], row[1:], strict=True)]


def test_the_kuadran_table_has_nine_distinct_cells() -> None:
    assert len({(r, b) for r, b, _ in _cells()}) == 9


@pytest.mark.parametrize(("results", "behaviour", "predikat"), _cells())
def test_each_kuadran_cell_gives_its_predikat(results: str, behaviour: str, predikat: str) -> None:
    assert RULES.predikat(RATING[results], RATING[behaviour]) == PREDIKAT[predikat]


def test_a_rating_outside_the_three_levels_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as e:
        RULES.predikat("baik", "sesuai")
    assert str(e.value) == "results_rating: must be one of di_atas, sesuai, di_bawah, got 'baik'"


# --- §3.3 behaviour: the median of the seven BerAKHLAK values ---------------------------------

SCORE = {"di_bawah": 1, "sesuai": 2, "di_atas": 3}


@FAST
@given(st.lists(st.sampled_from(sorted(SCORE)), min_size=7, max_size=7))
def test_behaviour_rating_is_the_median_of_the_seven_values(ratings: list[str]) -> None:
    expected = statistics.median(SCORE[r] for r in ratings)
    result = RULES.behaviour_rating(dict(zip(SEVEN, ratings, strict=True)))
    assert SCORE[result] == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"di_atas": 4, "di_bawah": 3}, "di_atas"),
        ({"di_atas": 3, "di_bawah": 4}, "di_bawah"),
        ({"di_atas": 3, "sesuai": 1, "di_bawah": 3}, "sesuai"),
        ({"di_atas": 6, "di_bawah": 1}, "di_atas"),
    ],
)
def test_behaviour_rating_follows_the_fourth_of_seven_ordered_values(counts: dict[str, int], expected: str) -> None:
    ratings = [r for r, n in counts.items() for _ in range(n)]
    assert RULES.behaviour_rating(dict(zip(SEVEN, ratings, strict=True))) == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda v: {k: r for k, r in v.items() if k not in ("loyal", "kolaboratif")},
            "behaviour_ratings: rate each of the 7 BerAKHLAK values exactly once (missing: loyal, kolaboratif; "
            "unknown: -)",
        ),
        (
            lambda v: {**v, "integritas": "sesuai"},
            "behaviour_ratings: rate each of the 7 BerAKHLAK values exactly once (missing: -; unknown: integritas)",
        ),
        (
            lambda v: {**{k: r for k, r in v.items() if k != "adaptif"}, "inovatif": "sesuai"},
            "behaviour_ratings: rate each of the 7 BerAKHLAK values exactly once (missing: adaptif; unknown: inovatif)",
        ),
        (
            lambda v: {**v, "loyal": "baik"},
            "behaviour_ratings.loyal: must be one of di_atas, sesuai, di_bawah, got 'baik'",
        ),
    ],
    ids=["missing", "unknown", "missing-and-unknown", "bad-level"],
)
def test_behaviour_rating_names_missing_unknown_and_malformed_values(change, message: str) -> None:
    with pytest.raises(InvalidInput) as e:
        RULES.behaviour_rating(change(dict.fromkeys(SEVEN, "sesuai")))
    assert str(e.value) == message


# --- §3.4 the distribution curve ----------------------------------------------------------------
# Each constraint: (kind, percent, predikats, how the warning names it). "some" is DOMAIN.md's
# "there must be some": at least one person. Rounding (§12, Kinerja's choice): a minimum rounds
# up and a maximum rounds down, so passing the check never means exceeding the curve.

SB, B, BP, K, SK = "sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"
ALL = (SB, B, BP, K, SK)

CURVE = {
    "istimewa": [("max", 70, {SB}, "at most 70% Sangat Baik")],
    "baik": [
        ("max", 70, {B}, "at most 70% Baik"),
        ("some", 0, {BP, K}, "at least one Butuh Perbaikan + Kurang/Misconduct"),
    ],
    "butuh_perbaikan": [
        ("min", 60, {BP}, "at least 60% Butuh Perbaikan"),
        ("max", 10, {SB}, "at most 10% Sangat Baik"),
    ],
    "kurang": [
        ("min", 60, {K}, "at least 60% Kurang/Misconduct"),
        ("min", 10, {BP}, "at least 10% Butuh Perbaikan"),
        ("max", 10, {SB}, "at most 10% Sangat Baik"),
    ],
    "sangat_kurang": [
        ("min", 60, {SK}, "at least 60% Sangat Kurang"),
        ("min", 10, {K, BP}, "at least 10% Kurang/Misconduct + Butuh Perbaikan"),
        ("max", 0, {SB}, "at most 0% Sangat Baik"),  # "No Sangat Baik"
    ],
}


def _limit(kind: str, percent: int, total: int) -> int:
    """Integer arithmetic only: the smallest count >= p% (min), the largest count <= p% (max)."""
    if kind == "some":
        return 1
    if kind == "min":
        return -(-percent * total // 100)
    return percent * total // 100


def _broken(org: str, counts: dict[str, int]) -> list[int]:
    total = sum(counts.values())
    broken = []
    for i, (kind, percent, group, _) in enumerate(CURVE[org]):
        actual, limit = sum(counts[p] for p in group), _limit(kind, percent, total)
        if (actual > limit) if kind == "max" else (actual < limit):
            broken.append(i)
    return broken


@st.composite
def distributions(draw: st.DrawFn, org: str, break_rule: int | None = None) -> dict[str, int]:
    """A unit's predikat counts that meet every constraint of `org`'s rule, except `break_rule` if given."""
    rules = CURVE[org]
    total = draw(st.integers(1, 160), label="total")
    counts = dict.fromkeys(ALL, 0)
    capped = set().union(*(g for kind, _, g, _ in rules if kind == "max"))
    for i, (kind, percent, group, _) in enumerate(rules):
        limit = _limit(kind, percent, total)
        if i == break_rule:
            if kind == "max":  # one more than the cap, or more
                counts[draw(st.sampled_from(sorted(group)))] += limit + 1 + draw(st.integers(0, 3))
            else:  # one fewer than the minimum, or fewer
                counts[draw(st.sampled_from(sorted(group)))] += draw(st.integers(0, limit - 1))
        elif kind != "max":
            short = limit - sum(counts[p] for p in group)
            if short > 0:
                counts[draw(st.sampled_from(sorted(group)))] += short
    remaining = total - sum(counts.values())
    assume(remaining >= 0)  # e.g. a unit of 2 cannot hold 60% Kurang and 10% Butuh Perbaikan, rounded up
    # The rest goes to predikats no maximum limits and, when a minimum is being broken, outside it.
    keep_out = set(rules[break_rule][2]) if break_rule is not None and rules[break_rule][0] != "max" else set()
    free = [p for p in ALL if p not in capped and p not in keep_out]
    for p in draw(st.lists(st.sampled_from(free), min_size=remaining, max_size=remaining)):
        counts[p] += 1
    return counts


@pytest.mark.parametrize("org", sorted(CURVE))
@FAST
@given(data=st.data())
def test_a_distribution_meeting_every_constraint_gives_no_warning(org: str, data: st.DataObject) -> None:
    counts = data.draw(distributions(org))
    assert _broken(org, counts) == []  # the generator keeps its promise
    assert RULES.check_curve(org, counts) == []


CONSTRAINTS = [(org, i) for org, rules in sorted(CURVE.items()) for i in range(len(rules))]


@pytest.mark.parametrize(("org", "index"), CONSTRAINTS, ids=[f"{o}-{CURVE[o][i][3]}" for o, i in CONSTRAINTS])
@FAST
@given(data=st.data())
def test_breaking_one_constraint_warns_naming_it_with_its_numbers(org: str, index: int, data: st.DataObject) -> None:
    counts = data.draw(distributions(org, break_rule=index))
    assert _broken(org, counts) == [index]
    kind, percent, group, name = CURVE[org][index]
    total, actual = sum(counts.values()), sum(counts[p] for p in group)
    required = _limit(kind, percent, total)

    [warning] = RULES.check_curve(org, counts)

    assert (warning.rule, warning.required, warning.actual, warning.total) == (name, required, actual, total)
    limit = "allowed" if kind == "max" else "required"
    assert warning.message == f"curve expects {name}: {required} of {total} {limit}, {actual} rated"


@pytest.mark.parametrize(
    ("bound", "percent", "total", "limit"),
    [
        ("min", 60, 4, 3),  # 2.4 people: a minimum rounds up
        ("min", 60, 5, 3),  # exactly 3.0 stays 3
        ("min", 10, 3, 1),  # 0.3 people: still one
        ("max", 70, 5, 3),  # 3.5 people: a maximum rounds down
        ("max", 70, 1, 0),  # a unit of one may not be all Sangat Baik under Istimewa
        ("max", 10, 9, 0),
        ("max", 10, 10, 1),
    ],
)
def test_small_units_round_minimums_up_and_maximums_down(bound: str, percent: int, total: int, limit: int) -> None:
    assert Share(("baik",), bound, percent).allowed(total) == limit


@FAST
@given(st.sampled_from(["min", "max"]), st.integers(0, 100), st.integers(1, 500))
def test_the_rounded_limit_is_the_nearest_whole_count_on_the_safe_side(bound: str, percent: int, total: int) -> None:
    limit = Share(("baik",), bound, percent).allowed(total)
    if bound == "min":  # the fewest people that make at least percent%
        assert limit * 100 >= percent * total > (limit - 1) * 100
    else:  # the most people that stay within percent%
        assert limit * 100 <= percent * total < (limit + 1) * 100


def test_some_means_one_person_whatever_the_unit_size() -> None:
    # 1 Butuh Perbaikan among 150: "there must be some" is met; 1% rounded up would have asked for 2.
    assert RULES.check_curve("baik", {"baik": 100, "sangat_baik": 49, "butuh_perbaikan": 1}) == []


def test_an_empty_unit_and_an_unknown_organisation_predikat() -> None:
    assert RULES.check_curve("kurang", {}) == []
    with pytest.raises(InvalidInput) as e:
        RULES.check_curve("cukup", {"baik": 1})
    assert str(e.value) == "org_predikat: must be one of istimewa, baik, butuh_perbaikan, kurang, sangat_kurang"


# --- §6.2 angka kredit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predikat", "months", "expected"),
    [
        ("Sangat Baik", 12, 18.75),  # 150% of 12.5, DOMAIN.md's own example
        ("Baik", 12, 12.5),
        ("Butuh Perbaikan", 12, 9.375),
        ("Kurang/Misconduct", 12, 6.25),
        ("Sangat Kurang", 12, 3.125),
        ("Baik", 2, 2.083),  # periodic: 2/12 x 100% x 12.5 = 2.08
    ],
)
def test_angka_kredit_is_months_over_twelve_times_percent_times_coefficient(
    predikat: str, months: int, expected: float
) -> None:
    assert RULES.angka_kredit(PREDIKAT[predikat], 12.5, months) == expected


def test_rule_sets_are_found_by_id_and_an_unknown_id_is_named() -> None:
    assert rule_set("permenpanrb-6-2022") is RULES
    with pytest.raises(NotFound, match="no rule set 'permenpanrb-8-2021'"):
        rule_set("permenpanrb-8-2021")


# --- §12 the NIP ------------------------------------------------------------------------------------


TODAY = date(2026, 11, 30)


@st.composite
def valid_nips(draw: st.DrawFn) -> str:
    """Born 1940-2007; appointed as CPNS from the month after the 18th birthday up to today."""
    born = draw(st.dates(date(1940, 1, 1), date(2007, 12, 31)))
    first = date(born.year + 18, born.month, 1) + timedelta(days=31)  # the month after the 18th birthday
    appointed = draw(st.dates(first.replace(day=1), TODAY))
    gender, serial = draw(st.sampled_from("12")), draw(st.integers(0, 999))
    return f"{born:%Y%m%d}{appointed:%Y%m}{gender}{serial:03d}"


@FAST
@given(valid_nips())
def test_a_well_formed_nip_is_accepted_unchanged(nip: str) -> None:
    assert check_nip(nip, today=TODAY) == nip


@pytest.mark.parametrize(
    ("nip", "message"),
    [
        ("19850412201003100", "a NIP has exactly 18 digits, got '19850412201003100'"),
        ("1985041220100310011", "a NIP has exactly 18 digits, got '1985041220100310011'"),
        ("19850412 01003 1001", "a NIP has exactly 18 digits, got '19850412 01003 1001'"),
        ("198502302010031001", "digits 1-8 must be a birth date YYYYMMDD, got 19850230"),
        ("198513122010031001", "digits 1-8 must be a birth date YYYYMMDD, got 19851312"),
        ("198504122010131001", "digits 9-14 must be the CPNS appointment YYYYMM, got 201013"),
        ("198504122010001001", "digits 9-14 must be the CPNS appointment YYYYMM, got 201000"),
        ("198504121984031001", "digits 9-14: the CPNS appointment 198403 is not after the birth date 19850412"),
        # PP 11/2017 Pasal 23(1)(a): at least 18 years old; the appointment month counts from its first day.
        ("198503151985011001", "digits 9-14: the CPNS appointment 198501 is not after the birth date 19850315"),
        (
            "198503152001011001",
            "digits 9-14: a CPNS appointment in 200101 is at age 15; PP 11/2017 Pasal 23 sets 18 as the minimum age",
        ),
        (
            "198503152003031001",
            "digits 9-14: a CPNS appointment in 200303 is at age 17; PP 11/2017 Pasal 23 sets 18 as the minimum age",
        ),
        ("209001012115011001", "digits 1-8: the birth date 20900101 is in the future"),
        ("200001012027011001", "digits 9-14: the CPNS appointment 202701 is in the future"),
        ("198504122010033001", "digit 15 is the gender (1 male, 2 female), got 3"),
        ("198504122010030001", "digit 15 is the gender (1 male, 2 female), got 0"),
    ],
    ids=[
        "17-digits",
        "19-digits",
        "not-digits",
        "30-feb",
        "month-13",
        "appointed-month-13",
        "appointed-month-0",
        "appointed-before-birth",
        "appointed-in-the-birth-year-before-the-birthday",
        "appointed-at-15",
        "appointed-a-month-before-18",
        "born-in-the-future",
        "appointed-in-the-future",
        "gender-3",
        "gender-0",
    ],
)
def test_a_malformed_nip_is_refused_naming_the_wrong_part(nip: str, message: str) -> None:
    with pytest.raises(InvalidInput) as e:
        check_nip(nip, "participants[2].nip", TODAY)
    assert str(e.value) == f"participants[2].nip: {message}"
    assert e.value.field == "participants[2].nip"


@FAST
@given(valid_nips(), st.sampled_from("03456789"))
def test_any_gender_digit_but_1_or_2_is_refused(nip: str, digit: str) -> None:
    with pytest.raises(InvalidInput, match=f"digit 15 is the gender \\(1 male, 2 female\\), got {digit}$"):
        check_nip(nip[:14] + digit + nip[15:], today=TODAY)


def test_the_18th_birthday_month_is_the_first_plausible_appointment() -> None:
    """Born 15 March 1985: an appointment from 1 April 2003 is at 18; from 1 March 2003 it is at 17."""
    assert check_nip("198503152003041001", today=TODAY) == "198503152003041001"
    with pytest.raises(InvalidInput, match="at age 17"):
        check_nip("198503152003031001", today=TODAY)


# --- SKM (PermenPANRB 14/2017, DOMAIN.md §7.1): NI intervals, IKM = NI x 25 -------------------------


@pytest.mark.parametrize(
    ("ni", "perception", "quality", "performance"),
    [
        (1.0, 1, "D", "Tidak Baik"),
        (2.5996, 1, "D", "Tidak Baik"),
        (2.60, 2, "C", "Kurang Baik"),
        (3.064, 2, "C", "Kurang Baik"),
        (3.0644, 3, "B", "Baik"),
        (3.532, 3, "B", "Baik"),
        (3.5324, 4, "A", "Sangat Baik"),
        (4.0, 4, "A", "Sangat Baik"),
    ],
)
def test_skm_intervals_follow_the_conversion_table(ni: float, perception: int, quality: str, performance: str) -> None:
    assert skm.classify(ni) == {"perception": perception, "quality": quality, "performance": performance}


def test_skm_score_is_the_equal_weight_mean_times_25() -> None:
    answers = dict.fromkeys(skm.ELEMENTS, 3) | {"perilaku_pelaksana": 4}
    assert skm.score(answers) == {"ni": 3.1111, "ikm": 77.78, "perception": 3, "quality": "B", "performance": "Baik"}
