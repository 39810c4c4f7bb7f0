"""Receipts on the pages: download one's own receipt, and the public page that checks any receipt.

`/tanda-terima/{record}/{version}`: the receipt of an event of a record the signed-in person may
read, completed with its inclusion proof once a checkpoint covers it (download it again later).
`/verifikasi`: anyone, without signing in, pastes or uploads a receipt and gets the verdict,
checked with the agency's and the witnesses' keys (offline, against the signed checkpoint in
the receipt) and against the log as it is now. The checks are transparency/receipts.py's.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from services.proof import MAX_RECEIPT
from web.render import page
from web.session import PageActor, same_origin

router = APIRouter(dependencies=[Depends(same_origin)])

# Each check of a receipt, as a person reads it.
CHECKS = {
    "format": "Bentuk tanda terima",
    "seal": "Segel (tanda tangan) instansi",
    "event": "Isi peristiwa sama dengan yang disegel",
    "checkpoint": "Checkpoint yang ditandatangani",
    "inclusion": "Bukti inklusi dalam log",
    "in the log": "Peristiwa masih ada di log, tidak berubah",
    "log consistent": "Log masih sesuai dengan checkpoint",
}


def download(document: dict[str, Any]) -> Response:
    """A receipt as a file to keep."""
    event = document["event"]
    name = f"tanda-terima-{event['record_id']}-{event['version']}.json"
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/tanda-terima/{record_id}/{version}")
async def receipt_file(request: Request, record_id: UUID, version: int, actor: PageActor) -> Response:
    proof = request.app.state.proof
    return download(await run_in_threadpool(proof.receipt_for, actor, record_id, version))


@router.get("/verifikasi", response_class=HTMLResponse)
async def verify_form(request: Request) -> HTMLResponse:
    return page(request, "verify_receipt.html", None, checks=CHECKS, result=None, text="")


@router.post("/verifikasi", response_class=HTMLResponse)
async def verify(request: Request) -> HTMLResponse:
    form = await request.form()
    upload, pasted = form.get("berkas"), form.get("teks")
    raw = b""
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_RECEIPT + 1)
    elif isinstance(pasted, str):
        raw = pasted.strip().encode()
    error, result = "", None
    if not raw:
        error = "Tempelkan isi tanda terima atau pilih berkasnya."
    elif len(raw) > MAX_RECEIPT:
        error = f"Tanda terima paling besar {MAX_RECEIPT // 1024} KiB."
    else:
        try:
            document: Any = json.loads(raw)
        except ValueError:
            error = "Isinya bukan tanda terima Kinerja (bukan JSON)."
        else:
            result = await run_in_threadpool(request.app.state.proof.verify, document)
    text = pasted if isinstance(pasted, str) and len(pasted) <= MAX_RECEIPT else ""
    return page(
        request,
        "verify_receipt.html",
        None,
        422 if error else 200,
        checks=CHECKS,
        result=result,
        error=error,
        text=text,
    )
