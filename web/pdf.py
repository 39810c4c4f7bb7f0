"""PDF of an employee's SKP and of the evaluation document, drawn with fpdf2 (pure Python, no browser).

Sections follow the official layout (PermenPANRB 6/2022 lampiran): identity of the employee and
the appraiser, RHK / IKI / targets (and realisation), behaviour, ratings and predikat, signatures.
Built from the same appraisal view the pages and the API show; core fonts, so text is Latin-1.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.rules import BERAKHLAK
from web.labels import label

NEXT: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
PLACE_DATE = "......................, ......................"  # place and date, written when signed


def _t(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("→", "->").replace("–", "-").encode("latin-1", "replace").decode("latin-1")


class Document(FPDF):
    def __init__(self, title: str, a: dict[str, Any], names: dict[str, str]) -> None:
        super().__init__(format="A4")
        self.a, self.names = a, names
        self.set_title(title)
        self.set_auto_page_break(True, margin=15)
        self.add_page()
        self.set_font("Helvetica", "B", 13)
        self.cell(0, 7, _t(title), align="C", **NEXT)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 5, _t(f"Tahap: {label(a['stage'], 'stage')} - aturan {a['rule_set_id']}"), align="C", **NEXT)
        self.ln(3)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 6, _t(text), **NEXT)
        self.set_font("Helvetica", "", 9)

    def rows(self, widths: tuple[int, ...], header: tuple[str, ...] | None, rows: list[tuple[Any, ...]]) -> None:
        with self.table(
            col_widths=widths, text_align="LEFT", line_height=5, first_row_as_headings=header is not None
        ) as table:
            if header is not None:
                self.set_font("Helvetica", "B", 9)
                head = table.row()
                for h in header:
                    head.cell(_t(h))
            self.set_font("Helvetica", "", 9)
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(_t(v))

    def identity(self) -> None:
        a, e = self.a, self.a["employee"]
        self.heading("I. PEGAWAI YANG DINILAI DAN PEJABAT PENILAI KINERJA")
        self.rows(
            (35, 65, 35, 55),
            ("Pegawai", "", "Pejabat penilai", ""),
            [
                ("Nama", e.get("name", ""), "Nama", self.names.get(a["appraiser_nip"], "")),
                ("NIP", a["employee_nip"], "NIP", a["appraiser_nip"]),
                ("Pangkat/Gol.", e.get("rank", ""), "Atasan penilai", a["atasan_nip"]),
                ("Jabatan", e.get("position", ""), "", ""),
                ("Unit kerja", e.get("unit_name") or e.get("unit_id", ""), "", ""),
            ],
        )

    def skp(self, with_realisation: bool = False) -> None:
        self.heading("II. HASIL KERJA: RENCANA HASIL KERJA, INDIKATOR DAN TARGET")
        done: dict[str, list[str]] = {}
        for p in self.a["progress"]:
            done.setdefault(p["rhk_id"], []).append(f"{p['period']}: {p['realisation']}")
        rows = []
        for n, r in enumerate(self.a["rhk"], 1):
            for i, ind in enumerate(r["indicators"]):
                first = i == 0
                row = (
                    str(n) if first else "",
                    r["text"] if first else "",
                    label(ind["aspect"], "aspect"),
                    ind["text"],
                    ind["target"],
                )
                real = "; ".join(done.get(r["id"], [])) if first else ""
                rows.append(row + ((real,) if with_realisation else ()))
        header = ("No", "Rencana Hasil Kerja", "Aspek", "Indikator Kinerja Individu", "Target")
        if with_realisation:
            self.rows((8, 42, 18, 42, 30, 50), header + ("Realisasi",), rows)
        else:
            self.rows((8, 62, 20, 60, 40), header, rows)

    def signatures(self, place_date: str) -> None:
        a = self.a
        self.ln(6)
        self.cell(0, 5, _t(place_date), align="R", **NEXT)
        self.ln(2)
        for text in ("Pegawai yang dinilai", "Pejabat Penilai Kinerja"):
            self.cell(95, 5, _t(text), align="C")
        self.ln(22)
        for name in (a["employee"].get("name", ""), self.names.get(a["appraiser_nip"], "")):
            self.cell(95, 5, _t(name or "(.............................)"), align="C")
        self.ln(5)
        for nip in (a["employee_nip"], a["appraiser_nip"]):
            self.cell(95, 5, _t(f"NIP {nip}"), align="C")
        self.ln(5)


def skp_pdf(a: dict[str, Any], names: dict[str, str], zone: str) -> bytes:
    doc = Document("SASARAN KINERJA PEGAWAI", a, names)
    doc.identity()
    doc.skp()
    doc.signatures(f"Status SKP: {label(a['skp_status'], 'skp')}    {PLACE_DATE}")
    return bytes(doc.output())


def evaluation_pdf(a: dict[str, Any], names: dict[str, str], zone: str) -> bytes:
    doc = Document("DOKUMEN EVALUASI KINERJA PEGAWAI", a, names)
    doc.identity()
    doc.skp(with_realisation=True)
    rating = a["rating"] or {}
    doc.heading("III. PERILAKU KERJA (BerAKHLAK)")
    values = rating.get("behaviour_values", {})
    doc.rows(
        (90, 100),
        ("Nilai dasar", "Rating"),
        [(label(v, "value"), label(values[v], "rating")) for v in BERAKHLAK if v in values],
    )
    doc.heading("IV. RATING DAN PREDIKAT KINERJA")
    doc.rows(
        (90, 100),
        None,
        [
            ("Rating hasil kerja", label(rating.get("results"), "rating")),
            ("Rating perilaku kerja", label(rating.get("behaviour"), "rating")),
            ("Predikat kinerja pegawai", label(a["predikat"], "predikat")),
        ],
    )
    if a["keberatan"]:
        k = a["keberatan"]
        doc.heading("V. KEBERATAN")
        decision = (
            f"{label(k.get('outcome'), 'outcome')}: {k.get('decision', '')}" if k.get("outcome") else "belum diputuskan"
        )
        doc.rows((50, 140), None, [("Alasan keberatan", k["reasons"]), ("Keputusan atasan", decision)])
    doc.signatures(PLACE_DATE)
    return bytes(doc.output())
