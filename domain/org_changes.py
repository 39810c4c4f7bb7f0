"""What HR's org data changes in an Agency: the lines of an import applied to it, and the reporting lines moved.

domain/org_import.py checks an import and saves its result (or records one mutation without a
file); here the lines become the aggregate's commands, and every employee whose pejabat penilai
or atasan changed (by their own move or their supervisor's) becomes a SupervisorChange for the
caller to forward to a running appraisal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain import calendar
from domain.base import Actor
from domain.errors import DomainError
from domain.org_csv import Line, Problem
from domain.organisation import EMPLOYEE_DEFAULTS, Agency
from domain.pppk import contract_of, record_contract
from domain.rules import DEFAULT_RULE_SET, rule_set


@dataclass(frozen=True)
class SupervisorChange:
    """An employee's new reporting line; `recorded` when their own supervisor changed (an event)."""

    agency_code: str
    nip: str
    previous_appraiser_nip: str | None
    appraiser_nip: str | None
    previous_atasan_nip: str | None
    atasan_nip: str | None
    recorded: bool
    reason: str
    effective: date


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    events: int = 0
    supervisor_changes: list[SupervisorChange] = field(default_factory=list)
    # #14: (agency, NIP, contract) of each contract the import recorded; PPPK ones get their ContractWorkflow.
    contracts: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def apply_lines(
    found: Agency | None,
    lines: list[Line],
    by: Actor,
    at: datetime,
    reason: str,
    effective: date | None,
    result: ImportResult,
) -> Agency:
    head = lines[0]
    agency_ = found or Agency.register(by, head.agency_code, head.agency_name, head.time_zone, at)
    before = {nip: agency_.reporting_line(nip) for nip in agency_.employees}
    if (agency_.name, agency_.time_zone) != (head.agency_name, head.time_zone):
        agency_.update(by, head.agency_name, head.time_zone, at)
    for unit_id, name in dict.fromkeys((line.unit_code, line.unit_name) for line in lines):
        head_nip = next((x.nip for x in lines if x.unit_code == unit_id and x.unit_head), None)
        wanted = {"unit_id": unit_id, "name": name, "head_nip": head_nip}
        if unit_id not in agency_.units:
            agency_.register_unit(by, unit_id, name, head_nip, at)
        elif agency_.units[unit_id] != wanted:
            agency_.update_unit(by, unit_id, name, head_nip, at)
    day = effective or calendar.local_day(at, agency_.time_zone)
    moved: dict[str, tuple[str, date]] = {}
    for line in lines:
        try:
            _employee(agency_, line, by, at, reason, day, moved)
        except DomainError as e:
            raise LineRefused(Problem.refused(line.line, e)) from e
    result.supervisor_changes += reporting_changes(agency_, before, moved, reason, day)
    for line in lines:
        if line.contract is not None and contract_of(agency_, line.nip) != line.contract:
            try:
                record_contract(agency_, rule_set(DEFAULT_RULE_SET).pppk, by, line.nip, line.contract, at)
            except DomainError as e:
                raise LineRefused(Problem.refused(line.line, e)) from e
            result.contracts.append((agency_.code, line.nip, contract_of(agency_, line.nip)))
    return agency_


def reporting_changes(
    agency_: Agency,
    before: dict[str, tuple[str | None, str | None]],
    moved: dict[str, tuple[str, date]],
    reason: str,
    day: date,
) -> list[SupervisorChange]:
    """Every employee whose reporting line differs from `before` (their own move, or their supervisor's)."""
    changes = []
    for nip, (previous_appraiser, previous_atasan) in before.items():
        appraiser, atasan = agency_.reporting_line(nip)
        if (appraiser, atasan) != (previous_appraiser, previous_atasan):
            why, when = moved.get(nip, (reason, day))
            changes.append(
                SupervisorChange(
                    agency_.code, nip, previous_appraiser, appraiser, previous_atasan, atasan, nip in moved, why, when
                )
            )
    return changes


def _employee(
    agency_: Agency, line: Line, by: Actor, at: datetime, reason: str, day: date, moved: dict[str, tuple[str, date]]
) -> None:
    if line.nip not in agency_.employees:
        agency_.register_employee(by, line.employee(), at)
        return
    current = {**EMPLOYEE_DEFAULTS, **agency_.employees[line.nip]}
    changes = {k: v for k, v in line.employee().items() if k not in ("nip", "supervisor_nip") and current.get(k) != v}
    if changes:
        agency_.update_employee(by, line.nip, changes, at)
    if current["supervisor_nip"] != line.supervisor_nip:
        why, when = line.change_reason or reason, line.effective_date or day
        agency_.change_supervisor(by, line.nip, line.supervisor_nip, why, when, at)
        moved[line.nip] = (why, when)


class LineRefused(Exception):
    """A line the aggregate refuses (a rule only it knows); import_org reports its problem and saves nothing."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
