"""The cycle half of the application service: define a cycle, run HR's commands on it, close and calibrate it.

Part of `Appraisals` (domain/application.py). Closing and calibrating read the cycle's appraisals
here, where the application service may load several aggregates, and hand what they found to the
cycle's own rules.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.appraisal import FINALISED, Appraisal
from domain.cycle import AppraisalCycle
from domain.cycle_commands import CalibrateUnit, CloseCycle, CycleCommand, DefineCycle
from domain.errors import WrongStage, refusal
from domain.explanation import PredikatReasons, explain_predikat
from domain.participants import MAX_POSTS
from domain.rules import PREDIKATS
from domain.schedule import schedule
from domain.store import Store
from domain.tasks import task_due
from domain.text import check_command

CYCLE_EXISTS = refusal("cycle.exists", "agency {agency_id} already has a cycle for {year}", "agency_name")
NOT_ALL_RATED = refusal(
    "calibration.not_all_rated",
    "{name} ({nip}) of unit {unit_id} is not rated yet: calibrate a whole unit",
    "unit_name",
)


class CycleService(Store):
    """HR's appraisal cycles: load, one typed command, save."""

    def define_cycle(self, cmd: DefineCycle, *, at: datetime, key: str = "") -> UUID:
        check_command(cmd)
        cycle_id = AppraisalCycle.create_id(cmd.agency_id, cmd.year)
        existing = self._find(AppraisalCycle, cycle_id)
        if existing is not None:
            if key and existing.applied_version(key) is not None:
                return cycle_id
            raise WrongStage(
                CYCLE_EXISTS, agency_id=existing.agency_id, year=existing.year, agency_name=existing.agency_name
            )
        self._save(AppraisalCycle.define(cmd, at, key))
        return cycle_id

    def cycle(self, cycle_id: UUID) -> AppraisalCycle:
        return self._get(AppraisalCycle, cycle_id, "cycle")

    def pending_due(self, appraisal: Appraisal) -> datetime | None:
        """When the appraisal's pending task falls due under its cycle's calendar (domain/tasks.py): the
        instant its reminders name, and the inbox shows."""
        cycle = self.cycle(appraisal.cycle_id)
        return task_due(appraisal, cycle.deadline, schedule(cycle).check_ins)

    def predikat_reasons(self, appraisal: Appraisal) -> PredikatReasons | None:
        """Why the appraisal has its predikat (domain/explanation.py); None before it is rated."""
        return explain_predikat(appraisal, self.cycle(appraisal.cycle_id))

    def execute_cycle(self, cycle_id: UUID, cmd: CycleCommand, *, at: datetime, key: str = "") -> int:
        """Run one of HR's cycle commands; returns the cycle's version."""
        check_command(cmd)
        cycle = self.cycle(cycle_id)
        applied = cycle.applied_version(key) if key else None
        if applied is not None:
            return applied
        with cycle.command(key):
            cycle.execute(cmd, at)
        self._save(cycle)
        return cycle.version

    def latest_post(self, cycle_id: UUID, nip: str) -> int:
        """The employee's last opened post in the cycle (a transfer within the agency opens the next one): the one
        whose workflow still runs. Read from the appraisal records, so it holds after the participant left."""
        post = 1
        while post < MAX_POSTS and self._find(Appraisal, Appraisal.create_id(cycle_id, nip, {"post": post + 1})):
            post += 1
        return post

    def close_cycle(self, cycle_id: UUID, cmd: CloseCycle, *, at: datetime, key: str = "") -> int:
        """Close the cycle; the appraisals not finalised yet (and those never opened) are handed to its rule."""
        cycle = self.cycle(cycle_id)
        applied = cycle.applied_version(key) if key else None
        if applied is not None:
            return applied
        open_now: dict[str, str] = {}
        for nip, p in cycle.participants.items():
            appraisal = self._find(Appraisal, Appraisal.create_id(cycle_id, nip, p))
            if appraisal is None or appraisal.stage != FINALISED:
                open_now[nip] = appraisal.stage if appraisal is not None else "not opened"
        with cycle.command(key):
            cycle.close(cmd, open_now, at)
        self._save(cycle)
        return cycle.version

    def calibrate_unit(self, cycle_id: UUID, cmd: CalibrateUnit, *, at: datetime, key: str = "") -> list[str]:
        """Count the unit's rated predikat and record the check against the curve."""
        check_command(cmd)
        cycle = self.cycle(cycle_id)
        if key and cycle.applied_version(key) is not None:
            return list(cycle.calibrations.get(cmd.unit_id, {}).get("warnings", []))
        counts = dict.fromkeys(PREDIKATS, 0)
        for nip, p in cycle.participants.items():
            if p["unit_id"] != cmd.unit_id:
                continue
            appraisal = self._find(Appraisal, Appraisal.create_id(cycle_id, nip, p))
            if appraisal is None or appraisal.predikat is None:
                unit_name = p.get("unit_name") or cmd.unit_id
                raise WrongStage(NOT_ALL_RATED, name=p["name"], nip=nip, unit_id=cmd.unit_id, unit_name=unit_name)
            counts[appraisal.predikat] += 1
        with cycle.command(key):
            warnings = cycle.calibrate(cmd, counts, at)
        self._save(cycle)
        return warnings
