"""HR's import of agencies, units and employees into Agency aggregates, all or nothing.

Only differences become events, so importing the same file twice writes nothing.
A changed supervisor is a SupervisorChanged event; the result lists every
employee whose pejabat penilai or atasan changed (also through their supervisor's
move) so the caller can forward each change to a running appraisal
(Appraisals.change_supervisor). This is part of the application service `Appraisals`
(domain/application.py): the mixin below is its organisation half.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain import calendar
from domain.base import Actor
from domain.cycle_commands import DefineCycle
from domain.errors import ConcurrencyConflict, DomainError, InvalidInput, NotFound
from domain.org_csv import Line, Problem, read, reporting_loop
from domain.organisation import EMPLOYEE_DEFAULTS, Agency, Participants
from domain.rules import DEFAULT_RULE_SET

if TYPE_CHECKING:
    from eventsourcing.application import Application

    _Base = Application[UUID]
else:
    _Base = object

DEFAULT_REASON = "HR import of the organisation"


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

    @property
    def ok(self) -> bool:
        return not self.problems


class Organisation(_Base):
    """The organisation half of the application service: agencies, their import, cycle participants."""

    def find_agency(self, code: str) -> Agency | None:
        try:
            agency: object = self.repository.get(Agency.create_id(code))
        except AggregateNotFoundError:
            return None
        return agency if isinstance(agency, Agency) else None

    def agency(self, code: str) -> Agency:
        found = self.find_agency(code)
        if found is None:
            raise NotFound(f"no agency {code!r}")
        return found

    def import_org(
        self, text: str, *, by: Actor, at: datetime, reason: str = DEFAULT_REASON, effective: date | None = None
    ) -> ImportResult:
        """Check the whole CSV, then record the differences in one atomic save, or nothing at all."""
        existing: dict[str, Agency | None] = {}

        def lookup(code: str) -> Agency | None:
            return existing.setdefault(code, self.find_agency(code))

        lines, problems = read(text, lookup, at.date())
        result = ImportResult(problems=problems, agencies=sorted({line.agency_code for line in lines}))
        if problems:
            return result
        changed: list[Agency] = []
        for code in result.agencies:
            own = [line for line in lines if line.agency_code == code]
            try:
                found = _apply(existing.get(code), own, by, at, reason, effective, result)
            except _Refused as refused:  # checked above, so only a rule the aggregate alone knows
                result.problems.append(refused.problem)
                result.supervisor_changes.clear()
                return result
            if found.pending_events:
                changed.append(found)
        result.events = sum(len(a.pending_events) for a in changed)
        try:
            self.save(*changed)
        except IntegrityError:
            raise ConcurrencyConflict("another import changed the organisation first; import again") from None
        return result

    def change_org_supervisor(
        self,
        code: str,
        nip: str,
        supervisor_nip: str,
        *,
        by: Actor,
        at: datetime,
        reason: str,
        effective: date,
        key: str = "",
    ) -> list[SupervisorChange]:
        """One mutation in the org data (the new supervisor from `effective`), as HR records it without a file.

        Returns every employee whose reporting line it changes (the employee, and those they supervise,
        whose atasan changes), for forwarding to running appraisals. A repeat with the same key records
        nothing and returns the same employees with their reporting line as it stands.
        """
        agency_ = self.agency(code)
        if key and agency_.applied_version(key) is not None:
            affected = [nip, *(n for n, e in agency_.employees.items() if e["supervisor_nip"] == nip)]
            lines = {n: agency_.reporting_line(n) for n in affected}
            return [
                SupervisorChange(code, n, None, a, None, b, n == nip, reason, effective) for n, (a, b) in lines.items()
            ]
        chain = {n: e["supervisor_nip"] for n, e in agency_.employees.items()}
        if supervisor_nip not in chain:
            raise InvalidInput("supervisor_nip", f"no employee {supervisor_nip} in agency {code}")
        loop = reporting_loop(nip, {**chain, nip: supervisor_nip})
        if loop:
            raise InvalidInput("supervisor_nip", "the reporting line loops: " + " -> ".join(loop))
        before = {n: agency_.reporting_line(n) for n in agency_.employees}
        with agency_.command(key):
            agency_.change_supervisor(by, nip, supervisor_nip, reason, effective, at)
        changes = _changes(agency_, before, {nip: (reason, effective)}, reason, effective)
        try:
            self.save(agency_)
        except IntegrityError:
            raise ConcurrencyConflict("another change of the organisation came first; try again") from None
        return changes

    def heads_agency(self, nip: str, code: str) -> bool:
        """Whether `nip` is the head of agency `code` by its org chart (False without org data)."""
        found = self.find_agency(code)
        return found is not None and found.is_head_of_agency(nip)

    def cycle_participants(self, code: str, unit_ids: set[str] | None = None) -> Participants:
        """The agency's employees as cycle participants (appraiser = supervisor, atasan = their supervisor)."""
        return self.agency(code).participants(unit_ids)

    def cycle_definition(
        self,
        code: str,
        year: int,
        *,
        by: Actor,
        rule_set_id: str = DEFAULT_RULE_SET,
        period: str | None = None,
        deadlines: dict[str, str] | None = None,
        unit_ids: set[str] | None = None,
    ) -> tuple[DefineCycle, Participants]:
        """The command defining the agency's cycle from its org chart, and who was left out and why."""
        found = self.agency(code)
        people = found.participants(unit_ids)
        definition = DefineCycle(
            by=by,
            agency_id=found.code,
            agency_name=found.name,
            time_zone=found.time_zone,
            year=year,
            participants=people.participants,
            rule_set_id=rule_set_id,
            period=period,
            deadlines=deadlines,
        )
        return definition, people


def _apply(
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
            field_name = e.field if isinstance(e, InvalidInput) else "nip"
            raise _Refused(Problem(line.line, field_name, str(e).removeprefix(f"{field_name}: "))) from e
    result.supervisor_changes += _changes(agency_, before, moved, reason, day)
    return agency_


def _changes(
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


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
