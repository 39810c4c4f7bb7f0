"""PDF of an employee's SKP and of the evaluation document, drawn with fpdf2 (pure Python, no browser).

The layout follows the official forms (PermenPANRB 6/2022 lampiran): the agency and the period,
the employee, the appraiser and the appraiser's superior with names and NIPs, the sections of the
document's kind (web/pdf_sections.py), and a signature block (place, date, name, NIP) for the wet
signatures agencies still collect. Everything drawn comes from the document's content
(domain/document.py), never from a page's view, so the digest in the verification footer (its QR
code opens the public check) covers what the paper says. The place comes from the settings.

Core fonts, so text is Latin-1. The output depends only on its inputs (the creation date is the
day of the state printed), so the same log position renders the same bytes.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.document import SKP
from web.dates import when
from web.labels import label
from web.pdf_sections import evaluation, skp

NEXT: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
TITLES = {SKP: "SASARAN KINERJA PEGAWAI", "evaluasi": "DOKUMEN EVALUASI KINERJA PEGAWAI"}
ROLES = (
    ("employee", "I. PEGAWAI YANG DINILAI"),
    ("appraiser", "II. PEJABAT PENILAI KINERJA"),
    ("atasan", "III. ATASAN PEJABAT PENILAI KINERJA"),
)
BLANK = "................................"
SUBJECT = "Kinerja: dokumen terverifikasi"
QR_SIZE = 28  # mm: readable by a phone on an A4 print


def latin(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("→", "->").replace("–", "-").encode("latin-1", "replace").decode("latin-1")


def day(value: str) -> str:
    """'2030-12-31' as '31 Desember 2030'."""
    return when(date.fromisoformat(value))


class Document(FPDF):
    """One A4 document: the header of the agency and period, tables, headings and the signature block."""

    def __init__(self, stated: dict[str, Any]) -> None:
        super().__init__(format="A4")
        self.stated = stated
        title = TITLES[stated["kind"]]
        self.set_title(f"{title} {stated['year']} - {stated['employee']['name']}")
        self.set_author(stated["agency"])
        self.set_creation_date(datetime.combine(date.fromisoformat(stated["dated"]), datetime.min.time(), timezone.utc))
        self.set_auto_page_break(True, margin=15)
        self.add_page()
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 6, latin(stated["agency"].upper()), align="C", **NEXT)
        self.set_font("Helvetica", "B", 13)
        self.cell(0, 7, latin(title), align="C", **NEXT)
        self.set_font("Helvetica", "", 9)
        start, end = stated["period"]
        self.cell(
            0, 5, latin(f"Periode penilaian: {day(start)} s.d. {day(end)} (tahun {stated['year']})"), align="C", **NEXT
        )
        self.cell(0, 5, latin(f"Aturan: {label(stated['rule_set_id'], 'rule_set')}"), align="C", **NEXT)
        self.ln(2)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 6, latin(text), **NEXT)
        self.set_font("Helvetica", "", 9)

    def rows(self, widths: tuple[int, ...], header: tuple[str, ...] | None, rows: list[tuple[Any, ...]]) -> None:
        with self.table(
            col_widths=widths, text_align="LEFT", line_height=5, first_row_as_headings=header is not None
        ) as table:
            if header is not None:
                self.set_font("Helvetica", "B", 9)
                head = table.row()
                for h in header:
                    head.cell(latin(h))
            self.set_font("Helvetica", "", 9)
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(latin(v))

    def paragraph(self, title: str, text: str, items: list[str]) -> None:
        """One reason: its title in bold, its sentence, then its items one a line."""
        self.set_font("Helvetica", "B", 9)
        self.multi_cell(0, 4.5, latin(title), **NEXT)
        self.set_font("Helvetica", "", 9)
        self.multi_cell(0, 4.5, latin(text), **NEXT)
        for item in items:
            self.set_x(self.l_margin + 4)
            self.multi_cell(0, 4.5, latin(f"- {item}"), **NEXT)
        self.ln(1)

    def people(self) -> None:
        """The three people of the appraisal, each with name, NIP, rank, position and unit."""
        for role, title in ROLES:
            p = self.stated[role]
            self.heading(title)
            self.rows(
                (45, 145),
                None,
                [
                    ("Nama", p["name"] or BLANK),
                    ("NIP", p["nip"]),
                    ("Pangkat/golongan", p["rank"] or "-"),
                    ("Jabatan", p["position"] or "-"),
                    ("Unit kerja", p["unit"] or "-"),
                ],
            )

    def signatures(self, place: str) -> None:
        """Place and date (the day of the state printed, in the agency's zone), then the two who sign."""
        s = self.stated
        if self.will_page_break(50):
            self.add_page()
        self.ln(6)
        self.cell(95, 5, "")
        self.cell(95, 5, latin(f"{place or BLANK}, {day(s['dated'])}"), align="C", **NEXT)
        self.ln(1)
        for text in ("Pegawai yang dinilai", "Pejabat Penilai Kinerja"):
            self.cell(95, 5, latin(text), align="C")
        self.ln(22)
        self.set_font("Helvetica", "BU", 9)
        for who in ("employee", "appraiser"):
            self.cell(95, 5, latin(s[who]["name"] or BLANK), align="C")
        self.ln(5)
        self.set_font("Helvetica", "", 9)
        for who in ("employee", "appraiser"):
            self.cell(95, 5, latin(f"NIP {s[who]['nip']}"), align="C")
        self.ln(5)

    def verification(self, url: str, token: str, signed_by: str) -> None:
        """The QR code of the public check, and the same address and reference as text."""
        if self.will_page_break(QR_SIZE + 6):
            self.add_page()
        self.ln(4)
        top = self.get_y()
        picture = io.BytesIO()
        segno.make(url, error="m").save(picture, kind="png", scale=4, border=2)
        self.image(picture, x=self.l_margin, y=top, w=QR_SIZE, h=QR_SIZE)
        self.set_xy(self.l_margin + QR_SIZE + 3, top + 2)
        self.set_font("Helvetica", "B", 8)
        self.cell(0, 4, "Periksa keaslian dokumen ini", **NEXT)
        self.set_font("Helvetica", "", 7)
        text = (
            "Pindai kode QR atau buka alamat di bawah: halaman itu membandingkan isi dokumen ini dengan "
            f"catatan kinerja (log) pada saat dicetak.\n{url}\nRujukan: {token}"
        )
        if signed_by:  # only when the agency's key signs this very file (services/document_signing.py)
            text += f"\nBerkas PDF ini juga ditandatangani secara elektronik oleh {signed_by} (PAdES)."
        self.set_x(self.l_margin + QR_SIZE + 3)
        self.multi_cell(0, 3.5, latin(text), **NEXT)
        self.set_y(max(self.get_y(), top + QR_SIZE))


def render(stated: dict[str, Any], url: str, token: str, place: str, signed_by: str = "") -> bytes:
    """The PDF of a document's content; `url` and `token` are its verification address and reference;
    `signed_by` names the holder of the key that will sign it, if one will."""
    doc = Document(stated)
    doc.set_subject(SUBJECT)
    doc.set_keywords(f"kinerja-dokumen {token}")
    doc.people()
    (skp if stated["kind"] == SKP else evaluation)(doc, stated)
    doc.signatures(place)
    doc.verification(url, token, signed_by)
    return bytes(doc.output())
