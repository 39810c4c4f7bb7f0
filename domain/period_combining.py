"""One annual predikat from the periods of a year split by a transfer (mutasi), and the months each served.

PermenPANRB 6/2022 gives no formula for the year of an employee who changed posts (DOMAIN.md §3.5: "no
averaging formula was found"); each post has its own SKP and its own evaluation (§2.1). So the rule is
the rule set's (`RuleSet.transfer_rule`, with its stated basis), recorded on the transfer, shown to the
employee and the auditor. Three rules are known:

- "months_weighted" (the default): each period's predikat weighs by the months served, on the rule set's
  own angka-kredit percentages (SANGAT_BAIK 150 ... SANGAT_KURANG 25), the one scale the regulations use
  to prorate periodic predikat by months (PerBKN 3/2023, DOMAIN.md §6.2, §13); the weighted mean gives the
  predikat whose percentage is nearest; a tie goes to the lower predikat.
- "latest": the period served last (the new post's appraiser sets the year).
- "lowest": the lower predikat (nothing earned in one post covers the other).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from domain.errors import InvalidInput, refusal

MONTHS_WEIGHTED, LATEST, LOWEST = "months_weighted", "latest", "lowest"
TRANSFER_RULES = (MONTHS_WEIGHTED, LATEST, LOWEST)

UNKNOWN_TRANSFER_RULE = refusal("transfer.unknown_rule", "unknown rule for combining periods {rule!r}")
NO_PERIODS = refusal("transfer.no_periods", "no evaluated period to combine")
NO_MONTHS = refusal("transfer.period_months", "a period serves 0 to 12 months, got {months}")
# The month of the transfer counts to the new post when it takes effect on or before this day.
MONTH_GOES_TO_NEW_POST_BY_DAY = 15


def months_before(effective: date) -> int:
    """Whole months served in the year before a transfer taking effect on `effective` (the rest are after it).

    The month of the transfer is the new post's when it takes effect by the 15th, else the old one's:
    1 June gives 5 and 7, 20 June gives 6 and 6."""
    before = effective.month - 1
    return before if effective.day <= MONTH_GOES_TO_NEW_POST_BY_DAY else before + 1


def combine(rule: str, periods: Sequence[tuple[int, str]], scale: Mapping[str, int]) -> str:
    """The year's predikat from its periods in the order served, each `(months served, predikat)`.

    `scale` ranks the predikat (the rule set's angka-kredit percentages: higher is better)."""
    if rule not in TRANSFER_RULES:
        raise InvalidInput("transfer_rule", UNKNOWN_TRANSFER_RULE, rule=rule)
    if not periods:
        raise InvalidInput("periods", NO_PERIODS)
    for months, predikat in periods:
        if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 12:
            raise InvalidInput("periods.months", NO_MONTHS, months=months)
        scale[predikat]
    if rule == LATEST:
        return periods[-1][1]
    if rule == LOWEST:
        return min((p for _, p in periods), key=lambda p: scale[p])
    served = [(m, p) for m, p in periods if m > 0] or [(1, p) for _, p in periods]
    total = sum(m for m, _ in served)
    weighted = sum(m * scale[p] for m, p in served)  # the mean times `total`: whole numbers, no rounding
    # Nearest on the scale; on a tie the lower predikat (the lower percentage sorts first).
    return min(scale, key=lambda p: (abs(scale[p] * total - weighted), scale[p]))
