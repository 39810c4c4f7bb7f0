"""HR's organisation CSV, one broken rule per row: the exact problem each line reports.

Each problem names the physical line (header = line 1), the column and the rule, as the README's
org import promises; NIPs follow DOMAIN.md §12 (birth date, CPNS appointment, gender, serial) and
agencies keep WIB, WITA or WIT (§12 "Time"). The file is read in memory (no store, no server).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.org_csv import REQUIRED, read, reporting_loop
from domain.organisation import Agency
from domain.text import check_email

HEADER = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head,effective_date"
HEAD_NIP = "197503152000011003"
STAFF_NIP = "199007202015032004"
OTHER_NIP = "198809092012031007"
TODAY = date(2024, 6, 1)


def row(**overrides: str) -> str:
    fields: dict[str, str] = {
        "agency_code": "pemkot-palu",
        "agency_name": "Pemerintah Kota Palu",
        "time_zone": "WITA",
        "unit_code": "umum",
        "unit_name": "Bidang Umum",
        "nip": STAFF_NIP,
        "name": "Staf Umum",
        "supervisor_nip": HEAD_NIP,
        "unit_head": "tidak",
        "effective_date": "",
    }
    fields.update(overrides)
    return ",".join(fields[c] for c in HEADER.split(","))


HEAD_ROW = row(nip=HEAD_NIP, name="Kepala Bidang", supervisor_nip="", unit_head="ya")


def problems(*rows: str, header: str = HEADER, existing: Any = None, today: date | None = TODAY) -> list[str]:
    text = "\n".join([header, *rows]) + "\n"
    _, found = read(text, existing or (lambda code: None), today)
    return [str(p) for p in found]


ONE_LINE = [
    ("no agency", row(agency_code=""), ["line 3, agency_code: is required"]),
    ("no agency name", row(agency_name=""), ["line 3, agency_name: is required"]),
    ("no unit", row(unit_code=""), ["line 3, unit_code: is required"]),
    ("no unit name", row(unit_name=""), ["line 3, unit_name: is required"]),
    ("no name", row(name=""), ["line 3, name: is required"]),
    ("no zone", row(time_zone=""), ["line 3, time_zone: is required (one of WIB, WITA, WIT)"]),
    ("UTC", row(time_zone="UTC"), ["line 3, time_zone: must be one of WIB, WITA, WIT, got 'UTC'"]),
    (
        "appointed after today",
        row(nip="200001012025011009"),
        ["line 3, nip: digits 9-14: the CPNS appointment 202501 is in the future"],
    ),
    (
        "short supervisor",
        row(supervisor_nip="12345"),
        ["line 3, supervisor_nip: a NIP has exactly 18 digits, got '12345'"],
    ),
    (
        "supervisor appointed after today",
        row(supervisor_nip="200001012025011009"),
        ["line 3, supervisor_nip: digits 9-14: the CPNS appointment 202501 is in the future"],
    ),
    (
        "own supervisor",
        row(supervisor_nip=STAFF_NIP),
        ["line 3, supervisor_nip: an employee cannot supervise themselves"],
    ),
    ("maybe head", row(unit_head="mungkin"), ["line 3, unit_head: must be ya or tidak (yes or no), got 'mungkin'"]),
    (
        "day first",
        row(effective_date="31-01-2024"),
        ["line 3, effective_date: must be a date YYYY-MM-DD, got '31-01-2024'"],
    ),
]


@pytest.mark.parametrize(("case", "line", "expected"), ONE_LINE, ids=[c[0] for c in ONE_LINE])
def test_a_broken_line_names_its_line_column_and_rule(case: str, line: str, expected: list[str]) -> None:
    assert problems(HEAD_ROW, line) == expected


def test_a_future_appointment_is_checked_only_against_the_day_of_the_import() -> None:
    assert problems(HEAD_ROW, row(nip="200001012025011009"), today=date(2025, 2, 1)) == []


def test_a_valid_line_is_read_with_its_values() -> None:
    text = "\n".join([HEADER, HEAD_ROW, row(effective_date="2024-03-01"), row(nip=OTHER_NIP, name="Lain")])
    lines, found = read(text, lambda code: None, TODAY)
    assert found == []
    head, staff, other = lines
    assert (head.line, head.unit_head, head.supervisor_nip, head.effective_date) == (2, True, None, None)
    assert (staff.line, staff.unit_head, staff.supervisor_nip) == (3, False, HEAD_NIP)
    assert staff.effective_date == date(2024, 3, 1) and other.effective_date is None
    assert staff.employee() == {
        "nip": STAFF_NIP,
        "name": "Staf Umum",
        "position": "",
        "rank": "",
        "unit_id": "umum",
        "supervisor_nip": HEAD_NIP,
        "email": "",  # no address given: no mail (the outbox says "tanpa alamat email")
    }


def test_a_header_without_separators_or_columns_is_named() -> None:
    joined = ", ".join(REQUIRED)
    assert problems(row(), header="agency_code") == [
        f"line 1, header: no columns found: separate them with ',' or ';' ({joined})"
    ]
    assert problems(row(), header="agency_code,agency_name,nip") == [
        f"line 1, {c}: column is missing from the header"
        for c in ("time_zone", "unit_code", "unit_name", "name", "supervisor_nip")
    ]
    two = "agency_code,agency_name"
    assert problems(row(), header=two)[0] == "line 1, time_zone: column is missing from the header"
    assert problems(header=HEADER) == ["line 1, file: has no employee lines"]


def test_a_byte_order_mark_and_semicolons_are_read_as_a_spreadsheet_saves_them() -> None:
    text = "\ufeff" + "\n".join([HEADER, HEAD_ROW, row()]).replace(",", ";") + "\n"
    lines, found = read(text, lambda code: None, TODAY)
    assert found == [] and [line.nip for line in lines] == [HEAD_NIP, STAFF_NIP]
    assert lines[0].agency_code == "pemkot-palu"


ACROSS = [
    ("same NIP twice", [HEAD_ROW, row(), row(name="Lagi")], [f"line 4, nip: {STAFF_NIP} is already on line 3"]),
    (
        "agency renamed",
        [HEAD_ROW, row(agency_name="Pemkot Palu")],
        ["line 3, agency_name: differs from line 2 of the same agency_code ('Pemerintah Kota Palu')"],
    ),
    (
        "zone changed",
        [HEAD_ROW, row(time_zone="WIB")],
        ["line 3, time_zone: differs from line 2 of the same agency_code ('WITA')"],
    ),
    (
        "unit renamed",
        [HEAD_ROW, row(unit_name="Umum")],
        ["line 3, unit_name: differs from line 2 of the same unit_code ('Bidang Umum')"],
    ),
    (
        "two heads",
        [HEAD_ROW, row(unit_head="ya")],
        ["line 3, unit_head: unit umum already has its head on line 2"],
    ),
    (
        "unknown supervisor",
        [row(), row(nip=OTHER_NIP, supervisor_nip=HEAD_NIP)],
        [
            f"line 2, supervisor_nip: no employee {HEAD_NIP} in agency pemkot-palu, "
            "neither in this file nor registered before",
            f"line 3, supervisor_nip: no employee {HEAD_NIP} in agency pemkot-palu, "
            "neither in this file nor registered before",
        ],
    ),
    (
        "a loop",
        [row(supervisor_nip=OTHER_NIP), row(nip=OTHER_NIP, supervisor_nip=STAFF_NIP)],
        [
            f"line 2, supervisor_nip: the reporting line loops: {STAFF_NIP} -> {OTHER_NIP} -> {STAFF_NIP}",
            f"line 3, supervisor_nip: the reporting line loops: {OTHER_NIP} -> {STAFF_NIP} -> {OTHER_NIP}",
        ],
    ),
    (
        "a supervisor whose own line is wrong is reported there only",
        [row(nip=HEAD_NIP, name="", supervisor_nip=""), row()],
        ["line 2, name: is required"],
    ),
]


@pytest.mark.parametrize(("case", "rows", "expected"), ACROSS, ids=[c[0] for c in ACROSS])
def test_rules_across_lines_name_the_line_that_breaks_them(case: str, rows: list[str], expected: list[str]) -> None:
    assert problems(*rows) == expected


def test_a_supervisor_registered_before_counts_and_closes_a_loop() -> None:
    agency = Agency.__new__(Agency)
    agency.employees = {HEAD_NIP: {"supervisor_nip": STAFF_NIP}}

    def existing(code: str) -> Agency | None:
        return agency if code == "pemkot-palu" else None

    assert problems(row(), existing=existing) == [
        f"line 2, supervisor_nip: the reporting line loops: {STAFF_NIP} -> {HEAD_NIP} -> {STAFF_NIP}"
    ]
    agency.employees = {HEAD_NIP: {"supervisor_nip": None}}
    assert problems(row(), existing=existing) == []


def test_the_header_alone_chooses_the_separator_and_a_tie_stays_with_commas() -> None:
    """',' by default; ';' only when the header has more of them, whatever the lines below hold."""
    many_commas = "Bagian Umum, Keuangan, Kepegawaian, Perlengkapan, Hukum, Humas, Protokol, Arsip, Data, TI, Statistik"
    text = "\n".join([HEADER, HEAD_ROW, row(unit_name=many_commas)]).replace(",", ";")
    text = text.replace(many_commas.replace(",", ";"), f'"{many_commas}"')
    _, found = read(text + "\n", lambda code: None, TODAY)
    assert [str(p) for p in found] == ["line 3, unit_name: differs from line 2 of the same unit_code ('Bidang Umum')"]
    tie = "agency_code;agency_name,time_zone"
    assert problems(row(), header=tie) == [
        f"line 1, {c}: column is missing from the header"
        for c in ("agency_code", "agency_name", "unit_code", "unit_name", "nip", "name", "supervisor_nip")
    ]


# An appraisal's atasan is the supervisor's supervisor: an org chart cannot make anyone their own atasan
# (check_participant's not_self) nor the appraiser the atasan (not_appraiser). Both shapes stop at the file's
# line and column, under the org's own rule, before any cycle could be defined from them.
ATASAN_SHAPES = [
    (
        "own atasan: two people reporting to each other",
        [row(supervisor_nip=HEAD_NIP), row(nip=HEAD_NIP, name="Kepala", supervisor_nip=STAFF_NIP, unit_head="ya")],
        [
            f"line 2, supervisor_nip: the reporting line loops: {STAFF_NIP} -> {HEAD_NIP} -> {STAFF_NIP}",
            f"line 3, supervisor_nip: the reporting line loops: {HEAD_NIP} -> {STAFF_NIP} -> {HEAD_NIP}",
        ],
    ),
    (
        "appraiser as atasan: a supervisor reporting to themselves",
        [row(nip=HEAD_NIP, name="Kepala", supervisor_nip=HEAD_NIP, unit_head="ya"), row()],
        ["line 2, supervisor_nip: an employee cannot supervise themselves"],
    ),
]


@pytest.mark.parametrize(("case", "rows", "expected"), ATASAN_SHAPES, ids=[c[0] for c in ATASAN_SHAPES])
def test_an_org_chart_that_would_break_the_atasan_rule_is_refused_by_line_and_column(
    case: str, rows: list[str], expected: list[str]
) -> None:
    assert problems(*rows) == expected


# --- reporting_loop: the loop a person's chain of supervisors closes through them ------------------------
# A pejabat penilai is the direct superior (DOMAIN.md §4): following supervisors upward must end at the
# top of the org chart (no supervisor, or one outside the agency). A chain that comes back to the person
# is their loop, named from the person round to the person again; a loop higher up that does not pass
# through them is not theirs (it is reported on the lines that form it).
A, B, C, D = STAFF_NIP, HEAD_NIP, OTHER_NIP, "196801011990031001"
LOOPS = [
    pytest.param(A, {A: B, B: C, C: D, D: None}, [], id="a-chain-to-the-top"),
    pytest.param(A, {A: B, B: "196001011985031001"}, [], id="a-chain-leaving-the-agency"),
    pytest.param(A, {B: C}, [], id="a-person-not-in-the-chart"),
    pytest.param(A, {A: None}, [], id="the-top-itself"),
    pytest.param(A, {A: A}, [A, A], id="their-own-supervisor"),
    pytest.param(A, {A: B, B: A}, [A, B, A], id="two"),
    pytest.param(A, {A: B, B: C, C: A}, [A, B, C, A], id="three"),
    pytest.param(A, {A: B, B: C, C: D, D: A}, [A, B, C, D, A], id="four"),
    pytest.param(A, {A: B, B: C, C: B}, [], id="a-loop-higher-up"),
    pytest.param(A, {A: B, B: B}, [], id="a-self-loop-higher-up"),
    pytest.param(B, {A: B, B: C, C: B}, [B, C, B], id="the-loop-seen-from-inside"),
]


@pytest.mark.parametrize(("nip", "supervisors", "expected"), LOOPS)
def test_a_reporting_loop_is_named_from_the_person_round_to_them_again(
    nip: str, supervisors: dict[str, str | None], expected: list[str]
) -> None:
    assert reporting_loop(nip, supervisors) == expected


# The `email` column's rule (domain/text.py check_email): one address as RFC 5321/5322 allow for a relay
# inside the agency: an ASCII dot-atom local part of at most 64 characters, a host of two or more labels
# (letters, digits, inner hyphens, at most 63 each) ending in a letters-only top-level label, and at most
# 254 characters in all. Each row: the cell, and what is stored (the host lower-cased, spaces around
# stripped) or the rule code of the refusal.
LOCAL_64 = "a" * 64
LABEL_63 = "h" * 63
LONGEST = f"{LOCAL_64}@{LABEL_63}.{LABEL_63}.{'d' * 58}.id"  # 64 + 1 + 63 + 1 + 63 + 1 + 58 + 3 = 254
EMAIL_CASES: list[tuple[object, str]] = [
    ("staf@palukota.go.id", "staf@palukota.go.id"),
    ("  Staf.Umum@PaluKota.GO.ID \t", "Staf.Umum@palukota.go.id"),  # the local part keeps its case
    ("a.b+kinerja@sub.palukota.go.id", "a.b+kinerja@sub.palukota.go.id"),
    ("o'neil_x-y@p-k.id", "o'neil_x-y@p-k.id"),
    ("1@2a.id", "1@2a.id"),
    (f"{LOCAL_64}@palukota.go.id", f"{LOCAL_64}@palukota.go.id"),  # the longest local part
    (f"staf@{LABEL_63}.id", f"staf@{LABEL_63}.id"),  # the longest label
    (LONGEST, LONGEST),  # the longest address
    (LONGEST + "x", "length"),
    (f"a{LOCAL_64}@palukota.go.id", "email"),
    (f"staf@h{LABEL_63}.id", "email"),
    (None, "required"),
    (42, "required"),
    ("", "email"),
    ("staf", "email"),
    ("@palukota.go.id", "email"),
    ("staf@", "email"),
    ("staf@palukota", "email"),
    ("staf@palukota.", "email"),
    ("staf@.palukota.id", "email"),
    ("staf@palu..kota.id", "email"),
    ("staf@palu_kota.id", "email"),
    ("staf@palukota-.id", "email"),
    ("staf@palukota.i-d", "email"),
    ("staf@palukota.go1", "email"),
    (".staf@palukota.go.id", "email"),
    ("st..af@palukota.go.id", "email"),
    ("st af@palukota.go.id", "email"),
    ("st(af)@palukota.go.id", "email"),
    ("staf@palukota.go.id>", "email"),
]


@pytest.mark.parametrize(("cell", "expected"), EMAIL_CASES, ids=[repr(c)[:40] for c, _ in EMAIL_CASES])
def test_an_address_is_stored_normalised_or_refused_under_its_rule(cell: object, expected: str) -> None:
    if "@" in expected:
        assert check_email("email", cell) == expected
        return
    with pytest.raises(InvalidInput) as refused:
        check_email("email", cell)
    assert (refused.value.field, refused.value.rule) == ("email", expected)
    assert str(refused.value).startswith("email: must be ")
    if expected == "length":
        assert refused.value.params == {"limit": 254}
    if expected == "email" and isinstance(cell, str):
        assert repr(cell.strip()[:60]) in str(refused.value)  # the refusal quotes what it was given
