"""The career rules a rule set carries (DOMAIN.md §6.2, §13): the jenjang of functional posts with their
annual angka kredit coefficients, what a move up needs, and when a proposal may be made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from domain.errors import InvalidInput, refusal
from domain.ratings import BAIK

UNKNOWN_JENJANG = refusal("career.jenjang", "is not a jenjang of the rule set ({known})")


@dataclass(frozen=True)
class Jenjang:
    """A level of a functional post, with its annual angka kredit coefficient (PermenPANRB 1/2023)."""

    code: str
    title: str
    coefficient: float
    next: str | None = None
    # Cumulative angka kredit the move up to `next` requires. [UNCONFIRMED]: the annex of PermenPANRB 1/2023
    # was not available here; the defaults sum its usual per-pangkat steps (keahlian 50, 100, 150; keterampilan
    # 15, 20, 50) over the pangkat of a jenjang. An agency's rule set replaces them (README, Careers).
    for_next: float | None = None


def _jenjang(*levels: Jenjang) -> Mapping[str, Jenjang]:
    return MappingProxyType({j.code: j for j in levels})


@dataclass(frozen=True)
class CareerTable:
    """The career rules a rule set carries: the jenjang, what a move needs and when it may be proposed."""

    source: str = "PerBKN 3/2023 (angka kredit), PermenPANRB 1/2023 (jenjang), PerBKN 4/2023 and 4/2025 (periods)"
    jenjang: Mapping[str, Jenjang] = field(
        default_factory=lambda: _jenjang(
            Jenjang("pemula", "Pemula", 3.75, "terampil", 15.0),
            Jenjang("terampil", "Terampil", 5.0, "mahir", 40.0),
            Jenjang("mahir", "Mahir", 12.5, "penyelia", 100.0),
            Jenjang("penyelia", "Penyelia", 25.0),
            Jenjang("ahli_pertama", "Ahli Pertama", 12.5, "ahli_muda", 100.0),
            Jenjang("ahli_muda", "Ahli Muda", 25.0, "ahli_madya", 200.0),
            Jenjang("ahli_madya", "Ahli Madya", 37.5, "ahli_utama", 450.0),
            Jenjang("ahli_utama", "Ahli Utama", 50.0),
        )
    )
    # A move up needs at least this predikat in the last year (PerBKN 3/2023, §13).
    min_predikat: str = BAIK
    # Proposals: the 1st of every month from 1 October 2025 (PerBKN 4/2025); before, the 1st of
    # February, April, June, August, October and December (PerBKN 4/2023).
    monthly_from: date = date(2025, 10, 1)
    months_before: tuple[int, ...] = (2, 4, 6, 8, 10, 12)

    def level(self, code: str) -> Jenjang:
        try:
            return self.jenjang[code]
        except KeyError:
            raise InvalidInput("jenjang", UNKNOWN_JENJANG, known=", ".join(self.jenjang)) from None

    def next_proposal(self, after: date) -> date:
        """The first proposal date strictly after `after`."""
        year, month = (after.year, after.month + 1) if after.month < 12 else (after.year + 1, 1)
        first = date(year, month, 1)
        while first < self.monthly_from and month not in self.months_before:
            year, month = (year, month + 1) if month < 12 else (year + 1, 1)
            first = date(year, month, 1)
        return first
