"""PPPK contracts and renewal dossiers over the application's records (#14): recording a contract in the agency's
master data, producing a contract's dossier from the appraisals over it, reading and deciding dossiers.

Free functions over the application service (`Appraisals`): the rules are domain/pppk.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain import calendar
from domain.appraisal import Appraisal
from domain.base import Actor
from domain.cycle import AppraisalCycle
from domain.errors import ConcurrencyConflict, NotFound, refusal
from domain.pppk import (
    RenewalDossier,
    YearResult,
    contract_of,
    contracts,
    dossier_due,
    record_contract,
    results_over,
)
from domain.rules import DEFAULT_RULE_SET, rule_set
from domain.stages import FINALISED

NO_DOSSIER = refusal("pppk.no_dossier", "no renewal dossier {dossier_id}")
DOSSIER_RACE = refusal("pppk.race", "the dossier changed meanwhile: read it again and retry")


def contract_rules() -> Any:
    """The PPPK table contracts are read under: the default rule set's (an agency's own would be registered there)."""
    return rule_set(DEFAULT_RULE_SET)


def save_contract(
    app: Any, agency_id: str, nip: str, found: Mapping[str, str], *, by: Actor, at: datetime, key: str = ""
) -> dict[str, str]:
    """Record an employee's employment and contract period (once per key); returns the contract as recorded."""
    agency = app.agency(agency_id)
    if key and agency.applied_version(key) is not None:
        return contract_of(agency, nip)
    with agency.command(key):
        record_contract(agency, contract_rules().pppk, by, nip, found, at)
    try:
        app.save(agency)
    except IntegrityError:
        raise ConcurrencyConflict(DOSSIER_RACE) from None
    return contract_of(agency, nip)


def due_instant(agency_id: str, contract_end: str, time_zone: str) -> datetime:
    """When the dossier is produced: the start (00:00 in the agency's zone) of its due day, as UTC."""
    day = dossier_due(contract_rules().pppk, date.fromisoformat(contract_end))
    return calendar.as_utc(datetime.combine(day, time(0, 0), tzinfo=calendar.zone(time_zone)))


def _year_found(app: Any, agency_id: str, nip: str, year: int) -> tuple[str, str | None] | None:
    try:
        cycle: Any = app.cycle(AppraisalCycle.create_id(agency_id, year))
    except NotFound:
        return None
    participant = cycle.participants.get(nip)
    if participant is None:
        return None
    try:
        appraisal: Appraisal = app.appraisal(Appraisal.create_id(cycle.id, nip, participant))
    except NotFound:
        return ("", None)
    return (appraisal.stage, appraisal.predikat if appraisal.stage == FINALISED else None)


def results_of(app: Any, agency_id: str, nip: str, start: date, end: date) -> list[YearResult]:
    """Each year of the contract with the employee's appraisal in the agency's cycle of that year."""
    found = {}
    for year in range(start.year, end.year + 1):
        got = _year_found(app, agency_id, nip, year)
        if got is not None:
            found[year] = got
    return results_over(start, end, found)


def produce_dossier(app: Any, agency_id: str, nip: str, contract_end: str, at: datetime) -> str:
    """The contract's dossier, produced once: its id; "" when the contract was changed since (its own timer runs)."""
    agency = app.agency(agency_id)
    contract = contract_of(agency, nip)
    if contract["contract_end"] != contract_end:
        return ""
    dossier_id = RenewalDossier.create_id(agency_id, nip, contract_end)
    if _find(app, dossier_id) is not None:
        return str(dossier_id)
    start, end = date.fromisoformat(contract["contract_start"]), date.fromisoformat(contract_end)
    rules = contract_rules()
    dossier = RenewalDossier.produce(
        agency_id=agency_id,
        employee=agency.employees[nip],
        contract=contract,
        results=results_of(app, agency_id, nip, start, end),
        table=rules.pppk,
        rule_set_id=rules.id,
        at=at,
    )
    try:
        app.save(dossier)
    except IntegrityError:  # produced meanwhile by a retried activity
        pass
    return str(dossier_id)


def _find(app: Any, dossier_id: UUID) -> RenewalDossier | None:
    """The dossier, or None (through the store's own read, so a partitioned store finds it in its agency's log)."""
    try:
        found: Any = app._get(RenewalDossier, dossier_id, "dossier")
    except NotFound:
        return None
    return found if isinstance(found, RenewalDossier) else None


def dossier(app: Any, dossier_id: UUID) -> RenewalDossier:
    found = _find(app, dossier_id)
    if found is None:
        raise NotFound(NO_DOSSIER, dossier_id=str(dossier_id))
    return found


def dossiers_of(app: Any, agency_id: str) -> list[dict[str, Any]]:
    """The agency's PPPK contracts, each with its dossier's due day and, once produced, the dossier."""
    agency = app.agency(agency_id)
    out = []
    for nip, contract in sorted(contracts(agency).items()):
        dossier_id = RenewalDossier.create_id(agency_id, nip, contract["contract_end"])
        found = _find(app, dossier_id)
        employee = agency.employees.get(nip, {})
        out.append(
            {
                "nip": nip,
                "name": str(employee.get("name") or nip),
                "unit_id": str(employee.get("unit_id") or ""),
                **contract,
                "due": dossier_due(contract_rules().pppk, date.fromisoformat(contract["contract_end"])).isoformat(),
                "dossier_id": str(dossier_id),
                "dossier": as_dict(found) if found is not None else None,
            }
        )
    return out


def as_dict(d: RenewalDossier) -> dict[str, Any]:
    return {
        "dossier_id": str(d.id),
        "agency_id": d.agency_id,
        "nip": d.nip,
        "name": d.name,
        "unit_id": d.unit_id,
        "employment": d.employment,
        "contract_start": d.contract_start,
        "contract_end": d.contract_end,
        "results": d.results,
        "recommendation": d.recommendation,
        "reasons": d.reasons,
        "rule_set_id": d.rule_set_id,
        "source": d.source,
        "produced_at": d.produced_at.isoformat(),
        "decision": d.decision,
        "version": d.version,
    }


def decide_dossier(
    app: Any, dossier_id: UUID, decision: str, note: str, *, by: Actor, at: datetime, key: str = ""
) -> dict[str, Any]:
    """HR's decision on the renewal, once per key."""
    found = dossier(app, dossier_id)
    if key and found.applied_version(key) is not None:
        return as_dict(found)
    with found.command(key):
        found.decide(by, decision, note, at)
    try:
        app.save(found)
    except IntegrityError:
        raise ConcurrencyConflict(DOSSIER_RACE) from None
    return as_dict(found)
