"""Why this predikat (#13), said for a person: the domain's reasons (domain/explanation.py) in plain Bahasa
Indonesia, one reason a paragraph, for the result page, the keberatan form and the evaluation PDF alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.explanation import PredikatReasons
from services.labels import label
from web.chart import unit_chart


@dataclass(frozen=True)
class Reason:
    key: str  # the page's anchor: alasan-<key>
    title: str
    text: str
    items: list[str] = field(default_factory=list)


def deviations(why: PredikatReasons) -> list[str]:
    """Where the unit's calibrated distribution left the curve, said as the HR dashboard says it (web/chart.py)."""
    c = why.calibration
    if c is None:
        return []
    row = {"rated": sum(c.counts.values()), "counts": c.counts, "org_predikat": c.org_predikat}
    found: list[str] = unit_chart(why.rule_set_id, row)["warnings"]
    return found


def reasons(why: PredikatReasons) -> list[Reason]:
    """Each reason of the predikat, in the order it came about."""
    r, b = why.results, why.behaviour
    if r.unit_org_predikat:
        results_text = (
            "Sebagai kepala unit, rating hasil kerja Anda mengikuti predikat organisasi unit Anda, "
            f"{label(r.unit_org_predikat, 'org')}."
        )
    else:
        results_text = "Pejabat penilai menilainya dari realisasi yang Anda laporkan terhadap target setiap Rencana Hasil Kerja (RHK):"
    rhk = []
    for item in r.rhk:
        targets = "; ".join(f"{t['text']} {t['target']}" for t in item.targets)
        done = "; ".join(f"realisasi {p['period']}: {p['realisation']}" for p in item.realisations)
        rhk.append(
            f'RHK {label(item.kind, "kind")} "{item.text}"{f" (target: {targets})" if targets else ""}: '
            f"{done or 'tidak ada realisasi yang dilaporkan'}."
        )
    counts = ", ".join(f"{n} dinilai {label(rating, 'rating')}" for rating, n in b.counts.items() if n)
    rule = (
        " Rating perilaku kerja adalah nilai tengah dari ketujuh rating itu bila diurutkan."
        if b.rule == "median"
        else ""
    )
    said = [
        Reason("hasil", f"Rating hasil kerja: {label(r.rating, 'rating')}.", results_text, rhk),
        Reason(
            "perilaku",
            f"Rating perilaku kerja: {label(b.rating, 'rating')}.",
            f"Dari {len(b.values)} nilai BerAKHLAK, {counts}.{rule}",
            [f"{label(v, 'value')}: {label(given, 'rating')}" for v, given in b.values],
        ),
        Reason(
            "kuadran",
            "Kuadran kinerja:",
            f"hasil kerja {label(why.cell[0], 'rating')} dan perilaku kerja {label(why.cell[1], 'rating')} berada "
            f"pada kotak yang memberi predikat {label(why.predikat, 'predikat')}.",
        ),
        Reason("kalibrasi", "Kalibrasi unit:", _calibration(why)),
    ]
    if why.keberatan:
        k = why.keberatan
        amended = " Rating di atas adalah rating hasil keputusan itu." if k.outcome == "amended" else ""
        said.append(
            Reason(
                "keberatan",
                "Keberatan:",
                f'{label(k.outcome, "outcome")} oleh atasan pejabat penilai, dengan alasan: "{k.decision}".{amended}',
            )
        )
    said.append(Reason("aturan", "Aturan yang berlaku:", f"{label(why.rule_set_id, 'rule_set')}."))
    return said


def quoted(why: PredikatReasons) -> str:
    """The assessment a keberatan is filed against, in one sentence."""
    return (
        f"Predikat {label(why.predikat, 'predikat')}: hasil kerja {label(why.cell[0], 'rating')} dan perilaku kerja "
        f"{label(why.cell[1], 'rating')} pada kuadran kinerja, menurut {label(why.rule_set_id, 'rule_set')}."
    )


def _calibration(why: PredikatReasons) -> str:
    c = why.calibration
    if c is None:
        return "unit Anda belum dikalibrasi."
    checked = (
        f"sebaran predikat unit Anda diperiksa terhadap kurva untuk predikat organisasi {label(c.org_predikat, 'org')}; "
        "kalibrasi tidak mengubah rating Anda."
    )
    off = deviations(why)
    if not off:
        return f"{checked} Sebarannya sesuai kurva."
    return (
        f"{checked} Sebaran menyimpang dari kurva ({'; '.join(off)}), dengan justifikasi yang dicatat pengelola "
        f'kinerja: "{c.justification}".'
    )
