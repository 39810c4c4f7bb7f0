"""The acting heads' half of the application service: HR's designation, the register, its calendar's steps.

Part of `Appraisals` (domain/application.py). The cycle gives the year, the zone and the participants the
register's rules read; the agency's master data answers who is an active colleague.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.acting import NO_DESIGNATION, ActingRegister, designation_id_of, reached
from domain.acting_commands import DesignateActing, EndDesignation
from domain.base import Actor
from domain.errors import ConcurrencyConflict, InvalidInput
from domain.participants import post_of
from domain.store import Store
from domain.text import check_command

if TYPE_CHECKING:
    from domain.cycle import AppraisalCycle
    from domain.organisation import Agency


class ActingService(Store):
    """Designations of acting heads (Plt/Plh), one register per cycle."""

    if TYPE_CHECKING:  # the other halves of Appraisals

        def cycle(self, cycle_id: UUID) -> AppraisalCycle: ...
        def find_agency(self, code: str) -> Agency | None: ...

    def designate_acting(self, cycle_id: UUID, cmd: DesignateActing, *, at: datetime, key: str = "") -> str:
        """Record a designation (once per key); returns its id."""
        check_command(cmd)
        cycle = self.cycle(cycle_id)
        register = self.acting_register(cycle_id) or ActingRegister(cycle_id=cycle_id, timestamp=at)
        if key and register.applied_version(key) is not None:
            return designation_id_of(cycle_id, cmd.decree)
        withdrawn = cycle.__dict__.get("withdrawn", {})

        def colleague(nip: str) -> str | None:
            if nip in withdrawn:
                return None
            if nip in cycle.participants:
                return str(cycle.participants[nip]["name"])
            agency = self.find_agency(cycle.agency_id)
            return str(agency.employees[nip]["name"]) if agency is not None and nip in agency.employees else None

        with register.command(key):
            designation_id = register.designate(
                cmd,
                at,
                year=cycle.year,
                time_zone=cycle.time_zone,
                participants=cycle.participants,
                colleague=colleague,
            )
        self._save(register)
        return designation_id

    def end_designation(self, cycle_id: UUID, cmd: EndDesignation, *, at: datetime, key: str = "") -> dict[str, Any]:
        """HR ends a designation early or cancels it (once per key); returns the designation as it now stands."""
        check_command(cmd)
        cycle = self.cycle(cycle_id)
        register = self.acting_register(cycle_id)
        if register is None:
            raise InvalidInput("designation_id", NO_DESIGNATION, designation_id=cmd.designation_id)
        if key and register.applied_version(key) is not None:
            return register.designation(cmd.designation_id)
        with register.command(key):
            held = register.end_early(cmd, at, time_zone=cycle.time_zone)
        self._save(register)
        return held

    def acting_register(self, cycle_id: UUID) -> ActingRegister | None:
        return self._find(ActingRegister, ActingRegister.create_id(cycle_id))

    def acting_reach(self, cycle_id: UUID, designation_id: str) -> tuple[dict[str, Any], list[str]]:
        """A designation and the NIPs of the appraisals it reaches (where its head appraises or is atasan)."""
        register = self.acting_register(cycle_id)
        assert register is not None
        designation = register.designation(designation_id)
        cycle = self.cycle(cycle_id)
        return designation, reached(cycle.participants, designation["head_nip"])

    def acting_joining(self, cycle_id: UUID, nip: str) -> tuple[list[dict[str, Any]], int]:
        """The running designations a participant just added falls under and has not been reached by, and the
        participant's post (its workflow's id)."""
        register = self.acting_register(cycle_id)
        participant = self.cycle(cycle_id).participants.get(nip)
        if register is None or participant is None:
            return [], 1
        return register.joining(nip, participant), post_of(participant)

    def record_acting_joined(
        self, cycle_id: UUID, designation_id: str, nip: str, skipped: dict[str, Any] | None, *, by: Actor, at: datetime
    ) -> None:
        """Record that a designation reached (or could not reach) a participant added while it ran; once."""
        for _ in range(5):
            register = self.acting_register(cycle_id)
            assert register is not None
            held = register.designation(designation_id)
            if nip in held.get("joined", {}) or held["ended"] is not None:
                return
            register.record_joined(by, designation_id, nip, skipped, at)
            try:
                self._save(register)
                return
            except ConcurrencyConflict:
                continue

    def record_acting_step(
        self,
        cycle_id: UUID,
        designation_id: str,
        step: str,
        done: list[str],
        skipped: dict[str, dict[str, Any]],
        *,
        by: Actor,
        at: datetime,
    ) -> None:
        """The designation's calendar began or ended it; a step already recorded is left as it was."""
        for _ in range(5):
            register = self.acting_register(cycle_id)
            assert register is not None
            held = register.designation(designation_id)
            if held["began" if step == "begin" else "ended"] is not None:
                return
            register.record_step(by, designation_id, step, done, skipped, at)
            try:
                self._save(register)
                return
            except ConcurrencyConflict:
                continue
