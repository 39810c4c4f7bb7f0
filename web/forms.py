"""Reading the pages' HTML forms into the API's own request models (and back, to refill a form)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from domain.errors import InvalidInput, refusal
from domain.rules import BERAKHLAK

NOT_WHOLE = refusal("input.whole_number", "must be a whole number, got {value!r}")

MAX_RHK, MAX_IKI = 50, 10


def text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    return text(form, name) or None


def integer(form: FormData, name: str) -> int:
    """A whole number from a form field; the message names the field."""
    value = text(form, name)
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(name, NOT_WHOLE, value=value) from None


def key(form: FormData) -> str:
    """The form's idempotency key: a repeat of the same form (a double click) changes nothing."""
    return text(form, "kunci")[:100]


def behaviour(form: FormData) -> dict[str, str]:
    """The seven BerAKHLAK values' ratings (fields nilai-<value>); blanks are left out for the rules to name."""
    return {v: text(form, f"nilai-{v}") for v in BERAKHLAK if text(form, f"nilai-{v}")}


def skp(form: FormData) -> list[dict[str, Any]]:
    """rhk-<i>-text/kind/supports and rhk-<i>-iki-<j>-aspect/text/target; wholly blank rows are skipped.

    RHK and IKI ids are kept from the draft (hidden fields) or numbered by position.
    """
    rhk = []
    for i in range(MAX_RHK):
        p = f"rhk-{i}"
        if f"{p}-text" not in form:
            break
        indicators = []
        for j in range(MAX_IKI):
            q = f"{p}-iki-{j}"
            if f"{q}-text" not in form:
                break
            if not (text(form, f"{q}-text") or text(form, f"{q}-target")):
                continue
            indicators.append(
                {
                    "id": text(form, f"{q}-id") or f"IKI-{i + 1}.{j + 1}",
                    "aspect": text(form, f"{q}-aspect"),
                    "text": text(form, f"{q}-text"),
                    "target": text(form, f"{q}-target"),
                }
            )
        if not text(form, f"{p}-text") and not indicators:
            continue
        rhk.append(
            {
                "id": text(form, f"{p}-id") or f"RHK-{i + 1}",
                "kind": text(form, f"{p}-kind") or "utama",
                "text": text(form, f"{p}-text"),
                "supports": text(form, f"{p}-supports"),
                "indicators": indicators,
            }
        )
    return rhk


def skp_rows(rhk: list[dict[str, Any]], extra_rhk: int = 0, iki_slots: int = 3) -> list[dict[str, Any]]:
    """The editor's rows: the draft's RHK with room for more IKI, plus `extra_rhk` blank RHK."""
    rows = [{**r, "indicators": list(r["indicators"]) + [{}] * max(iki_slots - len(r["indicators"]), 1)} for r in rhk]
    rows += [{"kind": "utama", "indicators": [{}] * iki_slots} for _ in range(extra_rhk)]
    return rows or [{"kind": "utama", "indicators": [{}] * iki_slots}]
