"""The daily log through the JSON API: an entry with its evidence files (multipart), as the page takes it.

The same write as the employee's page (services/daily_log.py): the hourly limit per NIP (429 with
Retry-After), the caller's right to the appraisal (404 for a stranger, 403 for another relationship),
the line's rules, then the files (sniffed type, size, up to EVIDENCE_PER_ENTRY, stored by SHA-256),
then one event with the request's Idempotency-Key. A body larger than the files an entry takes is
refused before it is read. Every refusal is a 4xx naming the field (`text`, `day`, `rhk_id`,
`files`, `files[1]`) and the rule.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from api.deps import DailyLogsDep, IdempotencyKey, Writer
from api.employees import AppraisalId
from api.models import OutcomeOut
from api.responses import MEANING
from domain.daily_log import EVIDENCE_LIMIT_BYTES, EVIDENCE_PER_ENTRY, TOO_MANY_FILES, wrong_size
from domain.errors import InvalidInput
from domain.outcome import Outcome
from services.daily_log import MAX_FILE_PARTS, Upload
from services.evidence import too_large

router = APIRouter(prefix="/employees", tags=["employees"])
FIELDS = ("day", "rhk_id", "text")
FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["day", "rhk_id", "text"],
    "properties": {
        "day": {
            "type": "string",
            "format": "date",
            "description": "the day worked, in the agency's zone: today or before",
        },
        "rhk_id": {"type": "string", "description": "the RHK of the approved SKP the work was for"},
        "text": {"type": "string", "maxLength": 300, "description": "one line: what was done"},
        "files": {
            "type": "array",
            "maxItems": EVIDENCE_PER_ENTRY,
            "items": {"type": "string", "format": "binary"},
            "description": f"evidence: PDF, JPEG or PNG, at most {EVIDENCE_LIMIT_BYTES // 2**20} MB each "
            "(the type is read from the bytes, never from the name)",
        },
    },
}


def _text(form: FormData, name: str) -> str:
    """A text field of the form, as sent (a file sent in its place counts as nothing: the rules then name it)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def _form(request: Request) -> FormData:
    if too_large(request.headers.get("content-length")):
        raise wrong_size("files")
    try:
        return await request.form(max_files=MAX_FILE_PARTS, max_fields=len(FIELDS) + 2)
    except (HTTPException, MultiPartException):  # more parts than an entry takes: refused before reading them
        raise InvalidInput("files", TOO_MANY_FILES, limit=EVIDENCE_PER_ENTRY) from None


@router.post(
    "/appraisals/{appraisal_id}/daily-log",
    response_model=OutcomeOut,
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": FORM_SCHEMA}}}},
    responses={429: {"description": MEANING[429] + " (daily log entries per employee per hour)"}},
)
async def log_daily_work(
    appraisal_id: AppraisalId, request: Request, actor: Writer, logs: DailyLogsDep, key: IdempotencyKey
) -> Outcome:
    """Keep my daily log (catatan harian): one line about one RHK on one day, with up to three evidence files.
    It rolls up into the period's realisation (`realisation` on the appraisal)."""
    form = await _form(request)
    parts = [u for u in form.getlist("files") if isinstance(u, UploadFile)]
    uploads = [
        Upload(u.filename or "", await u.read(EVIDENCE_LIMIT_BYTES + 1), f"files[{i}]") for i, u in enumerate(parts)
    ]
    day, rhk_id, text = (_text(form, name) for name in FIELDS)
    return await logs.log(appraisal_id, actor, day, rhk_id, text, uploads, key)
