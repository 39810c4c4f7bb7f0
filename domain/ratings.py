"""The scales a rating uses (DOMAIN.md §3): ratings, predikat, organisation predikat, the kuadran.

Plain values and tables; the versioned rule set (domain/rules.py) puts them together under an id.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.errors import ONE_OF, InvalidInput

# Rating of hasil kerja (results) and of perilaku kerja (behaviour), DOMAIN.md §3.1.
ABOVE, AS_EXPECTED, BELOW = "di_atas", "sesuai", "di_bawah"
RATINGS = (ABOVE, AS_EXPECTED, BELOW)
RATING_LABELS = {ABOVE: "Di Atas Ekspektasi", AS_EXPECTED: "Sesuai Ekspektasi", BELOW: "Di Bawah Ekspektasi"}

# Employee predikat, best first (§3.1).
SANGAT_BAIK, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG = (
    "sangat_baik",
    "baik",
    "butuh_perbaikan",
    "kurang",
    "sangat_kurang",
)
PREDIKATS = (SANGAT_BAIK, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG)
PREDIKAT_LABELS = {
    SANGAT_BAIK: "Sangat Baik",
    BAIK: "Baik",
    BUTUH_PERBAIKAN: "Butuh Perbaikan",
    KURANG: "Kurang/Misconduct",
    SANGAT_KURANG: "Sangat Kurang",
}

# Organisation predikat (§2.3 step 1).
ISTIMEWA = "istimewa"
ORG_PREDIKATS = (ISTIMEWA, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG)

# IKI aspects (§2.1).
ASPECTS = ("kuantitas", "kualitas", "waktu", "biaya")

# The seven BerAKHLAK core values (§3.3).
BERAKHLAK = (
    "berorientasi_pelayanan",
    "akuntabel",
    "kompeten",
    "harmonis",
    "loyal",
    "adaptif",
    "kolaboratif",
)

# The kuadran kinerja, cell by cell (§3.2): (results, behaviour) -> predikat.
MATRIX_6_2022: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        (ABOVE, BELOW): KURANG,
        (ABOVE, AS_EXPECTED): BAIK,
        (ABOVE, ABOVE): SANGAT_BAIK,
        (AS_EXPECTED, BELOW): KURANG,
        (AS_EXPECTED, AS_EXPECTED): BAIK,
        (AS_EXPECTED, ABOVE): BAIK,
        (BELOW, BELOW): SANGAT_KURANG,
        (BELOW, AS_EXPECTED): BUTUH_PERBAIKAN,
        (BELOW, ABOVE): BUTUH_PERBAIKAN,
    }
)


def check_rating(field_name: str, rating: str) -> str:
    if rating not in RATINGS:
        raise InvalidInput(field_name, ONE_OF, choices=", ".join(RATINGS), value=rating)
    return rating


def check_predikat(field_name: str, predikat: str) -> str:
    if predikat not in PREDIKATS:
        raise InvalidInput(field_name, ONE_OF, choices=", ".join(PREDIKATS), value=predikat)
    return predikat
