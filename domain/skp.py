"""The SKP's shape: RHK (work results) with IKI (indicators) cascaded from the superior."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.errors import ONE_OF, InvalidInput, refusal
from domain.rules import ASPECTS
from domain.skp_lineage import lineage_of
from domain.text import CODE, ITEM, TextRule

NO_RHK = refusal("skp.no_rhk", "an SKP needs at least one RHK")
RHK_REPEATS = refusal("skp.rhk_repeats", "RHK ids must be unique, {rhk_id!r} repeats")
NO_IKI = refusal("skp.no_iki", "each RHK needs at least one IKI")
NO_UTAMA = refusal("skp.no_utama", "an SKP needs at least one RHK of kind utama")
NOT_SUPPORTED = refusal("skp.supports", "must name one of the superior's RHK ({known}), got {value!r}")
NOT_YET = refusal(
    "cascade.not_yet",
    "the superior has no RHK yet: an RHK utama waits as {provisional!r} and is linked once they exist, got {value!r}",
)

# An RHK utama whose superior has no RHK yet waits with this in `supports` ("menunggu RHK atasan", #15).
PROVISIONAL = "menunggu-rhk-atasan"

RHK_KINDS = ("utama", "tambahan")


def check_skp(rhk: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate and normalise a list of RHK; every message names the field."""
    items = list(rhk)
    if not items:
        raise InvalidInput("rhk", NO_RHK)
    seen: set[str] = set()
    normalised = []
    for i, item in enumerate(items):
        where = f"rhk[{i}]"
        rhk_id = _text(item, "id", where, CODE)
        if rhk_id in seen:
            raise InvalidInput(f"{where}.id", RHK_REPEATS, rhk_id=rhk_id)
        seen.add(rhk_id)
        kind = item.get("kind", "utama")
        if kind not in RHK_KINDS:
            raise InvalidInput(f"{where}.kind", ONE_OF, choices=", ".join(RHK_KINDS), value=kind)
        indicators = list(item.get("indicators") or [])
        if not indicators:
            raise InvalidInput(f"{where}.indicators", NO_IKI)
        checked = {
            "id": rhk_id,
            "kind": kind,
            "text": _text(item, "text", where),
            "supports": _text(item, "supports", where, CODE.optional()),
            "indicators": [_indicator(ind, f"{where}.indicators[{j}]") for j, ind in enumerate(indicators)],
        }
        lineage = lineage_of(item, where)  # taken over after a transfer (domain/skp_lineage.py)
        normalised.append(checked if lineage is None else {**checked, "carried_from": lineage})
    if not any(r["kind"] == "utama" for r in normalised):
        raise InvalidInput("rhk", NO_UTAMA)
    return normalised


def check_cascade(rhk: list[dict[str, Any]], superior_rhk_ids: Iterable[str] | None) -> None:
    """Each utama RHK names the superior's RHK it supports (Matriks Peran Hasil).

    `superior_rhk_ids` is None when the superior takes no part in the cycle
    (the top of the chain): then nothing is cascaded. While the superior has no RHK yet, each RHK utama
    waits (PROVISIONAL, or left empty) and is linked later (domain/cascade.py); the SKP may be submitted so.
    """
    if superior_rhk_ids is None:
        return
    known = set(superior_rhk_ids)
    if not known:
        for i, item in enumerate(rhk):
            if item["kind"] == "utama" and not is_waiting(item):
                raise InvalidInput(f"rhk[{i}].supports", NOT_YET, provisional=PROVISIONAL, value=item["supports"])
        return
    for i, item in enumerate(rhk):
        if item["kind"] == "utama" and item["supports"] not in known:
            raise InvalidInput(
                f"rhk[{i}].supports", NOT_SUPPORTED, known=", ".join(sorted(known)), value=item["supports"]
            )


def is_waiting(item: Mapping[str, Any]) -> bool:
    """An RHK utama that names no superior RHK yet ("menunggu RHK atasan")."""
    return bool(item["kind"] == "utama" and item.get("supports") in ("", None, PROVISIONAL))


def _indicator(item: Mapping[str, Any], where: str) -> dict[str, str]:
    aspect = item.get("aspect")
    if aspect not in ASPECTS:
        raise InvalidInput(f"{where}.aspect", ONE_OF, choices=", ".join(ASPECTS), value=aspect)
    return {
        "id": _text(item, "id", where, CODE),
        "aspect": str(aspect),
        "text": _text(item, "text", where),
        "target": _text(item, "target", where),
    }


def _text(item: Mapping[str, Any], key: str, where: str, rule: TextRule = ITEM) -> str:
    value = item.get(key)
    return rule.check(f"{where}.{key}", "" if value is None and not rule.required else value)
