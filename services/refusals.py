"""How a refusal reads on a page: its kind, the field it names, and what a bulk item or a bare HTTP status says.

The refusal's own sentence comes from the message catalogue (services/catalogue.py) by its code.
"""

from __future__ import annotations

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
    "ReadModelsBehind": "Data belum mutakhir",
}
# Pages other than the API's: an HTTP status without a domain error (an unknown address).
HTTP_STATUS = {
    404: ("Halaman tidak ditemukan", "Alamat ini tidak ada. Periksa tautannya atau kembali ke beranda."),
    405: ("Cara akses tidak didukung", "Alamat ini tidak dapat dibuka dengan cara tersebut."),
}
# The fields of the page forms and the API's bodies, as a refusal names them (services/catalogue.py).
FIELDS = {
    "day": "Tanggal",
    "rhk_id": "RHK",
    "sha256": "Berkas bukti",
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
    "rujukan": "Rujukan dokumen",
    "kind": "Jenis dokumen",
    "new_password": "Kata sandi baru",
    # careers (#14): a change of jabatan, a potential assessment, the 9-box export
    "position": "Jabatan",
    "jenjang": "Jenjang",
    "decree": "Nomor SK",
    "effective": "Tanggal berlaku",
    "source": "Sumber asesmen",
    "on": "Tanggal asesmen",
    "scores": "Nilai asesmen",
    "competency": "Nilai kompetensi",
    "potential": "Nilai potensi",
    "qualification": "Nilai kualifikasi",
    "integrity": "Nilai integritas",
    "format": "Format",
    "rank_since": "TMT pangkat",
}


def http_status(status: int) -> tuple[str, str]:
    """A page's title and message for an HTTP answer that carries no domain error (an unknown address)."""
    return HTTP_STATUS.get(status, (f"Galat {status}", "Permintaan tidak dapat dilayani."))


# A refused item of a bulk action (web/bulk.py): the rule's Indonesian text where one exists, else what changed.
BULK_REFUSALS = {
    "WrongStage": "Tahap penilaian sudah berubah sejak tugas dipilih; buka tugasnya untuk melihat keadaannya.",
    "ConcurrencyConflict": "Penilaian diubah orang lain pada saat yang sama; coba lagi dari kotak tugas.",
    "NotAllowed": "Anda bukan pejabat penilai (atau delegasinya) untuk penilaian ini.",
    "NotFound": "Penilaian tidak ditemukan.",
    "DeadlinePassed": "Batas waktu tugas ini sudah lewat.",
}


def bulk_refusal(kind: str, said: str) -> str:
    """Why one item of a bulk action was refused, in Bahasa Indonesia."""
    return said or BULK_REFUSALS.get(kind, f"{REFUSALS.get(kind, kind)}.")
