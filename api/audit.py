"""Auditors (and HR): the log of any record, read-only."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from api.audit_models import (
    ChainOut,
    DiffOut,
    EventOut,
    IntegrityOut,
    LogsIntegrityOut,
    ReadModelsOut,
    RecomputeOut,
    StateOut,
)
from api.deps import AppraisalsDep, AuditDep, Oversight, ProofDep, ReadModelsDep
from domain.audit import history_csv
from domain.errors import InvalidInput, refusal
from services.authz import log_scope, require_central
from services.errors import NOT_CONFIGURED, ApiError

VERSION_OR_AT = refusal("audit.version_or_at", "give either version or at, not both")
NO_SUCH_VERSION = refusal("audit.version", "the record has {current} versions, asked for {version}")

router = APIRouter(prefix="/audit", tags=["audit"])

RECORD = "an appraisal id or a cycle id"


@router.get("/read-models/verify", response_model=ReadModelsOut)
def verify_read_models(app: AppraisalsDep, readside: ReadModelsDep, actor: Oversight) -> dict[str, Any]:
    """Rebuild the read models from the log into a scratch schema (PostgreSQL) or database (SQLite), up to
    the live position, and name every live row that differs from it: an edit behind the log's back shows.
    Every agency's rows: auditors and the central pengelola kinerja only."""
    require_central(actor)
    from readmodels.verify import verify_read_models as verify  # noqa: PLC0415 - the read side is optional

    if readside.engine is None:
        raise ApiError.of(503, "ReadModelsUnavailable", NOT_CONFIGURED, store="read models")
    return verify(app, readside.engine).as_dict()


@router.get("/national", response_model=dict[str, Any])
async def national(
    readside: ReadModelsDep, actor: Oversight, year: Annotated[int | None, Query(ge=2000, le=2199)] = None
) -> dict[str, Any]:
    """The national roll-up: appraisals per agency by stage and predikat (counts only, no names), the nation's
    totals and each projection's position (one per agency's log when the store is partitioned). Auditors and the
    central pengelola kinerja only."""
    require_central(actor)
    found: dict[str, Any] = await readside.call("national_rollup", year)  # the read tables made first
    return found


@router.get("/records/{record_id}/history", response_model=list[EventOut])
def history(record_id: UUID, audit: AuditDep, _: Oversight) -> list[dict[str, Any]]:
    """Every event of a record (appraisal or cycle): what, when, who, rule set, digests."""
    return audit.history(record_id)


@router.get("/records/{record_id}/verify", response_model=ChainOut)
def verify(record_id: UUID, audit: AuditDep, _: Oversight) -> dict[str, Any]:
    """Walk the hash chain and name the first broken link, if any."""
    return audit.verify(record_id).as_dict()


@router.get("/records/{record_id}/integrity", response_model=IntegrityOut)
async def integrity(record_id: UUID, proof: ProofDep, _: Oversight) -> dict[str, Any]:
    """The record's chain, the agency's seal on each row and its rows against the log's tree: what broke, first."""
    return await run_in_threadpool(proof.record_report, record_id)


AGENCY_LOG = Query(
    max_length=100,
    description="one agency's log (a partitioned store; the single log holds every agency's records)",
    examples=["pemkot-palu"],
)


@router.get("/log/verify", response_model=IntegrityOut | LogsIntegrityOut)
async def verify_log(
    proof: ProofDep, actor: Oversight, agency_id: Annotated[str | None, AGENCY_LOG] = None
) -> dict[str, Any]:
    """The whole log: every chain and seal, then the log against each checkpoint and every witness's latest. A
    partitioned store: every agency's log (or `agency_id`'s) on its own, each report naming its `agency_id`,
    under one verdict. HR of one agency: its own agency's log (services/authz.py log_scope)."""
    scope = log_scope(actor, agency_id, partitioned=proof.partitioned)
    return await run_in_threadpool(proof.log_report, scope)


@router.get("/checkpoints", response_model=list[dict[str, Any]])
async def checkpoints(
    proof: ProofDep,
    actor: Oversight,
    limit: Annotated[int, Query(ge=1, le=200, examples=[20])] = 20,
    agency_id: Annotated[str | None, AGENCY_LOG] = None,
) -> list[dict[str, Any]]:
    """The newest signed checkpoints (size, root, reason, the signed note) and each witness's answer, each naming
    its log, origin and `agency_id` (null for the single log). A partitioned store: each agency's log's newest
    (or `agency_id`'s). HR of one agency: its own agency's log's."""
    scope = log_scope(actor, agency_id, partitioned=proof.partitioned)
    return await run_in_threadpool(proof.checkpoints, limit, scope)


@router.get("/records/{record_id}/state", response_model=StateOut)
def state(
    record_id: UUID,
    audit: AuditDep,
    _: Oversight,
    version: Annotated[int | None, Query(ge=1, description="a version of the record", examples=[3])] = None,
    at: Annotated[
        AwareDatetime | None, Query(description="a moment, with its zone", examples=["2025-03-01T00:00:00+07:00"])
    ] = None,
) -> dict[str, Any]:
    """The record as it stood at a version or at a moment (give one, or neither for now)."""
    if version is not None and at is not None:
        raise InvalidInput("version", VERSION_OR_AT)
    if version is not None:
        current = audit.history(record_id)[-1]["version"]
        if version > current:
            raise InvalidInput("version", NO_SUCH_VERSION, current=current, version=version)
    return audit.state_at(record_id, version=version, at=at)


@router.get("/records/{record_id}/diff", response_model=DiffOut)
def diff(
    record_id: UUID,
    audit: AuditDep,
    _: Oversight,
    since: Annotated[AwareDatetime, Query(examples=["2025-01-01T00:00:00+07:00"])],
    until: Annotated[AwareDatetime, Query(examples=["2025-06-30T23:59:59+07:00"])],
) -> dict[str, Any]:
    """What changed between two moments: fields before and after, and the events between."""
    return audit.diff(record_id, since, until)


@router.get("/appraisals/{appraisal_id}/recompute", response_model=RecomputeOut)
def recompute(appraisal_id: UUID, audit: AuditDep, _: Oversight) -> dict[str, Any]:
    """Recompute every recorded rating from its inputs under the rule set then in force."""
    return audit.recompute(appraisal_id)


@router.get("/records/{record_id}/export", responses={200: {"content": {"text/csv": {}, "application/json": {}}}})
def export(
    record_id: UUID,
    audit: AuditDep,
    _: Oversight,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
) -> Response:
    """The record's whole log with its chain verification, as a JSON or CSV download."""
    events = audit.history(record_id)
    name = f"kinerja-{record_id}"
    if format == "csv":
        return Response(
            history_csv(events),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    document = {"record_id": str(record_id), "verification": audit.verify(record_id).as_dict(), "events": events}
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )
