"""Words on the pages, in Bahasa Indonesia with the official terms. No rule lives here: only names.

Ratings and predikat take the domain's own labels (domain/rules.py); stages, tasks and
events get their Indonesian names here because the domain names them in English.
"""

from __future__ import annotations

from typing import Any

from domain.ratings import BERAKHLAK, PREDIKAT_LABELS, RATING_LABELS
from domain.rules import PERMENPANRB_6_2022
from services.dates import when
from services.refusals import FIELDS, REFUSALS

# `when` lives in services/dates.py; named here too, as the pages' modules have long imported it with the labels.
__all__ = ["BERAKHLAK", "PREDIKAT_LABELS", "RATING_LABELS", "label", "when"]

STAGES = {
    "planning": "Perencanaan SKP",
    "execution": "Pelaksanaan",
    "review": "Penilaian",
    "result_delivered": "Hasil disampaikan",
    "keberatan": "Keberatan",
    "follow_up": "Tindak lanjut",
    "finalised": "Selesai",
    "mutasi": "Mutasi",  # #15: the old appraiser's evaluation of the months served (no appraisal stage)
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
    "rhk_atasan": "Menyusun RHK: bawahan menunggu RHK Anda",  # #15
    "evaluate_served_period": "Penilaian masa kerja di jabatan lama (mutasi)",  # #15
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
    "DailyLogged": "Catatan harian",
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
# The appraisal's parties (services/authz.py), and the steps only the pejabat penilai takes (domain/stages.py).
RELATIONS = {
    "employee": "pegawai yang dinilai",
    "appraiser": "pejabat penilai",
    "atasan": "atasan pejabat penilai",
    "decider": "pemutus keberatan",
}
ACTS = {
    "rates": "memberi penilaian",
    "gives continuous feedback": "memberi umpan balik berkelanjutan",
    "holds the check-in": "melaksanakan dialog kinerja",
    "returns an SKP": "mengembalikan SKP",
    "approves an SKP": "menyetujui SKP",
}
# A character a text rule refused (domain/text.py describe), where it is named in English words.
CHARACTERS = {"a tab": "tab", "a line break": "ganti baris"}
RECORD_KINDS = {"appraisal": "penilaian", "cycle": "siklus", "agency": "instansi", "record": "catatan"}
ROLES = {"hr": "Pengelola Kinerja (BKPSDM)", "auditor": "Auditor"}
CYCLE_STATUS = {"defined": "Disiapkan", "started": "Berjalan", "closed": "Ditutup"}
# Who recorded an event when no person did (the cycle's own timers, a citizen's survey).
ACTORS = {"system": "sistem", "citizen": "warga (survei SKM)"}
# The rule sets by id: the name a person knows and the regulation it comes from.
RULE_SETS = {
    "permenpanrb-6-2022": "Kuadran kinerja dan pola distribusi (PermenPANRB Nomor 6 Tahun 2022"
    " dan SE MenPANRB Nomor 3 Tahun 2023)",
    "permenpanrb-6-2022-tukin-klh-6-2025": "Kuadran kinerja PermenPANRB Nomor 6 Tahun 2022 dengan potongan"
    " tunjangan kinerja PermenKLH/BPH Nomor 6 Tahun 2025 (dibayar 90/85/80%)",
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
# The curve's verdict on a unit (domain/curve.py ShareCheck), one line per broken constraint.
CURVE_LIMIT = {
    "max": "paling banyak {allowed} dari {total} diperbolehkan",
    "min": "paling sedikit {allowed} dari {total} diperlukan",
}
BOUND_WORDS = {"max": "paling banyak", "min": "paling sedikit"}


def curve_share(predikats: Any, bound: str, percent: Any) -> str:
    """One constraint of the distribution curve: "paling banyak 70% Baik"."""
    names = " + ".join(PREDIKAT_LABELS.get(p, p) for p in predikats)
    if bound == "some":
        return f"ada sekurang-kurangnya satu {names}"
    return f"{BOUND_WORDS.get(bound, bound)} {percent}% {names}"


def curve_warning(deviation: dict[str, Any]) -> str:
    """Where a unit's ratings leave the curve (domain/curve.py CurveWarning.figures), in Bahasa Indonesia."""
    bound = str(deviation.get("bound", "min"))
    total = deviation.get("total", 0)
    limit = CURVE_LIMIT["max" if bound == "max" else "min"].format(allowed=deviation.get("allowed", 0), total=total)
    share = curve_share(deviation.get("predikats", ()), bound, deviation.get("percent", 0))
    return f"Kurva mengharapkan {share}: {limit}; kini {deviation.get('actual', 0)} dinilai"


def open_appraisal(appraisal: dict[str, Any]) -> str:
    """An appraisal still open when the cycle closes (domain/cycle_status.py), by name, NIP and stage."""
    stage = label(str(appraisal.get("stage", "")), "stage")
    name = appraisal.get("name") or "NIP"
    return f"{name} ({appraisal.get('nip', '')}, {stage})"


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

EVIDENCE_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}

# A transfer's periods and the rule that combines them (domain/period_combining.py).
TRANSFER_PERIODS = {"origin": "Jabatan lama", "destination": "Jabatan baru"}
TRANSFER_RULES = {
    "months_weighted": "predikat tiap periode ditimbang menurut bulan masa kerja",
    "latest": "predikat periode terakhir",
    "lowest": "predikat terendah",
}

# #14: careers out of Kinerja.
RECOMMENDATIONS = {
    "perpanjang": "Direkomendasikan diperpanjang",
    "pertimbangkan": "Dipertimbangkan pengelola kinerja",
    "tidak_perpanjang": "Tidak direkomendasikan diperpanjang",
    "belum_ada_hasil": "Belum ada hasil penilaian final",
}
EMPLOYMENTS = {"pns": "PNS", "pppk": "PPPK penuh waktu", "pppk_paruh_waktu": "PPPK paruh waktu"}
RENEWAL_DECISIONS = {"diperpanjang": "Diperpanjang", "tidak_diperpanjang": "Tidak diperpanjang"}
EXPORT_STATES = {
    "pending": "menunggu",
    "delivered": "terkirim",
    "failed": "gagal, dikirim ulang pada ekspor berikutnya",
}
CHANGED_FIELDS = {
    "predikat": "predikat",
    "angka_kredit": "angka kredit",
    "tukin_cut_percent": "potongan tukin",
    "coaching": "pembinaan",
    "sanction_referral": "rujukan sanksi",
}
# Careers (#14): the ledger's lines, the 9-box's axes, the parts of a potential assessment, the jenjang.
LEDGER_KINDS = {
    "result": "Hasil penilaian",
    "carried": "Perubahan jabatan (saldo dibawa)",
    "move_up": "Kenaikan jenjang",
}
TALENT_AXES = {
    "di_bawah_ekspektasi": "Di bawah ekspektasi",
    "sesuai_ekspektasi": "Sesuai ekspektasi",
    "di_atas_ekspektasi": "Di atas ekspektasi",
    "rendah": "Rendah",
    "menengah": "Menengah",
    "tinggi": "Tinggi",
}
ASSESSMENT_PARTS = {
    "competency": "Kompetensi",
    "potential": "Potensi",
    "qualification": "Kualifikasi",
    "integrity": "Integritas/moralitas",
}
JENJANG = {code: j.title for code, j in PERMENPANRB_6_2022.career.jenjang.items()}

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
    "relation": RELATIONS,
    "act": ACTS,
    "record_kind": RECORD_KINDS,
    "character": CHARACTERS,
    "field": FIELDS,
    "evidence_type": EVIDENCE_TYPES,
    "transfer_period": TRANSFER_PERIODS,
    "transfer_rule": TRANSFER_RULES,
    "recommendation": RECOMMENDATIONS,
    "employment": EMPLOYMENTS,
    "renewal": RENEWAL_DECISIONS,
    "export_state": EXPORT_STATES,
    "changed": CHANGED_FIELDS,
    "ledger": LEDGER_KINDS,
    "talent": TALENT_AXES,
    "part": ASSESSMENT_PARTS,
    "jenjang": JENJANG,
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


BEHAVIOUR_VALUES = BERAKHLAK
