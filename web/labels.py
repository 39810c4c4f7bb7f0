"""Words on the pages, in Bahasa Indonesia with the official terms. No rule lives here: only names.

Ratings and predikat take the domain's own labels (domain/rules.py); stages, tasks and
events get their Indonesian names here because the domain names them in English.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from domain import calendar, review
from domain.ratings import BERAKHLAK, PREDIKAT_LABELS, RATING_LABELS
from services import authz

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
CYCLE_STATUS = {"defined": "Disiapkan", "started": "Berjalan", "closed": "Ditutup"}
# Who recorded an event when no person did (the cycle's own timers, a citizen's survey).
ACTORS = {"system": "sistem", "citizen": "warga (survei SKM)"}
# The rule sets by id: the name a person knows and the regulation it comes from.
RULE_SETS = {
    "permenpanrb-6-2022": "Kuadran kinerja dan pola distribusi (PermenPANRB Nomor 6 Tahun 2022"
    " dan SE MenPANRB Nomor 3 Tahun 2023)",
}
# The follow-up's advice (domain/follow_up.py recommend), item by item.
FOLLOW_UP = {
    "promotion_eligible": "Memenuhi syarat kenaikan pangkat/jabatan",
    "promotion_reasons": "Syarat yang belum terpenuhi",
    "training": "Pelatihan untuk nilai perilaku",
    "coaching": "Pembinaan (coaching)",
    "improvement_months": "Masa perbaikan kinerja (bulan)",
    "sanction_referral": "Diteruskan untuk pertimbangan hukuman disiplin",
    "tukin_cut_percent": "Pengurangan tunjangan kinerja (%)",
    "angka_kredit": "Angka kredit",
}
# Pages other than the API's: an HTTP status without a domain error (an unknown address).
HTTP_STATUS = {
    404: ("Halaman tidak ditemukan", "Alamat ini tidak ada. Periksa tautannya atau kembali ke beranda."),
    405: ("Cara akses tidak didukung", "Alamat ini tidak dapat dibuka dengan cara tersebut."),
}
# The curve's verdict on a unit (domain/curve.py ShareCheck), one line per broken constraint.
CURVE_LIMIT = {
    "max": "paling banyak {allowed} dari {total} diperbolehkan",
    "min": "paling sedikit {allowed} dari {total} diperlukan",
}
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
    "nip": "NIP",
    "to_nip": "NIP penerima delegasi",
    "decision": "Alasan keputusan",
    "results_rating": "Rating hasil kerja",
    "behaviour_ratings": "Rating perilaku kerja",
    "predikat": "Predikat organisasi",
    "years_in_rank": "Masa kerja dalam pangkat",
    "previous_predikats": "Predikat tahun-tahun sebelumnya",
    "self_assessment": "Penilaian diri",
    "agency_id": "Instansi",
    "year": "Tahun",
    "file": "Berkas",
    "supervisor_nip": "Atasan langsung baru",
    "effective_date": "Tanggal berlaku",
    "appraiser_nip": "Pejabat penilai",
    "atasan_nip": "Atasan pejabat penilai",
    "participant": "Peserta",
    "participants": "Peserta",
    "deadlines": "Batas waktu",
    "email": "Alamat email",
}
INPUT_RULES = {
    "link": "harus berupa tautan yang diawali http:// atau https://",
    "too_short": "paling sedikit {limit} karakter",
    "number": "harus berupa bilangan",
    "choice": "harus salah satu dari: {choices}",
    "invalid": "tidak sesuai format yang diminta",
    "date": "harus berupa tanggal (tahun-bulan-hari)",
    "control": "tidak boleh memuat karakter kendali (seperti NUL)",
    "invisible": "tidak boleh memuat karakter format tak terlihat (seperti pembalik arah teks atau spasi nol)",
    "length": "terlalu panjang: paling banyak {limit} karakter",
    "required": "wajib diisi",
    "range": "harus di antara {earliest} dan {latest}",
    "email": "harus berupa satu alamat email, misalnya nama@instansi.go.id",
    "not_self": "tidak boleh pegawai yang dinilai itu sendiri",
    "not_appraiser": "tidak boleh sama dengan pejabat penilai: keberatan diputus oleh atasan dari pejabat penilai",
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

# What the log's verifier found (transparency/findings.py), as the auditor's page names it.
FINDINGS = {
    "chain": "Rantai hash putus (baris diubah, dihapus, disisipkan atau ditukar)",
    "unsealed": "Baris tanpa segel instansi (peristiwa palsu yang ditulis di luar Kinerja)",
    "rewritten": "Baris berbeda dari yang disegel atau dicakup checkpoint (ditulis ulang)",
    "seal-invalid": "Segel tidak sah menurut kunci instansi",
    "inserted": "Baris disisipkan di antara baris yang sudah dicakup checkpoint",
    "deleted": "Baris yang dicakup checkpoint hilang",
    "truncated": "Peristiwa terbaru sebuah catatan hilang (dipotong)",
    "aggregate-deleted": "Seluruh catatan dihapus",
    "log-truncated": "Log lebih pendek dari checkpoint yang ditandatangani",
    "inconsistent": "Log tidak lagi memiliki root yang dijamin checkpoint",
    "tree-store-altered": "Pohon Merkle yang tersimpan diubah",
    "checkpoint-edited": "Checkpoint tersimpan diubah (tanda tangan tidak sah)",
    "time-stamp-invalid": "Stempel waktu RFC 3161 tidak sah",
    "checkpoint-missing": "Checkpoint yang dipegang saksi tidak ada di daftar log",
    "witness-checkpoint-edited": "Checkpoint yang dipegang saksi tidak sah",
    "witness-rolled-back": "Saksi dimundurkan (memegang lebih sedikit dari yang pernah diterimanya)",
    "witness-refused": "Saksi menolak checkpoint karena tidak konsisten",
    "witness-unreachable": "Saksi tidak dapat dihubungi",
    "no-checkpoint": "Belum ada checkpoint yang mencakup log",
    "unreadable": "Peristiwa tersimpan tidak dapat dibaca ulang",
}
WITNESS_STATUS = {
    "ok": "sesuai",
    "accepted": "diterima",
    "refused": "ditolak",
    "unreachable": "tidak terhubung",
    "edited": "diubah",
    "rolled back": "dimundurkan",
}

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
    "finding": FINDINGS,
    "witness": WITNESS_STATUS,
    "refusal": REFUSALS,
    "role": ROLES,
    "cycle_status": CYCLE_STATUS,
    "actor": ACTORS,
    "rule_set": RULE_SETS,
    "follow_up": FOLLOW_UP,
}


def label(value: Any, table: str) -> str:
    """The Indonesian name of a code, or the code itself when it has none."""
    if value is None or value == "":
        return "–"
    return TABLES[table].get(str(value), str(value))


def task_name(task: str) -> str:
    """A task as a person knows it; a check-in names its period: 'Dialog kinerja (check-in) periode Q4'."""
    kind, _, period = str(task).partition(":")
    return f"{label(kind, 'task')} periode {period}" if period else label(kind, "task")


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
    said = {k: when(v, with_time=False) if isinstance(v, date) or _is_day(v) else v for k, v in params.items()}
    return f"{FIELDS.get(name, field)} {INPUT_RULES[rule].format(**said)}"


# pydantic's error types as the general rules above: a form's model refused a value before any domain rule ran.
VALIDATION_TYPES = {
    "missing": "required",
    "string_type": "required",
    "string_too_long": "length",
    "string_too_short": "too_short",
    "int_parsing": "number",
    "int_type": "number",
    "float_parsing": "number",
    "decimal_parsing": "number",
    "literal_error": "choice",
    "enum": "choice",
}


def validation_rule(errors: list[Any]) -> str:
    """The first error of a refused form model in Bahasa Indonesia: "Alasan wajib diisi"."""
    if not errors:
        return ""
    first = errors[0]
    field = ".".join(str(p) for p in first.get("loc", ()) if isinstance(p, str) and p != "body") or "body"
    context = first.get("ctx") or {}
    rule = VALIDATION_TYPES.get(str(first.get("type", "")), "invalid")
    if rule == "too_short" and context.get("min_length", 1) <= 1:
        rule = "required"
    params = {"limit": context.get("max_length", context.get("min_length", "")), "choices": context.get("expected", "")}
    return input_rule(field, rule, params)


def http_status(status: int) -> tuple[str, str]:
    """A page's title and message for an HTTP answer that carries no domain error (an unknown address)."""
    return HTTP_STATUS.get(status, (f"Galat {status}", "Permintaan tidak dapat dilayani."))


# Refusals a person meets on a page, with what to do next; the English text is the domain's (or authz's) constant.
DOMAIN_MESSAGES = {
    review.NOT_RATED: "Penilaian belum diberi rating. Isi dan simpan rating hasil dan perilaku kerja terlebih dahulu,"
    " lalu sampaikan hasilnya.",
    review.NOT_CALIBRATED: "Hasil belum dapat disampaikan karena distribusi predikat unit ini belum dikalibrasi"
    " terhadap kurva. Minta pengelola kinerja (BKPSDM) menetapkan predikat organisasi unit dan mengkalibrasi unit"
    " di dasbor siklus, lalu sampaikan hasil sekali lagi.",
    authz.READ_ONLY: "Auditor hanya dapat membaca: tindakan ini mengubah catatan.",
    authz.ONLY_HR: "Hanya pengelola kinerja (BKPSDM) yang dapat melakukan tindakan ini.",
    authz.OVERSIGHT: "Halaman ini hanya untuk pengelola kinerja (BKPSDM) dan auditor.",
    authz.AGENCY_OVERVIEW: "Halaman ini hanya untuk pengelola kinerja (BKPSDM), auditor, dan pimpinan instansi.",
}


def domain_message(message: str) -> str:
    """A domain refusal in Bahasa Indonesia with its next step; "" for a message without a text here."""
    return DOMAIN_MESSAGES.get(message, "")


# The follow-up's reasons as domain/follow_up.py words them, in Bahasa Indonesia.
PROMOTION_REASONS = (
    (re.compile(r"needs predikat of the last (\d+) years"), "belum ada predikat {0} tahun terakhir"),
    (re.compile(r"needs at least (\w+) in each of the last years"), "perlu predikat paling rendah {0} setiap tahun"),
    (re.compile(r"needs (\d+) years in rank, has (\d+)"), "perlu {0} tahun dalam pangkat, baru {1} tahun"),
)


def follow_up_value(key: str, value: Any) -> str:
    """One item of the follow-up's advice, for a person: ya/tidak, value names, reasons in Bahasa Indonesia."""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if key == "training":
        return ", ".join(label(v, "value") for v in value)
    if key == "promotion_reasons":
        return "; ".join(_promotion_reason(str(r)) for r in value)
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _promotion_reason(reason: str) -> str:
    for pattern, text in PROMOTION_REASONS:
        found = pattern.fullmatch(reason)
        if found:
            return text.format(*(RATING_LABELS.get(g, PREDIKAT_LABELS.get(g, g)) for g in found.groups()))
    return reason


# The org file's and the org data's refusals (domain/org_csv.py, domain/nip.py, domain/text.py,
# domain/organisation.py) as their rules word them, in Bahasa Indonesia; {n} are the figures found.
ORG_REASONS = (
    (
        r"no columns found: separate them with ',' or ';' \((.*)\)",
        "kolom tidak terbaca: pisahkan kolom dengan koma (,) atau titik koma (;); kolom wajib: {0}",
    ),
    (r"column is missing from the header", "kolom ini tidak ada di baris judul"),
    (r"has no employee lines", "berkas tidak memuat baris pegawai"),
    (r"is required(?: and must be non-empty text)?", "wajib diisi"),
    (r"is required \(one of (.*)\)", "wajib diisi (salah satu dari: {0})"),
    (r"must be text", "harus berupa teks"),
    (r"must be at most (\d+) characters", "terlalu panjang: paling banyak {0} karakter"),
    (r"must not contain control characters \((.*) found\)", "tidak boleh memuat karakter kendali (ditemukan: {0})"),
    (r"must be one of (.*), got (.*)", "harus salah satu dari {0}, bukan {1}"),
    (r"must be a date YYYY-MM-DD, got (.*)", "harus berupa tanggal dengan format tahun-bulan-hari, bukan {0}"),
    (r"must fall between (\S+) and (\S+), got (\S+)", "harus di antara {0} dan {1}, bukan {2}"),
    (r"a NIP has exactly (\d+) digits, got (.*)", "NIP harus tepat {0} digit angka, bukan {1}"),
    (
        r"digits 1-8 must be a birth date YYYYMMDD, got (\d+)",
        "digit 1–8 harus tanggal lahir (tahun, bulan, hari), bukan {0}",
    ),
    (
        r"digits 9-14 must be the CPNS appointment YYYYMM, got (\d+)",
        "digit 9–14 harus TMT CPNS (tahun, bulan), bukan {0}",
    ),
    (
        r"digits 9-14: the CPNS appointment (\d+) is not after the birth date (\d+)",
        "digit 9–14: TMT CPNS {0} tidak sesudah tanggal lahir {1}",
    ),
    (
        r"digits 9-14: a CPNS appointment in (\d+) is at age (\d+); PP 11/2017 Pasal 23 sets (\d+) as the minimum age",
        "digit 9–14: pengangkatan CPNS {0} pada usia {1}, padahal PP 11/2017 Pasal 23 menetapkan usia paling rendah {2}",
    ),
    (r"digits 1-8: the birth date (\d+) is in the future", "digit 1–8: tanggal lahir {0} belum terjadi"),
    (r"digits 9-14: the CPNS appointment (\d+) is in the future", "digit 9–14: TMT CPNS {0} belum terjadi"),
    (
        r"digit 15 is the gender \(1 male, 2 female\), got (.*)",
        "digit 15 adalah jenis kelamin (1 laki-laki, 2 perempuan), bukan {0}",
    ),
    (r"an employee cannot supervise themselves", "pegawai tidak dapat menjadi atasan dirinya sendiri"),
    (r"an employee cannot be their own pejabat penilai", "pegawai tidak dapat menjadi pejabat penilai dirinya sendiri"),
    (r"must be ya or tidak \(yes or no\), got (.*)", "harus ya atau tidak, bukan {0}"),
    (r"(\d+) is already on line (\d+)", "NIP ganda: {0} sudah ada di baris {1}"),
    (r"differs from line (\d+) of the same (\w+) \((.*)\)", "berbeda dari baris {0} dengan {1} yang sama ({2})"),
    (r"unit (.*) already has its head on line (\d+)", "unit {0} sudah memiliki kepala unit di baris {1}"),
    (
        r"no employee (\d+) in agency (.*), neither in this file nor registered before",
        "tidak ada pegawai {0} di instansi {1}, baik di berkas ini maupun yang sudah terdaftar",
    ),
    (r"no employee (\d+) in agency (.*)", "tidak ada pegawai {0} di instansi {1}"),
    (r"the reporting line loops: (.*)", "garis atasan berputar: {0}"),
    (r"at most (\d+) bytes", "berkas terlalu besar: paling banyak {0} byte"),
    (r"must be UTF-8 text \(.* at byte (\d+)\)", "berkas harus berupa teks UTF-8 (byte ke-{0} tidak terbaca)"),
    (r"(\d+) is already registered in (.*)", "{0} sudah terdaftar di {1}"),
    (r"no unit (.*) in (.*)", "tidak ada unit {0} di {1}"),
    (r"(\d+) already supervises (\d+)", "{0} sudah menjadi atasan {1}"),
    (r"(\d+) is not an employee of (.*)", "{0} bukan pegawai {1}"),
    (r"(\d+) already takes part in this cycle", "{0} sudah menjadi peserta siklus ini"),
    (r"must be one e-mail address such as (\S+), got (.*)", "harus satu alamat surel seperti {0}, bukan {1}"),
    (r"agency (.*) already has a cycle for (\d+)", "instansi {0} sudah memiliki siklus tahun {1}"),
    (
        r"cycle \S+ has no running workflow: start it first \(or it is already closed\)",
        "siklus belum dimulai (atau sudah ditutup): mulai siklus terlebih dahulu",
    ),
    (
        r"the new reporting line has no appraiser or atasan",
        "garis atasan yang baru tidak memiliki pejabat penilai atau atasan pejabat penilai di instansi",
    ),
)
_ORG_REASONS = tuple((re.compile(pattern), text) for pattern, text in ORG_REASONS)
# Characters named in a control-character refusal (domain/text.py describe).
_CHARACTERS = {"a tab": "tab", "a line break": "ganti baris"}


def org_reason(reason: str) -> str:
    """An org file's or org data's refusal in Bahasa Indonesia; the rule's own words when it has no text here."""
    for pattern, text in _ORG_REASONS:
        found = pattern.fullmatch(reason)
        if found:
            return text.format(*(_CHARACTERS.get(g, g) for g in found.groups()))
    return reason


def org_refusal(message: str) -> str:
    """A refusal "<field>: <reason>" of the org rules, said in Bahasa Indonesia ("" when none matches)."""
    whole = org_reason(message)
    if whole != message:  # a rule that names no field
        return whole
    field, _, reason = message.partition(": ")
    said = org_reason(reason)
    name = field.rsplit(".", 1)[-1]
    return f"{FIELDS.get(name, name)}: {said}" if reason and said != reason else ""


# A refused item of a bulk action (web/bulk.py): the rule's Indonesian text where one exists, else what changed.
SKP_NOT_SUBMITTED = re.compile(r"the SKP is (\w+), not submitted")
BULK_REFUSALS = {
    "WrongStage": "Tahap penilaian sudah berubah sejak tugas dipilih; buka tugasnya untuk melihat keadaannya.",
    "ConcurrencyConflict": "Penilaian diubah orang lain pada saat yang sama; coba lagi dari kotak tugas.",
    "NotAllowed": "Anda bukan pejabat penilai (atau delegasinya) untuk penilaian ini.",
    "NotFound": "Penilaian tidak ditemukan.",
    "DeadlinePassed": "Batas waktu tugas ini sudah lewat.",
}


def bulk_refusal(kind: str, said: str, message: str) -> str:
    """Why one item of a bulk action was refused, in Bahasa Indonesia."""
    if said:
        return said
    found = SKP_NOT_SUBMITTED.fullmatch(message)
    if found:
        return f"SKP berstatus {label(found.group(1), 'skp')}, bukan menunggu persetujuan."
    return BULK_REFUSALS.get(kind, f"{label(kind, 'refusal')}.")
