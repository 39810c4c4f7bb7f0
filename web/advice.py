"""The follow-up's advice (domain/follow_up.py recommend) as a person reads it, item by item.

Its reasons are code and figures (those recorded before codes as English text are read so by the domain,
domain/follow_up.py promotion_reasons) and are said through the message catalogue, like a refusal.
"""

from __future__ import annotations

from typing import Any

from services import catalogue
from services.labels import label


def follow_up_value(key: str, value: Any) -> str:
    """One item of the follow-up's advice, for a person: ya/tidak, value names, reasons in Bahasa Indonesia."""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if key == "training":
        return ", ".join(label(v, "value") for v in value)
    if key == "promotion_reasons":
        return "; ".join(_promotion_reason(r) for r in value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _promotion_reason(reason: dict[str, Any]) -> str:
    return catalogue.say(str(reason.get("code", "")), reason.get("params") or {}, "id") or str(reason.get("text", ""))
