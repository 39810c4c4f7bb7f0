"""The follow-up's advice (domain/follow_up.py recommend) as a person reads it, item by item.

The advice is stored in the FollowUpDecided event as the domain worded it then (English reasons with their
figures): its reasons are read back into Bahasa Indonesia here, so that recorded history reads the same.
"""

from __future__ import annotations

import re
from typing import Any

from domain.ratings import PREDIKAT_LABELS, RATING_LABELS
from services.labels import label

# The follow-up's reasons as domain/follow_up.py words them, in Bahasa Indonesia.
PROMOTION_REASONS = (
    (re.compile(r"needs predikat of the last (\d+) years"), "belum ada predikat {0} tahun terakhir"),
    (re.compile(r"needs at least (\w+) in each of the last years"), "perlu predikat paling rendah {0} setiap tahun"),
    (re.compile(r"needs (\d+) years in rank, has (\d+)"), "perlu {0} tahun dalam pangkat, baru {1} tahun"),
)


def follow_up_value(key: str, value: Any) -> str:
    """One item of the follow-up's advice, for a person: ya/tidak, value names, reasons in Bahasa Indonesia."""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if key == "training":
        return ", ".join(label(v, "value") for v in value)
    if key == "promotion_reasons":
        return "; ".join(_promotion_reason(str(r)) for r in value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _promotion_reason(reason: str) -> str:
    for pattern, text in PROMOTION_REASONS:
        found = pattern.fullmatch(reason)
        if found:
            return text.format(*(RATING_LABELS.get(g, PREDIKAT_LABELS.get(g, g)) for g in found.groups()))
    return reason
