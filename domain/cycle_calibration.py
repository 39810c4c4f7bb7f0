"""The unit's organisation predikat and the check of its ratings against the curve (§2.3)."""

from __future__ import annotations

from datetime import datetime

from domain.base import require
from domain.curve import NO_SUCH_ORG_PREDIKAT
from domain.cycle_commands import CalibrateUnit, SetOrgPredikat
from domain.cycle_state import CycleState
from domain.errors import InvalidInput, WrongStage, refusal
from domain.rules import ORG_PREDIKATS, PREDIKATS, rule_set

ONLY_HR_ORG_PREDIKAT = refusal(
    "calibration.who_sets_org_predikat", "HR records the organisation predikat set by the level above"
)
NO_PARTICIPANT_IN_UNIT = refusal("calibration.unit", "no participant works in unit {unit_id!r}")
FROZEN = refusal(
    "calibration.frozen",
    "the organisation predikat of unit {unit_id!r} is frozen once the unit is calibrated: "
    "it stays {org_predikat!r}, the predikat its distribution was checked against",
    "unit_name",
)
ONLY_HR_CALIBRATES = refusal("calibration.who_calibrates", "HR calibrates the distribution")
NO_ORG_PREDIKAT = refusal(
    "calibration.no_org_predikat", "set the organisation predikat of unit {unit_id!r} before calibrating", "unit_name"
)
DEVIATES = refusal("calibration.deviates", "the distribution deviates from the curve: {warnings}", "deviations")


class CycleCalibration(CycleState):
    """The rules of the organisation predikat and the calibration of each unit."""

    def set_org_predikat(self, cmd: SetOrgPredikat, at: datetime) -> None:
        """The head of the organisation one level up fixes the unit's predikat (§2.3 step 1)."""
        by, unit_id, predikat = cmd.by, cmd.unit_id, cmd.predikat
        require(by.is_hr, ONLY_HR_ORG_PREDIKAT)
        self._require_open()
        if predikat not in ORG_PREDIKATS:
            raise InvalidInput("predikat", NO_SUCH_ORG_PREDIKAT, choices=", ".join(ORG_PREDIKATS))
        if unit_id not in self.units():
            raise InvalidInput("unit_id", NO_PARTICIPANT_IN_UNIT, unit_id=unit_id)
        if unit_id in self.calibrations:
            org_predikat, unit_name = self.org_predikat[unit_id], self.unit_name(unit_id)
            raise WrongStage(FROZEN, unit_id=unit_id, org_predikat=org_predikat, unit_name=unit_name)
        self._org_predikat_set(by.nip, unit_id, predikat, at)

    def calibrate(self, cmd: CalibrateUnit, counts: dict[str, int], at: datetime) -> list[str]:
        """Check a unit's predikat against the curve; deviations need a recorded justification."""
        by, unit_id, justification = cmd.by, cmd.unit_id, cmd.justification
        require(by.is_hr, ONLY_HR_CALIBRATES)
        self._require_open()
        if unit_id not in self.org_predikat:
            raise WrongStage(NO_ORG_PREDIKAT, unit_id=unit_id, unit_name=self.unit_name(unit_id))
        found = rule_set(self.rule_set_id).check_curve(self.org_predikat[unit_id], counts)
        warnings = [w.message for w in found]
        if warnings and not justification.strip():
            deviations = [w.figures for w in found]
            raise InvalidInput("justification", DEVIATES, warnings="; ".join(warnings), deviations=deviations)
        self._calibrated(
            by.nip,
            unit_id,
            self.org_predikat[unit_id],
            {p: counts.get(p, 0) for p in PREDIKATS},
            warnings,
            justification.strip(),
            at,
        )
        return warnings
