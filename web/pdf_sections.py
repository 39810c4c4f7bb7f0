"""The sections of each kind of document after its three people (web/pdf.py draws the frame).

SKP: the RHK with their indicators and targets, and the SKP's status. Evaluation: the same with
the realisation, the BerAKHLAK ratings, the ratings and predikat, the keberatan if one was
filed, and (content version 2) why the predikat is what it is, in the words of the result page
(web/explain.py). Each section reads only the document's content (domain/document.py), so whatever
is added here must first be added there, where the digest covers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.explanation import from_data
from domain.rules import BERAKHLAK
from web.explain import reasons
from web.labels import label

if TYPE_CHECKING:
    from web.pdf import Document


def _work(doc: Document, stated: dict[str, Any], with_realisation: bool) -> None:
    doc.heading("IV. HASIL KERJA: RENCANA HASIL KERJA, INDIKATOR DAN TARGET")
    rows = []
    for n, r in enumerate(stated["rhk"], 1):
        done = "; ".join(f"{p['period']}: {p['realisation']}" for p in r.get("realisation", []))
        for i, ind in enumerate(r["indicators"]):
            first = i == 0
            row = (
                str(n) if first else "",
                f"{r['text']} ({label(r['kind'], 'kind')})" if first else "",
                label(ind["aspect"], "aspect"),
                ind["text"],
                ind["target"],
            )
            rows.append(row + ((done if first else "",) if with_realisation else ()))
    header = ("No", "Rencana Hasil Kerja", "Aspek", "Indikator Kinerja Individu", "Target")
    if not rows:
        doc.cell(0, 5, "Belum ada rencana hasil kerja.", new_x="LMARGIN", new_y="NEXT")
    elif with_realisation:
        doc.rows((8, 42, 18, 42, 30, 50), header + ("Realisasi",), rows)
    else:
        doc.rows((8, 62, 20, 60, 40), header, rows)


def skp(doc: Document, stated: dict[str, Any]) -> None:
    _work(doc, stated, with_realisation=False)
    doc.ln(2)
    doc.cell(0, 5, f"Status SKP: {label(stated['skp_status'], 'skp')}", new_x="LMARGIN", new_y="NEXT")


def evaluation(doc: Document, stated: dict[str, Any]) -> None:
    _work(doc, stated, with_realisation=True)
    rating = stated["rating"]
    doc.heading("V. PERILAKU KERJA (BerAKHLAK)")
    values = rating["behaviour_values"]
    doc.rows(
        (90, 100),
        ("Nilai dasar", "Rating"),
        [(label(v, "value"), label(values[v], "rating")) for v in BERAKHLAK if v in values] or [("-", "Belum dinilai")],
    )
    doc.heading("VI. RATING DAN PREDIKAT KINERJA")
    doc.rows(
        (90, 100),
        None,
        [
            ("Rating hasil kerja", label(rating["results"], "rating")),
            ("Rating perilaku kerja", label(rating["behaviour"], "rating")),
            ("Predikat kinerja pegawai", label(stated["predikat"], "predikat")),
        ],
    )
    k = stated["keberatan"]
    if k:
        doc.heading("VII. KEBERATAN")
        decision = f"{label(k['outcome'], 'outcome')}: {k['decision']}" if k["outcome"] else "Belum diputuskan"
        doc.rows((50, 140), None, [("Alasan keberatan", k["reasons"]), ("Keputusan atasan", decision)])
    why = stated.get("explanation")  # content version 2; a version-1 print has no such section
    if why:
        doc.heading("VIII. PENJELASAN PREDIKAT KINERJA" if k else "VII. PENJELASAN PREDIKAT KINERJA")
        for reason in reasons(from_data(why)):
            doc.paragraph(reason.title, reason.text, reason.items)
