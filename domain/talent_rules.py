"""The talent grid's rules a rule set carries (DOMAIN.md §6.6, §13): how the final predikat becomes the
performance axis, how an assessment's scores become the potential axis, and the box numbers of the 9-box."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.ratings import BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_BAIK, SANGAT_KURANG

# The axes, lowest first (PermenPANRB 20/2025 Pasal 17): kinerja di bawah / sesuai / di atas ekspektasi,
# potensial rendah / menengah / tinggi.
BELOW, MEETS, ABOVE = "di_bawah_ekspektasi", "sesuai_ekspektasi", "di_atas_ekspektasi"
PERFORMANCE = (BELOW, MEETS, ABOVE)
LOW, MIDDLE, HIGH = "rendah", "menengah", "tinggi"
POTENTIAL = (LOW, MIDDLE, HIGH)
# The parts of an assessment's potential score and their weights (Kep. Ka BKN 41/2025 as DOMAIN.md §6.6
# gives it [SEC]: 40% competency, 25% potential, 20% qualification, 15% integrity).
PARTS = ("competency", "potential", "qualification", "integrity")


@dataclass(frozen=True)
class TalentTable:
    """The 9-box of PermenPANRB 3/2020 as amended by 20/2025."""

    source: str = "PermenPANRB 3/2020 jo. 20/2025 Pasal 17; Kep. Ka BKN 41/2025 (bobot)"
    # Kinerja's reading: the final predikat places the performance axis. Sangat Baik is above expectations,
    # Baik meets them, every lower predikat is below. [UNCONFIRMED]: Pasal 17 speaks of a ranking distributed
    # within the unit; an agency whose rule differs sets its own mapping.
    performance_of: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {SANGAT_BAIK: ABOVE, BAIK: MEETS, BUTUH_PERBAIKAN: BELOW, KURANG: BELOW, SANGAT_KURANG: BELOW}
        )
    )
    weights: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {"competency": 40, "potential": 25, "qualification": 20, "integrity": 15}
        )
    )
    # A weighted potential score (0-100) at or above `high_from` is tinggi, at or above `middle_from` menengah.
    # [UNCONFIRMED]: no public source gives the cut-offs; these are Kinerja's defaults.
    middle_from: float = 60.0
    high_from: float = 80.0
    # Box numbers by (performance, potential): 1 is below/low, 9 above/high (the KemenPANRB deck's grid).
    boxes: Mapping[tuple[str, str], int] = field(
        default_factory=lambda: MappingProxyType(
            {
                (BELOW, LOW): 1,
                (BELOW, MIDDLE): 2,
                (MEETS, LOW): 3,
                (BELOW, HIGH): 4,
                (MEETS, MIDDLE): 5,
                (ABOVE, LOW): 6,
                (MEETS, HIGH): 7,
                (ABOVE, MIDDLE): 8,
                (ABOVE, HIGH): 9,
            }
        )
    )
    # Boxes 7, 8 and 9 are the succession (talent) pool (§6.6).
    pool_boxes: tuple[int, ...] = (7, 8, 9)
