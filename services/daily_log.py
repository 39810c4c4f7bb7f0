"""The daily log's writes and its evidence files' reads, for the pages and the API alike.

A write: the employee's hourly limit (429), the caller's right to write on the appraisal (404 for a
stranger, 403 for another relationship), the line's text rules and every file's size and type (up to
EVIDENCE_PER_ENTRY), all before any byte is stored; then the files, content-addressed
(services/evidence.py); then the entry, straight to the domain with the request's idempotency key
(services/gateway.py `record`). A retry of the same request after an outage finds its files already
stored under the same names and its event already written: each file once, one event.

A read of a file: only for someone who may read the appraisal (the employee, the pejabat penilai and
the atasan, a keberatan's decider, HR, auditors), and only a file one of its entries cites: a digest
that some other appraisal cites answers 404 as if no such file existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from domain.base import Actor
from domain.daily_log import EVIDENCE_PER_ENTRY, EVIDENCE_TYPES, TOO_MANY_FILES, check_evidence
from domain.errors import InvalidInput, NotFound, refusal
from domain.outcome import Outcome
from domain.text import check_command
from domain.work_commands import LogDailyWork
from services.actions import OWN, AppraisalActions
from services.authz import require_write
from services.errors import ApiError
from services.evidence import EvidenceStore
from services.views import load_appraisal

# A form may carry this many files before it is refused unread; up to it, the entry's rule says how many it takes.
MAX_FILE_PARTS = 10
FLOOD = refusal("service.daily_log_flood", "too many daily log entries this hour; retry in {seconds} s")
NO_FILE = refusal("evidence.none", "no evidence file {sha256} in appraisal {appraisal_id}")


class Limiter(Protocol):
    """What the daily log asks of a rate limit (api/ratelimit.py HourlyWindow): 0, or the seconds to wait."""

    def wait(self, key: str) -> int: ...


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    field: str = "file"  # the form's field a refusal of this file names ("file" on the page, "files[1]" in the API)


class DailyLogs:
    def __init__(
        self,
        appraisals: Appraisals,
        actions: AppraisalActions,
        store: EvidenceStore,
        limiter: Limiter,
        clock: Callable[[], datetime],
    ) -> None:
        self.appraisals, self.actions, self.store, self.limiter, self.clock = appraisals, actions, store, limiter, clock

    async def log(
        self, appraisal_id: UUID, by: Actor, day: str, rhk_id: str, text: str, uploads: Sequence[Upload], key: str
    ) -> Outcome:
        """Store the evidence files (none to EVIDENCE_PER_ENTRY) and record the entry; the outcome carries the
        person's receipt. Every file is checked before any is kept: one refused file keeps none of them."""
        wait = self.limiter.wait(by.nip)
        if wait:
            raise ApiError.of(429, "TooManyRequests", FLOOD, headers={"Retry-After": str(wait)}, seconds=wait)
        appraisal = await run_in_threadpool(self.appraisals.appraisal, appraisal_id)
        require_write(by, appraisal, *OWN)
        # Every rule but the file's own, before the file is kept: a refused entry leaves nothing on disk.
        line = LogDailyWork(by, day, rhk_id, text)
        check_command(line)
        await run_in_threadpool(self.appraisals.rehearse, appraisal, line, self.clock())
        if len(uploads) > EVIDENCE_PER_ENTRY:  # named as the form names its files: "file" (page), "files" (API)
            raise InvalidInput(uploads[-1].field.partition("[")[0], TOO_MANY_FILES, limit=EVIDENCE_PER_ENTRY)
        checked = [await run_in_threadpool(self.store.check, u.data, u.filename, u.field) for u in uploads]
        check_evidence(checked)  # the domain's rules on the set (no file cited twice), before anything is kept
        evidence = tuple([await run_in_threadpool(self.store.put, u.data, u.filename, u.field) for u in uploads])
        return await self.actions.log_daily_work(appraisal_id, LogDailyWork(by, day, rhk_id, text, evidence), key)

    async def evidence(self, appraisal_id: UUID, reader: Actor, sha256: str) -> tuple[dict[str, Any], bytes]:
        """A file an entry of the appraisal cites, with its reference, for a reader of the appraisal."""

        def read() -> tuple[dict[str, Any], bytes]:
            appraisal, _ = load_appraisal(self.appraisals, reader, appraisal_id)
            ref = appraisal.cites(sha256)  # only a digest an entry cites reaches the store (no path from a URL)
            data = self.store.read(sha256) if ref is not None else None
            if ref is None or data is None:
                raise NotFound(NO_FILE, sha256=sha256, appraisal_id=appraisal_id)
            return ref, data

        return await run_in_threadpool(read)


def attachment_headers(ref: dict[str, Any]) -> dict[str, str]:
    """How an evidence file is served: downloaded, never rendered by the site (no script can run from it)."""
    extension = EVIDENCE_TYPES[ref["type"]]
    return {
        "Content-Disposition": f'attachment; filename="bukti-{ref["sha256"][:16]}.{extension}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
