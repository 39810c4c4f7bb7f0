"""Versioned rule sets: every number and table the ratings and the calendar depend on.

An appraisal records the id of the rule set it was opened under, so a replay
recomputes its predikat with the rules then in force, whatever came later.
Rule sets are pure and deterministic: workflows may call them directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.career_rules import CareerTable
from domain.curve import CURVE_6_2022, CurveWarning, Share, ShareCheck, check_shares
from domain.errors import InvalidInput, NotFound, refusal
from domain.period_combining import MONTHS_WEIGHTED, combine
from domain.pppk_rules import PppkTable
from domain.ratings import (
    ABOVE,
    AS_EXPECTED,
    ASPECTS,
    BAIK,
    BELOW,
    BERAKHLAK,
    BUTUH_PERBAIKAN,
    ISTIMEWA,
    KURANG,
    MATRIX_6_2022,
    ORG_PREDIKATS,
    PREDIKAT_LABELS,
    PREDIKATS,
    RATING_LABELS,
    RATINGS,
    SANGAT_BAIK,
    SANGAT_KURANG,
    check_predikat,
    check_rating,
)
from domain.talent_rules import TalentTable

RATE_EACH_VALUE = refusal(
    "rating.behaviour_values",
    "rate each of the {count} BerAKHLAK values exactly once (missing: {missing}; unknown: {unknown})",
)
UNKNOWN_BEHAVIOUR_RULE = refusal("rules.behaviour_rule", "unknown rule {rule!r}")
NO_SUCH_PERIODS = refusal("rules.period", "must be one of {periods}")
RULE_SET_TAKEN = refusal("rules.registered", "{rule_set_id} is already registered with other rules")
NO_RULE_SET = refusal("rules.unknown", "no rule set {rule_set_id!r}; known: {known}")

__all__ = [
    "ABOVE",
    "ASPECTS",
    "AS_EXPECTED",
    "BAIK",
    "BELOW",
    "BERAKHLAK",
    "BUTUH_PERBAIKAN",
    "ISTIMEWA",
    "KURANG",
    "ORG_PREDIKATS",
    "PREDIKATS",
    "PREDIKAT_LABELS",
    "RATINGS",
    "RATING_LABELS",
    "SANGAT_BAIK",
    "SANGAT_KURANG",
    "CurveWarning",
    "Share",
    "ShareCheck",
    "check_predikat",
    "check_rating",
]

TRANSFER_RULE_BASIS = (
    "Asumsi Kinerja (PermenPANRB 6/2022 tidak mengatur): predikat tiap periode ditimbang dengan bulan masa "
    "kerjanya pada skala persentase angka kredit (PerBKN 3/2023: predikat periodik diprorata per bulan), "
    "lalu diambil predikat terdekat; bila sama dekat, predikat yang lebih rendah."
)

# Who hears of an overdue task: the atasan pejabat penilai, or HR's pengelola kinerja.
ATASAN_PARTY, HR_PARTY = "atasan", "hr"
# The pejabat penilai of the appraisal the task is on (#15: a superior late with their RHK is told to their own).
APPRAISER_PARTY = "pejabat_penilai"


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

    def tukin_cut(self, predikat: str) -> float:
        """The monthly tunjangan kinerja cut, in percent, that a final predikat brings (0 when none)."""
        check_predikat("predikat", predikat)
        return float(self.tukin_cut_percent.get(predikat, 0.0))


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
    # The check-in calendar (§2.2, §12): per kind of period, each period's check-in falls due at the end
    # of the month named; quarterly by default (Q1-Q3 periodic, Q4 the last before the annual review).
    period: str = "quarterly"
    periods: Mapping[str, Mapping[str, int]] = field(
        default_factory=lambda: MappingProxyType(
            {
                "quarterly": MappingProxyType({"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12}),
                "monthly": MappingProxyType({f"M{m:02d}": m for m in range(1, 13)}),
            }
        )
    )
    # The annual review opens on this month-day of the cycle year, agency time (§12); HR may open it earlier.
    review_opens: str = "12-01"
    planning_deadline: str = "01-31"  # month-day of the cycle year
    review_deadline: str = "01-31"  # month-day of the following year
    follow_up_deadline: str = "03-31"  # month-day of the following year
    keberatan_filing_days: int = 14
    keberatan_decision_days: int = 14
    # Reminders: days before a deadline, and days before each periodic check-in falls due.
    reminder_days_before: tuple[int, ...] = (7, 1)
    check_in_reminder_days_before: int = 7
    # #15, heads first: a superior's RHK are due this many days before the planning deadline, and this many days
    # earlier again for each further level of subordinates below them (domain/cascade.py:cascade_dues).
    cascade_days_before: int = 7
    cascade_days_per_level: int = 5
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
                "rhk_atasan": APPRAISER_PARTY,  # #15: subordinates wait on these RHK
            }
        )
    )
    follow_up: FollowUpTable = field(default_factory=FollowUpTable)
    angka_kredit_percent: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {SANGAT_BAIK: 150, BAIK: 100, BUTUH_PERBAIKAN: 75, KURANG: 50, SANGAT_KURANG: 25}
        )
    )
    career: CareerTable = field(default_factory=CareerTable)
    talent: TalentTable = field(default_factory=TalentTable)
    pppk: PppkTable = field(default_factory=PppkTable)

    # A year split by a transfer (mutasi): how its periods make the annual predikat (domain/period_combining.py).
    # [UNCONFIRMED]: the regulation states no rule; the basis is shown with the rule to the employee and auditor.
    transfer_rule: str = MONTHS_WEIGHTED
    transfer_rule_basis: str = TRANSFER_RULE_BASIS

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
                RATE_EACH_VALUE,
                count=len(self.behaviour_values),
                missing=", ".join(missing) or "-",
                unknown=", ".join(unknown) or "-",
            )
        for name, rating in values.items():
            check_rating(f"behaviour_ratings.{name}", rating)
        if self.behaviour_rule != "median":
            raise InvalidInput("behaviour_rule", UNKNOWN_BEHAVIOUR_RULE, rule=self.behaviour_rule)
        ordered = sorted(values.values(), key=RATINGS.index)
        return ordered[len(ordered) // 2]

    def curve_checks(self, org_predikat: str, counts: Mapping[str, int]) -> list[ShareCheck]:
        """Every constraint of the curve for a unit, with its limit, its count and whether it holds."""
        return check_shares(self.curve, org_predikat, counts)

    def check_curve(self, org_predikat: str, counts: Mapping[str, int]) -> list[CurveWarning]:
        """Compare a unit's predikat counts with the curve; warn, never block."""
        return [c.warning() for c in self.curve_checks(org_predikat, counts) if not c.ok]

    def period_names(self, period: str) -> list[str]:
        """The check-in periods of a kind of period (Q1..Q4, M01..M12)."""
        if period not in self.periods:
            raise InvalidInput("period", NO_SUCH_PERIODS, periods=", ".join(self.periods))
        return list(self.periods[period])

    def combine_periods(self, periods: Sequence[tuple[int, str]]) -> str:
        """The annual predikat of a year split by a transfer: `(months served, predikat)` in the order served."""
        return combine(self.transfer_rule, periods, self.angka_kredit_percent)

    def angka_kredit(self, predikat: str, coefficient: float, months: int = 12) -> float:
        """Angka kredit earned by functional staff (§6.2): months/12 x % x coefficient."""
        check_predikat("predikat", predikat)
        return round(months / 12 * self.angka_kredit_percent[predikat] / 100 * coefficient, 3)


PERMENPANRB_6_2022 = RuleSet(
    id="permenpanrb-6-2022",
    title="PermenPANRB 6/2022 with SE MenPANRB 3/2023 (kuadran kinerja, pola distribusi)",
    matrix=MATRIX_6_2022,
    curve=CURVE_6_2022,
    behaviour_values=BERAKHLAK,
)

# A second rule set (#14, what-if and migration): the same kuadran, curve and calendar, with the follow-up table
# of an agency that cuts the monthly tunjangan kinerja as PermenKLH/BPH 6/2025 does (paid at 90/85/80% for
# Butuh Perbaikan / Kurang / Sangat Kurang, so cuts of 10/15/20%; DOMAIN.md §13 [REG] pasal.id) and refers
# Butuh Perbaikan to coaching and sanctions from Kurang as before. Its calendar is the first's, so an in-flight
# appraisal may be migrated to it (domain/rule_migration.py).
TUKIN_KLH_6_2025 = RuleSet(
    id="permenpanrb-6-2022-tukin-klh-6-2025",
    title="PermenPANRB 6/2022 dengan tabel potongan tukin PermenKLH/BPH 6/2025 (90/85/80%)",
    matrix=MATRIX_6_2022,
    curve=CURVE_6_2022,
    behaviour_values=BERAKHLAK,
    follow_up=FollowUpTable(
        tukin_cut_percent=MappingProxyType({BUTUH_PERBAIKAN: 10.0, KURANG: 15.0, SANGAT_KURANG: 20.0})
    ),
)

RULE_SETS: dict[str, RuleSet] = {PERMENPANRB_6_2022.id: PERMENPANRB_6_2022, TUKIN_KLH_6_2025.id: TUKIN_KLH_6_2025}
DEFAULT_RULE_SET = PERMENPANRB_6_2022.id


def register_rule_set(rule_set: RuleSet) -> None:
    """Add a rule set; an id, once registered, never changes meaning."""
    existing = RULE_SETS.get(rule_set.id)
    if existing is not None and existing != rule_set:
        raise InvalidInput("rule_set_id", RULE_SET_TAKEN, rule_set_id=rule_set.id)
    RULE_SETS[rule_set.id] = rule_set


def rule_set(rule_set_id: str) -> RuleSet:
    try:
        return RULE_SETS[rule_set_id]
    except KeyError:
        raise NotFound(NO_RULE_SET, rule_set_id=rule_set_id, known=", ".join(RULE_SETS)) from None
