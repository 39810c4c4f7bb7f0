"""Careers (#14) as the employee, HR and the auditor reach them: the angka kredit ledger with its eligibility,
the 9-box with its talent pools, the trends across years; one place for who may read and write.

Who may (by relationship, never by role alone): an employee reads their own ledger and trend only; HR reads
and writes only in an agency whose org data names them (their own agency); an auditor reads every agency and
writes nothing. Anyone else gets 404 for a person's ledger (no leak of who exists) and 403 for an agency view.

No rule is decided here: the ledger is derived by domain/career.py from the log's facts (the org data's
changes of jabatan, the read model's finalised appraisals) under each cycle's rule set; the auditor's
recompute derives it again from the appraisals' own events and sets the two side by side.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from domain.base import Actor
from domain.calendar import local_day
from domain.career import (
    Ledger,
    YearResult,
    accumulated,
    derive,
    eligibility,
    pangkat_eligibility,
    years_in_rank,
)
from domain.career_service import assessments_of, jabatan_facts
from domain.errors import InvalidInput, NotFound, refusal
from domain.organisation import Agency
from domain.rules import DEFAULT_RULE_SET, PREDIKATS, RULE_SETS, rule_set
from domain.stages import FINALISED
from domain.talent import Placement, level_of, place, pools, potential_score
from services.authz import is_auditor, require_agency_hr
from services.errors import ApiError
from services.readside import ReadSide

NOT_READABLE = refusal("career.not_readable", "no career record of {nip} among the ones you may see")
NO_YEAR = refusal("talent.year", "must be a year from {first} to {last}")
EXPORT_FORMATS = ("csv", "json")
EXPORT_FORMAT = refusal("talent.format", "must be one of {formats}")
EXPORT_FIELDS = (
    "tahun",
    "nip",
    "nama",
    "unit",
    "tingkat_jabatan",
    "predikat",
    "kinerja",
    "skor_potensial",
    "potensial",
    "kotak",
    "sumber_asesmen",
    "tanggal_asesmen",
    "kelompok_talenta",
)


def _results(rows: list[dict[str, Any]]) -> dict[str, list[YearResult]]:
    """Each employee's final predikat by year (the later post of a year split by a transfer closes it)."""
    by_year: dict[tuple[str, int], YearResult] = {}
    for r in rows:
        if r["predikat"]:
            key = (r["employee_nip"], int(r["year"]))
            by_year[key] = YearResult(int(r["year"]), r["predikat"], r["rule_set_id"], str(r["appraisal_id"]))
    found: dict[str, list[YearResult]] = {}
    for (nip, _), result in sorted(by_year.items(), key=lambda kv: kv[0][1]):
        found.setdefault(nip, []).append(result)
    return found


def _entry(e: Any) -> dict[str, Any]:
    return {
        "on": e.on.isoformat(),
        "kind": e.kind,
        "jenjang": e.jenjang,
        "amount": e.amount,
        "predikat": e.predikat,
        "months": e.months,
        "rule_set_id": e.rule_set_id,
        "source": e.source,
    }


def _eligibility(ledger: Ledger, today: date) -> dict[str, Any]:
    rules = rule_set(DEFAULT_RULE_SET)
    if not ledger.jenjang:
        return {"eligible": False, "next": None, "reasons": [], "next_proposal": None, "functional": False}
    verdict = eligibility(ledger, rules, today=today)
    return {
        "functional": True,
        "eligible": verdict.eligible,
        "next": verdict.next,
        "next_title": rules.career.level(verdict.next).title if verdict.next else None,
        "reasons": [{"code": said.code, "params": dict(params)} for said, params in verdict.reasons],
        "next_proposal": verdict.next_proposal.isoformat() if verdict.next_proposal else None,
    }


class Careers:
    """The ledger, the 9-box and the trends, read and written under the caller's relationship."""

    def __init__(self, appraisals: Appraisals, readside: ReadSide, clock: Callable[[], datetime]) -> None:
        self.app, self.readside, self.clock = appraisals, readside, clock

    # --- who may ----------------------------------------------------------------------------------

    async def _agency(self, code: str) -> Agency:
        return await run_in_threadpool(self.app.agency, code)

    def _hr_here(self, actor: Actor, agency: Agency) -> bool:
        try:
            require_agency_hr(actor, agency.code)
        except ApiError:
            return False
        return True

    async def overseen(self, actor: Actor, code: str) -> Agency:
        """An agency's career views: its own HR and auditors (403 for anyone else, HR of another agency too)."""
        require_agency_hr(actor, code, auditors_read=True)
        return await self._agency(code)

    async def _writable(self, actor: Actor, code: str) -> Agency:
        """HR of this agency only (auditors are read-only, HR of another agency is refused)."""
        require_agency_hr(actor, code)
        return await self._agency(code)

    async def _person(self, actor: Actor, code: str, nip: str) -> Agency:
        """One person's ledger and trend: the person, their agency's HR, auditors; 404 for anyone else."""
        try:
            agency = await self._agency(code)
        except NotFound:
            raise ApiError.of(404, "NotFound", NOT_READABLE, nip=nip) from None
        if nip in agency.employees and (
            actor.nip == nip or is_auditor(actor) or await run_in_threadpool(self._hr_here, actor, agency)
        ):
            return agency
        raise ApiError.of(404, "NotFound", NOT_READABLE, nip=nip)

    async def agency_of(self, nip: str) -> str | None:
        """The agency whose org data holds this employee (the employee's own pages)."""
        found = await run_in_threadpool(self.readside.employee, nip)
        return str(found["agency_id"]) if found else None

    # --- the ledger -------------------------------------------------------------------------------

    async def _all_results(self, code: str) -> dict[str, list[YearResult]]:
        rows: list[dict[str, Any]] = await self.readside.call("agency_results", code)
        return _results(rows)

    def _ledger(self, agency: Agency, nip: str, results: list[YearResult]) -> Ledger:
        first, changes = jabatan_facts(agency, nip)
        return derive(nip, first, changes, results, RULE_SETS, rule_set(DEFAULT_RULE_SET))

    def _today(self, agency: Agency) -> date:
        return local_day(self.clock(), agency.time_zone)

    def _view(self, agency: Agency, nip: str, ledger: Ledger, results: list[YearResult]) -> dict[str, Any]:
        e = agency.employees[nip]
        history = [h for h in getattr(agency, "jabatan_history", []) if h["nip"] == nip]
        return {
            "agency_id": agency.code,
            "agency_name": agency.name,
            "time_zone": agency.time_zone,
            "nip": nip,
            "name": e["name"],
            "position": e["position"],
            "rank": e["rank"],
            "unit_id": e["unit_id"],
            "unit_name": agency.units[e["unit_id"]]["name"],
            "jenjang": ledger.jenjang,
            "jenjang_title": rule_set(DEFAULT_RULE_SET).career.level(ledger.jenjang).title if ledger.jenjang else "",
            "balance": ledger.balance,
            "entries": [_entry(x) for x in ledger.entries],
            "eligibility": _eligibility(ledger, self._today(agency)),
            "pangkat": self._pangkat(e, results, self._today(agency)),
            "years": [vars(y) for y in accumulated(ledger)],
            "predikat": [{"year": r.year, "predikat": r.predikat, "rule_set_id": r.rule_set_id} for r in results],
            "jabatan_history": history,
        }

    @staticmethod
    def _pangkat(e: Mapping[str, Any], results: list[YearResult], today: date) -> dict[str, Any]:
        """Kenaikan pangkat under the follow-up table: the last years' final predikat and the years in rank."""
        since = date.fromisoformat(e["rank_since"]) if e.get("rank_since") else None
        newest_first = [r.predikat for r in sorted(results, key=lambda r: -r.year)]
        eligible, reasons, proposal = pangkat_eligibility(rule_set(DEFAULT_RULE_SET), newest_first, since, today=today)
        return {
            "rank": e.get("rank", ""),
            "rank_since": since.isoformat() if since else None,
            "years_in_rank": years_in_rank(since, today) if since else None,
            "eligible": eligible,
            "reasons": reasons,
            "next_proposal": proposal.isoformat(),
        }

    async def ledger(self, actor: Actor, code: str, nip: str) -> dict[str, Any]:
        """An employee's ledger, eligibility and trend (predikat over the years, angka kredit accumulated)."""
        agency = await self._person(actor, code, nip)
        results = (await self._all_results(code)).get(nip, [])
        return self._view(agency, nip, self._ledger(agency, nip, results), results)

    async def people(self, actor: Actor, code: str, unit_id: str | None = None) -> dict[str, Any]:
        """HR's and the auditor's per-unit view: each employee's jenjang, balance, last predikat, eligibility."""
        agency = await self.overseen(actor, code)
        results = await self._all_results(code)
        rows = []
        for nip, e in sorted(agency.employees.items(), key=lambda kv: (kv[1]["unit_id"], kv[1]["name"])):
            if unit_id and e["unit_id"] != unit_id:
                continue
            mine = results.get(nip, [])
            ledger = self._ledger(agency, nip, mine)
            rows.append(
                {
                    "nip": nip,
                    "name": e["name"],
                    "position": e["position"],
                    "unit_id": e["unit_id"],
                    "unit_name": agency.units[e["unit_id"]]["name"],
                    "jenjang": ledger.jenjang,
                    "balance": ledger.balance if ledger.jenjang else None,
                    "last_predikat": mine[-1].predikat if mine else None,
                    "last_year": mine[-1].year if mine else None,
                    "eligibility": _eligibility(ledger, self._today(agency)),
                }
            )
        return {"agency_id": agency.code, "agency_name": agency.name, "units": self._units(agency), "people": rows}

    @staticmethod
    def _units(agency: Agency) -> list[dict[str, str]]:
        return [
            {"unit_id": u, "name": x["name"]} for u, x in sorted(agency.units.items(), key=lambda kv: kv[1]["name"])
        ]

    async def recompute(self, actor: Actor, code: str, nip: str) -> dict[str, Any]:
        """The auditor's check: the ledger from the read model beside the ledger derived again from each
        appraisal's own events (its final predikat and its cycle's rule set), entry by entry."""
        agency = await self.overseen(actor, code)
        if nip not in agency.employees:
            raise ApiError.of(404, "NotFound", NOT_READABLE, nip=nip)
        shown = (await self._all_results(code)).get(nip, [])
        from_log, at_follow_up = await run_in_threadpool(self._results_from_log, shown)
        a, b = self._ledger(agency, nip, shown), self._ledger(agency, nip, from_log)
        rows = []
        for i in range(max(len(a.entries), len(b.entries))):
            x = a.entries[i] if i < len(a.entries) else None
            y = b.entries[i] if i < len(b.entries) else None
            again = percent = coefficient = None
            if y is not None and y.kind == "result" and y.predikat:
                rules = rule_set(y.rule_set_id)  # the rule set in force for that year's cycle
                percent = rules.angka_kredit_percent[y.predikat]
                coefficient = rules.career.level(y.jenjang).coefficient
                again = rules.angka_kredit(y.predikat, coefficient, y.months)
            rows.append(
                {
                    "shown": _entry(x) if x else None,
                    "from_log": _entry(y) if y else None,
                    "recomputed": again,
                    "percent": percent,
                    "coefficient": coefficient,
                    # The year's angka kredit the follow-up recorded (a whole year at the jenjang of the cycle's
                    # participant record), beside a line of twelve months: they agree unless a rule changed.
                    "at_follow_up": at_follow_up.get(y.source) if y is not None and y.months == 12 else None,
                    "same": x == y and (again is None or (y is not None and again == y.amount)),
                }
            )
        view = self._view(agency, nip, b, from_log)
        return {**view, "checks": rows, "ok": all(r["same"] for r in rows)}

    def _results_from_log(self, shown: list[YearResult]) -> tuple[list[YearResult], dict[str, float]]:
        """Each year's final predikat and rule set from the appraisal's own events, and the angka kredit its
        follow-up decision recorded (where the participant record carried a coefficient)."""
        found, recorded = [], {}
        for r in shown:
            appraisal = self.app.appraisal(UUID(r.source))
            if appraisal.stage == FINALISED and appraisal.predikat:
                found.append(YearResult(r.year, appraisal.predikat, appraisal.rule_set_id, r.source))
                figure = (appraisal.follow_up or {}).get("angka_kredit")
                if figure is not None:
                    recorded[r.source] = float(figure)
        return found, recorded

    async def change_jabatan(
        self, actor: Actor, code: str, nip: str, fields: Mapping[str, Any], key: str
    ) -> dict[str, Any]:
        """HR records a change of jabatan by decree; the ledger carries the balance over (or spends a move up)."""
        await self._writable(actor, code)
        at = self.clock()
        await run_in_threadpool(
            lambda: self.app.change_jabatan(
                code,
                nip,
                position=str(fields.get("position", "")),
                jenjang=str(fields.get("jenjang", "")),
                decree=str(fields.get("decree", "")),
                effective=fields["effective"],
                by=actor,
                at=at,
                key=key,
            )
        )
        await self.readside.wrote(Agency.create_id(code))  # the ledger reads the agency's own record, not a projection
        return await self.ledger(actor, code, nip)

    # --- the 9-box --------------------------------------------------------------------------------

    async def record_assessment(
        self, actor: Actor, code: str, nip: str, source: str, on: date, scores: Mapping[str, Any], key: str
    ) -> dict[str, Any]:
        """HR records a potential assessment (source, date, the score of each part)."""
        await self._writable(actor, code)
        at = self.clock()
        agency = await run_in_threadpool(
            lambda: self.app.record_assessment(code, nip, source=source, on=on, scores=scores, by=actor, at=at, key=key)
        )
        await self.readside.wrote(Agency.create_id(code))
        mine = [a for a in assessments_of(agency) if a.nip == nip]
        latest = mine[-1]
        rules = rule_set(DEFAULT_RULE_SET)
        return {
            "nip": nip,
            "source": latest.source,
            "on": latest.on.isoformat(),
            "scores": dict(latest.scores),
            "potential_score": potential_score(rules, latest),
            "assessments": len(mine),
        }

    async def grid(self, actor: Actor, code: str, year: int | None = None) -> dict[str, Any]:
        """The 9-box of a year (the latest with results by default), each person's box across the years, who
        has no assessment yet, and the talent pools per jabatan level."""
        agency = await self.overseen(actor, code)
        results = await self._all_results(code)
        years = sorted({r.year for rs in results.values() for r in rs})
        if year is None:
            year = years[-1] if years else local_day(self.clock(), agency.time_zone).year
        if not 2000 <= year <= 2100:
            raise InvalidInput("year", NO_YEAR, first=2000, last=2100)
        assessed = assessments_of(agency)
        placements: list[Placement] = []
        unplaced = []
        for nip, rs in results.items():
            if nip not in agency.employees:
                continue
            for r in rs:
                rules = rule_set(r.rule_set_id)
                try:
                    placements.append(place(rules, nip=nip, year=r.year, predikat=r.predikat, assessments=assessed))
                except InvalidInput:
                    if r.year == year:
                        unplaced.append({"nip": nip, "name": agency.employees[nip]["name"], "predikat": r.predikat})
        rules = rule_set(DEFAULT_RULE_SET)
        level = {nip: level_of(rules, e) for nip, e in agency.employees.items()}
        this_year = [p for p in placements if p.year == year]
        pooled = pools(rules, [p for p in placements if p.year <= year], level)
        return {
            "agency_id": agency.code,
            "agency_name": agency.name,
            "year": year,
            "years": years,
            "boxes": {str(k[0]) + "|" + k[1]: v for k, v in rules.talent.boxes.items()},
            "placements": [self._placed(agency, p, level) for p in sorted(this_year, key=lambda p: (-p.box, p.nip))],
            "unplaced": sorted(unplaced, key=lambda u: u["name"]),
            "history": self._history(agency, placements),
            "pools": {
                lvl: [self._placed(agency, p, level) for p in members] for lvl, members in sorted(pooled.items())
            },
            "pool_boxes": list(rules.talent.pool_boxes),
            "sources": {"talent": rules.talent.source, "career": rules.career.source},
        }

    @staticmethod
    def _placed(agency: Agency, p: Placement, level: Mapping[str, str]) -> dict[str, Any]:
        e = agency.employees[p.nip]
        return {
            "year": p.year,
            "nip": p.nip,
            "name": e["name"],
            "unit_name": agency.units[e["unit_id"]]["name"],
            "level": level.get(p.nip, "-"),
            "predikat": p.predikat,
            "performance": p.performance,
            "potential_score": p.potential_score,
            "potential": p.potential,
            "box": p.box,
            "assessment_source": p.assessment_source,
            "assessed_on": p.assessed_on.isoformat(),
        }

    @staticmethod
    def _history(agency: Agency, placements: list[Placement]) -> list[dict[str, Any]]:
        people: dict[str, dict[str, Any]] = {}
        for p in sorted(placements, key=lambda p: p.year):
            row = people.setdefault(p.nip, {"nip": p.nip, "name": agency.employees[p.nip]["name"], "boxes": {}})
            row["boxes"][str(p.year)] = p.box
        return sorted(people.values(), key=lambda r: r["name"])

    async def export(self, actor: Actor, code: str, year: int | None, fmt: str) -> tuple[str, str]:
        """The year's grid as CSV or JSON (the same rows; the pool flag says who is in a pool box)."""
        if fmt not in EXPORT_FORMATS:
            raise InvalidInput("format", EXPORT_FORMAT, formats=", ".join(EXPORT_FORMATS))
        grid = await self.grid(actor, code, year)
        pool = set(grid["pool_boxes"])
        rows = [
            {
                "tahun": p["year"],
                "nip": p["nip"],
                "nama": p["name"],
                "unit": p["unit_name"],
                "tingkat_jabatan": p["level"],
                "predikat": p["predikat"],
                "kinerja": p["performance"],
                "skor_potensial": p["potential_score"],
                "potensial": p["potential"],
                "kotak": p["box"],
                "sumber_asesmen": p["assessment_source"],
                "tanggal_asesmen": p["assessed_on"],
                "kelompok_talenta": p["box"] in pool,
            }
            for p in grid["placements"]
        ]
        if fmt == "json":
            body = {"agency_id": grid["agency_id"], "year": grid["year"], "fields": list(EXPORT_FIELDS), "rows": rows}
            return json.dumps(body, ensure_ascii=False, indent=1), "application/json"
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
        return out.getvalue(), "text/csv; charset=utf-8"

    # --- trends -----------------------------------------------------------------------------------

    async def unit_trend(self, actor: Actor, code: str, unit_id: str | None) -> dict[str, Any]:
        """Per unit (or the agency): predikat counts per year and the angka kredit its functional staff earned."""
        agency = await self.overseen(actor, code)
        results = await self._all_results(code)
        years: dict[int, dict[str, Any]] = {}
        for nip, rs in results.items():
            if nip not in agency.employees or (unit_id and agency.employees[nip]["unit_id"] != unit_id):
                continue
            for line in accumulated(self._ledger(agency, nip, rs)):
                row = years.setdefault(line.year, {"earned": 0.0})
                row["earned"] = round(row["earned"] + line.earned, 3)
            for r in rs:
                row = years.setdefault(r.year, {"earned": 0.0})
                counts = row.setdefault("counts", dict.fromkeys(PREDIKATS, 0))
                counts[r.predikat] += 1
        total = 0.0
        series = []
        for y in sorted(years):
            total = round(total + years[y]["earned"], 3)
            counts = years[y].get("counts", dict.fromkeys(PREDIKATS, 0))
            series.append(
                {
                    "year": y,
                    "counts": counts,
                    "people": sum(counts.values()),
                    "earned": years[y]["earned"],
                    "total_earned": total,
                }
            )
        unit_name = agency.units[unit_id]["name"] if unit_id and unit_id in agency.units else None
        return {
            "agency_id": agency.code,
            "agency_name": agency.name,
            "unit_id": unit_id,
            "unit_name": unit_name,
            "units": self._units(agency),
            "years": series,
        }


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
