"""The export of final results to the national application and payroll (#14): one record per finalised appraisal,
in a layout that follows the field names of BKN's SIASN web service as public client code shows them
(docs/national-export.md states the layout, its sources and every assumption).

A record's id is its idempotency key: the agency, the year, the employee, the post and the rule set. The same
final result exported again is the same record with the same content digest, so an outbox keyed by it
(readmodels/export_outbox.py) holds it once and a receiver that deduplicates by the `Idempotency-Key` header
keeps one copy. A result recomputed under another rule set is another record (its rule set is part of the key).

CSV cells that a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return) are
neutralised with a leading apostrophe (OWASP "CSV injection"); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from domain.ratings import PREDIKAT_LABELS, PREDIKATS, RATING_LABELS, RATINGS

LAYOUT_VERSION = "kinerja-siasn-1"

# The columns, in order, as JSON keys and CSV headers. SIASN's own names where public client code shows them
# (kinerja periodik / riwayat SKP 2022 / angka kredit); Kinerja's own (lower-case snake) where SIASN has none.
COLUMNS = (
    "record_id",
    "layout",
    "nipBaru",
    "nama",
    "instansi_id",
    "unor_id",
    "tahun",
    "bulanMulaiPenilaian",
    "bulanSelesaiPenilaian",
    "hasilKinerja",
    "hasilKinerjaNilai",
    "perilakuKerja",
    "perilakuKerjaNilai",
    "kuadranKinerja",
    "kuadranKinerjaNilai",
    "penilaiNipNrp",
    "kreditUtamaBaru",
    "kreditBaruTotal",
    "tukin_potongan_persen",
    "rule_set_id",
    "digest",
)

# [ASSUMED] SIASN's reference values ("referensi perilakuDanKinerja", "referensi kuadranNilai") are not public:
# Kinerja numbers the levels from the best, 1 = Di Atas Ekspektasi / Sangat Baik.
RATING_VALUE = {r: i + 1 for i, r in enumerate(RATINGS)}
PREDIKAT_VALUE = {p: i + 1 for i, p in enumerate(PREDIKATS)}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def record_id(agency_id: str, year: int, nip: str, post: int, rule_set_id: str) -> str:
    return f"{agency_id}:{year}:{nip}:{post}:{rule_set_id}"


def export_record(
    *,
    agency_id: str,
    year: int,
    employee: Mapping[str, Any],
    post: int,
    results_rating: str,
    behaviour_rating: str,
    predikat: str,
    appraiser_nip: str,
    angka_kredit: float | None,
    tukin_cut_percent: float,
    rule_set_id: str,
    months: tuple[int, int] = (1, 12),
) -> dict[str, Any]:
    """One final result as the export carries it, with its id and the digest of its content."""
    nip = str(employee["nip"])
    body: dict[str, Any] = {
        "record_id": record_id(agency_id, year, nip, post, rule_set_id),
        "layout": LAYOUT_VERSION,
        "nipBaru": nip,
        "nama": str(employee.get("name") or ""),
        "instansi_id": agency_id,
        "unor_id": str(employee.get("unit_id") or ""),
        "tahun": year,
        "bulanMulaiPenilaian": months[0],
        "bulanSelesaiPenilaian": months[1],
        "hasilKinerja": RATING_LABELS[results_rating],
        "hasilKinerjaNilai": RATING_VALUE[results_rating],
        "perilakuKerja": RATING_LABELS[behaviour_rating],
        "perilakuKerjaNilai": RATING_VALUE[behaviour_rating],
        "kuadranKinerja": PREDIKAT_LABELS[predikat],
        "kuadranKinerjaNilai": PREDIKAT_VALUE[predikat],
        "penilaiNipNrp": appraiser_nip,
        "kreditUtamaBaru": angka_kredit,
        "kreditBaruTotal": angka_kredit,
        "tukin_potongan_persen": tukin_cut_percent,
        "rule_set_id": rule_set_id,
    }
    body["digest"] = digest(body)
    return body


def digest(body: Mapping[str, Any]) -> str:
    """SHA-256 of the record's content (every column but the digest), canonical JSON."""
    content = {k: v for k, v in body.items() if k != "digest"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def to_csv(records: Iterable[Mapping[str, Any]], columns: Sequence[str] = COLUMNS, delimiter: str = ";") -> str:
    """The records as CSV (';' by default, as spreadsheets set to Indonesian read it), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for r in records:
        writer.writerow([safe_cell(r.get(c)) for c in columns])
    return out.getvalue()


def to_json(records: Iterable[Mapping[str, Any]]) -> str:
    """The records as one JSON document: the layout's version and the records in order."""
    return json.dumps({"layout": LAYOUT_VERSION, "records": list(records)}, ensure_ascii=False, indent=1)
