"""Words on the pages, in Bahasa Indonesia with the official terms. No rule lives here: only names.

Ratings and predikat take the domain's own labels (domain/rules.py); stages, tasks and
events get their Indonesian names here because the domain names them in English.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain import calendar
from domain.ratings import BERAKHLAK, PREDIKAT_LABELS, RATING_LABELS

__all__ = ["BERAKHLAK", "PREDIKAT_LABELS", "RATING_LABELS", "label", "when"]

STAGES = {
    "planning": "Perencanaan SKP",
    "execution": "Pelaksanaan",
    "review": "Penilaian",
    "result_delivered": "Hasil disampaikan",
    "keberatan": "Keberatan",
    "follow_up": "Tindak lanjut",
    "finalised": "Selesai",
}
TASKS = {
    "draft_skp": "Menyusun SKP",
    "review_skp": "Persetujuan SKP",
    "check_in": "Dialog kinerja (check-in)",
    "rate": "Penilaian kinerja tahunan",
    "deliver_result": "Penyampaian hasil penilaian",
    "decide_keberatan": "Keputusan atas keberatan",
    "decide_follow_up": "Tindak lanjut hasil penilaian",
    "finalise": "Finalisasi penilaian",
}
SKP_STATUS = {
    "empty": "Belum disusun",
    "draft": "Draf",
    "submitted": "Diajukan ke pejabat penilai",
    "returned": "Dikembalikan untuk diperbaiki",
    "approved": "Disetujui",
}
ASPECTS = {"kuantitas": "Kuantitas", "kualitas": "Kualitas", "waktu": "Waktu", "biaya": "Biaya"}
RHK_KINDS = {"utama": "Utama", "tambahan": "Tambahan"}
VALUES = {
    "berorientasi_pelayanan": "Berorientasi Pelayanan",
    "akuntabel": "Akuntabel",
    "kompeten": "Kompeten",
    "harmonis": "Harmonis",
    "loyal": "Loyal",
    "adaptif": "Adaptif",
    "kolaboratif": "Kolaboratif",
}
ORG_PREDIKAT = {"istimewa": "Istimewa", **PREDIKAT_LABELS}
OUTCOMES = {"upheld": "Keberatan ditolak (penilaian tetap)", "amended": "Penilaian diubah"}
DEADLINES = {"planning": "Penyusunan SKP", "review": "Penilaian tahunan", "follow_up": "Tindak lanjut"}
EVENTS = {
    "Opened": "Penilaian dibuka",
    "SkpDrafted": "SKP disusun",
    "SkpSubmitted": "SKP diajukan",
    "SkpReturned": "SKP dikembalikan",
    "SkpApproved": "SKP disetujui",
    "ProgressReported": "Realisasi dilaporkan",
    "FeedbackGiven": "Umpan balik",
    "CheckInHeld": "Dialog kinerja",
    "ReviewOpened": "Penilaian tahunan dibuka",
    "SelfAssessed": "Penilaian diri",
    "Rated": "Dinilai",
    "ResultDelivered": "Hasil disampaikan",
    "KeberatanFiled": "Keberatan diajukan",
    "KeberatanWindowClosed": "Masa keberatan berakhir",
    "KeberatanDecided": "Keberatan diputuskan",
    "KeberatanEscalated": "Keberatan dieskalasi ke BKPSDM",
    "KeberatanDeciderReassigned": "Pemutus keberatan dialihkan",
    "FollowUpDecided": "Tindak lanjut diputuskan",
    "Finalised": "Penilaian final",
    "SupervisorReassigned": "Pejabat penilai diganti",
    "ReminderSent": "Pengingat dikirim",
    "DeadlineMissed": "Batas waktu terlewati",
}
# The error kinds of the API's mapping (api/errors.py), named for a person.
REFUSALS = {
    "NotAllowed": "Tidak diizinkan",
    "NotFound": "Tidak ditemukan",
    "WrongStage": "Belum/tidak dapat dilakukan",
    "DeadlinePassed": "Batas waktu terlewati",
    "ConcurrencyConflict": "Data berubah, muat ulang",
    "InvalidInput": "Isian belum benar",
    "Unauthenticated": "Perlu masuk",
    "TooManyRequests": "Terlalu sering",
    "IntegrityBroken": "Integritas rusak",
}
ROLES = {"hr": "Pengelola Kinerja (BKPSDM)", "auditor": "Auditor"}
# The fields of the page forms and the general input rules (domain/text.py, domain/calendar.py), for refusals.
FIELDS = {
    "evidence": "Tautan bukti dukung",
    "realisation": "Realisasi",
    "text": "Isian",
    "target": "Target",
    "reasons": "Alasan",
    "reason": "Alasan",
    "notes": "Catatan",
    "comment": "Komentar",
    "justification": "Justifikasi",
    "until": "Batas waktu baru",
    "name": "Nama",
}
INPUT_RULES = {
    "link": "harus berupa tautan yang diawali http:// atau https://",
    "control": "tidak boleh memuat karakter kendali (seperti NUL)",
    "length": "terlalu panjang: paling banyak {limit} karakter",
    "required": "wajib diisi",
    "range": "harus di antara {earliest} dan {latest}",
}
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

TABLES: dict[str, dict[str, str]] = {
    "stage": STAGES,
    "task": TASKS,
    "skp": SKP_STATUS,
    "aspect": ASPECTS,
    "kind": RHK_KINDS,
    "value": VALUES,
    "rating": RATING_LABELS,
    "predikat": PREDIKAT_LABELS,
    "org": ORG_PREDIKAT,
    "outcome": OUTCOMES,
    "deadline": DEADLINES,
    "event": EVENTS,
    "refusal": REFUSALS,
    "role": ROLES,
}


def label(value: Any, table: str) -> str:
    """The Indonesian name of a code, or the code itself when it has none."""
    if value is None or value == "":
        return "–"
    return TABLES[table].get(str(value), str(value))


def when(value: Any, zone: str = "WIB", with_time: bool = True) -> str:
    """An instant (datetime or ISO text) in the agency's zone: '31 Januari 2026 23.59 WITA'."""
    if value in (None, ""):
        return "–"
    if (isinstance(value, date) and not isinstance(value, datetime)) or _is_day(value):
        day_only = value if isinstance(value, date) else date.fromisoformat(str(value))
        return f"{day_only.day} {MONTHS[day_only.month - 1]} {day_only.year}"  # a calendar day has no zone
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = calendar.as_utc(instant).astimezone(calendar.zone(zone))
    day = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
    return f"{day} {local:%H.%M} {zone}" if with_time else day


def _is_day(value: Any) -> bool:
    """'2027-01-15': a deadline as the cycle records it (the last day, in the agency's zone)."""
    return isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"


BEHAVIOUR_VALUES = BERAKHLAK


def input_rule(field: str, rule: str, params: dict[str, Any]) -> str:
    """A refused input in Bahasa Indonesia ("Tautan bukti dukung harus berupa tautan ..."); "" for other rules."""
    if rule not in INPUT_RULES:
        return ""
    name = field.rsplit(".", 1)[-1].split("[", 1)[0]
    return f"{FIELDS.get(name, field)} {INPUT_RULES[rule].format(**params)}"
