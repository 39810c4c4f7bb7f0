"""The SKP as DOMAIN.md §2.1 shapes it: RHK (utama and tambahan), each with IKI carrying an aspect
(Kuantitas, Kualitas, Waktu, Biaya) and a target; what is stored, and which field a refusal names."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.skp import check_skp


def skp(**indicator: Any) -> list[dict[str, Any]]:
    iki = {"id": " iki-1 ", "aspect": "waktu", "text": " Rata-rata hari proses ", "target": " 2 ", **indicator}
    return [{"id": "rhk-1", "kind": "utama", "text": "Layanan tepat waktu", "indicators": [iki]}]


def test_an_indicator_is_stored_with_its_id_aspect_text_and_target() -> None:
    assert check_skp(skp())[0]["indicators"] == [
        {"id": "iki-1", "aspect": "waktu", "text": "Rata-rata hari proses", "target": "2"}
    ]


@pytest.mark.parametrize("key", ["id", "text", "target"])
@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "is required and must be non-empty text"),
        ("   ", "is required and must be non-empty text"),
        (None, "must be text"),
        (2, "must be text"),
    ],
)
def test_an_indicator_without_its_text_names_the_field(key: str, value: Any, rule: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_skp(skp(**{key: value}))
    assert refused.value.field == f"rhk[0].indicators[0].{key}"
    assert str(refused.value) == f"rhk[0].indicators[0].{key}: {rule}"


def test_a_text_of_2000_characters_is_kept_and_a_longer_one_refused() -> None:
    assert check_skp(skp(text="x" * 2000))[0]["indicators"][0]["text"] == "x" * 2000
    with pytest.raises(InvalidInput, match=r"^rhk\[0\]\.indicators\[0\]\.text: must be at most 2000 characters$"):
        check_skp(skp(text="x" * 2001))


def test_an_rhk_is_stored_with_its_kind_text_cascade_and_indicators() -> None:
    stored = check_skp(
        [{"id": " rhk-1 ", "text": " Layanan ", "supports": "kabid-1", "indicators": skp()[0]["indicators"]}]
    )
    assert stored == [
        {
            "id": "rhk-1",
            "kind": "utama",  # an RHK without a kind is the main work (RHK utama)
            "text": "Layanan",
            "supports": "kabid-1",
            "indicators": [{"id": "iki-1", "aspect": "waktu", "text": "Rata-rata hari proses", "target": "2"}],
        }
    ]


def rhk(**item: Any) -> dict[str, Any]:
    return {"id": "rhk-1", "kind": "utama", "text": "Layanan", "indicators": skp()[0]["indicators"], **item}


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        ([], "rhk", "an SKP needs at least one RHK"),
        ([rhk(id=" ")], "rhk[0].id", "is required and must be non-empty text"),
        ([rhk(), rhk()], "rhk[1].id", "RHK ids must be unique, 'rhk-1' repeats"),
        ([rhk(kind="pokok")], "rhk[0].kind", "must be one of utama, tambahan, got 'pokok'"),
        ([rhk(indicators=[])], "rhk[0].indicators", "each RHK needs at least one IKI"),
        ([rhk(text="")], "rhk[0].text", "is required and must be non-empty text"),
        ([rhk(kind="tambahan")], "rhk", "an SKP needs at least one RHK of kind utama"),
    ],
    ids=["none", "no id", "same id", "unknown kind", "no IKI", "no text", "no utama"],
)
def test_a_broken_skp_names_the_field_and_the_rule(items: list[dict[str, Any]], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_skp(items)
    assert (refused.value.field, str(refused.value)) == (field, f"{field}: {message}")


def test_an_skp_of_main_work_only_is_complete() -> None:
    assert [r["id"] for r in check_skp([rhk(), rhk(id="rhk-2")])] == ["rhk-1", "rhk-2"]
