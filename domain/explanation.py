"""Why this predikat (#13): the reasons behind an appraisal's predikat, as structured facts.

Computed here, once, from the appraisal and its cycle, so the employee's result page, the keberatan form
and the evaluation document render the same reasons: the results rating with the realisations reported
for each RHK (and, for a unit head, the unit's organisation predikat it follows, §2.3), the behaviour
rating from the seven BerAKHLAK values and the rule that combines them, the cell of the kuadran, the
unit's calibration with its recorded justification, a keberatan's decision, and the rule set in force.
Pure: no words for people (the pages say them in Bahasa Indonesia), no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from domain.appraisal import Appraisal
from domain.cycle_state import CycleState
from domain.ratings import RATINGS
from domain.rules import rule_set


@dataclass(frozen=True)
class RhkRealisation:
    """One RHK of the SKP, its indicators' targets, and what the employee reported against it, period by period."""

    rhk_id: str
    kind: str  # utama / tambahan
    text: str
    targets: list[dict[str, str]]  # {"aspect", "text", "target"} per indicator
    realisations: list[dict[str, str]]  # {"period", "realisation", "evidence"} in the order reported


@dataclass(frozen=True)
class ResultsReason:
    rating: str  # di_atas / sesuai / di_bawah
    rhk: list[RhkRealisation]
    # A unit head's results rating is the one the unit's organisation predikat sets (§2.3 step 3): that predikat.
    unit_org_predikat: str | None


@dataclass(frozen=True)
class BehaviourReason:
    rating: str
    values: list[tuple[str, str]]  # each BerAKHLAK value of the rule set, in its order, with its rating
    counts: dict[str, int]  # rating -> how many values got it, best first
    rule: str  # how the values make one rating: "median", the middle one of the ratings sorted


@dataclass(frozen=True)
class CalibrationReason:
    """The unit's distribution checked against the curve: it changes no one's rating, but where the unit
    deviates HR recorded why, and that justification is part of the story of each predikat in it."""

    unit_id: str
    org_predikat: str
    counts: dict[str, int]
    warnings: list[str]
    justification: str


@dataclass(frozen=True)
class KeberatanReason:
    """A keberatan the atasan decided: upheld or amended (then the ratings above are the amended ones)."""

    outcome: str  # upheld / amended
    reasons: str  # the employee's
    decision: str  # the atasan's recorded reasons
    decided_by: str


@dataclass(frozen=True)
class PredikatReasons:
    predikat: str
    results: ResultsReason
    behaviour: BehaviourReason
    cell: tuple[str, str]  # (results rating, behaviour rating): the kuadran's cell that gives the predikat
    calibration: CalibrationReason | None  # None: the unit is not calibrated yet
    keberatan: KeberatanReason | None  # None: no keberatan decided
    rule_set_id: str
    rule_set_source: str  # the regulation the rule set implements (its title)


def explain_predikat(appraisal: Appraisal, cycle: CycleState) -> PredikatReasons | None:
    """The reasons behind the appraisal's predikat; None before it is rated."""
    rating = appraisal.rating
    if rating is None or appraisal.predikat is None:
        return None
    rules = rule_set(appraisal.rule_set_id)
    unit_id = str(appraisal.employee.get("unit_id", ""))
    values: dict[str, str] = dict(rating["behaviour_values"])
    results, behaviour = str(rating["results"]), str(rating["behaviour"])
    return PredikatReasons(
        predikat=appraisal.predikat,
        results=ResultsReason(
            rating=results,
            rhk=[_rhk(r, appraisal.progress) for r in appraisal.rhk],
            unit_org_predikat=cycle.org_predikat.get(unit_id) if appraisal.employee.get("is_unit_head") else None,
        ),
        behaviour=BehaviourReason(
            rating=behaviour,
            values=[(v, values[v]) for v in rules.behaviour_values if v in values],
            counts={r: sum(1 for given in values.values() if given == r) for r in RATINGS},
            rule=rules.behaviour_rule,
        ),
        cell=(results, behaviour),
        calibration=_calibration(cycle, unit_id),
        keberatan=_keberatan(appraisal.keberatan),
        rule_set_id=rules.id,
        rule_set_source=rules.title,
    )


def _rhk(rhk: dict[str, Any], progress: list[dict[str, Any]]) -> RhkRealisation:
    return RhkRealisation(
        rhk_id=str(rhk["id"]),
        kind=str(rhk.get("kind", "")),
        text=str(rhk.get("text", "")),
        targets=[
            {"aspect": str(i.get("aspect", "")), "text": str(i.get("text", "")), "target": str(i.get("target", ""))}
            for i in rhk.get("indicators", [])
        ],
        realisations=[
            {"period": str(p["period"]), "realisation": str(p["realisation"]), "evidence": str(p.get("evidence", ""))}
            for p in progress
            if p["rhk_id"] == rhk["id"]
        ],
    )


def _calibration(cycle: CycleState, unit_id: str) -> CalibrationReason | None:
    found = cycle.calibrations.get(unit_id)
    if found is None:
        return None
    return CalibrationReason(
        unit_id=unit_id,
        org_predikat=str(found["org_predikat"]),
        counts=dict(found["counts"]),
        warnings=list(found["warnings"]),
        justification=str(found["justification"]),
    )


def _keberatan(keberatan: dict[str, Any] | None) -> KeberatanReason | None:
    if keberatan is None or not keberatan.get("outcome"):
        return None
    return KeberatanReason(
        outcome=str(keberatan["outcome"]),
        reasons=str(keberatan["reasons"]),
        decision=str(keberatan.get("decision", "")),
        decided_by=str(keberatan.get("decided_by", "")),
    )


def as_data(why: PredikatReasons) -> dict[str, Any]:
    """The reasons as plain JSON data (lists, not tuples), as a document's content states them (domain/document.py)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    found: dict[str, Any] = plain(asdict(why))
    return found


def from_data(data: dict[str, Any]) -> PredikatReasons:
    """The reasons again from `as_data`'s JSON, for whoever renders a document from its content."""
    r, b, c, k = data["results"], data["behaviour"], data["calibration"], data["keberatan"]
    return PredikatReasons(
        predikat=data["predikat"],
        results=ResultsReason(
            rating=r["rating"],
            rhk=[RhkRealisation(**item) for item in r["rhk"]],
            unit_org_predikat=r["unit_org_predikat"],
        ),
        behaviour=BehaviourReason(
            rating=b["rating"],
            values=[(value, given) for value, given in b["values"]],
            counts=dict(b["counts"]),
            rule=b["rule"],
        ),
        cell=(data["cell"][0], data["cell"][1]),
        calibration=CalibrationReason(**c) if c is not None else None,
        keberatan=KeberatanReason(**k) if k is not None else None,
        rule_set_id=data["rule_set_id"],
        rule_set_source=data["rule_set_source"],
    )
