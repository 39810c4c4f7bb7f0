"""The daily log (catatan harian, §13: every working day from 2026) and how it rolls up into a period's realisation.

An entry is one line about one RHK on one day of the agency's calendar, with the evidence files it cites.
The files themselves are not in the log: each is stored content-addressed beside it, and the entry records
what proves it is the same file (its SHA-256), its size and its type. The day decides the period: the
quarter (or month) whose check-in month is the first at or after the day's month (domain/rules.py periods).

A period's realisation of an RHK (§2.2 pendokumentasian) is what the period's record holds for it: the
realisation the employee reported for the period (ProgressReported, with its link), and the daily entries
of the period, their days and files. `roll_up` computes it; pages and the API show it and never count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from domain import calendar
from domain.base import require
from domain.errors import InvalidInput, refusal
from domain.execution import NOT_AN_RHK
from domain.rules import RuleSet
from domain.stages import EXECUTION, REVIEW, AppraisalState, Facts
from domain.text import LINE, NAME
from domain.work_commands import LogDailyWork

# The evidence a daily entry may cite: the type as sniffed from the file's bytes, and its usual extension.
EVIDENCE_TYPES: Mapping[str, str] = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
EVIDENCE_LIMIT_BYTES = 5 * 2**20  # a scanned page or a phone photo; larger files belong in the agency's archive
EVIDENCE_PER_ENTRY = 3
_SHA256 = re.compile(r"[0-9a-f]{64}")

ONLY_OWN = refusal("daily_log.own", "only the employee keeps their own daily log")
FUTURE_DAY = refusal("daily_log.future_day", "must be today ({today}) or a day before, not a day to come")
CYCLE_YEAR = refusal("daily_log.cycle_year", "must fall in the cycle's year {year}, got {day}")
NO_PERIOD_KIND = refusal("daily_log.periods", "the appraisal's periods {periods} are not a kind of the rule set")
NOT_A_SHA256 = refusal("evidence.sha256", "must be a SHA-256: 64 hex digits 0-9, a-f")
WRONG_TYPE = refusal("evidence.type", "must be a PDF, JPEG or PNG file")
WRONG_SIZE = refusal("evidence.size", "must be a file of 1 byte to {limit} MB")
NOT_A_REFERENCE = refusal("evidence.reference", "must name a stored file (sha256, size, type, name)")
TOO_MANY_FILES = refusal("evidence.count", "at most {limit} files per entry")
CITED_TWICE = refusal("evidence.twice", "the same file is cited twice")


def check_sha256(field: str, value: object) -> str:
    """A SHA-256 as 64 lower-case hex digits: the only name a stored evidence file has."""
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise InvalidInput(field, NOT_A_SHA256)
    return value


def wrong_type(field: str) -> InvalidInput:
    return InvalidInput(field, WRONG_TYPE)


def wrong_size(field: str) -> InvalidInput:
    return InvalidInput(field, WRONG_SIZE, limit=EVIDENCE_LIMIT_BYTES // 2**20)


def check_evidence_file(field: str, size: object, kind: object) -> None:
    """The limits on an evidence file: its (sniffed) type and its size."""
    if kind not in EVIDENCE_TYPES:
        raise wrong_type(field)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= EVIDENCE_LIMIT_BYTES:
        raise wrong_size(field)


def check_evidence(refs: Iterable[Any]) -> list[dict[str, Any]]:
    """The evidence references of an entry, checked: sha256, size, type, and the file's name as shown."""
    checked: list[dict[str, Any]] = []
    for i, ref in enumerate(refs):
        field = f"evidence[{i}]"
        if not isinstance(ref, Mapping):
            raise InvalidInput(field, NOT_A_REFERENCE)
        sha256 = check_sha256(f"{field}.sha256", ref.get("sha256"))
        check_evidence_file(field, ref.get("size"), ref.get("type"))
        name = NAME.optional().check(f"{field}.name", ref.get("name", ""))
        checked.append({"sha256": sha256, "size": ref["size"], "type": ref["type"], "name": name})
    if len(checked) > EVIDENCE_PER_ENTRY:
        raise InvalidInput("evidence", TOO_MANY_FILES, limit=EVIDENCE_PER_ENTRY)
    if len({ref["sha256"] for ref in checked}) != len(checked):
        raise InvalidInput("evidence", CITED_TWICE)
    return checked


def period_of(rules: RuleSet, periods: Sequence[str], day: date) -> str:
    """The period (of the kind the appraisal follows) a day belongs to: the first whose check-in month is at
    or after the day's month (Q1 = January-March, ..., Q4 = October-December; M01..M12 month by month)."""
    for months in rules.periods.values():
        if list(months) == list(periods):
            return next(period for period, last in months.items() if day.month <= last)
    raise InvalidInput("period", NO_PERIOD_KIND, periods=", ".join(periods))


class DailyLog(AppraisalState):
    """The rules of the daily log: the employee's own, while the year's work is open."""

    daily_log: list[dict[str, Any]]

    def log_daily_work(self, cmd: LogDailyWork, at: datetime, facts: Facts) -> None:
        require(cmd.by.nip == self.employee_nip, ONLY_OWN)
        self._require_stage(EXECUTION, REVIEW)
        day = calendar.parse_day("day", cmd.day)
        today = calendar.local_day(at, self.time_zone)
        if day > today:
            raise InvalidInput("day", FUTURE_DAY, today=today)
        if cmd.rhk_id not in {r["id"] for r in self.rhk}:
            raise InvalidInput("rhk_id", NOT_AN_RHK, rhk_id=cmd.rhk_id)
        line = LINE.check("text", cmd.text)
        evidence = check_evidence(cmd.evidence)
        year = facts.cycle_year()
        if day.year != year:
            raise InvalidInput("day", CYCLE_YEAR, year=year, day=day)
        period = period_of(self.rules, self.periods, day)
        self._require_taking_part(facts)
        self._daily_logged(cmd.by.nip, day.isoformat(), period, cmd.rhk_id, line, evidence, at)

    def cites(self, sha256: str) -> dict[str, Any] | None:
        """The evidence reference of a file some daily entry of this appraisal cites, or None."""
        for entry in self.__dict__.get("daily_log", []):
            for ref in entry["evidence"]:
                if ref["sha256"] == sha256:
                    return dict(ref)
        return None


def roll_up(
    periods: Sequence[str],
    rhk: Sequence[Mapping[str, Any]],
    progress: Sequence[Mapping[str, Any]],
    daily_log: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Each period's realisation, RHK by RHK, in the order of the periods and the SKP (only where the period
    holds something): the realisation reported (the last report of the period) with the links given, and the
    daily entries of the period: how many, on how many days, the first and last day, the files they cite."""
    rows = []
    for period in periods:
        for r in rhk:
            reports = [p for p in progress if p["period"] == period and p["rhk_id"] == r["id"]]
            entries = [e for e in daily_log if e["period"] == period and e["rhk_id"] == r["id"]]
            if not reports and not entries:
                continue
            days = sorted({e["day"] for e in entries})
            rows.append(
                {
                    "period": period,
                    "rhk_id": r["id"],
                    "rhk_text": r.get("text", ""),
                    "reported": reports[-1]["realisation"] if reports else "",
                    "links": [p["evidence"] for p in reports if p["evidence"]],
                    "entries": len(entries),
                    "days": len(days),
                    "first_day": days[0] if days else None,
                    "last_day": days[-1] if days else None,
                    "files": sum(len(e["evidence"]) for e in entries),
                }
            )
    return rows
