"""The 9-box talent grid (PermenPANRB 3/2020 jo. 20/2025, DOMAIN.md §6.6): HR's potential assessments and the
final predikat place each employee in a box, year by year; boxes 7-9 make the talent pool per jabatan level."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput, refusal
from domain.rules import RuleSet, check_predikat
from domain.talent_rules import HIGH, LOW, MIDDLE, PARTS
from domain.text import NAME

# The golongan of a pangkat as the org data writes it: "Penata Muda (III/a)".
GOLONGAN = re.compile(r"\((IV|III|II|I)/[a-e]\)")
SCORE = refusal("talent.score", "must be a number from 0 to 100")
PARTS_NEEDED = refusal("talent.parts", "give a score for each of {parts} (missing: {missing}; unknown: {unknown})")
NO_ASSESSMENT = refusal("talent.no_assessment", "no potential assessment of {nip} on or before {on}")
FUTURE_ASSESSMENT = refusal("talent.future", "an assessment cannot be dated after {today}")


@dataclass(frozen=True)
class Assessment:
    """One potential assessment HR recorded: who assessed, when, and the score of each part (0-100)."""

    nip: str
    source: str
    on: date
    scores: Mapping[str, float]


@dataclass(frozen=True)
class Placement:
    """Where an employee stands in one year: both axes, the box, and what placed them there."""

    nip: str
    year: int
    predikat: str
    performance: str
    potential_score: float
    potential: str
    box: int
    assessment_source: str
    assessed_on: date


def assessment(nip: str, source: str, on: date, scores: Mapping[str, object], *, today: date) -> Assessment:
    """Check an assessment HR records: every part scored once, 0-100, a named source, not in the future."""
    source = NAME.check("source", source)
    if on > today:
        raise InvalidInput("on", FUTURE_ASSESSMENT, today=today.isoformat())
    missing = [p for p in PARTS if p not in scores]
    unknown = [p for p in scores if p not in PARTS]
    if missing or unknown:
        raise InvalidInput(
            "scores",
            PARTS_NEEDED,
            parts=", ".join(PARTS),
            missing=", ".join(missing) or "-",
            unknown=", ".join(unknown) or "-",
        )
    checked = {}
    for part, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise InvalidInput(f"scores.{part}", SCORE)
        checked[part] = float(value)
    return Assessment(nip, source, on, checked)


def potential_score(rules: RuleSet, a: Assessment) -> float:
    """The weighted potential score (0-100) under the rule set's weights."""
    weights = rules.talent.weights
    return round(sum(a.scores[p] * weights[p] for p in PARTS) / sum(weights.values()), 2)


def potential_level(rules: RuleSet, score: float) -> str:
    table = rules.talent
    return HIGH if score >= table.high_from else MIDDLE if score >= table.middle_from else LOW


def place(rules: RuleSet, *, nip: str, year: int, predikat: str, assessments: Iterable[Assessment]) -> Placement:
    """The employee's box for a year: the final predikat of that year and the latest assessment up to its end."""
    check_predikat("predikat", predikat)
    end = date(year, 12, 31)
    mine = [a for a in assessments if a.nip == nip and a.on <= end]
    if not mine:
        raise InvalidInput("assessments", NO_ASSESSMENT, nip=nip, on=end.isoformat())
    latest = max(mine, key=lambda a: a.on)
    table = rules.talent
    performance = table.performance_of[predikat]
    score = potential_score(rules, latest)
    potential = potential_level(rules, score)
    box = table.boxes[(performance, potential)]
    return Placement(nip, year, predikat, performance, score, potential, box, latest.source, latest.on)


def pools(rules: RuleSet, placements: Iterable[Placement], level_of: Mapping[str, str]) -> dict[str, list[Placement]]:
    """The talent pool per jabatan level: everyone whose latest placement is in a pool box, best box first."""
    latest: dict[str, Placement] = {}
    for p in placements:
        if p.nip not in latest or p.year > latest[p.nip].year:
            latest[p.nip] = p
    out: dict[str, list[Placement]] = {}
    for p in latest.values():
        if p.box in rules.talent.pool_boxes:
            out.setdefault(level_of.get(p.nip, "-"), []).append(p)
    for members in out.values():
        members.sort(key=lambda p: (-p.box, -p.potential_score, p.nip))
    return out


def level_of(rules: RuleSet, employee: Mapping[str, object]) -> str:
    """The jabatan level a talent pool is drawn for: the jenjang of a functional post, else the golongan of
    the pangkat (Kinerja's reading: the pools of PermenPANRB 3/2020 are per target post, which the org data
    does not hold; README, Careers)."""
    jenjang = str(employee.get("jenjang") or "")
    if jenjang:
        return rules.career.level(jenjang).title
    found = GOLONGAN.search(str(employee.get("rank") or ""))
    return f"Golongan {found.group(1)}" if found else "-"
