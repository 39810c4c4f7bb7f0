"""Survei Kepuasan Masyarakat scoring (PermenPANRB 14/2017, DOMAIN.md §7.1).

Nine elements on a scale of 1-4; NI is their mean with equal weights, IKM = NI x 25,
and the NI interval gives the perception (1-4), the quality (A-D) and the unit's
performance label.
"""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidInput, refusal

UNKNOWN_ELEMENT = refusal("skm.unknown_element", "unknown SKM element {element!r}; known: {elements}")
UNANSWERED = refusal("skm.unanswered", "every SKM element must be answered; missing: {elements}")
NOT_A_SCORE = refusal("skm.score", "must be a whole number from {lowest} to {highest}")

ELEMENTS = (
    "persyaratan",
    "prosedur",
    "waktu_penyelesaian",
    "biaya_tarif",
    "produk_layanan",
    "kompetensi_pelaksana",
    "perilaku_pelaksana",
    "penanganan_pengaduan",
    "sarana_prasarana",
)
# Lower bound of NI for perception 4, 3, 2 (else 1), with quality and performance label (§7.1 table).
INTERVALS = (
    (3.5324, 4, "A", "Sangat Baik"),
    (3.0644, 3, "B", "Baik"),
    (2.60, 2, "C", "Kurang Baik"),
    (1.00, 1, "D", "Tidak Baik"),
)


LOWEST, HIGHEST = 1, 4  # the answer scale of every element


def check_answers(answers: dict[str, int]) -> dict[str, int]:
    """A complete questionnaire: every one of the nine elements, each a whole number on the scale.

    A partial one would score the few answered elements alone (three answers of 4 made IKM 100).
    """
    for element in answers:
        if element not in ELEMENTS:
            raise InvalidInput("answers", UNKNOWN_ELEMENT, element=element, elements=", ".join(ELEMENTS))
    missing = [e for e in ELEMENTS if e not in answers]
    if missing:
        raise InvalidInput("answers", UNANSWERED, elements=", ".join(missing))
    for element, value in answers.items():
        if isinstance(value, bool) or not isinstance(value, int) or not LOWEST <= value <= HIGHEST:
            raise InvalidInput(f"answers.{element}", NOT_A_SCORE, lowest=LOWEST, highest=HIGHEST)
    return dict(answers)


def score(answers: dict[str, int]) -> dict[str, Any]:
    """NI (mean of the answered elements), IKM, perception 1-4, quality A-D and label."""
    ni = sum(answers.values()) / len(answers)
    return {"ni": round(ni, 4), "ikm": round(ni * 25, 2), **classify(ni)}


def classify(ni: float) -> dict[str, Any]:
    for lower, perception, quality, label in INTERVALS:
        if ni >= lower:
            return {"perception": perception, "quality": quality, "performance": label}
    raise ValueError(f"NI {ni} is below 1")
