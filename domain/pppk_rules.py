"""The PPPK contract rules a rule set carries (DOMAIN.md §6.5, §13): when the renewal dossier is due and what
the appraisal results over the contract recommend.

Sources:
- PP 49/2018 Pasal 37 ayat (1): a PPPK contract runs at least one year and may be extended as needed and on
  the appraisal of performance; ayat (2): an extension rests on performance, fitting competency and the agency's
  need, with the PPK's approval; ayat (4): the PPK sends a copy of the extension decree to the Kepala BKN.
- PermenPANRB 70/2020 (masa hubungan perjanjian kerja PPPK): the extension is proposed at the latest six months
  before the contract ends [SEC] (radarkaur.disway.id quoting it); hence the dossier's default lead time.
- KepmenPANRB 16/2025: part-time PPPK (paruh waktu) are appraised like full-time PPPK [SEC] (mediabagi.com).
- BKN (Dec 2025): an agency may decline to extend on poor e-Kinerja results [SEC] (jambisun.id).
[UNCONFIRMED]: which predikat count as "poor" and as enough for an extension; no regulation text seen states
them. Kinerja's defaults: every final predikat over the contract at least Baik -> extension recommended; any
Kurang or Sangat Kurang -> not recommended; otherwise (Butuh Perbaikan) HR weighs it. Values of the rule set.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.ratings import BAIK, KURANG, SANGAT_KURANG

PNS, PPPK, PPPK_PARUH_WAKTU = "pns", "pppk", "pppk_paruh_waktu"
EMPLOYMENTS = (PNS, PPPK, PPPK_PARUH_WAKTU)
CONTRACTED = (PPPK, PPPK_PARUH_WAKTU)

# The recommendations a dossier can carry.
RENEW, WEIGH, DECLINE, NO_RESULT = "perpanjang", "pertimbangkan", "tidak_perpanjang", "belum_ada_hasil"
RECOMMENDATIONS = (RENEW, WEIGH, DECLINE, NO_RESULT)


@dataclass(frozen=True)
class PppkTable:
    """When a PPPK renewal dossier is produced and which results recommend what."""

    source: str = (
        "PP 49/2018 Pasal 37 ayat (1), (2), (4); PermenPANRB 70/2020 (usul perpanjangan paling lambat 6 bulan "
        "sebelum perjanjian kerja berakhir); KepmenPANRB 16/2025 (PPPK paruh waktu)"
    )
    # The dossier is produced this many months before the contract's last day (PermenPANRB 70/2020).
    lead_months: int = 6
    # The shortest contract (PP 49/2018 Pasal 37 ayat (1)): one year.
    min_contract_months: int = 12
    # [UNCONFIRMED] (module docstring): the thresholds of the recommendation.
    renew_min_predikat: str = BAIK
    decline_predikats: tuple[str, ...] = (KURANG, SANGAT_KURANG)
