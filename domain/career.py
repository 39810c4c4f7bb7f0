"""Angka kredit across years (PerBKN 3/2023, DOMAIN.md §6.2 and §13): a ledger per functional employee.

Each appraisal result earns the predikat's percentage of the jenjang's annual coefficient, prorated by the
months served in the jenjang (`RuleSet.angka_kredit`). The ledger keeps every entry with the rule set it
was computed under, so the auditor recomputes each one under the rules in force at the time. A change of
jabatan carries the balance over; a move up a jenjang spends what the move required. Whether the next
jenjang is open is answered with its reasons (codes, for the message catalogue) and the next proposal date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from domain.career_rules import CareerTable
from domain.errors import InvalidInput, Refusal, refusal
from domain.period_combining import months_before
from domain.rules import PREDIKATS, RuleSet, check_predikat

MONTHS = refusal("career.months", "must be a whole number of months from 1 to 12")
NOT_UP = refusal("career.not_next_jenjang", "a move up goes to the next jenjang, {next}, not {to}")
ENTRY_ORDER = refusal("career.entry_order", "entries follow each other in time: {on} is before {last}")
# Reasons the next jenjang is not open yet (not refusals of a command: they are said on the page).
NEEDS_CREDIT = refusal("career.needs_credit", "needs {required} angka kredit for {next}, has {balance}")
NEEDS_PREDIKAT = refusal("career.needs_predikat", "needs at least {minimum} in the last year, had {predikat}")
NO_RESULT_YET = refusal("career.no_result", "needs a final predikat of the last year")
TOP_JENJANG = refusal("career.top_jenjang", "{jenjang} is the highest jenjang of its category")
NO_RANK_SINCE = refusal("career.rank_since", "the day the current pangkat took effect (TMT) is not recorded")
CHANGE_ORDER = refusal("career.change_order", "a change of jabatan takes effect after the last one ({last})")

# The kinds of ledger line a change of jabatan makes (domain/organisation.py records them with the decree).
APPOINTED, CARRIED, MOVE_UP = "appointed", "carried", "move_up"


@dataclass(frozen=True)
class Entry:
    """One line of the ledger: what was earned (or spent) on a day, and under which rules."""

    on: date
    kind: str  # "result" | "carried" | "move_up"
    jenjang: str
    amount: float
    predikat: str | None = None
    months: int = 0
    rule_set_id: str = ""
    source: str = ""  # the appraisal, or the decree of the change of jabatan


@dataclass(frozen=True)
class Eligibility:
    """Whether the next jenjang is open, why not, and when it could be proposed."""

    eligible: bool
    next: str | None
    reasons: tuple[tuple[Refusal, Mapping[str, object]], ...]
    next_proposal: date | None


@dataclass(frozen=True)
class Ledger:
    """An employee's angka kredit, entry by entry; a value, built up by the functions below."""

    nip: str
    jenjang: str
    entries: tuple[Entry, ...] = ()

    @property
    def balance(self) -> float:
        return round(sum(e.amount for e in self.entries), 3)

    @property
    def last_predikat(self) -> str | None:
        results = [e for e in self.entries if e.kind == "result"]
        return results[-1].predikat if results else None

    def _then(self, entry: Entry, jenjang: str | None = None) -> Ledger:
        if self.entries and entry.on < self.entries[-1].on:
            raise InvalidInput("on", ENTRY_ORDER, on=entry.on.isoformat(), last=self.entries[-1].on.isoformat())
        return replace(self, jenjang=jenjang or self.jenjang, entries=(*self.entries, entry))


def earned(rules: RuleSet, jenjang: str, predikat: str, months: int) -> float:
    """Angka kredit of one result: months/12 x the predikat's percentage x the jenjang's coefficient."""
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
        raise InvalidInput("months", MONTHS)
    return rules.angka_kredit(predikat, rules.career.level(jenjang).coefficient, months)


def record_result(
    ledger: Ledger,
    rules: RuleSet,
    *,
    on: date,
    predikat: str,
    months: int = 12,
    source: str = "",
    jenjang: str | None = None,
) -> Ledger:
    """A final (annual or periodic) result enters the ledger at the jenjang held (or the one the months were
    served in, for a year split by a change of jenjang)."""
    held = jenjang or ledger.jenjang
    amount = earned(rules, held, predikat, months)
    entry = Entry(on, "result", held, amount, predikat, months, rules.id, source)
    return ledger._then(entry)


def _title(table: CareerTable, code: str | None) -> str:
    """A jenjang as people name it (its code when the table does not know it, "-" for none)."""
    return "-" if not code else table.jenjang[code].title if code in table.jenjang else code


def change_kind(table: CareerTable, held: str, to: str) -> str:
    """What a change of jabatan to jenjang `to` is for the ledger, or the refusal: a first functional post
    (appointed), the same jenjang (the balance carries over) or the next one (a move up)."""
    table.level(to)
    if not held:
        return APPOINTED
    if held == to:
        return CARRIED
    if table.level(held).next != to:
        raise InvalidInput("jenjang", NOT_UP, next=_title(table, table.level(held).next), to=table.level(to).title)
    return MOVE_UP


def change_jabatan(ledger: Ledger, rules: RuleSet, *, on: date, to: str, decree: str) -> Ledger:
    """A new functional post at the same jenjang: the balance carries over, recorded with the decree."""
    rules.career.level(to)
    return ledger._then(Entry(on, "carried", to, 0.0, None, 0, rules.id, decree), to)


def move_up(ledger: Ledger, rules: RuleSet, *, on: date, to: str, decree: str) -> Ledger:
    """A move to the next jenjang spends the angka kredit it required; what is left carries over."""
    held = rules.career.level(ledger.jenjang)
    if held.next != to:
        raise InvalidInput("to", NOT_UP, next=_title(rules.career, held.next), to=_title(rules.career, to))
    spent = -(held.for_next or 0.0)
    return ledger._then(Entry(on, "move_up", to, spent, None, 0, rules.id, decree), to)


def eligibility(ledger: Ledger, rules: RuleSet, *, today: date) -> Eligibility:
    """Whether the next jenjang is open today, with every reason it is not, and the next proposal date."""
    table = rules.career
    held = table.level(ledger.jenjang)
    if held.next is None:
        return Eligibility(False, None, ((TOP_JENJANG, {"jenjang": held.title}),), None)
    reasons: list[tuple[Refusal, Mapping[str, object]]] = []
    required = held.for_next or 0.0
    nxt = table.level(held.next)
    if ledger.balance < required:
        reasons.append((NEEDS_CREDIT, {"required": required, "next": nxt.title, "balance": ledger.balance}))
    last = ledger.last_predikat
    if last is None:
        reasons.append((NO_RESULT_YET, {}))
    elif PREDIKATS.index(last) > PREDIKATS.index(table.min_predikat):
        reasons.append((NEEDS_PREDIKAT, {"minimum": table.min_predikat, "predikat": last}))
    return Eligibility(not reasons, held.next, tuple(reasons), table.next_proposal(today))


def recompute(ledger: Ledger, rule_sets: Mapping[str, RuleSet]) -> list[tuple[Entry, float]]:
    """Each result entry beside what its own rule set computes today from the same facts (the auditor's check)."""
    out = []
    for e in ledger.entries:
        if e.kind == "result":
            assert e.predikat is not None
            check_predikat("predikat", e.predikat)
            out.append((e, earned(rule_sets[e.rule_set_id], e.jenjang, e.predikat, e.months)))
    return out


@dataclass(frozen=True)
class JabatanChange:
    """A change of jabatan as the org data records it: from when, to which jenjang, by which decree."""

    on: date
    kind: str  # APPOINTED | CARRIED | MOVE_UP
    jenjang: str
    decree: str


@dataclass(frozen=True)
class YearResult:
    """A final predikat of a year from the log: the appraisal it closes and the rule set of its cycle."""

    year: int
    predikat: str
    rule_set_id: str
    source: str


def first_month(change: JabatanChange) -> tuple[int, int]:
    """(year, month) of the first month served in the new jenjang: the month of the change when it takes
    effect by the 15th, else the next (the rule of a year split by a transfer, domain/period_combining.py)."""
    served_before = months_before(change.on)  # 0..12 months of its year before the change
    return (change.on.year + 1, 1) if served_before == 12 else (change.on.year, served_before + 1)


def months_by_jenjang(year: int, first: str, changes: Iterable[JabatanChange]) -> list[tuple[str, int, date]]:
    """The months of `year` grouped by the jenjang held, in order: (jenjang, months, last day of them).
    `first` is the jenjang held before every change ("" for none: those months earn nothing)."""
    ordered = sorted(changes, key=lambda c: c.on)
    segments: list[tuple[str, int, date]] = []
    for month in range(1, 13):
        held = first
        for c in ordered:
            if first_month(c) <= (year, month):
                held = c.jenjang
        last_day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        if segments and segments[-1][0] == held:
            segments[-1] = (held, segments[-1][1] + 1, last_day)
        else:
            segments.append((held, 1, last_day))
    return [s for s in segments if s[0]]


def derive(
    nip: str,
    first: str,
    changes: Iterable[JabatanChange],
    results: Iterable[YearResult],
    rule_sets: Mapping[str, RuleSet],
    rules: RuleSet,
) -> Ledger:
    """The ledger from the log's facts: each year's final predikat earns, under its cycle's rule set, the
    months served in each jenjang that year; each change of jabatan carries the balance over (a move up
    spends what `rules`, the career table in force, says it required). `first` is the jenjang held before
    the first change recorded."""
    changes = sorted(changes, key=lambda c: c.on)
    lines: list[tuple[date, int, JabatanChange | tuple[YearResult, str, int]]] = [(c.on, 0, c) for c in changes]
    for r in sorted(results, key=lambda r: r.year):
        for jenjang, months, last_day in months_by_jenjang(r.year, first, changes):
            lines.append((last_day, 1, (r, jenjang, months)))
    ledger = Ledger(nip, first)
    for on, _, line in sorted(lines, key=lambda x: (x[0], x[1])):
        if isinstance(line, JabatanChange):
            if line.kind == MOVE_UP and ledger.jenjang:
                ledger = move_up(ledger, rules, on=on, to=line.jenjang, decree=line.decree)
            else:
                ledger = change_jabatan(ledger, rules, on=on, to=line.jenjang, decree=line.decree)
            continue
        result, jenjang, months = line
        ledger = record_result(
            ledger,
            rule_sets[result.rule_set_id],
            on=on,
            predikat=result.predikat,
            months=months,
            source=result.source,
            jenjang=jenjang,
        )
    return ledger


@dataclass(frozen=True)
class YearLine:
    """One year of the trend: its predikat, what it earned, all earned so far and the balance at its end."""

    year: int
    predikat: str
    earned: float
    total_earned: float
    balance: float


def accumulated(ledger: Ledger) -> list[YearLine]:
    """Per year of results, in order (the trend pages): a move up spends balance, never what was earned."""
    years: dict[int, YearLine] = {}
    balance = total = 0.0
    for e in ledger.entries:
        balance = round(balance + e.amount, 3)
        if e.kind == "result" and e.predikat is not None:
            total = round(total + e.amount, 3)
            before = years.get(e.on.year)
            earned_ = round((before.earned if before else 0.0) + e.amount, 3)
            years[e.on.year] = YearLine(e.on.year, e.predikat, earned_, total, balance)
        elif e.on.year in years:
            years[e.on.year] = replace(years[e.on.year], balance=balance)
    return [years[y] for y in sorted(years)]


def years_in_rank(since: date, today: date) -> int:
    """Whole years from the day the pangkat took effect (TMT) to `today`."""
    return max(0, today.year - since.year - ((today.month, today.day) < (since.month, since.day)))


def pangkat_eligibility(
    rules: RuleSet, predikats: list[str], rank_since: date | None, *, today: date
) -> tuple[bool, list[dict[str, object]], date]:
    """Regular promotion (kenaikan pangkat) today under the follow-up table (domain/follow_up.py, §6.1):
    the final predikat of the last years (newest first) and the years in rank; with every reason it is not
    open, and the next proposal date (PerBKN 4/2023, 4/2025)."""
    from domain.follow_up import promotion_check, reason  # noqa: PLC0415 - follow_up imports the stages

    years = years_in_rank(rank_since, today) if rank_since else 0
    eligible, reasons = promotion_check(rules, predikats, years)
    if rank_since is None:
        reasons = [r for r in reasons if r["code"] != "follow_up.needs_years_in_rank"] + [reason(NO_RANK_SINCE)]
        eligible = False
    return eligible, reasons, rules.career.next_proposal(today)
