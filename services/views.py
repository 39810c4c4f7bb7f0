"""Reading one appraisal or cycle for a screen, with the caller's right to see it checked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from domain import calendar
from domain.application import Appraisals
from domain.appraisal import RESULT_DELIVERED, Appraisal
from domain.audit import jsonable
from domain.base import Actor
from domain.cascade import cascade_days, cascade_dues
from domain.cycle import AppraisalCycle
from domain.daily_log import roll_up
from domain.errors import IntegrityBroken
from domain.people import HR_INBOX
from domain.supervisor_flag import open_flag
from services.authz import NOT_READABLE, bound, in_agency, is_auditor, is_hr, require_read
from services.errors import ApiError
from services.gateway import Gateway
from services.readside import ReadSide


def load_appraisal(app: Appraisals, actor: Actor, appraisal_id: UUID) -> tuple[Appraisal, set[str]]:
    """The appraisal if the caller may see it (else 404), and how the caller relates to it.

    A broken record (IntegrityBroken) is named so only to HR, auditors and the people it was opened
    for; anyone else learns no more about it than about an appraisal that does not exist.
    """
    try:
        appraisal = app.appraisal(appraisal_id)
    except IntegrityBroken:
        if not (is_hr(actor) or is_auditor(actor) or actor.nip in app.named_at_opening(appraisal_id)):
            raise ApiError.of(404, "NotFound", NOT_READABLE, appraisal_id=str(appraisal_id)) from None
        raise
    return appraisal, require_read(actor, appraisal)


def days_left(deadline: datetime | None, zone: str, now: datetime | None = None) -> int | None:
    """Calendar days left in the agency's zone: 0 means today is the last day, negative means closed."""
    if deadline is None:
        return None
    now = now or datetime.now(timezone.utc)
    if now > deadline:
        return -1
    return (calendar.local_day(deadline, zone) - calendar.local_day(now, zone)).days


def appraisal_view(
    appraisal: Appraisal,
    relations: set[str],
    now: datetime | None = None,
    actions: Sequence[str] = (),
    pending_due: datetime | None = None,
) -> dict[str, Any]:
    """What a reader sees; `actions` are the ones the domain says the reader may take now, `pending_due`
    when the pending task falls due (Appraisals.pending_due)."""
    deadline = appraisal.keberatan_deadline
    open_for_keberatan = appraisal.stage == RESULT_DELIVERED
    return jsonable(
        {
            "id": appraisal.id,
            "version": appraisal.version,
            "cycle_id": appraisal.cycle_id,
            "employee_nip": appraisal.employee_nip,
            "employee": appraisal.employee,
            "appraiser_nip": appraisal.appraiser_nip,
            "atasan_nip": appraisal.atasan_nip,
            "rule_set_id": appraisal.rule_set_id,
            "stage": appraisal.stage,
            "skp_status": appraisal.skp_status,
            "rhk": appraisal.rhk,
            "skp_returns": appraisal.skp_returns,
            "progress": appraisal.progress,
            "daily_log": appraisal.daily_log,
            "realisation": roll_up(appraisal.periods, appraisal.rhk, appraisal.progress, appraisal.daily_log),
            "check_ins": appraisal.check_ins,
            "self_assessment": appraisal.self_assessment,
            "rating": appraisal.rating,
            "predikat": appraisal.predikat,
            "keberatan": appraisal.keberatan,
            "keberatan_deadline": deadline,
            "keberatan_days_left": days_left(deadline, appraisal.time_zone, now) if open_for_keberatan else None,
            "follow_up": appraisal.follow_up,
            "pending": appraisal.pending_task(),
            "pending_due": pending_due,
            "supervisor_flag": open_flag(appraisal),  # #15: "atasan saya salah", waiting for HR
            "supervisor_flags": appraisal.__dict__.get("supervisor_flags", []),  # and the ones HR answered
            "your_relations": sorted(relations),
            "your_actions": list(actions),
        }
    )


def cycle_view(cycle: AppraisalCycle) -> dict[str, Any]:
    return jsonable(
        {
            "id": cycle.id,
            "version": cycle.version,
            "agency_id": cycle.agency_id,
            "agency_name": cycle.agency_name,
            "year": cycle.year,
            "time_zone": cycle.time_zone,
            "rule_set_id": cycle.rule_set_id,
            "period": cycle.period,
            "status": cycle.status,
            "deadlines": cycle.deadlines,
            "extensions": cycle.extensions,
            "participants": len(cycle.participants),
            "units": sorted(cycle.units()),
            "org_predikat": cycle.org_predikat,
            "calibrations": cycle.calibrations,
            "open_exceptions": cycle.__dict__.get("open_exceptions", {}),  # left open at closing, with HR's reason
            "cascade_days": cascade_days(cycle),
        }
    )


async def read_appraisal(
    app: Appraisals, actor: Actor, appraisal_id: UUID, now: datetime
) -> tuple[Appraisal, dict[str, Any]]:
    """The appraisal if the caller may see it, and its view with the actions the caller may take now."""

    def load() -> tuple[Appraisal, dict[str, Any]]:
        appraisal, relations = load_appraisal(app, actor, appraisal_id)
        actions = app.actions(appraisal, actor, now)
        return appraisal, appraisal_view(appraisal, relations, now, actions, app.pending_due(appraisal))

    return await run_in_threadpool(load)


async def load_appraisal_async(app: Appraisals, actor: Actor, appraisal_id: UUID) -> tuple[Appraisal, set[str]]:
    """load_appraisal off the event loop (the event store is synchronous)."""
    return await run_in_threadpool(load_appraisal, app, actor, appraisal_id)


def superior_rhk(app: Appraisals, appraisal: Appraisal) -> list[dict[str, str]] | None:
    """The appraiser's own RHK (id, text) in the same cycle; None at the top of the chain."""
    found = app.superior_rhk(appraisal)
    return None if found is None else [{"id": r["id"], "text": r["text"]} for r in found]


async def my_tasks(readside: ReadSide, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """What waits for the caller, overdue first (HR also sees the tasks assigned to HR's inbox)."""
    tasks: list[dict[str, Any]] = await readside.call("assignee_inbox", actor.nip, now)
    # #15: the old appraiser's evaluation of the months served after a transfer (and the old atasan's, escalated)
    tasks += await readside.call("evaluation_tasks", actor.nip, now)
    if is_hr(actor):
        tasks += await of_agency(readside, actor, await readside.call("assignee_inbox", HR_INBOX, now))
    return tasks


async def waiting_on_me(app: Appraisals, readside: ReadSide, actor: Actor) -> list[dict[str, Any]]:
    """#15 "N bawahan menunggu RHK Anda": the subordinates whose SKP waits on the caller's RHK, each with the
    caller's own, earlier deadline for them in that cycle (`due`: domain/cascade.py, the planning deadline as it
    stands less the cycle's days; the instant the workflow reminds and escalates at)."""
    rows: list[dict[str, Any]] = await readside.call("waiting_on", actor.nip)

    def dues() -> dict[str, str | None]:
        found = {}
        for cycle_id in {str(row["cycle_id"]) for row in rows}:
            due = cascade_dues(app.cycle(UUID(cycle_id))).get(actor.nip)
            found[cycle_id] = due.isoformat() if due else None
        return found

    by_cycle = await run_in_threadpool(dues) if rows else {}
    return [{**row, "due": by_cycle.get(str(row["cycle_id"]))} for row in rows]


async def of_agency(readside: ReadSide, actor: Actor, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows (each naming a `cycle_id`) of the cycles of a bound HR caller's agency; all of them for others."""
    if not bound(actor):
        return rows
    agencies = {c["cycle_id"]: c["agency_id"] for c in await readside.call("cycle_list")}
    return [row for row in rows if in_agency(actor, agencies.get(str(row["cycle_id"]), ""))]


class CycleViews:
    """What HR and auditors read about a cycle: the record, and the read models with the workflow's counters."""

    def __init__(self, appraisals: Appraisals, readside: ReadSide, gateway: Gateway) -> None:
        self.appraisals, self.readside, self.gateway = appraisals, readside, gateway

    async def _exists(self, cycle_id: UUID) -> None:
        await run_in_threadpool(self.appraisals.cycle, cycle_id)  # 404 for an unknown cycle

    async def cycle(self, cycle_id: UUID) -> dict[str, Any]:
        """The cycle as recorded: calendar, extensions, units, organisation predikat, calibrations."""
        return cycle_view(await run_in_threadpool(self.appraisals.cycle, cycle_id))

    async def appraisals_of(self, cycle_id: UUID, unit_id: str | None = None) -> list[dict[str, Any]]:
        await self._exists(cycle_id)
        rows: list[dict[str, Any]] = await self.readside.call("cycle_appraisals", str(cycle_id), unit_id)
        return rows

    async def progress(self, cycle_id: UUID, now: datetime) -> dict[str, Any]:
        await self._exists(cycle_id)
        units = await self.readside.call("progress", str(cycle_id), now)
        return {"cycle_id": str(cycle_id), "units": units, "workflow": await self.gateway.cycle_progress(cycle_id)}

    async def distribution(self, cycle_id: UUID) -> list[dict[str, Any]]:
        await self._exists(cycle_id)
        rows: list[dict[str, Any]] = await self.readside.call("unit_distribution", str(cycle_id))
        return rows

    async def trends(self, agency_id: str, unit_id: str | None = None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self.readside.call("predikat_trends", agency_id, unit_id)
        return rows

    async def cycles(self, actor: Actor) -> list[dict[str, Any]]:
        """Every cycle the caller oversees (a bound HR caller: their agency's)."""
        rows: list[dict[str, Any]] = await self.readside.call("cycle_list")
        return [row for row in rows if in_agency(actor, row["agency_id"])]
