"""Reading an agency's org chart: who heads what, each employee's reporting line, the cycle's participants.

The Agency aggregate (domain/organisation.py) records the org data and its events; these are the
questions asked of it, a mixin over the state its events set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidInput
from domain.org_refusals import NOT_AN_EMPLOYEE
from domain.rules import DEFAULT_RULE_SET, rule_set


@dataclass
class Participants:
    """Participants ready for a cycle, and the employees left out with the reason."""

    participants: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class OrgChart:
    """The questions asked of an agency's org data (units, employees and their supervisors)."""

    code: str
    name: str
    units: dict[str, dict[str, Any]]
    employees: dict[str, dict[str, Any]]

    def email_of(self, nip: str) -> str | None:
        """The employee's e-mail address from the org CSV, or None (not an employee, or no address given)."""
        return (self.employees.get(nip) or {}).get("email") or None

    def heads(self, nip: str) -> str | None:
        """The unit the employee heads, if any."""
        return next((u for u, unit in self.units.items() if unit["head_nip"] == nip), None)

    def is_head_of_agency(self, nip: str) -> bool:
        """The head of the agency (Kepala Dinas, Sekda): heads a unit and has no supervisor inside the agency,
        so stands at the top of its org chart (their own superior, a regent or governor, is outside it)."""
        employee = self.employees.get(nip)
        if employee is None or self.heads(nip) is None:
            return False
        return employee["supervisor_nip"] not in self.employees

    def reporting_line(self, nip: str) -> tuple[str | None, str | None]:
        """(pejabat penilai, atasan pejabat penilai): the supervisor and the supervisor's supervisor."""
        appraiser = self.employees[nip]["supervisor_nip"]
        atasan = self.employees[appraiser]["supervisor_nip"] if appraiser in self.employees else None
        return appraiser, atasan

    def participants(self, unit_ids: set[str] | None = None) -> Participants:
        """The employees as cycle participants for AppraisalCycle.define (appraiser = supervisor)."""
        result = Participants()
        for nip, e in sorted(self.employees.items()):
            if unit_ids is not None and e["unit_id"] not in unit_ids:
                continue
            appraiser, atasan = self.reporting_line(nip)
            if appraiser is None or atasan is None:
                missing = "supervisor" if appraiser is None else f"supervisor of the supervisor {appraiser}"
                result.skipped.append((nip, f"has no {missing} in {self.code}: add them to the cycle by hand"))
                continue
            result.participants.append(self.participant(nip, appraiser, atasan))
        return result

    def participant(self, nip: str, appraiser_nip: str, atasan_nip: str) -> dict[str, Any]:
        """The employee as a cycle participant with this reporting line (HR names it for those left out)."""
        e = self._employee(nip)
        return {
            "nip": nip,
            "name": e["name"],
            "position": e["position"],
            "rank": e["rank"],
            "unit_id": e["unit_id"],
            "unit_name": self.units[e["unit_id"]]["name"],
            "appraiser_nip": appraiser_nip,
            "atasan_nip": atasan_nip,
            "is_unit_head": self.heads(nip) == e["unit_id"],
            # #14: functional staff take part with their jenjang's annual coefficient, so the follow-up records
            # the year's angka kredit (domain/follow_up.py) as the ledger derives it for a whole year there.
            **(
                {"ak_coefficient": rule_set(DEFAULT_RULE_SET).career.level(e["jenjang"]).coefficient}
                if e.get("jenjang")
                else {}
            ),
        }

    def _employee(self, nip: str) -> dict[str, Any]:
        if nip not in self.employees:
            raise InvalidInput("nip", NOT_AN_EMPLOYEE, nip=nip, agency_id=self.code, agency_name=self.name)
        return self.employees[nip]
