"""The national export's layout (domain/national_export.py): fields, the idempotency key, the digest, and CSV cells
that a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.national_export import COLUMNS, export_record, safe_cell, to_csv, to_json

EMPLOYEE = {"nip": "199007202015032004", "name": "Staf Umum", "unit_id": "bidang-umum"}


def record(**over: object) -> dict:
    base: dict = {
        "agency_id": "pemkot-palu",
        "year": 2024,
        "employee": EMPLOYEE,
        "post": 1,
        "results_rating": "sesuai",
        "behaviour_rating": "di_atas",
        "predikat": "baik",
        "appraiser_nip": "197503152000011003",
        "angka_kredit": 12.5,
        "tukin_cut_percent": 0.0,
        "rule_set_id": "permenpanrb-6-2022",
    }
    return export_record(**{**base, **over})


def test_a_record_carries_siasn_s_fields_and_kinerja_s_key() -> None:
    r = record()
    assert list(r) == list(COLUMNS)
    assert r["record_id"] == "pemkot-palu:2024:199007202015032004:1:permenpanrb-6-2022"
    assert (r["nipBaru"], r["tahun"], r["bulanMulaiPenilaian"], r["bulanSelesaiPenilaian"]) == (
        "199007202015032004",
        2024,
        1,
        12,
    )
    assert (r["hasilKinerja"], r["perilakuKerja"], r["kuadranKinerja"]) == (
        "Sesuai Ekspektasi",
        "Di Atas Ekspektasi",
        "Baik",
    )
    assert (r["hasilKinerjaNilai"], r["perilakuKerjaNilai"], r["kuadranKinerjaNilai"]) == (2, 1, 2)
    assert r["kreditBaruTotal"] == 12.5


def test_the_same_result_is_the_same_record_and_another_rule_set_another() -> None:
    assert record() == record()
    other = record(rule_set_id="permenpanrb-6-2022-tukin-klh-6-2025", tukin_cut_percent=10.0)
    assert other["record_id"] != record()["record_id"]
    assert record(predikat="sangat_baik")["digest"] != record()["digest"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62 811", "'+62 811"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Staf Umum", "Staf Umum"),
        (12.5, 12.5),
        (None, ""),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_neutralised(value: object, cell: object) -> None:
    assert safe_cell(value) == cell


@given(st.text(min_size=1, max_size=30))
def test_no_text_cell_of_the_csv_starts_like_a_formula(name: str) -> None:
    text = to_csv([record(employee={**EMPLOYEE, "name": name})])
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == list(COLUMNS)
    cell = rows[1][COLUMNS.index("nama")]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell.removeprefix("'") == name or cell == name


def test_the_json_holds_the_layout_and_the_records_in_order() -> None:
    doc = json.loads(to_json([record(), record(post=2)]))
    assert doc["layout"] == "kinerja-siasn-1"
    assert [r["record_id"].split(":")[3] for r in doc["records"]] == ["1", "2"]
