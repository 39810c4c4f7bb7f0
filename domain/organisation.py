"""The Agency aggregate: HR's master data of one agency (units, employees, reporting lines).

A change of supervisor is a fact of its own (SupervisorChanged) with a reason
and an effective date, so the history of who appraised whom stays readable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import calendar
from domain.base import Actor, KinerjaAggregate, require
from domain.career import CHANGE_ORDER, change_kind
from domain.errors import REQUIRED, InvalidInput, refusal
from domain.nip import check_nip
from domain.org_chart import OrgChart
from domain.org_refusals import (
    ALREADY_SUPERVISES,
    EMPLOYEE_EXISTS,
    EMPLOYEE_UNCHANGED,
    NO_SUCH_UNIT,
    NO_UNIT_IN_AGENCY,
    NOTHING_CHANGES,
    ONLY_HR_CHANGES_AGENCY,
    ONLY_HR_CHANGES_EMPLOYEE,
    ONLY_HR_CHANGES_UNIT,
    ONLY_HR_REGISTERS_AGENCY,
    ONLY_HR_REGISTERS_EMPLOYEE,
    ONLY_HR_REGISTERS_UNIT,
    SUPERVISES_SELF,
    UNIT_EXISTS,
    UNIT_UNCHANGED,
)
from domain.participants import FIELDS as EMPLOYEE_RULES
from domain.participants import ONLY_HR_SUPERVISOR
from domain.rules import DEFAULT_RULE_SET, rule_set
from domain.talent import assessment
from domain.text import CODE, ITEM, NAME, TextRule, check_email

JENJANG_BY_DECREE = refusal(
    "org.jenjang_by_decree", "a jenjang held ({held}) changes only by a change of jabatan with its decree"
)
ONLY_HR_JABATAN = refusal("org.who_changes_jabatan", "only HR records a change of jabatan")
JABATAN_UNCHANGED = refusal("org.jabatan_unchanged", "{nip} already holds {position} at jenjang {jenjang}")
ONLY_HR_ASSESSES = refusal("talent.who_records", "only HR records a potential assessment")
OWN_ASSESSMENT = refusal("talent.own", "nobody records their own potential assessment")

NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/agency")
EMPLOYEE_FIELDS = ("name", "position", "rank", "unit_id")
# Fields an employee recorded before they existed holds with this value (no event is needed to add them).
EMPLOYEE_DEFAULTS = {"email": "", "jenjang": "", "rank_since": ""}


class Agency(KinerjaAggregate, OrgChart):
    """One agency (instansi): its units and its employees with their supervisors."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE, code)

    @classmethod
    def register(cls, by: Actor, code: str, name: str, time_zone: str, at: datetime, key: str = "") -> Agency:
        require(by.is_hr, ONLY_HR_REGISTERS_AGENCY)
        calendar.zone(time_zone)
        return cls(
            code=_required("code", code, CODE),
            name=_required("name", name),
            time_zone=time_zone,
            by=by.nip,
            command_key=key,
            timestamp=at,
        )

    @event("Registered")
    def __init__(self, code: str, name: str, time_zone: str, by: str, command_key: str, timestamp: datetime) -> None:
        self.code, self.name, self.time_zone = code, name, time_zone
        self.units: dict[str, dict[str, Any]] = {}
        self.employees: dict[str, dict[str, Any]] = {}
        self.supervisor_history: list[dict[str, str]] = []
        self.jabatan_history: list[dict[str, str]] = []
        self.assessments: list[dict[str, Any]] = []

    def update(self, by: Actor, name: str, time_zone: str, at: datetime) -> None:
        require(by.is_hr, ONLY_HR_CHANGES_AGENCY)
        calendar.zone(time_zone)
        if (name, time_zone) == (self.name, self.time_zone):
            raise InvalidInput("name", NOTHING_CHANGES)
        self._updated(by.nip, _required("name", name), time_zone, at)

    @event("Updated")
    def _updated(self, by: str, name: str, time_zone: str, timestamp: datetime) -> None:
        self.name, self.time_zone = name, time_zone

    # --- units ------------------------------------------------------------

    def register_unit(self, by: Actor, unit_id: str, name: str, head_nip: str | None, at: datetime) -> None:
        require(by.is_hr, ONLY_HR_REGISTERS_UNIT)
        if unit_id in self.units:
            raise InvalidInput("unit_id", UNIT_EXISTS, unit_id=unit_id, unit_name=self.units[unit_id]["name"])
        self._unit_registered(
            by.nip, _required("unit_id", unit_id, CODE), _required("unit_name", name), _head(head_nip), at
        )

    @event("UnitRegistered")
    def _unit_registered(self, by: str, unit_id: str, name: str, head_nip: str | None, timestamp: datetime) -> None:
        self.units[unit_id] = {"unit_id": unit_id, "name": name, "head_nip": head_nip}

    def update_unit(self, by: Actor, unit_id: str, name: str, head_nip: str | None, at: datetime) -> None:
        require(by.is_hr, ONLY_HR_CHANGES_UNIT)
        if unit_id not in self.units:
            raise InvalidInput("unit_id", NO_SUCH_UNIT, unit_id=unit_id)
        if self.units[unit_id] == {"unit_id": unit_id, "name": name, "head_nip": head_nip}:
            raise InvalidInput("unit_id", UNIT_UNCHANGED, unit_id=unit_id, unit_name=name)
        self._unit_updated(by.nip, unit_id, _required("unit_name", name), _head(head_nip), at)

    @event("UnitUpdated")
    def _unit_updated(self, by: str, unit_id: str, name: str, head_nip: str | None, timestamp: datetime) -> None:
        self.units[unit_id] = {"unit_id": unit_id, "name": name, "head_nip": head_nip}

    # --- employees --------------------------------------------------------

    def register_employee(self, by: Actor, employee: dict[str, Any], at: datetime) -> None:
        """A new employee; the supervisor may be registered in the same import, so only its shape is checked."""
        require(by.is_hr, ONLY_HR_REGISTERS_EMPLOYEE)
        nip = check_nip(str(employee.get("nip", "")), "nip", at.date())
        if nip in self.employees:
            raise InvalidInput("nip", EMPLOYEE_EXISTS, nip=nip, agency_id=self.code, agency_name=self.name)
        record = {"nip": nip, **self._fields(employee), "supervisor_nip": self._supervisor(nip, employee)}
        self._employee_registered(by.nip, record, at)

    @event("EmployeeRegistered")
    def _employee_registered(self, by: str, employee: dict[str, Any], timestamp: datetime) -> None:
        self.employees[employee["nip"]] = dict(employee)

    def update_employee(self, by: Actor, nip: str, changes: dict[str, Any], at: datetime) -> None:
        """Name, position, rank, unit or e-mail address; a new supervisor goes through change_supervisor."""
        require(by.is_hr, ONLY_HR_CHANGES_EMPLOYEE)
        current = {**EMPLOYEE_DEFAULTS, **self._employee(nip)}
        fields = self._fields({**current, **changes})
        changed = {k: v for k, v in fields.items() if current.get(k) != v}
        if not changed:
            raise InvalidInput("nip", EMPLOYEE_UNCHANGED, nip=nip)
        if "jenjang" in changed and current["jenjang"]:
            raise InvalidInput("jenjang", JENJANG_BY_DECREE, held=current["jenjang"])
        self._employee_updated(by.nip, nip, changed, at)

    @event("EmployeeUpdated")
    def _employee_updated(self, by: str, nip: str, changes: dict[str, Any], timestamp: datetime) -> None:
        self.employees[nip] = {**self.employees[nip], **changes}

    def change_supervisor(
        self, by: Actor, nip: str, supervisor_nip: str | None, reason: str, effective: date, at: datetime
    ) -> None:
        require(by.is_hr, ONLY_HR_SUPERVISOR)
        current = self._employee(nip)
        new = self._supervisor(nip, {"supervisor_nip": supervisor_nip})
        if new == current["supervisor_nip"]:
            raise InvalidInput("supervisor_nip", ALREADY_SUPERVISES, supervisor_nip=new, nip=nip)
        self._supervisor_changed(
            by.nip, nip, current["supervisor_nip"], new, _required("reason", reason, ITEM), effective.isoformat(), at
        )

    @event("SupervisorChanged")
    def _supervisor_changed(
        self,
        by: str,
        nip: str,
        previous: str | None,
        supervisor_nip: str | None,
        reason: str,
        effective: str,
        timestamp: datetime,
    ) -> None:
        self.employees[nip] = {**self.employees[nip], "supervisor_nip": supervisor_nip}
        self.supervisor_history.append(
            {
                "nip": nip,
                "from": previous or "",
                "to": supervisor_nip or "",
                "reason": reason,
                "effective": effective,
                "by": by,
            }
        )

    # --- careers (#14) -------------------------------------------------------

    def change_jabatan(
        self, by: Actor, nip: str, position: str, jenjang: str, decree: str, effective: date, at: datetime
    ) -> None:
        """A new functional post by decree: the same jenjang carries the angka kredit balance over, the next
        one is a move up (domain/career.py); the position and jenjang of the org data change with it."""
        require(by.is_hr, ONLY_HR_JABATAN)
        current = {**EMPLOYEE_DEFAULTS, **self._employee(nip)}
        position = _required("position", position)
        kind = change_kind(rule_set(DEFAULT_RULE_SET).career, current["jenjang"], jenjang)
        if (position, jenjang) == (current["position"], current["jenjang"]):
            raise InvalidInput("position", JABATAN_UNCHANGED, nip=nip, position=position, jenjang=jenjang)
        mine = [h for h in self.__dict__.get("jabatan_history", []) if h["nip"] == nip]
        if mine and effective.isoformat() <= mine[-1]["effective"]:
            raise InvalidInput("effective", CHANGE_ORDER, last=mine[-1]["effective"])
        decree = _required("decree", decree, CODE)
        self._jabatan_changed(
            by.nip,
            nip,
            current["position"],
            position,
            current["jenjang"],
            jenjang,
            kind,
            decree,
            effective.isoformat(),
            at,
        )

    @event("JabatanChanged")
    def _jabatan_changed(
        self,
        by: str,
        nip: str,
        previous_position: str,
        position: str,
        previous_jenjang: str,
        jenjang: str,
        kind: str,
        decree: str,
        effective: str,
        timestamp: datetime,
    ) -> None:
        self.employees[nip] = {**self.employees[nip], "position": position, "jenjang": jenjang}
        self.__dict__.setdefault("jabatan_history", []).append(
            {
                "nip": nip,
                "previous_position": previous_position,
                "position": position,
                "previous_jenjang": previous_jenjang,
                "jenjang": jenjang,
                "kind": kind,
                "decree": decree,
                "effective": effective,
                "by": by,
            }
        )

    def record_assessment(
        self, by: Actor, nip: str, source: str, on: date, scores: dict[str, Any], at: datetime
    ) -> None:
        """HR records a potential assessment of an employee of the agency (domain/talent.py checks it)."""
        require(by.is_hr, ONLY_HR_ASSESSES)
        require(by.nip != nip, OWN_ASSESSMENT)
        self._employee(nip)
        checked = assessment(nip, source, on, scores, today=calendar.local_day(at, self.time_zone))
        self._potential_assessed(by.nip, nip, checked.source, on.isoformat(), dict(checked.scores), at)

    @event("PotentialAssessed")
    def _potential_assessed(
        self, by: str, nip: str, source: str, on: str, scores: dict[str, float], timestamp: datetime
    ) -> None:
        self.__dict__.setdefault("assessments", []).append(
            {"nip": nip, "source": source, "on": on, "scores": dict(scores), "by": by}
        )

    def _fields(self, employee: dict[str, Any]) -> dict[str, Any]:
        fields = {k: EMPLOYEE_RULES[k].check(k, _text(employee.get(k))) for k in EMPLOYEE_FIELDS}
        if fields["unit_id"] not in self.units:
            unit_id, code, name = fields["unit_id"], self.code, self.name
            raise InvalidInput("unit_id", NO_UNIT_IN_AGENCY, unit_id=unit_id, agency_id=code, agency_name=name)
        email = _text(employee.get("email"))
        fields["email"] = check_email("email", email) if email else ""
        if "jenjang" in employee:  # (#14) a file without the column leaves the stored events as they were
            jenjang = str(_text(employee["jenjang"])).strip()
            fields["jenjang"] = rule_set(DEFAULT_RULE_SET).career.level(jenjang).code if jenjang else ""
        if "rank_since" in employee:  # the TMT of the current pangkat (kenaikan pangkat's years in rank)
            since = str(_text(employee["rank_since"])).strip()
            fields["rank_since"] = calendar.parse_day("rank_since", since).isoformat() if since else ""
        return fields

    @staticmethod
    def _supervisor(nip: str, employee: dict[str, Any]) -> str | None:
        supervisor = str(employee.get("supervisor_nip") or "").strip() or None
        if supervisor is not None:
            check_nip(supervisor, "supervisor_nip")
            if supervisor == nip:
                raise InvalidInput("supervisor_nip", SUPERVISES_SELF)
        return supervisor


def _required(name: str, value: str, rule: TextRule = NAME) -> str:
    if not str(value or "").strip():
        raise InvalidInput(name, REQUIRED)
    return rule.check(name, value)


def _text(value: Any) -> Any:
    return "" if value is None else value


def _head(head_nip: str | None) -> str | None:
    return check_nip(head_nip, "head_nip") if head_nip else None
