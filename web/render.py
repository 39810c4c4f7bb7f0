"""Templates, filters and the few helpers every page shares (flash notes, form keys, redirects)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from domain.base import Actor
from domain.errors import DomainError
from domain.stages import REVIEW_OPENS_FROM
from domain.text import is_web_link
from services import catalogue, dates, labels
from services.actions import BULK_TASKS
from services.edge import CSRF_FIELD, csrf_token
from services.errors import ApiError
from services.proof import summary
from web import advice

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["label"] = labels.label
templates.env.filters["when"] = dates.when
templates.env.filters["refusal"] = catalogue.said_of
templates.env.tests["web_link"] = is_web_link  # only http(s) evidence becomes a link, even one stored before the rule
templates.env.globals["VALUES"] = labels.VALUES
templates.env.globals["RATINGS"] = labels.RATING_LABELS
templates.env.globals["REVIEW_OPENS_FROM"] = REVIEW_OPENS_FROM
templates.env.globals["PREDIKAT"] = labels.PREDIKAT_LABELS
templates.env.globals["ORG_PREDIKAT"] = labels.ORG_PREDIKAT
templates.env.globals["ASPECTS"] = labels.ASPECTS
templates.env.globals["follow_up_value"] = advice.follow_up_value
templates.env.globals["new_key"] = lambda: uuid.uuid4().hex
templates.env.globals["BULK_TASKS"] = BULK_TASKS


@pass_context
def csrf_field(context: Any) -> Markup:
    """The hidden CSRF token of every state-changing form (checked by api/edge.py)."""
    token = csrf_token(context["request"].scope)
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


templates.env.globals["csrf_field"] = csrf_field

# Notes shown after a successful action (POST-redirect-GET): a code in the URL, never free text.
NOTES = {
    "jabatan-tercatat": "Perubahan jabatan tercatat; angka kredit dihitung ulang dari catatan.",
    "potensi-tercatat": "Penilaian potensi tercatat; kotak talenta diperbarui.",
    "skp-disimpan": "Draf SKP tersimpan.",
    "dosir-diputuskan": "Keputusan perpanjangan perjanjian kerja tercatat.",
    "skp-diajukan": "SKP diajukan ke pejabat penilai.",
    "skp-disetujui": "SKP disetujui.",
    "skp-dikembalikan": "SKP dikembalikan kepada pegawai.",
    "didelegasikan": "Delegasi tugas penilai dicatat.",
    "checkin": "Dialog kinerja tercatat.",
    "dinilai": "Penilaian tersimpan.",
    "hasil": "Hasil penilaian disampaikan.",
    "keberatan": "Keberatan diajukan kepada atasan pejabat penilai.",
    "diputuskan": "Keputusan keberatan tercatat.",
    "realisasi": "Realisasi tercatat.",
    "catatan-harian": "Catatan harian tersimpan.",
    "penilaian-diri": "Penilaian diri tersimpan.",
    "perpanjangan": "Batas waktu diperpanjang.",
    "siklus-ditutup": "Siklus ditutup.",
    "siklus-dibuka": "Siklus dibuka kembali.",
    "notifikasi-dikirim-ulang": "Notifikasi dijadwalkan untuk dikirim ulang.",
    "predikat-org": "Predikat organisasi tercatat.",
    "kalibrasi": "Kalibrasi unit tercatat.",
    "review": "Penilaian tahunan dibuka.",
    "tindak-lanjut": "Tindak lanjut diputuskan.",
    "final": "Penilaian difinalkan.",
    "keluar": "Anda telah keluar.",
    "tidak-ada-pilihan": "Belum ada tugas yang dipilih untuk tindakan massal.",
    "siklus-dibuat": "Siklus dibuat. Periksa pegawai yang tidak ikut, lalu mulai siklus.",
    "siklus-dimulai": "Siklus dimulai: penilaian setiap peserta sedang dibuka.",
    "peserta-ditambah": "Peserta ditambahkan; penilaiannya dibuka.",
    "rhk-ditautkan": "RHK ditautkan ke RHK atasan.",
    "atasan-salah": "Laporan atasan salah dikirim ke pengelola kinerja.",
    "laporan-ditolak": "Laporan atasan salah dijawab: pejabat penilai tetap.",
    "plt-ditunjuk": "Penunjukan Plt/Plh tercatat; tugas kepala unit beralih pada hari pertamanya.",
    "plt-diakhiri": "Penunjukan Plt/Plh diakhiri lebih awal; tugas kembali kepada kepala unit setelah hari terakhirnya yang baru.",
}


def receipt_box(request: Request, actor: Actor | None) -> dict[str, Any] | None:
    """The receipt named by `bukti=<record>.<version>` (after an action), if the actor may read that record."""
    record, _, version = request.query_params.get("bukti", "").partition(".")
    proof = getattr(request.app.state, "proof", None)
    if actor is None or proof is None or not version.isdigit() or len(version) > 7:
        return None
    try:
        return summary(proof.receipt_for(actor, uuid.UUID(record), int(version)))
    except (ValueError, DomainError, ApiError):
        return None  # a stale or foreign link shows no receipt, and no error either


def page(request: Request, name: str, actor: Actor | None = None, status: int = 200, **context: Any) -> HTMLResponse:
    users = request.app.state.users
    user = users.get(actor.nip) if actor is not None and users else None
    note = NOTES.get(request.query_params.get("pesan", ""))
    known = users.users if users else {}

    def person(nip: str) -> str:
        """A name where the directory knows one (no org-data lookup per line), with the NIP."""
        found = known.get(nip)
        return f"{found.name} (NIP {nip})" if found and found.name else f"NIP {nip}"

    return templates.TemplateResponse(
        request,
        name,
        {
            "actor": actor,
            "user_name": user.name if user else "",
            "note": note,
            "person": person,
            "receipt": receipt_box(request, actor),
            **context,
        },
        status_code=status,
    )


def redirect(path: str, note: str = "", **params: str) -> RedirectResponse:
    query = {**({"pesan": note} if note else {}), **params}
    return RedirectResponse(f"{path}?{urlencode(query)}" if query else path, status_code=303)
