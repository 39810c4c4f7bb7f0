"""The distribution chart's geometry: each unit's predikat shares against its curve.

The curve and its verdict are the rule set's own (RuleSet.curve_checks: the rounded limit, the count,
whether it holds); only words and percentages for drawing are made here.
"""

from __future__ import annotations

from typing import Any

from domain.rules import PREDIKATS, rule_set
from services.labels import BOUND_WORDS, curve_share, curve_warning


def describe(share: Any) -> str:
    return curve_share(share.predikats, share.bound, share.percent)


def unit_chart(rule_set_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """Bars (count, percent of rated) per predikat, and the curve's limits as markers and lines of text."""
    total = row["rated"]
    bars = [
        {
            "predikat": p,
            "count": row["counts"].get(p, 0),
            "percent": round(100 * row["counts"].get(p, 0) / total, 1) if total else 0.0,
            "marks": [],
        }
        for p in PREDIKATS
    ]
    limits, warnings = [], []
    org = row.get("org_predikat")
    if org:
        for check in rule_set(rule_set_id).curve_checks(org, row["counts"]):
            share = check.share
            limits.append({"text": describe(share), "allowed": check.allowed, "actual": check.actual, "ok": check.ok})
            if not check.ok:  # the rule set's verdict, said for a person
                warnings.append(curve_warning(check.warning().figures))
            if len(share.predikats) == 1 and share.bound in BOUND_WORDS:
                bar = bars[PREDIKATS.index(share.predikats[0])]
                bar["marks"].append({"percent": share.percent, "bound": share.bound})
    return {**row, "bars": bars, "limits": limits, "warnings": warnings}
