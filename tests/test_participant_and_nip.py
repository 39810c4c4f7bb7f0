"""A participant's master data and the NIP, rule by rule (DOMAIN.md §12; PP 11/2017 Pasal 23 for the age).

NIP: birth date YYYYMMDD, CPNS appointment YYYYMM (read as its first day, the usual TMT), gender digit
(1 male, 2 female), 3-digit serial; the appointment comes after the birth, at 18 or older, and neither
lies in the future of the day of the check. A participant names its appraiser and the appraiser's
superior (§4); functional staff carry a positive angka kredit coefficient (§6.2).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.nip import check_nip
from domain.participants import check_participant

HEAD, SEKDA, STAFF = "197503152000011003", "196801011990031001", "199007202015032004"


@pytest.mark.parametrize(
    ("nip", "message"),
    [
        ("198503151985031001", "digits 9-14: the CPNS appointment 198503 is not after the birth date 19850315"),
        (
            "198503152003031001",
            "digits 9-14: a CPNS appointment in 200303 is at age 17; PP 11/2017 Pasal 23 sets 18 as the minimum age",
        ),
        ("198503152003001001", "digits 9-14 must be the CPNS appointment YYYYMM, got 200300"),
        ("198503152003131001", "digits 9-14 must be the CPNS appointment YYYYMM, got 200313"),
        ("198503152005033001", "digit 15 is the gender (1 male, 2 female), got 3"),
        ("198503152005030001", "digit 15 is the gender (1 male, 2 female), got 0"),
    ],
)
def test_an_implausible_nip_names_the_part_and_the_rule(nip: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_nip(nip, "nip")
    assert str(refused.value) == f"nip: {message}"


@pytest.mark.parametrize(
    "nip",
    [
        "198503012003031001",  # appointed on the day the employee turns 18
        "198503152003041002",  # the first month after turning 18
        "198412312003011001",  # 18 years and a day
    ],
)
def test_an_appointment_at_eighteen_is_plausible(nip: str) -> None:
    assert check_nip(nip, "nip") == nip


def test_dates_after_the_day_of_the_check_are_refused_and_that_day_itself_is_not() -> None:
    assert check_nip("200001012024061001", "nip", date(2024, 6, 1)) == "200001012024061001"
    with pytest.raises(InvalidInput, match="^nip: digits 9-14: the CPNS appointment 202406 is in the future$"):
        check_nip("200001012024061001", "nip", date(2024, 5, 31))
    with pytest.raises(InvalidInput, match="^nip: digits 1-8: the birth date 20300101 is in the future$"):
        check_nip("203001012048061001", "nip", date(2024, 5, 31))
    assert check_nip("203001012048061001", "nip") == "203001012048061001"  # no day given: no future check


def participant(**fields: Any) -> dict[str, Any]:
    return {"nip": STAFF, "name": " Staf ", "unit_id": " umum ", "appraiser_nip": HEAD, "atasan_nip": SEKDA, **fields}


def test_a_participant_is_kept_with_its_defaults() -> None:
    assert check_participant(participant()) == {
        "nip": STAFF,
        "name": "Staf",
        "position": "",
        "rank": "",
        "unit_id": "umum",
        "unit_name": "umum",
        "appraiser_nip": HEAD,
        "atasan_nip": SEKDA,
        "is_unit_head": False,
        "ak_coefficient": None,
    }
    full = check_participant(
        participant(position="Analis", rank="III/b", unit_name=" Bidang Umum ", ak_coefficient=12.5, is_unit_head=True)
    )
    assert (full["position"], full["rank"], full["unit_name"], full["ak_coefficient"], full["is_unit_head"]) == (
        "Analis",
        "III/b",
        "Bidang Umum",
        12.5,
        True,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nip": "1"}, "participant.nip: a NIP has exactly 18 digits, got '1'"),
        ({"appraiser_nip": ""}, "participant.appraiser_nip: a NIP has exactly 18 digits, got ''"),
        ({"atasan_nip": "x"}, "participant.atasan_nip: a NIP has exactly 18 digits, got 'x'"),
        ({"appraiser_nip": STAFF}, "participant.appraiser_nip: an employee cannot be their own pejabat penilai"),
        ({"name": " "}, "participant.name: is required"),
        ({"unit_id": ""}, "participant.unit_id: is required"),
        ({"ak_coefficient": 0}, "participant.ak_coefficient: must be a positive number for functional staff"),
        ({"ak_coefficient": "12.5"}, "participant.ak_coefficient: must be a positive number for functional staff"),
    ],
)
def test_a_broken_participant_names_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_participant(participant(**fields))
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("fields", "field", "rule", "message"),
    [
        ({"appraiser_nip": STAFF}, "appraiser_nip", "not_self", "an employee cannot be their own pejabat penilai"),
        ({"atasan_nip": STAFF}, "atasan_nip", "not_self", "an employee cannot be their own atasan pejabat penilai"),
        (
            {"atasan_nip": HEAD},
            "atasan_nip",
            "not_appraiser",
            "the atasan pejabat penilai cannot be the pejabat penilai: a keberatan is decided by the appraiser's superior",
        ),
        (  # all three the same person: the appraiser is named first
            {"appraiser_nip": STAFF, "atasan_nip": STAFF},
            "appraiser_nip",
            "not_self",
            "an employee cannot be their own pejabat penilai",
        ),
    ],
)
def test_the_three_people_of_an_appraisal_are_three_people(
    fields: dict[str, str], field: str, rule: str, message: str
) -> None:
    """The employee, the pejabat penilai and the atasan who decides the keberatan (PP 30/2019 Pasal 59)."""
    with pytest.raises(InvalidInput) as refused:
        check_participant(participant(**fields), "participants[2]")
    code = {
        "not_self": f"participant.own_{field.removesuffix('_nip')}",
        "not_appraiser": "participant.atasan_is_appraiser",
    }
    assert (refused.value.field, refused.value.code) == (f"participants[2].{field}", code[rule])
    assert str(refused.value) == f"participants[2].{field}: {message}"


def test_three_different_people_are_kept_in_either_order_of_appraiser_and_atasan() -> None:
    swapped = check_participant(participant(appraiser_nip=SEKDA, atasan_nip=HEAD))
    assert (swapped["appraiser_nip"], swapped["atasan_nip"]) == (SEKDA, HEAD)


def test_a_participant_appointed_after_the_day_of_the_check_is_refused() -> None:
    with pytest.raises(InvalidInput, match="^row 3.nip: digits 9-14: the CPNS appointment 201503 is in the future$"):
        check_participant(participant(), "row 3", date(2015, 2, 28))


# --- a participant's master data, field by field (DOMAIN.md §12: a NIP is 18 digits; every message names the field)

_HEAD = "197503152000011003"
_SEKDA = "196801011990031001"
_STAFF = "199007202015032004"
# Appointed as CPNS in February 2024: in the future on 2 January 2024.
_APPOINTED_LATER = "199501012024021009"
_DAY = date(2024, 1, 2)


def _person(**changes: Any) -> dict[str, Any]:
    person = {
        "nip": _STAFF,
        "name": "Staf Umum",
        "unit_id": "bidang-umum",
        "appraiser_nip": _HEAD,
        "atasan_nip": _SEKDA,
    }
    person.update(changes)
    return {k: v for k, v in person.items() if v is not ...}


@pytest.mark.parametrize(
    ("person", "message"),
    [
        (_person(nip=...), "p.nip: a NIP has exactly 18 digits, got ''"),
        (_person(appraiser_nip=...), "p.appraiser_nip: a NIP has exactly 18 digits, got ''"),
        (_person(atasan_nip=...), "p.atasan_nip: a NIP has exactly 18 digits, got ''"),
        (
            _person(appraiser_nip=_APPOINTED_LATER),
            "p.appraiser_nip: digits 9-14: the CPNS appointment 202402 is in the future",
        ),
        (
            _person(atasan_nip=_APPOINTED_LATER),
            "p.atasan_nip: digits 9-14: the CPNS appointment 202402 is in the future",
        ),
        (_person(name="x" * 201), "p.name: must be at most 200 characters"),
        (_person(name=True), "p.name: must be text"),
        (_person(unit_id=["bidang-umum"]), "p.unit_id: must be text"),
        (_person(ak_coefficient=-0.5), "p.ak_coefficient: must be a positive number for functional staff"),
    ],
)
def test_a_participant_is_refused_naming_the_field_it_is_checked_under(person: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_participant(person, "p", _DAY)
    assert str(refused.value) == message


def test_a_participant_from_a_spreadsheet_keeps_numbers_as_their_text() -> None:
    kept = check_participant(_person(unit_id=42, rank=3.5, ak_coefficient=0.5), "p", _DAY)
    assert (kept["unit_id"], kept["unit_name"], kept["rank"]) == ("42", "42", "3.5")
    # Any positive coefficient is accepted, a fraction of one included; no flag means not the unit head.
    assert (kept["ak_coefficient"], kept["is_unit_head"]) == (0.5, False)
