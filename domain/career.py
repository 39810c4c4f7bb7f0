"""Angka kredit across years (PerBKN 3/2023, DOMAIN.md §6.2 and §13): a ledger per functional employee.

Each appraisal result earns the predikat's percentage of the jenjang's annual coefficient, prorated by the
months served in the jenjang (`RuleSet.angka_kredit`). The ledger keeps every entry with the rule set it
was computed under, so the auditor recomputes each one under the rules in force at the time. A change of
jabatan carries the balance over; a move up a jenjang spends what the move required. Whether the next
jenjang is open is answered with its reasons (codes, for the message catalogue) and the next proposal date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from domain.errors import InvalidInput, Refusal, refusal
from domain.rules import PREDIKATS, RuleSet, check_predikat

MONTHS = refusal("career.months", "must be a whole number of months from 1 to 12")
NOT_UP = refusal("career.not_next_jenjang", "a move up goes to the next jenjang, {next}, not {to}")
ENTRY_ORDER = refusal("career.entry_order", "entries follow each other in time: {on} is before {last}")
# Reasons the next jenjang is not open yet (not refusals of a command: they are said on the page).
NEEDS_CREDIT = refusal("career.needs_credit", "needs {required} angka kredit for {next}, has {balance}")
NEEDS_PREDIKAT = refusal("career.needs_predikat", "needs at least {minimum} in the last year, had {predikat}")
NO_RESULT_YET = refusal("career.no_result", "needs a final predikat of the last year")
TOP_JENJANG = refusal("career.top_jenjang", "{jenjang} is the highest jenjang of its category")


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
    ledger: Ledger, rules: RuleSet, *, on: date, predikat: str, months: int = 12, source: str = ""
) -> Ledger:
    """A final (annual or periodic) result enters the ledger at the jenjang held."""
    amount = earned(rules, ledger.jenjang, predikat, months)
    entry = Entry(on, "result", ledger.jenjang, amount, predikat, months, rules.id, source)
    return ledger._then(entry)


def change_jabatan(ledger: Ledger, rules: RuleSet, *, on: date, to: str, decree: str) -> Ledger:
    """A new functional post at the same jenjang: the balance carries over, recorded with the decree."""
    rules.career.level(to)
    return ledger._then(Entry(on, "carried", to, 0.0, None, 0, rules.id, decree), to)


def move_up(ledger: Ledger, rules: RuleSet, *, on: date, to: str, decree: str) -> Ledger:
    """A move to the next jenjang spends the angka kredit it required; what is left carries over."""
    held = rules.career.level(ledger.jenjang)
    if held.next != to:
        raise InvalidInput("to", NOT_UP, next=held.next or "-", to=to)
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
