"""Careers (#14) in the application service: HR's changes of jabatan and potential assessments on the agency's
org data, and the facts the angka kredit ledger and the 9-box are derived from (part of `Appraisals`).

The ledger is not a record of its own: it is derived, each time it is read, from the log's facts under the
rule set each fact was recorded with (domain/career.py:derive), so an auditor recomputes it from the same
events and a rule set registered later changes nothing that was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.base import Actor
from domain.career import JabatanChange
from domain.errors import ConcurrencyConflict
from domain.org_refusals import CHANGE_RACE
from domain.organisation import Agency
from domain.talent import Assessment

if TYPE_CHECKING:
    from eventsourcing.application import Application

    _Base = Application[UUID]
else:
    _Base = object


def jabatan_facts(agency: Agency, nip: str) -> tuple[str, list[JabatanChange]]:
    """The jenjang an employee held before the first change of jabatan recorded, and the changes in order."""
    mine = [h for h in getattr(agency, "jabatan_history", []) if h["nip"] == nip]
    first = mine[0]["previous_jenjang"] if mine else str(agency.employees[nip].get("jenjang", ""))
    changes = [JabatanChange(date.fromisoformat(h["effective"]), h["kind"], h["jenjang"], h["decree"]) for h in mine]
    return first, changes


def assessments_of(agency: Agency) -> list[Assessment]:
    """Every potential assessment HR recorded in the agency, oldest first."""
    return [
        Assessment(a["nip"], a["source"], date.fromisoformat(a["on"]), dict(a["scores"]))
        for a in getattr(agency, "assessments", [])
    ]


class CareerService(_Base):
    """HR's career commands on an agency's org data, each under its idempotency key."""

    def agency(self, code: str) -> Agency:  # provided by Organisation
        raise NotImplementedError

    def change_jabatan(
        self,
        code: str,
        nip: str,
        *,
        position: str,
        jenjang: str,
        decree: str,
        effective: date,
        by: Actor,
        at: datetime,
        key: str = "",
    ) -> Agency:
        return self._once(
            code, key, lambda found: found.change_jabatan(by, nip, position, jenjang, decree, effective, at)
        )

    def record_assessment(
        self,
        code: str,
        nip: str,
        *,
        source: str,
        on: date,
        scores: Mapping[str, Any],
        by: Actor,
        at: datetime,
        key: str = "",
    ) -> Agency:
        return self._once(code, key, lambda found: found.record_assessment(by, nip, source, on, dict(scores), at))

    def _once(self, code: str, key: str, act: Callable[[Agency], None]) -> Agency:
        """One command on the agency under its key: a retry with the same key records nothing again."""
        found = self.agency(code)
        if key and found.applied_version(key) is not None:
            return found
        with found.command(key):
            act(found)
        try:
            self.save(found)
        except IntegrityError:
            raise ConcurrencyConflict(CHANGE_RACE) from None
        return found
