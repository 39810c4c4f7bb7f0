"""The SKP's shape: RHK (work results) with IKI (indicators) cascaded from the superior."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.errors import InvalidInput
from domain.rules import ASPECTS
from domain.text import CODE, ITEM, TextRule

RHK_KINDS = ("utama", "tambahan")


def check_skp(rhk: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate and normalise a list of RHK; every message names the field."""
    items = list(rhk)
    if not items:
        raise InvalidInput("rhk", "an SKP needs at least one RHK")
    seen: set[str] = set()
    normalised = []
    for i, item in enumerate(items):
        where = f"rhk[{i}]"
        rhk_id = _text(item, "id", where, CODE)
        if rhk_id in seen:
            raise InvalidInput(f"{where}.id", f"RHK ids must be unique, {rhk_id!r} repeats")
        seen.add(rhk_id)
        kind = item.get("kind", "utama")
        if kind not in RHK_KINDS:
            raise InvalidInput(f"{where}.kind", f"must be one of {', '.join(RHK_KINDS)}, got {kind!r}")
        indicators = list(item.get("indicators") or [])
        if not indicators:
            raise InvalidInput(f"{where}.indicators", "each RHK needs at least one IKI")
        normalised.append(
            {
                "id": rhk_id,
                "kind": kind,
                "text": _text(item, "text", where),
                "supports": _text(item, "supports", where, CODE.optional()),
                "indicators": [_indicator(ind, f"{where}.indicators[{j}]") for j, ind in enumerate(indicators)],
            }
        )
    if not any(r["kind"] == "utama" for r in normalised):
        raise InvalidInput("rhk", "an SKP needs at least one RHK of kind utama")
    return normalised


def check_cascade(rhk: list[dict[str, Any]], superior_rhk_ids: Iterable[str] | None) -> None:
    """Each utama RHK names the superior's RHK it supports (Matriks Peran Hasil).

    `superior_rhk_ids` is None when the superior takes no part in the cycle
    (the top of the chain): then nothing is cascaded.
    """
    if superior_rhk_ids is None:
        return
    known = set(superior_rhk_ids)
    if not known:
        raise InvalidInput(
            "rhk.supports", "the superior has no RHK yet: a subordinate's SKP cascades from the superior's RHK"
        )
    for i, item in enumerate(rhk):
        if item["kind"] == "utama" and item["supports"] not in known:
            raise InvalidInput(
                f"rhk[{i}].supports",
                f"must name one of the superior's RHK ({', '.join(sorted(known))}), got {item['supports']!r}",
            )


def _indicator(item: Mapping[str, Any], where: str) -> dict[str, str]:
    aspect = item.get("aspect")
    if aspect not in ASPECTS:
        raise InvalidInput(f"{where}.aspect", f"must be one of {', '.join(ASPECTS)}, got {aspect!r}")
    return {
        "id": _text(item, "id", where, CODE),
        "aspect": str(aspect),
        "text": _text(item, "text", where),
        "target": _text(item, "target", where),
    }


def _text(item: Mapping[str, Any], key: str, where: str, rule: TextRule = ITEM) -> str:
    value = item.get(key)
    return rule.check(f"{where}.{key}", "" if value is None and not rule.required else value)
