"""Verifiable documents: the SKP and evaluation PDFs, and the public page that checks one against the log.

`/dokumen/{reference}` is what a document's QR code opens: anyone, without signing in, learns
whether the document matches the log, matches but the record has changed since (superseded, with
the day), or matches nothing. `/dokumen` (POST) does the same for an uploaded PDF: the reference is
read from the file's metadata as bytes, and a file identical to the one Kinerja renders at that
position is said to be so; so is a copy the agency signed (PAdES, an incremental update: the rendered
file is its first bytes), once pyHanko checks the signature (services/document_signing.py). No PDF
parser runs on an upload that does not begin with Kinerja's own rendering. Both are limited per
client address (KINERJA_DOCUMENT_CHECKS_PER_ADDRESS_PER_HOUR); every bad input is a 4xx page.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from domain.appraisal import Appraisal
from domain.document import Reference
from domain.errors import InvalidInput
from services.document_signing import DocumentSigner
from services.documents import MATCHES, NO_MATCH, SUPERSEDED, Documents, Verdict
from web import pdf
from web.render import page
from web.session import same_origin

router = APIRouter(dependencies=[Depends(same_origin)])
MAX_UPLOAD = 5 * 1024 * 1024
FORM_OVERHEAD = 16 * 1024  # the multipart framing around the file
# How web/pdf.py writes the reference into the file's keywords (an uncompressed PDF string).
IN_FILE = re.compile(rb"\(kinerja-dokumen ([a-z0-9.]{1,200})\)")
TITLES = {
    MATCHES: "Cocok dengan catatan",
    SUPERSEDED: "Cocok, tetapi catatan sudah berubah",
    NO_MATCH: "Tidak cocok",
}


def verification_url(request: Request, token: str) -> str:
    return f"{request.app.state.settings.public_base_url.rstrip('/')}/dokumen/{token}"


def _render(request: Request, stated: dict[str, Any], token: str) -> bytes:
    """The PDF as rendered, before any signature: the same bytes for the same log position and settings."""
    state = request.app.state
    signer: DocumentSigner | None = state.document_signer
    url = verification_url(request, token)
    return pdf.render(stated, url, token, state.settings.document_place, signer.holder if signer else "")


def _signed(request: Request, stated: dict[str, Any], token: str) -> bytes:
    rendered = _render(request, stated, token)
    signer: DocumentSigner | None = request.app.state.document_signer
    if signer is None:
        return rendered
    return signer.sign(rendered, f"{pdf.TITLES[stated['kind']].capitalize()}, rujukan {token}")


async def document_pdf(request: Request, appraisal: Appraisal, kind: str) -> bytes:
    """The PDF of the appraisal's document of `kind` as it stands (the caller checked the right to read it),
    signed by the agency when its key is configured."""
    documents: Documents = request.app.state.documents
    stated, reference = await run_in_threadpool(documents.current, appraisal, kind)
    return await run_in_threadpool(_signed, request, stated, reference.token)


def _limited(request: Request) -> int:
    client = request.client.host if request.client else "unknown"
    wait: int = request.app.state.document_limiter.wait(client)
    return wait


def _answer(
    request: Request,
    status: int,
    *,
    verdict: Verdict | None = None,
    error: str = "",
    identical: bool | None = None,
    signed_by: str = "",
) -> HTMLResponse:
    shown = verdict.summary() if verdict else {}
    response = page(
        request,
        "verify_document.html",
        None,
        status,
        verdict=verdict,
        title=TITLES[verdict.status] if verdict else "",
        shown=shown,
        error=error,
        identical=identical,
        signed_by=signed_by,
    )
    return response


async def _check(request: Request, token: str, content: bytes | None = None) -> HTMLResponse:
    wait = _limited(request)
    if wait:
        response = _answer(
            request, 429, error=f"Terlalu banyak pemeriksaan dari alamat ini. Coba lagi {wait} detik lagi."
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        reference = Reference.parse(token)
    except InvalidInput:
        return _answer(request, 422, error="Rujukan ini bukan rujukan dokumen Kinerja. Pindai ulang kode QR-nya.")
    verdict: Verdict = await run_in_threadpool(request.app.state.documents.verify, reference)
    identical, signed_by = None, ""
    if content is not None and verdict.matched:
        rendered = await run_in_threadpool(_render, request, verdict.stated, reference.token)
        identical = content == rendered
        signer: DocumentSigner | None = request.app.state.document_signer
        if not identical and signer is not None and await run_in_threadpool(signer.signed_copy, content, rendered):
            signed_by = signer.holder
    status = 200 if verdict.matched else 404
    return _answer(request, status, verdict=verdict, identical=identical, signed_by=signed_by)


@router.get("/dokumen", response_class=HTMLResponse)
async def upload_form(request: Request) -> HTMLResponse:
    return _answer(request, 200)


@router.get("/dokumen/{token}", response_class=HTMLResponse)
async def check(request: Request, token: str) -> HTMLResponse:
    """The page a document's QR code opens."""
    return await _check(request, token)


async def _capped_body(request: Request) -> bytes | None:
    """The request's body, or None past the upload limit (read no further: a flood stops here)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD + FORM_OVERHEAD:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/dokumen", response_class=HTMLResponse)
async def check_upload(request: Request) -> HTMLResponse:
    too_big = f"Berkas paling besar {MAX_UPLOAD // (1024 * 1024)} MiB."
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD + FORM_OVERHEAD:
        return _answer(request, 413, error=too_big)
    body = await _capped_body(request)
    if body is None:
        return _answer(request, 413, error=too_big)

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=2)
    except (HTTPException, MultiPartException):  # not a form at all: the same 422 as no file
        form = None
    upload = form.get("berkas") if form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _answer(request, 422, error="Pilih berkas PDF dokumen yang akan diperiksa.")
    content = await upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _answer(request, 413, error=too_big)
    if not content.startswith(b"%PDF-"):
        return _answer(request, 422, error="Berkas ini bukan PDF.")
    found = {m.decode() for m in IN_FILE.findall(content)}
    if len(found) != 1:
        return _answer(
            request, 422, error="Berkas ini tidak memuat rujukan dokumen Kinerja (atau memuat lebih dari satu)."
        )
    return await _check(request, found.pop(), content)
