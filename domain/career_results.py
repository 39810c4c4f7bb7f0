"""A finished cycle's final results, read once and used three ways (#14): the national export, the finance
office's monthly tukin recap, and the what-if of the same ratings under another rule set.

Every figure comes from the rule set's own functions (the kuadran, the angka kredit, the tukin cut of the
follow-up table, `FollowUpTable.tukin_cut`), never from a copy here.

The tukin recap's month: a final annual result sets the monthly cut of each month of the following year
[UNCONFIRMED: the regulations leave the month a cut starts to each agency (DOMAIN.md §6.3); Kinerja's default,
stated on the page].
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.appraisal import Appraisal
from domain.errors import InvalidInput, NotFound, refusal
from domain.national_export import export_record
from domain.participants import post_of
from domain.ratings import PREDIKATS
from domain.rules import RuleSet, rule_set
from domain.stages import FINALISED

NOT_A_MONTH = refusal("tukin.month", "must be a month YYYY-MM of the year after the cycle's ({year})")


@dataclass(frozen=True)
class FinalResult:
    """One finalised appraisal's facts: who, where, the ratings, the predikat, and the rule set it ran under."""

    appraisal_id: str
    nip: str
    name: str
    unit_id: str
    unit_name: str
    post: int
    appraiser_nip: str
    results_rating: str
    behaviour_rating: str
    behaviour_values: dict[str, str]
    predikat: str
    ak_coefficient: float | None
    angka_kredit: float | None  # as the follow-up recorded it
    tukin_cut_percent: float  # as the follow-up recorded it
    rule_set_id: str

    @property
    def employee(self) -> dict[str, Any]:
        return {"nip": self.nip, "name": self.name, "unit_id": self.unit_id}


def final_results(app: Any, cycle: Any) -> list[FinalResult]:
    """The finalised appraisals of a cycle, in unit and NIP order (an appraisal not finalised is left out)."""
    out = []
    for nip, participant in sorted(cycle.participants.items()):
        try:
            a: Appraisal = app.appraisal(Appraisal.create_id(cycle.id, nip, participant))
        except NotFound:
            continue
        if a.stage != FINALISED or a.rating is None or a.predikat is None:
            continue
        follow = a.follow_up or {}
        out.append(
            FinalResult(
                appraisal_id=str(a.id),
                nip=nip,
                name=str(a.employee.get("name") or nip),
                unit_id=str(a.employee.get("unit_id") or ""),
                unit_name=str(a.employee.get("unit_name") or a.employee.get("unit_id") or ""),
                post=post_of(participant),
                appraiser_nip=a.appraiser_nip,
                results_rating=a.rating["results"],
                behaviour_rating=a.rating["behaviour"],
                behaviour_values=dict(a.rating["behaviour_values"]),
                predikat=a.predikat,
                ak_coefficient=a.employee.get("ak_coefficient"),
                angka_kredit=follow.get("angka_kredit"),
                tukin_cut_percent=float(follow.get("tukin_cut_percent") or 0.0),
                rule_set_id=a.rule_set_id,
            )
        )
    return sorted(out, key=lambda r: (r.unit_id, r.nip, r.post))


def export_records(agency_id: str, year: int, results: Iterable[FinalResult]) -> list[dict[str, Any]]:
    """The national export's records of these results (domain/national_export.py)."""
    return [
        export_record(
            agency_id=agency_id,
            year=year,
            employee=r.employee,
            post=r.post,
            results_rating=r.results_rating,
            behaviour_rating=r.behaviour_rating,
            predikat=r.predikat,
            appraiser_nip=r.appraiser_nip,
            angka_kredit=r.angka_kredit,
            tukin_cut_percent=r.tukin_cut_percent,
            rule_set_id=r.rule_set_id,
        )
        for r in results
    ]


# --- the monthly tukin recap -----------------------------------------------------------------------------------


def check_month(month: str, cycle_year: int) -> str:
    """A month YYYY-MM of the year after the cycle: when the cycle's annual results set the monthly cut."""
    try:
        year, number = (int(x) for x in month.split("-"))
    except ValueError:
        raise InvalidInput("month", NOT_A_MONTH, year=cycle_year) from None
    if year != cycle_year + 1 or not 1 <= number <= 12 or len(month) != 7:
        raise InvalidInput("month", NOT_A_MONTH, year=cycle_year)
    return month


def tukin_recap(results: Sequence[FinalResult], month: str, cycle_year: int) -> dict[str, Any]:
    """Per unit, for the finance office: each employee's predikat and monthly cut, and the unit's totals.

    The cut is the rule set's (`FollowUpTable.tukin_cut`) under which each appraisal ran."""
    check_month(month, cycle_year)
    units: dict[str, dict[str, Any]] = {}
    for r in results:
        cut = rule_set(r.rule_set_id).follow_up.tukin_cut(r.predikat)
        unit = units.setdefault(
            r.unit_id,
            {"unit_id": r.unit_id, "unit_name": r.unit_name, "employees": [], "by_predikat": Counter(), "cut": 0},
        )
        unit["employees"].append({"nip": r.nip, "name": r.name, "predikat": r.predikat, "tukin_cut_percent": cut})
        unit["by_predikat"][r.predikat] += 1
        unit["cut"] += 1 if cut > 0 else 0
    listed = []
    for unit in sorted(units.values(), key=lambda u: u["unit_id"]):
        cuts = [e["tukin_cut_percent"] for e in unit["employees"]]
        listed.append(
            {
                "unit_id": unit["unit_id"],
                "unit_name": unit["unit_name"],
                "employees": unit["employees"],
                "by_predikat": {p: unit["by_predikat"].get(p, 0) for p in PREDIKATS},
                "with_cut": unit["cut"],
                "average_cut_percent": round(sum(cuts) / len(cuts), 2) if cuts else 0.0,
            }
        )
    return {"month": month, "cycle_year": cycle_year, "units": listed}


RECAP_COLUMNS = ("bulan", "unor_id", "unor_nama", "nipBaru", "nama", "predikat", "tukin_potongan_persen")


def recap_rows(recap: dict[str, Any]) -> list[dict[str, Any]]:
    """The recap as one row per employee (the CSV's lines)."""
    return [
        {
            "bulan": recap["month"],
            "unor_id": u["unit_id"],
            "unor_nama": u["unit_name"],
            "nipBaru": e["nip"],
            "nama": e["name"],
            "predikat": e["predikat"],
            "tukin_potongan_persen": e["tukin_cut_percent"],
        }
        for u in recap["units"]
        for e in u["employees"]
    ]


# --- what-if under another rule set ----------------------------------------------------------------------------


def outcome_under(rules: RuleSet, r: FinalResult) -> dict[str, Any]:
    """What this rule set makes of the same recorded ratings: predikat, angka kredit, tukin cut, coaching."""
    behaviour = rules.behaviour_rating(r.behaviour_values)
    predikat = rules.predikat(r.results_rating, behaviour)
    return {
        "predikat": predikat,
        "angka_kredit": rules.angka_kredit(predikat, r.ak_coefficient) if r.ak_coefficient else None,
        "tukin_cut_percent": rules.follow_up.tukin_cut(predikat),
        "coaching": predikat in rules.follow_up.coaching_predikats,
        "sanction_referral": predikat in rules.follow_up.sanction_referral_predikats,
    }


def what_if(results: Sequence[FinalResult], target_id: str) -> dict[str, Any]:
    """Each employee's outcome under the rule set they ran under beside `target_id`'s, and per unit what changes."""
    target = rule_set(target_id)
    employees = []
    per_unit: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "employees": 0,
            "changed": 0,
            "before": Counter(),
            "after": Counter(),
            "cut_before": 0.0,
            "cut_after": 0.0,
        }
    )
    for r in results:
        before = outcome_under(rule_set(r.rule_set_id), r)
        after = outcome_under(target, r)
        changed = sorted(k for k in before if before[k] != after[k])
        employees.append(
            {
                "nip": r.nip,
                "name": r.name,
                "unit_id": r.unit_id,
                "rule_set_id": r.rule_set_id,
                "before": before,
                "after": after,
                "changed": changed,
            }
        )
        unit = per_unit[r.unit_id]
        unit["unit_name"] = r.unit_name
        unit["employees"] += 1
        unit["changed"] += 1 if changed else 0
        unit["before"][before["predikat"]] += 1
        unit["after"][after["predikat"]] += 1
        unit["cut_before"] += before["tukin_cut_percent"]
        unit["cut_after"] += after["tukin_cut_percent"]
    units = [
        {
            "unit_id": unit_id,
            "unit_name": u["unit_name"],
            "employees": u["employees"],
            "changed": u["changed"],
            "before": {p: u["before"].get(p, 0) for p in PREDIKATS},
            "after": {p: u["after"].get(p, 0) for p in PREDIKATS},
            "average_cut_before": round(u["cut_before"] / u["employees"], 2),
            "average_cut_after": round(u["cut_after"] / u["employees"], 2),
        }
        for unit_id, u in sorted(per_unit.items())
    ]
    return {"target": target.id, "target_title": target.title, "employees": employees, "units": units}


def cycle_of(app: Any, cycle_id: UUID) -> Any:
    return app.cycle(cycle_id)
