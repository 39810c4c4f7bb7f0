"""Reading HR's organisation CSV: one line per employee, with the agency and unit they belong to.

Every problem names the physical line (the header is line 1), the column and the
reason; all lines are checked before anything is written. NIPs go through
domain.nip.check_nip, so the message says which part of the NIP is wrong.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from domain import calendar
from domain.errors import REQUIRED as IS_REQUIRED
from domain.errors import DomainError, InvalidInput, Refusal
from domain.nip import check_nip
from domain.org_refusals import (
    DIFFERS,
    LOOP,
    NIP_REPEATS,
    NO_COLUMN,
    NO_COLUMNS,
    NO_LINES,
    NOT_YES_OR_NO,
    SECOND_HEAD,
    SUPERVISES_SELF,
    UNKNOWN_SUPERVISOR,
    ZONE_REQUIRED,
)
from domain.organisation import Agency
from domain.pppk import check_contract
from domain.pppk_rules import PPPK
from domain.rules import DEFAULT_RULE_SET, rule_set
from domain.text import CODE, ITEM, NAME, RANK, check_email

REQUIRED = ("agency_code", "agency_name", "time_zone", "unit_code", "unit_name", "nip", "name", "supervisor_nip")
# `jenjang` (#14): the jenjang of a functional post (a code of the rule set's career table), empty for others;
# `rank_since`: the day the current pangkat took effect (TMT pangkat), for the kenaikan pangkat's years in rank.
OPTIONAL = ("position", "rank", "unit_head", "change_reason", "effective_date", "email", "jenjang", "rank_since")
# #14: employment (pns, pppk, pppk_paruh_waktu) and a PPPK contract's first and last day; all empty: kept as recorded.
CONTRACT_COLUMNS = ("employment", "contract_start", "contract_end")
# The rule of each text column (domain/text.py); NIPs and dates have their own checks.
TEXTS = {
    "agency_code": CODE,
    "agency_name": NAME,
    "time_zone": CODE,
    "unit_code": CODE,
    "unit_name": NAME,
    "name": NAME,
    "position": NAME,
    "rank": RANK,
    "unit_head": CODE,
    "change_reason": ITEM,
}
YES, NO = {"y", "ya", "yes", "1", "true"}, {"", "n", "tidak", "no", "0", "false"}


@dataclass(frozen=True)
class Problem:
    """A refused line of the file: where, and the refusal's code and figures (said in English as `reason`)."""

    line: int
    field: str
    reason: str
    code: str = ""
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, line: int, field: str, said: Refusal, /, **params: Any) -> Problem:
        return cls(line, field, said.say(params), said.code, params)

    @classmethod
    def refused(cls, line: int, e: DomainError) -> Problem:
        """A rule's refusal of one value of the line (a NIP, a date, a text); without a field, the line's NIP."""
        where = e.field if isinstance(e, InvalidInput) else "nip"
        return cls(line, where, str(e).removeprefix(f"{where}: "), e.code, dict(e.params))

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.reason}"


@dataclass(frozen=True)
class Line:
    """One valid employee line."""

    line: int
    agency_code: str
    agency_name: str
    time_zone: str
    unit_code: str
    unit_name: str
    nip: str
    name: str
    position: str
    rank: str
    supervisor_nip: str | None
    unit_head: bool
    change_reason: str
    effective_date: date | None
    email: str = ""  # where notifications go; empty: none (they are dead-lettered "tanpa alamat email")
    contract: dict[str, str] | None = None  # #14: the employment and contract the line states (None: not stated)
    jenjang: str | None = None  # None: the file has no jenjang column, and the org data keeps what it holds
    rank_since: str | None = None  # None: no rank_since column (the same)

    def employee(self) -> dict[str, Any]:
        found = {
            "nip": self.nip,
            "name": self.name,
            "position": self.position,
            "rank": self.rank,
            "unit_id": self.unit_code,
            "supervisor_nip": self.supervisor_nip,
            "email": self.email,
        }
        if self.jenjang is not None:
            found["jenjang"] = self.jenjang
        if self.rank_since is not None:
            found["rank_since"] = self.rank_since
        return found


def check_rank_since(value: str, today: date | None) -> date:
    """The TMT of the current pangkat: a day, not after today."""
    return calendar.parse_day("rank_since", value, latest=today) if today else calendar.parse_day("rank_since", value)


def contract_rules() -> Any:
    return rule_set(DEFAULT_RULE_SET)


def _delimiter(text: str) -> str:
    """',' by default; ';' when the header uses it, as spreadsheets set to Indonesian save CSV files
    (the decimal comma makes ';' their list separator)."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def read(
    text: str, existing: Callable[[str], Agency | None], today: date | None = None
) -> tuple[list[Line], list[Problem]]:
    """Parse and check the whole file against itself and the agencies already registered (by code)."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing and len(header) <= 1:
        return [], [Problem.of(1, "header", NO_COLUMNS, columns=", ".join(REQUIRED))]
    if missing:
        return [], [Problem.of(1, c, NO_COLUMN) for c in missing]
    reader.fieldnames = header
    lines, problems = [], []
    named: set[tuple[str, str]] = set()  # (agency, NIP) of every line, valid or not
    for raw in reader:
        found: list[Problem] = []
        values = {k: (raw.get(k) or "").strip() for k in REQUIRED + OPTIONAL + CONTRACT_COLUMNS}
        named.add((values["agency_code"], values["nip"]))
        line = _line(reader.line_num, values, found, today, {c for c in ("jenjang", "rank_since") if c in header})
        problems += found
        if line is not None:
            lines.append(line)
    if not lines and not problems:
        problems.append(Problem.of(1, "file", NO_LINES))
    problems += _across_lines(lines, existing, named)
    return lines, sorted(problems, key=lambda p: p.line)


def _line(n: int, v: dict[str, str], problems: list[Problem], today: date | None, given: set[str]) -> Line | None:
    def check(fn: Any) -> Any:
        try:
            return fn()
        except InvalidInput as e:
            problems.append(Problem.refused(n, e))
            return None

    for name in ("agency_code", "agency_name", "unit_code", "unit_name", "nip", "name"):
        if not v[name]:
            problems.append(Problem.of(n, name, IS_REQUIRED))
    for name, rule in TEXTS.items():
        if v[name]:
            check(partial(rule.check, name, v[name]))
    if v["time_zone"]:
        check(lambda: calendar.zone(v["time_zone"]))
    else:
        problems.append(Problem.of(n, "time_zone", ZONE_REQUIRED, zones=", ".join(calendar.ZONES)))
    if v["nip"]:
        check(lambda: check_nip(v["nip"], "nip", today))
    if v["supervisor_nip"]:
        check(lambda: check_nip(v["supervisor_nip"], "supervisor_nip", today))
        if v["supervisor_nip"] == v["nip"]:
            problems.append(Problem.of(n, "supervisor_nip", SUPERVISES_SELF))
    if v["unit_head"].lower() not in YES | NO:
        problems.append(Problem.of(n, "unit_head", NOT_YES_OR_NO, value=v["unit_head"]))
    email = check(lambda: check_email("email", v["email"])) if v["email"] else ""
    contract = None
    if any(v[c] for c in CONTRACT_COLUMNS):
        found = v["employment"] or PPPK  # contract days without an employment: a PPPK contract
        contract = check(lambda: check_contract(contract_rules().pppk, found, v["contract_start"], v["contract_end"]))
    if v["jenjang"]:
        check(lambda: rule_set(DEFAULT_RULE_SET).career.level(v["jenjang"]))
    if v["rank_since"]:
        check(lambda: check_rank_since(v["rank_since"], today))
    effective = None
    if v["effective_date"]:
        effective = check(lambda: calendar.parse_day("effective_date", v["effective_date"]))
    if problems:
        return None
    return Line(
        n,
        v["agency_code"],
        v["agency_name"],
        v["time_zone"],
        v["unit_code"],
        v["unit_name"],
        v["nip"],
        v["name"],
        v["position"],
        v["rank"],
        v["supervisor_nip"] or None,
        v["unit_head"].lower() in YES,
        v["change_reason"],
        effective,
        email,
        contract,
        v["jenjang"] if "jenjang" in given else None,
        v["rank_since"] if "rank_since" in given else None,
    )


def _across_lines(
    lines: list[Line], existing: Callable[[str], Agency | None], named: set[tuple[str, str]]
) -> list[Problem]:
    """Consistency the single lines cannot show: duplicates, names, heads, supervisors, loops."""
    problems: list[Problem] = []
    first: dict[tuple[str, ...], Line] = {}
    for line in lines:
        seen = first.setdefault(("nip", line.nip), line)
        if seen is not line:
            problems.append(Problem.of(line.line, "nip", NIP_REPEATS, nip=line.nip, line=seen.line))
        for field, key, owner in (
            ("agency_name", (line.agency_code,), "agency_code"),
            ("time_zone", (line.agency_code,), "agency_code"),
            ("unit_name", (line.agency_code, line.unit_code), "unit_code"),
        ):
            seen = first.setdefault((field, *key), line)
            if getattr(seen, field) != getattr(line, field):
                value = getattr(seen, field)
                problems.append(Problem.of(line.line, field, DIFFERS, line=seen.line, owner=owner, value=value))
        if line.unit_head:
            seen = first.setdefault(("head", line.agency_code, line.unit_code), line)
            if seen is not line:
                unit = (line.unit_code, line.unit_name)
                problems.append(
                    Problem.of(line.line, "unit_head", SECOND_HEAD, unit_id=unit[0], unit_name=unit[1], line=seen.line)
                )
    supervisors: dict[str, dict[str, str | None]] = {}
    for code in {line.agency_code for line in lines}:
        agency = existing(code)
        known = {nip: e["supervisor_nip"] for nip, e in agency.employees.items()} if agency else {}
        supervisors[code] = {**known, **{x.nip: x.supervisor_nip for x in lines if x.agency_code == code}}
    for line in lines:
        chain = supervisors[line.agency_code]
        if line.supervisor_nip and line.supervisor_nip not in chain:
            if (line.agency_code, line.supervisor_nip) in named:
                continue  # the supervisor's own line is wrong, and reported there
            nip, agency_id, agency_name = line.supervisor_nip, line.agency_code, line.agency_name
            problems.append(
                Problem.of(
                    line.line,
                    "supervisor_nip",
                    UNKNOWN_SUPERVISOR,
                    nip=nip,
                    agency_id=agency_id,
                    agency_name=agency_name,
                )
            )
            continue
        loop = reporting_loop(line.nip, chain)
        if loop:
            problems.append(Problem.of(line.line, "supervisor_nip", LOOP, loop=" -> ".join(loop)))
    return problems


def reporting_loop(nip: str, supervisors: dict[str, str | None]) -> list[str]:
    path, current = [nip], supervisors.get(nip)
    while current is not None and current in supervisors:
        path.append(current)
        if current == nip:
            return path
        if len(path) > len(supervisors) + 1:
            return []  # a loop higher up, reported on the lines that form it
        current = supervisors.get(current)
    return []
