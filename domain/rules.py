"""Versioned rule sets: every number and table the ratings depend on.

An appraisal records the id of the rule set it was opened under, so a replay
recomputes its predikat with the rules then in force, whatever came later.
Rule sets are pure and deterministic: workflows may call them directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.errors import InvalidInput, NotFound

# Rating of hasil kerja (results) and of perilaku kerja (behaviour), DOMAIN.md §3.1.
ABOVE, AS_EXPECTED, BELOW = "di_atas", "sesuai", "di_bawah"
RATINGS = (ABOVE, AS_EXPECTED, BELOW)
RATING_LABELS = {ABOVE: "Di Atas Ekspektasi", AS_EXPECTED: "Sesuai Ekspektasi", BELOW: "Di Bawah Ekspektasi"}

# Employee predikat, best first (§3.1).
SANGAT_BAIK, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG = (
    "sangat_baik",
    "baik",
    "butuh_perbaikan",
    "kurang",
    "sangat_kurang",
)
PREDIKATS = (SANGAT_BAIK, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG)
PREDIKAT_LABELS = {
    SANGAT_BAIK: "Sangat Baik",
    BAIK: "Baik",
    BUTUH_PERBAIKAN: "Butuh Perbaikan",
    KURANG: "Kurang/Misconduct",
    SANGAT_KURANG: "Sangat Kurang",
}

# Organisation predikat (§2.3 step 1).
ISTIMEWA = "istimewa"
ORG_PREDIKATS = (ISTIMEWA, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG)

# Who hears of an overdue task: the atasan pejabat penilai, or HR's pengelola kinerja.
ATASAN_PARTY, HR_PARTY = "atasan", "hr"

# IKI aspects (§2.1).
ASPECTS = ("kuantitas", "kualitas", "waktu", "biaya")

# The seven BerAKHLAK core values (§3.3).
BERAKHLAK = (
    "berorientasi_pelayanan",
    "akuntabel",
    "kompeten",
    "harmonis",
    "loyal",
    "adaptif",
    "kolaboratif",
)

# The kuadran kinerja, cell by cell (§3.2): (results, behaviour) -> predikat.
MATRIX_6_2022: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        (ABOVE, BELOW): KURANG,
        (ABOVE, AS_EXPECTED): BAIK,
        (ABOVE, ABOVE): SANGAT_BAIK,
        (AS_EXPECTED, BELOW): KURANG,
        (AS_EXPECTED, AS_EXPECTED): BAIK,
        (AS_EXPECTED, ABOVE): BAIK,
        (BELOW, BELOW): SANGAT_KURANG,
        (BELOW, AS_EXPECTED): BUTUH_PERBAIKAN,
        (BELOW, ABOVE): BUTUH_PERBAIKAN,
    }
)


@dataclass(frozen=True)
class Share:
    """One constraint of a distribution curve: the share of some predikats."""

    predikats: tuple[str, ...]
    bound: str  # "min", "max", or "some" (at least one person, whatever the unit's size)
    percent: int

    def allowed(self, total: int) -> int:
        """The count limit on a unit of `total` people.

        Kinerja's rounding rule for small units: a minimum rounds up and a
        maximum rounds down, so a unit that passes never exceeds the curve.
        """
        if self.bound == "some":
            return 1 if total else 0
        exact = self.percent * total / 100
        return math.ceil(exact) if self.bound == "min" else math.floor(exact)

    def describe(self) -> str:
        names = " + ".join(PREDIKAT_LABELS[p] for p in self.predikats)
        if self.bound == "some":
            return f"at least one {names}"
        return f"{'at least' if self.bound == 'min' else 'at most'} {self.percent}% {names}"


# The distribution curve by organisation predikat (§3.4, SE MenPANRB 3/2023).
CURVE_6_2022: Mapping[str, tuple[Share, ...]] = MappingProxyType(
    {
        ISTIMEWA: (Share((SANGAT_BAIK,), "max", 70),),
        # "There must be some" Butuh Perbaikan and/or Kurang: one person, not 1% (2 in a unit of 101+).
        BAIK: (Share((BAIK,), "max", 70), Share((BUTUH_PERBAIKAN, KURANG), "some", 0)),
        BUTUH_PERBAIKAN: (Share((BUTUH_PERBAIKAN,), "min", 60), Share((SANGAT_BAIK,), "max", 10)),
        KURANG: (
            Share((KURANG,), "min", 60),
            Share((BUTUH_PERBAIKAN,), "min", 10),
            Share((SANGAT_BAIK,), "max", 10),
        ),
        SANGAT_KURANG: (
            Share((SANGAT_KURANG,), "min", 60),
            Share((KURANG, BUTUH_PERBAIKAN), "min", 10),
            Share((SANGAT_BAIK,), "max", 0),
        ),
    }
)


@dataclass(frozen=True)
class CurveWarning:
    rule: str
    required: int
    actual: int
    total: int
    bound: str = "min"

    @property
    def message(self) -> str:
        limit = "allowed" if self.bound == "max" else "required"
        return f"curve expects {self.rule}: {self.required} of {self.total} {limit}, {self.actual} rated"


@dataclass(frozen=True)
class FollowUpTable:
    """An agency's follow-up rules (§6, §12); each agency may carry its own."""

    promotion_min_predikat: str = BAIK
    promotion_years_of_good_predikat: int = 2
    promotion_min_years_in_rank: int = 4
    coaching_predikats: tuple[str, ...] = (BUTUH_PERBAIKAN,)
    improvement_months: int = 6
    sanction_referral_predikats: tuple[str, ...] = (KURANG, SANGAT_KURANG)
    # Monthly tunjangan kinerja cut in percent (example: Peraturan Bakamla 1/2023 Pasal 11).
    tukin_cut_percent: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({SANGAT_KURANG: 2.0, KURANG: 1.0})
    )


@dataclass(frozen=True)
class RuleSet:
    """Everything a rating depends on, under one id."""

    id: str
    title: str
    matrix: Mapping[tuple[str, str], str]
    curve: Mapping[str, tuple[Share, ...]]
    behaviour_values: tuple[str, ...]
    # How seven value ratings make the behaviour rating; Kinerja's default is
    # the median (the 4th of 7 ordered ratings). [UNCONFIRMED] in the sources.
    behaviour_rule: str = "median"
    # Unit head: the organisation predikat becomes the results rating (§2.3 step 3).
    unit_head_results: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {ISTIMEWA: ABOVE, BAIK: AS_EXPECTED, BUTUH_PERBAIKAN: BELOW, KURANG: BELOW, SANGAT_KURANG: BELOW}
        )
    )
    period: str = "quarterly"
    planning_deadline: str = "01-31"  # month-day of the cycle year
    review_deadline: str = "01-31"  # month-day of the following year
    follow_up_deadline: str = "03-31"  # month-day of the following year
    keberatan_filing_days: int = 14
    keberatan_decision_days: int = 14
    reminder_days_before: tuple[int, ...] = (7, 1)
    # The escalation chain: an overdue task of the pejabat penilai (or their delegate) goes up to the
    # atasan; an SKP nobody drafted is taken over by the pengelola kinerja (8/2021, §2.1); HR's own tasks
    # and an undecided keberatan go to HR (§12).
    escalation: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {
                "draft_skp": HR_PARTY,
                "review_skp": ATASAN_PARTY,
                "check_in": ATASAN_PARTY,
                "rate": ATASAN_PARTY,
                "deliver_result": ATASAN_PARTY,
                "decide_keberatan": HR_PARTY,
                "decide_follow_up": HR_PARTY,
                "finalise": HR_PARTY,
            }
        )
    )
    follow_up: FollowUpTable = field(default_factory=FollowUpTable)
    angka_kredit_percent: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {SANGAT_BAIK: 150, BAIK: 100, BUTUH_PERBAIKAN: 75, KURANG: 50, SANGAT_KURANG: 25}
        )
    )

    def predikat(self, results: str, behaviour: str) -> str:
        """The kuadran: results rating x behaviour rating -> predikat."""
        check_rating("results_rating", results)
        check_rating("behaviour_rating", behaviour)
        return self.matrix[(results, behaviour)]

    def behaviour_rating(self, values: Mapping[str, str]) -> str:
        """One behaviour rating from a rating of every BerAKHLAK value."""
        missing = [v for v in self.behaviour_values if v not in values]
        unknown = [v for v in values if v not in self.behaviour_values]
        if missing or unknown:
            raise InvalidInput(
                "behaviour_ratings",
                f"rate each of the {len(self.behaviour_values)} BerAKHLAK values exactly once"
                f" (missing: {', '.join(missing) or '-'}; unknown: {', '.join(unknown) or '-'})",
            )
        for name, rating in values.items():
            check_rating(f"behaviour_ratings.{name}", rating)
        if self.behaviour_rule != "median":
            raise InvalidInput("behaviour_rule", f"unknown rule {self.behaviour_rule!r}")
        ordered = sorted(values.values(), key=RATINGS.index)
        return ordered[len(ordered) // 2]

    def check_curve(self, org_predikat: str, counts: Mapping[str, int]) -> list[CurveWarning]:
        """Compare a unit's predikat counts with the curve; warn, never block."""
        if org_predikat not in self.curve:
            raise InvalidInput("org_predikat", f"must be one of {', '.join(ORG_PREDIKATS)}")
        total = sum(counts.get(p, 0) for p in PREDIKATS)
        warnings = []
        for share in self.curve[org_predikat]:
            actual = sum(counts.get(p, 0) for p in share.predikats)
            required = share.allowed(total)
            broken = actual > required if share.bound == "max" else actual < required
            if total and broken:
                warnings.append(CurveWarning(share.describe(), required, actual, total, share.bound))
        return warnings

    def angka_kredit(self, predikat: str, coefficient: float, months: int = 12) -> float:
        """Angka kredit earned by functional staff (§6.2): months/12 x % x coefficient."""
        check_predikat("predikat", predikat)
        return round(months / 12 * self.angka_kredit_percent[predikat] / 100 * coefficient, 3)


def check_rating(field_name: str, rating: str) -> str:
    if rating not in RATINGS:
        raise InvalidInput(field_name, f"must be one of {', '.join(RATINGS)}, got {rating!r}")
    return rating


def check_predikat(field_name: str, predikat: str) -> str:
    if predikat not in PREDIKATS:
        raise InvalidInput(field_name, f"must be one of {', '.join(PREDIKATS)}, got {predikat!r}")
    return predikat


PERMENPANRB_6_2022 = RuleSet(
    id="permenpanrb-6-2022",
    title="PermenPANRB 6/2022 with SE MenPANRB 3/2023 (kuadran kinerja, pola distribusi)",
    matrix=MATRIX_6_2022,
    curve=CURVE_6_2022,
    behaviour_values=BERAKHLAK,
)

RULE_SETS: dict[str, RuleSet] = {PERMENPANRB_6_2022.id: PERMENPANRB_6_2022}
DEFAULT_RULE_SET = PERMENPANRB_6_2022.id


def register_rule_set(rule_set: RuleSet) -> None:
    """Add a rule set; an id, once registered, never changes meaning."""
    existing = RULE_SETS.get(rule_set.id)
    if existing is not None and existing != rule_set:
        raise InvalidInput("rule_set_id", f"{rule_set.id} is already registered with other rules")
    RULE_SETS[rule_set.id] = rule_set


def rule_set(rule_set_id: str) -> RuleSet:
    try:
        return RULE_SETS[rule_set_id]
    except KeyError:
        raise NotFound(f"no rule set {rule_set_id!r}; known: {', '.join(RULE_SETS)}") from None
