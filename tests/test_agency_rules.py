"""The Agency's master data, rule by rule: who may change it, what each refusal names, what is recorded.

Rules from DOMAIN.md: HR's pengelola kinerja / admin instansi keeps units, employees and the
superior mapping (§4, §9); the pejabat penilai is the direct superior and the atasan is that
superior's superior (§4); the NIP's shape and plausibility (§12); WIB, WITA or WIT (§12).
Every refusal names its field and rule; every fact records who did it and when (business time).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from domain.base import HR, Actor
from domain.errors import InvalidInput, NotAllowed
from domain.organisation import Agency

UTC = timezone.utc
AT = datetime(2024, 1, 5, 2, 0, tzinfo=UTC)
LATER = datetime(2024, 2, 1, 2, 0, tzinfo=UTC)
HR_NIP = "198005052005032006"
ADMIN = Actor(HR_NIP, (HR,))
CLERK = Actor("199007202015032004")
SEKDA, KABID, STAF, ANALIS = (
    "196801011990031001",
    "197503152000011003",
    "199007202015032004",
    "199208112018031005",
)


def refusal(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises((InvalidInput, NotAllowed)) as e:
        call(*args, **kwargs)
    return f"{type(e.value).__name__}: {e.value}"


def agency() -> Agency:
    a = Agency.register(ADMIN, " pemkot-palu ", " Pemerintah Kota Palu ", "WITA", AT, key="import-1")
    a.register_unit(ADMIN, "umum", "Bidang Umum", KABID, AT)
    for nip, supervisor, unit in ((SEKDA, None, "umum"), (KABID, SEKDA, "umum"), (STAF, KABID, "umum")):
        a.register_employee(
            ADMIN, {"nip": nip, "name": f"Pegawai {nip[-3:]}", "unit_id": unit, "supervisor_nip": supervisor}, AT
        )
    return a


def last(a: Agency) -> Any:
    return a.collect_events()[-1]


def test_an_agency_is_registered_by_hr_with_its_name_and_zone_and_who_and_when() -> None:
    a = Agency.register(ADMIN, " pemkot-palu ", " Pemerintah Kota Palu ", "WITA", AT, key="import-1")
    assert (a.code, a.name, a.time_zone) == ("pemkot-palu", "Pemerintah Kota Palu", "WITA")
    opened = a.collect_events()[0]
    assert (opened.by, opened.timestamp, opened.command_key) == (HR_NIP, AT, "import-1")
    assert Agency.register(ADMIN, "x", "X", "WIB", AT).collect_events()[0].command_key == ""
    assert refusal(Agency.register, CLERK, "x", "X", "WIB", AT) == "NotAllowed: only HR registers an agency"
    assert refusal(Agency.register, ADMIN, " ", "X", "WIB", AT) == "InvalidInput: code: is required"
    assert refusal(Agency.register, ADMIN, "x", "", "WIB", AT) == "InvalidInput: name: is required"
    assert refusal(Agency.register, ADMIN, "x", "X", "UTC", AT) == (
        "InvalidInput: time_zone: must be one of WIB, WITA, WIT, got 'UTC'"
    )


def test_an_agency_changes_its_name_or_zone_only_by_hr_and_only_when_something_changes() -> None:
    a = agency()
    a.update(ADMIN, " Pemkot Palu ", "WIT", LATER)
    updated = last(a)
    assert (a.name, a.time_zone, updated.by, updated.timestamp) == ("Pemkot Palu", "WIT", HR_NIP, LATER)
    assert refusal(a.update, CLERK, "Palu", "WIT", LATER) == "NotAllowed: only HR changes an agency"
    assert refusal(a.update, ADMIN, "Pemkot Palu", "WIT", LATER) == "InvalidInput: name: nothing changes"
    assert refusal(a.update, ADMIN, " ", "WIT", LATER) == "InvalidInput: name: is required"
    assert refusal(a.update, ADMIN, "Palu", "UTC+8", LATER) == (
        "InvalidInput: time_zone: must be one of WIB, WITA, WIT, got 'UTC+8'"
    )


def test_units_are_registered_and_changed_by_hr_naming_what_is_wrong() -> None:
    a = agency()
    a.register_unit(ADMIN, " hukum ", " Bagian Hukum ", None, LATER)
    made = last(a)
    assert a.units["hukum"] == {"unit_id": "hukum", "name": "Bagian Hukum", "head_nip": None}
    assert (made.by, made.timestamp) == (HR_NIP, LATER)
    assert refusal(a.register_unit, CLERK, "x", "X", None, LATER) == "NotAllowed: only HR registers a unit"
    assert refusal(a.register_unit, ADMIN, "umum", "X", None, LATER) == (
        "InvalidInput: unit_id: unit 'umum' is already registered"
    )
    assert refusal(a.register_unit, ADMIN, "", "X", None, LATER) == "InvalidInput: unit_id: is required"
    assert refusal(a.register_unit, ADMIN, "x", " ", None, LATER) == "InvalidInput: unit_name: is required"
    assert refusal(a.register_unit, ADMIN, "x", "X", "123", LATER) == (
        "InvalidInput: head_nip: a NIP has exactly 18 digits, got '123'"
    )

    a.update_unit(ADMIN, "hukum", " Bagian Hukum dan HAM ", STAF, LATER)
    changed = last(a)
    assert a.units["hukum"] == {"unit_id": "hukum", "name": "Bagian Hukum dan HAM", "head_nip": STAF}
    assert (changed.by, changed.timestamp) == (HR_NIP, LATER)
    assert refusal(a.update_unit, CLERK, "hukum", "X", None, LATER) == "NotAllowed: only HR changes a unit"
    assert refusal(a.update_unit, ADMIN, "pajak", "X", None, LATER) == "InvalidInput: unit_id: no unit 'pajak'"
    assert refusal(a.update_unit, ADMIN, "hukum", "Bagian Hukum dan HAM", STAF, LATER) == (
        "InvalidInput: unit_id: unit 'hukum' does not change"
    )
    assert refusal(a.update_unit, ADMIN, "hukum", "", STAF, LATER) == "InvalidInput: unit_name: is required"
    assert refusal(a.update_unit, ADMIN, "hukum", "Hukum", "999", LATER) == (
        "InvalidInput: head_nip: a NIP has exactly 18 digits, got '999'"
    )


def test_an_employee_is_registered_by_hr_with_a_plausible_nip_a_known_unit_and_another_supervisor() -> None:
    a = agency()
    a.register_employee(ADMIN, {"nip": ANALIS, "name": " Analis ", "unit_id": "umum", "supervisor_nip": KABID}, LATER)
    made = last(a)
    assert a.employees[ANALIS] == {
        "nip": ANALIS,
        "name": "Analis",
        "position": "",
        "rank": "",
        "unit_id": "umum",
        "supervisor_nip": KABID,
        "email": "",
    }
    assert (made.by, made.timestamp) == (HR_NIP, LATER)
    new = {"nip": "199501012020011001", "name": "Baru", "unit_id": "umum"}
    assert refusal(a.register_employee, CLERK, new, LATER) == "NotAllowed: only HR registers an employee"
    assert refusal(a.register_employee, ADMIN, {"name": "Tanpa NIP", "unit_id": "umum"}, LATER) == (
        "InvalidInput: nip: a NIP has exactly 18 digits, got ''"
    )
    # Appointed in January 2025: in the future on the day of registration (DOMAIN.md §12 plausibility).
    assert refusal(a.register_employee, ADMIN, {**new, "nip": "200001012025011009"}, LATER) == (
        "InvalidInput: nip: digits 9-14: the CPNS appointment 202501 is in the future"
    )
    assert refusal(a.register_employee, ADMIN, {**new, "nip": STAF}, LATER) == (
        f"InvalidInput: nip: {STAF} is already registered in pemkot-palu"
    )
    assert refusal(a.register_employee, ADMIN, {**new, "name": " "}, LATER) == (
        "InvalidInput: name: is required and must be non-empty text"
    )
    assert refusal(a.register_employee, ADMIN, {**new, "unit_id": "pajak"}, LATER) == (
        "InvalidInput: unit_id: no unit 'pajak' in pemkot-palu"
    )
    assert refusal(a.register_employee, ADMIN, {**new, "supervisor_nip": "1"}, LATER) == (
        "InvalidInput: supervisor_nip: a NIP has exactly 18 digits, got '1'"
    )
    assert refusal(a.register_employee, ADMIN, {**new, "supervisor_nip": new["nip"]}, LATER) == (
        "InvalidInput: supervisor_nip: an employee cannot supervise themselves"
    )


def test_an_employees_details_change_only_by_hr_and_only_what_differs_is_recorded() -> None:
    a = agency()
    a.update_employee(ADMIN, STAF, {"rank": "III/b", "name": f"Pegawai {STAF[-3:]}"}, LATER)
    updated = last(a)
    assert (updated.by, updated.timestamp, updated.changes) == (HR_NIP, LATER, {"rank": "III/b"})
    assert a.employees[STAF]["rank"] == "III/b"
    assert refusal(a.update_employee, CLERK, STAF, {"rank": "IV/a"}, LATER) == "NotAllowed: only HR changes an employee"
    assert refusal(a.update_employee, ADMIN, ANALIS, {"rank": "IV/a"}, LATER) == (
        f"InvalidInput: nip: {ANALIS} is not an employee of pemkot-palu"
    )
    assert refusal(a.update_employee, ADMIN, STAF, {"rank": "III/b"}, LATER) == (
        f"InvalidInput: nip: nothing changes for {STAF}"
    )


def test_a_change_of_supervisor_is_a_fact_with_its_reason_and_effective_date() -> None:
    a = agency()
    a.change_supervisor(ADMIN, STAF, SEKDA, " mutasi ", date(2024, 2, 1), LATER)
    changed = last(a)
    assert a.employees[STAF]["supervisor_nip"] == SEKDA
    assert a.supervisor_history == [
        {"nip": STAF, "from": KABID, "to": SEKDA, "reason": "mutasi", "effective": "2024-02-01", "by": HR_NIP}
    ]
    assert (changed.by, changed.timestamp, changed.previous) == (HR_NIP, LATER, KABID)
    a.change_supervisor(ADMIN, STAF, None, "pensiun atasan", date(2024, 3, 1), LATER)
    assert a.supervisor_history[-1]["to"] == "" and a.employees[STAF]["supervisor_nip"] is None
    assert refusal(a.change_supervisor, CLERK, STAF, KABID, "x", date(2024, 3, 1), LATER) == (
        "NotAllowed: only HR records a change of supervisor"
    )
    assert refusal(a.change_supervisor, ADMIN, KABID, SEKDA, "x", date(2024, 3, 1), LATER) == (
        f"InvalidInput: supervisor_nip: {SEKDA} already supervises {KABID}"
    )
    assert refusal(a.change_supervisor, ADMIN, STAF, STAF, "x", date(2024, 3, 1), LATER) == (
        "InvalidInput: supervisor_nip: an employee cannot supervise themselves"
    )
    assert refusal(a.change_supervisor, ADMIN, STAF, KABID, " ", date(2024, 3, 1), LATER) == (
        "InvalidInput: reason: is required"
    )


def test_participants_take_the_supervisor_as_appraiser_and_the_next_one_up_as_atasan() -> None:
    a = agency()
    a.register_unit(ADMIN, "hukum", "Bagian Hukum", None, AT)
    a.register_employee(ADMIN, {"nip": ANALIS, "name": "Analis", "unit_id": "hukum", "supervisor_nip": KABID}, AT)
    found = a.participants()
    assert [p["nip"] for p in found.participants] == [STAF, ANALIS]
    assert found.participants[0] == {
        "nip": STAF,
        "name": f"Pegawai {STAF[-3:]}",
        "position": "",
        "rank": "",
        "unit_id": "umum",
        "unit_name": "Bidang Umum",
        "appraiser_nip": KABID,
        "atasan_nip": SEKDA,
        "is_unit_head": False,
    }
    assert found.skipped == [
        (SEKDA, "has no supervisor in pemkot-palu: add them to the cycle by hand"),
        (KABID, f"has no supervisor of the supervisor {SEKDA} in pemkot-palu: add them to the cycle by hand"),
    ]
    only_hukum = a.participants({"hukum"})
    assert [p["nip"] for p in only_hukum.participants] == [ANALIS] and only_hukum.skipped == []
    assert a.heads(KABID) == "umum" and a.heads(STAF) is None
    a.register_employee(ADMIN, {"nip": "196502021988032002", "name": "Kadis", "unit_id": "umum"}, AT)
    a.change_supervisor(ADMIN, SEKDA, "196502021988032002", "struktur baru", date(2024, 1, 5), AT)
    head = next(p for p in a.participants().participants if p["nip"] == KABID)
    assert (head["appraiser_nip"], head["atasan_nip"], head["is_unit_head"]) == (SEKDA, "196502021988032002", True)


# --- the org chart's questions: who heads the agency, each employee as a participant -----------------
# The head of the agency (Kepala Dinas, Sekda) heads a unit and has no supervisor inside the agency:
# their own superior (a regent or governor, the PPK of DOMAIN.md §4) is outside its org chart.
REGENT = "196001011985031001"  # the Kepala Daerah above the agency: not one of its employees


def chart() -> Agency:
    """umum: KABID heads it, STAF under KABID, SEKDA (no supervisor) heads no unit of its own here but
    kantor; dinas: ANALIS heads it and answers to the regent, outside the agency."""
    a = agency()  # umum (head KABID); SEKDA <- KABID <- STAF
    a.register_unit(ADMIN, "kantor", "Kantor Walikota", SEKDA, AT)
    a.register_unit(ADMIN, "dinas", "Dinas Kesehatan", ANALIS, AT)
    a.register_employee(
        ADMIN,
        {
            "nip": ANALIS,
            "name": "Kepala Dinas",
            "position": "Kepala",
            "rank": "IV/c",
            "unit_id": "dinas",
            "supervisor_nip": REGENT,
        },
        AT,
    )
    return a


@pytest.mark.parametrize(
    ("nip", "expected"),
    [
        pytest.param(SEKDA, True, id="heads-a-unit-and-no-supervisor"),
        pytest.param(ANALIS, True, id="heads-a-unit-and-the-supervisor-is-outside"),
        pytest.param(KABID, False, id="heads-a-unit-under-someone-inside"),
        pytest.param(STAF, False, id="heads-nothing"),
        pytest.param(REGENT, False, id="not-an-employee"),
        pytest.param("", False, id="nobody"),
    ],
)
def test_the_head_of_the_agency_heads_a_unit_and_answers_to_nobody_inside_it(nip: str, expected: bool) -> None:
    assert chart().is_head_of_agency(nip) is expected


def test_an_employee_heading_no_unit_is_not_the_head_of_the_agency_even_at_the_top() -> None:
    a = agency()
    a.register_employee(ADMIN, {"nip": ANALIS, "name": "Tanpa Atasan", "unit_id": "umum"}, AT)
    assert a.is_head_of_agency(ANALIS) is False


# A staff member with the org chart's own line: test_participants_take_the_supervisor_as_appraiser_and_the_next_one_up_as_atasan.
PARTICIPANTS = [
    pytest.param(
        KABID,
        SEKDA,
        STAF,  # HR names the line for those left out: not the org chart's
        {
            "nip": KABID,
            "name": f"Pegawai {KABID[-3:]}",
            "position": "",
            "rank": "",
            "unit_id": "umum",
            "unit_name": "Bidang Umum",
            "appraiser_nip": SEKDA,
            "atasan_nip": STAF,
            "is_unit_head": True,
        },
        id="head-of-their-own-unit-with-the-line-hr-names",
    ),
    pytest.param(
        SEKDA,
        KABID,
        STAF,
        {
            "nip": SEKDA,
            "name": f"Pegawai {SEKDA[-3:]}",
            "position": "",
            "rank": "",
            "unit_id": "umum",
            "unit_name": "Bidang Umum",
            "appraiser_nip": KABID,
            "atasan_nip": STAF,
            "is_unit_head": False,
        },
        id="heads-another-unit-than-their-own",
    ),
    pytest.param(
        ANALIS,
        REGENT,
        SEKDA,
        {
            "nip": ANALIS,
            "name": "Kepala Dinas",
            "position": "Kepala",
            "rank": "IV/c",
            "unit_id": "dinas",
            "unit_name": "Dinas Kesehatan",
            "appraiser_nip": REGENT,
            "atasan_nip": SEKDA,
            "is_unit_head": True,
        },
        id="every-field-from-the-org-data",
    ),
]


@pytest.mark.parametrize(("nip", "appraiser", "atasan", "expected"), PARTICIPANTS)
def test_an_employee_as_a_participant_carries_their_org_data_and_the_line_given(
    nip: str, appraiser: str, atasan: str, expected: dict[str, Any]
) -> None:
    assert chart().participant(nip, appraiser, atasan) == expected


def test_only_an_employee_of_the_agency_becomes_a_participant() -> None:
    assert refusal(chart().participant, REGENT, KABID, SEKDA) == (
        f"InvalidInput: nip: {REGENT} is not an employee of pemkot-palu"
    )


@pytest.mark.parametrize(
    ("nip", "expected"),
    [
        pytest.param(ANALIS, "kepala.dinas@palukota.go.id", id="the-address-the-org-csv-gives"),
        pytest.param(STAF, None, id="no-address-given"),
        pytest.param(REGENT, None, id="not-an-employee"),
    ],
)
def test_an_employees_mail_address_is_the_one_the_org_data_gives_or_none(nip: str, expected: str | None) -> None:
    a = chart()
    a.update_employee(ADMIN, ANALIS, {"email": " kepala.dinas@PaluKota.go.id "}, LATER)
    assert a.email_of(nip) == expected
