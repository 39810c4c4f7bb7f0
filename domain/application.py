"""Appraisals: the application service over the domain log.

Load, one typed command, save. Every command may carry an idempotency key: a key already applied
returns the outcome it produced and writes nothing. Saving a stale version raises
ConcurrencyConflict (optimistic concurrency), never a lost update. Facts that live in another
aggregate (the superior's RHK, the unit's predikat and calibration) are looked up here, only when
a rule asks for them, and handed to the aggregate, which owns the rule.

This module holds the appraisals' half; the cycles' half is in domain/cycle_service.py, the
organisation's in domain/org_import.py, loading and saving in domain/store.py.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from domain.acting_service import ActingService
from domain.actions import open_actions
from domain.appraisal import PLANNING, Appraisal
from domain.base import Actor
from domain.career_service import CareerService
from domain.cascade import waiting_ids
from domain.commands import AppraisalCommand
from domain.cycle import AppraisalCycle
from domain.cycle_state import STARTED
from domain.errors import ConcurrencyConflict, NotFound, WrongStage, refusal
from domain.opening import CycleRunning
from domain.org_import import Organisation
from domain.outcome import Outcome
from domain.people_commands import ChangeSupervisor
from domain.text import check_command
from domain.transfer_service import Transfers

NOT_STARTED = refusal("cycle.not_started", "the cycle is {cycle_status}; appraisals open once it is started")
NOT_IN_CYCLE = refusal("cycle.no_participant", "{nip} does not take part in cycle {cycle_id}")


class Appraisals(Organisation, Transfers, ActingService, CareerService):
    """Agencies, appraisal cycles and appraisals, with their audit trail."""

    name = "kinerja"

    # --- mutations: the cycle and the running appraisal ---------------------

    def change_supervisor(
        self, cycle_id: UUID, nip: str, cmd: ChangeSupervisor, *, at: datetime, key: str = ""
    ) -> Outcome:
        """A mutation: the cycle's master data and the running appraisal change together, atomically."""
        check_command(cmd)
        cycle = self.cycle(cycle_id)
        appraisal = self.appraisal(Appraisal.create_id(cycle_id, nip, cycle.participants.get(nip)))
        if key and appraisal.applied_version(key) is not None:
            return self._replay(appraisal, key)
        with cycle.command(key), appraisal.command(key):
            cycle.change_supervisor(cmd, nip, at)
            appraisal.reassign_supervisor(cmd, at)
        return _outcome(appraisal, written=self._save(cycle, appraisal))

    # --- appraisals ---------------------------------------------------------

    def open_appraisal(self, cycle_id: UUID, nip: str, at: datetime) -> Outcome:
        """Open the employee's appraisal; opening it again returns the one already open."""
        return self._open(self.cycle(cycle_id), nip, at)

    def open_appraisals(self, cycle_id: UUID, nips: list[str], at: datetime) -> list[Outcome]:
        """Open several appraisals with one load of the cycle, whose participants may number 10,000."""
        cycle = self.cycle(cycle_id)
        return [self._open(cycle, nip, at) for nip in nips]

    def _open(self, cycle: AppraisalCycle, nip: str, at: datetime) -> Outcome:
        cycle_id = cycle.id
        if cycle.status != STARTED:
            raise WrongStage(NOT_STARTED, cycle_status=cycle.status)
        if nip not in cycle.participants:
            raise NotFound(NOT_IN_CYCLE, nip=nip, cycle_id=str(cycle_id))
        p = cycle.participants[nip]
        appraisal_id = Appraisal.create_id(cycle_id, nip, p)
        existing = self._find(Appraisal, appraisal_id)
        if existing is not None:
            return _outcome(existing, replayed=True)
        appraisal = Appraisal(
            cycle_id=cycle_id,
            employee_nip=nip,
            employee=p,
            appraiser_nip=p["appraiser_nip"],
            atasan_nip=p["atasan_nip"],
            rule_set_id=cycle.rule_set_id,
            time_zone=cycle.time_zone,
            periods=cycle.periods,
            timestamp=at,
        )
        try:
            written = self._save(appraisal)
        except ConcurrencyConflict:  # opened by a concurrent caller a moment ago
            return _outcome(self.appraisal(appraisal_id), replayed=True)
        return _outcome(appraisal, written=written)

    def record_workflows_started(self, cycle_id: UUID, nips: list[str], at: datetime) -> list[str]:
        """Record that these appraisals' workflows run (domain/opening.py); returns the NIPs new to the record.

        Pages are recorded one after another, but a participant added meanwhile races them: a lost
        race is reloaded and recorded again, as nothing recorded is ever taken back."""
        for attempt in range(5):
            running = self._find(CycleRunning, CycleRunning.create_id(cycle_id))
            if running is None:
                running = CycleRunning(cycle_id=cycle_id, timestamp=at)
            new = running.record(nips, at)
            if not new:
                return []
            try:
                self._save(running)
                return new
            except ConcurrencyConflict:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def workflows_running(self, cycle_id: UUID) -> frozenset[str]:
        """The NIPs of the cycle whose appraisal workflow is recorded as running."""
        running = self._find(CycleRunning, CycleRunning.create_id(cycle_id))
        return running.running() if running is not None else frozenset()

    def appraisal(self, appraisal_id: UUID, version: int | None = None) -> Appraisal:
        return self._get(Appraisal, appraisal_id, "appraisal", version)

    def execute(
        self, appraisal_id: UUID, cmd: AppraisalCommand, *, at: datetime, key: str = "", loaded: Appraisal | None = None
    ) -> Outcome:
        """Run one appraisal command, at most once per idempotency key. `loaded`: the appraisal as its caller
        just loaded it (to authorise the command), used instead of a second load; a stale one loses the
        optimistic save (ConcurrencyConflict), and the caller's retry loads it again."""
        check_command(cmd)
        appraisal = loaded if loaded is not None and loaded.id == appraisal_id else self.appraisal(appraisal_id)
        if key and appraisal.applied_version(key) is not None:
            return self._replay(appraisal, key)
        with appraisal.command(key):
            appraisal.execute(cmd, at, CycleFacts(self, appraisal))
        return _outcome(appraisal, written=self._save(appraisal))

    def rehearse(self, appraisal: Appraisal, cmd: AppraisalCommand, at: datetime) -> None:
        """Run a command on a copy of the appraisal and keep nothing: the rules' refusal, if they refuse it now
        (a caller checks a daily log entry before it stores the entry's file)."""
        copy.deepcopy(appraisal).execute(cmd, at, CycleFacts(self, appraisal))

    def actions(self, appraisal: Appraisal, by: Actor, at: datetime) -> list[str]:
        """Which actions `by` may take on the appraisal now, as the aggregate's own rules answer."""
        return open_actions(appraisal, by, at, CycleFacts(self, appraisal))

    def superior_rhk(self, appraisal: Appraisal, cycle: AppraisalCycle | None = None) -> list[dict[str, Any]] | None:
        """The appraiser's RHK in the same cycle, which the employee's RHK utama support.

        None when the appraiser takes no part in the cycle (the top of the chain: nothing
        cascades); empty while the appraiser has drafted nothing.
        """
        cycle = cycle or self.cycle(appraisal.cycle_id)
        if appraisal.appraiser_nip not in cycle.participants:
            return None
        superior = appraisal.appraiser_nip
        found = self._find(Appraisal, Appraisal.create_id(cycle.id, superior, cycle.participants[superior]))
        return list(found.rhk) if found is not None else []

    def waiting_on(self, appraisal_id: UUID) -> int:
        """How many subordinates' SKPs wait on this appraisal's employee for their RHK (#15): those in planning
        whose RHK utama name none yet; none once the employee has drafted RHK (then only links are missing)."""
        superior = self.appraisal(appraisal_id)
        if superior.rhk:
            return 0
        cycle = self.cycle(superior.cycle_id)
        below = [nip for nip, p in cycle.participants.items() if p["appraiser_nip"] == superior.employee_nip]
        found = (self._find(Appraisal, Appraisal.create_id(cycle.id, nip)) for nip in below)
        return sum(
            1
            for a in found
            if a is not None and a.stage == PLANNING and a.appraiser_nip == superior.employee_nip and waiting_ids(a.rhk)
        )

    def _replay(self, appraisal: Appraisal, key: str) -> Outcome:
        version = appraisal.applied_version(key)
        return _outcome(self.appraisal(appraisal.id, version), replayed=True)


class CycleFacts:
    """What an appraisal's rules may ask of its cycle; the cycle is loaded on the first question only."""

    def __init__(self, app: Appraisals, appraisal: Appraisal) -> None:
        self.app, self.appraisal = app, appraisal

    @cached_property
    def cycle(self) -> AppraisalCycle:
        return self.app.current(AppraisalCycle, self.appraisal.cycle_id, "cycle")

    def superior_rhk_ids(self) -> list[str] | None:
        superior = self.app.superior_rhk(self.appraisal, self.cycle)
        return None if superior is None else [r["id"] for r in superior]

    def unit_of(self, nip: str) -> str | None:
        found = self.cycle.participants.get(nip)
        return str(found["unit_id"]) if found else None

    def cycle_year(self) -> int:
        return self.cycle.year

    def org_predikat(self) -> str | None:
        return self.cycle.org_predikat.get(self.appraisal.employee["unit_id"])

    def calibrated(self) -> bool:
        return self.appraisal.employee["unit_id"] in self.cycle.calibrations

    def carried_rhk(self) -> dict[str, dict[str, Any]]:
        transfer = self.app.transfer_of(self.appraisal)
        if transfer is None:
            return {}
        origin = self.app.appraisal(UUID(str(transfer.origin["appraisal_id"])))
        return {f"{origin.id}/{r['id']}": r for r in origin.rhk}

    def colleague(self, nip: str) -> str | None:
        cycle = self.cycle
        if nip in cycle.__dict__.get("withdrawn", {}):
            return None  # left the cycle (pension, transfer): no longer acts in it
        if nip in cycle.participants:
            return str(cycle.participants[nip]["name"])
        agency = self.app.find_agency(cycle.agency_id)
        if agency is not None and nip in agency.employees:
            return str(agency.employees[nip]["name"])
        return None


def _outcome(appraisal: Appraisal, replayed: bool = False, written: Mapping[str, int] | None = None) -> Outcome:
    """`written`: Store._save's answer, the log and position of the appraisal's new events."""
    log_name, position = next(iter(written.items())) if written else ("", 0)
    return Outcome(
        appraisal.id,
        appraisal.version,
        appraisal.stage,
        appraisal.pending_task(),
        appraisal.predikat,
        replayed,
        log_name,
        position,
    )
