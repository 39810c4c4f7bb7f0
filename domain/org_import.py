"""HR's import of agencies, units and employees into Agency aggregates, all or nothing.

Only differences become events, so importing the same file twice writes nothing.
A changed supervisor is a SupervisorChanged event; the result lists every
employee whose pejabat penilai or atasan changed (also through their supervisor's
move) so the caller can forward each change to a running appraisal
(Appraisals.change_supervisor). This is part of the application service `Appraisals`
(domain/application.py): the mixin below is its organisation half.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.base import Actor
from domain.cycle_commands import DefineCycle
from domain.errors import ConcurrencyConflict, InvalidInput, NotFound
from domain.org_changes import ImportResult, LineRefused, SupervisorChange, apply_lines, reporting_changes
from domain.org_chart import Participants
from domain.org_csv import read, reporting_loop
from domain.org_refusals import CHANGE_RACE, IMPORT_RACE, LOOP, NO_SUCH_AGENCY, NO_SUCH_SUPERVISOR
from domain.organisation import Agency
from domain.rules import DEFAULT_RULE_SET

if TYPE_CHECKING:
    from eventsourcing.application import Application

    _Base = Application[UUID]
else:
    _Base = object

DEFAULT_REASON = "HR import of the organisation"


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
            raise NotFound(NO_SUCH_AGENCY, agency_id=code)
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
                found = apply_lines(existing.get(code), own, by, at, reason, effective, result)
            except LineRefused as refused:  # checked above, so only a rule the aggregate alone knows
                result.problems.append(refused.problem)
                result.supervisor_changes.clear()
                return result
            if found.pending_events:
                changed.append(found)
        result.events = sum(len(a.pending_events) for a in changed)
        try:
            self.save(*changed)
        except IntegrityError:
            raise ConcurrencyConflict(IMPORT_RACE) from None
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
            raise InvalidInput(
                "supervisor_nip", NO_SUCH_SUPERVISOR, nip=supervisor_nip, agency_id=code, agency_name=agency_.name
            )
        loop = reporting_loop(nip, {**chain, nip: supervisor_nip})
        if loop:
            raise InvalidInput("supervisor_nip", LOOP, loop=" -> ".join(loop))
        before = {n: agency_.reporting_line(n) for n in agency_.employees}
        with agency_.command(key):
            agency_.change_supervisor(by, nip, supervisor_nip, reason, effective, at)
        changes = reporting_changes(agency_, before, {nip: (reason, effective)}, reason, effective)
        try:
            self.save(agency_)
        except IntegrityError:
            raise ConcurrencyConflict(CHANGE_RACE) from None
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
