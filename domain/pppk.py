"""PPPK contracts and their renewal dossier (#14): the contract as HR records it in the master data, when the
dossier is due, and the recommendation the appraisal results over the contract give (domain/pppk_rules.py
states the sources and what is unconfirmed).

A contract is a fact of the Agency (`ContractRecorded`, topic `domain.pppk:ContractRecorded`): the employee's
employment (PNS, PPPK, PPPK paruh waktu) and, for PPPK, the first and last day of the contract. The dossier is an
aggregate of its own (`RenewalDossier`), one per contract, produced once by the ContractWorkflow's timer and
then decided by HR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import calendar
from domain.base import Actor, KinerjaAggregate, require
from domain.errors import InvalidInput, WrongStage, refusal
from domain.pppk_rules import (
    CONTRACTED,
    DECLINE,
    EMPLOYMENTS,
    NO_RESULT,
    PNS,
    RENEW,
    WEIGH,
    PppkTable,
)
from domain.ratings import PREDIKATS, check_predikat
from domain.text import TEXT

UNKNOWN_EMPLOYMENT = refusal("pppk.employment", "must be one of {employments}")
CONTRACT_REQUIRED = refusal("pppk.contract_required", "a PPPK contract needs its first and last day")
PNS_NO_CONTRACT = refusal("pppk.pns_no_contract", "a PNS has no contract period")
CONTRACT_ORDER = refusal("pppk.contract_order", "the contract's last day {end} is not after its first day {start}")
CONTRACT_TOO_SHORT = refusal(
    "pppk.contract_too_short", "a PPPK contract runs at least {months} months (PP 49/2018 Pasal 37 ayat (1))"
)
ONLY_HR_CONTRACT = refusal("pppk.who_records", "only HR records an employee's contract")
NO_EMPLOYEE = refusal("pppk.no_employee", "{nip} is not an employee of {agency_id}")
CONTRACT_UNCHANGED = refusal("pppk.unchanged", "{nip}'s contract is already recorded so")
ONLY_HR_DECIDES = refusal("pppk.who_decides", "only HR decides on a contract's renewal")
OWN_DOSSIER = refusal("pppk.own", "nobody decides on their own contract's renewal")
ALREADY_DECIDED = refusal("pppk.decided", "the renewal of this contract is already decided")
NOT_A_DECISION = refusal("pppk.decision", "must be one of {decisions}")

DECISIONS = ("diperpanjang", "tidak_diperpanjang")
# The recommendation's reasons (said on the dossier through the message catalogue, not refusals of a command).
OPEN_YEARS = refusal("pppk.reason.open_years", "the appraisal of {years} is not final yet and is not counted")
NO_FINAL_RESULT = refusal("pppk.reason.no_result", "no final predikat over the contract yet")
POOR = refusal("pppk.reason.poor", "{year}: {predikat}, a predikat that recommends not extending")
BELOW = refusal("pppk.reason.below", "{year}: {predikat}, below {minimum}: HR weighs it")
ALL_GOOD = refusal("pppk.reason.all_good", "every final predikat over the contract is at least {minimum}")


# --- the contract -------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, the day clamped to the month's length (31 Aug - 6 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def check_contract(table: PppkTable, employment: str, start: str, end: str) -> dict[str, str]:
    """An employment and its contract period, checked: PPPK need both days, at least a year apart; PNS none."""
    if employment not in EMPLOYMENTS:
        raise InvalidInput("employment", UNKNOWN_EMPLOYMENT, employments=", ".join(EMPLOYMENTS))
    if employment == PNS:
        if start or end:
            raise InvalidInput("contract_start" if start else "contract_end", PNS_NO_CONTRACT)
        return {"employment": PNS, "contract_start": "", "contract_end": ""}
    if not start or not end:
        raise InvalidInput("contract_start" if not start else "contract_end", CONTRACT_REQUIRED)
    first = calendar.parse_day("contract_start", start)
    last = calendar.parse_day("contract_end", end)
    if last <= first:
        raise InvalidInput("contract_end", CONTRACT_ORDER, start=first.isoformat(), end=last.isoformat())
    # "at least one year": the last day is no earlier than the day before the first's anniversary.
    if last < add_months(first, table.min_contract_months) - timedelta(days=1):
        raise InvalidInput("contract_end", CONTRACT_TOO_SHORT, months=table.min_contract_months)
    return {"employment": employment, "contract_start": first.isoformat(), "contract_end": last.isoformat()}


def dossier_due(table: PppkTable, contract_end: date) -> date:
    """The day the renewal dossier is produced: `lead_months` before the contract's last day."""
    return add_months(contract_end, -table.lead_months)


class ContractRecorded(KinerjaAggregate.Event):
    """HR recorded an employee's employment and contract period in the agency's master data."""

    by: str
    nip: str
    employment: str
    contract_start: str
    contract_end: str

    def apply(self, aggregate: Any) -> None:
        contracts = aggregate.__dict__.setdefault("contracts", {})
        contracts[self.nip] = {
            "employment": self.employment,
            "contract_start": self.contract_start,
            "contract_end": self.contract_end,
        }


def record_contract(agency: Any, table: PppkTable, by: Actor, nip: str, found: Mapping[str, str], at: datetime) -> None:
    """Record (or correct) the contract of an employee of `agency`; nothing changes, nothing is recorded."""
    require(by.is_hr, ONLY_HR_CONTRACT)
    if nip not in agency.employees:
        raise InvalidInput("nip", NO_EMPLOYEE, nip=nip, agency_id=agency.code)
    checked = check_contract(table, found["employment"], found["contract_start"], found["contract_end"])
    if contract_of(agency, nip) == checked:
        raise InvalidInput("nip", CONTRACT_UNCHANGED, nip=nip)
    agency.trigger_event(ContractRecorded, by=by.nip, nip=nip, timestamp=calendar.as_utc(at), **checked)


def contract_of(agency: Any, nip: str) -> dict[str, str]:
    """An employee's recorded employment and contract; PNS (no contract) when none was recorded."""
    found = (agency.__dict__.get("contracts") or {}).get(nip)
    return dict(found) if found else {"employment": PNS, "contract_start": "", "contract_end": ""}


def contracts(agency: Any) -> dict[str, dict[str, str]]:
    """Every PPPK contract the agency recorded, by NIP."""
    found = agency.__dict__.get("contracts") or {}
    return {nip: dict(c) for nip, c in found.items() if c["employment"] in CONTRACTED}


# --- the results over a contract and the recommendation ------------------------------------------------------


@dataclass(frozen=True)
class YearResult:
    """One appraisal year overlapping the contract: its months in the contract and where the appraisal stands."""

    year: int
    months: int  # months of the year inside the contract (a month counts when the contract covers its 15th)
    stage: str  # the appraisal's stage ("" when the employee had none that year)
    predikat: str | None  # the final predikat, None while the appraisal is not finalised

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "months": self.months, "stage": self.stage, "predikat": self.predikat}


def months_in(year: int, start: date, end: date) -> int:
    """Months of `year` inside [start, end], counting a month when the contract covers its 15th."""
    return sum(1 for m in range(1, 13) if start <= date(year, m, 15) <= end)


def results_over(start: date, end: date, found: Mapping[int, tuple[str, str | None]]) -> list[YearResult]:
    """Each year the contract touches, with its months and the appraisal found (`{year: (stage, predikat)}`)."""
    out = []
    for year in range(start.year, end.year + 1):
        stage, predikat = found.get(year, ("", None))
        if predikat is not None:
            check_predikat(f"results.{year}", predikat)
        out.append(YearResult(year, months_in(year, start, end), stage, predikat))
    return out


@dataclass(frozen=True)
class Recommendation:
    """What the rules recommend for the renewal, with its reasons (codes and figures, said by the catalogue)."""

    code: str
    reasons: tuple[dict[str, Any], ...]


def recommend_renewal(table: PppkTable, results: Sequence[YearResult]) -> Recommendation:
    """The rule set's recommendation from the final predikat over the contract (years still open are named)."""
    final = [r for r in results if r.predikat is not None and r.months > 0]
    open_years = [r.year for r in results if r.predikat is None and r.months > 0]
    reasons: list[dict[str, Any]] = []
    if open_years:
        reasons.append({"code": OPEN_YEARS.code, "params": {"years": open_years}})
    if not final:
        reasons.append({"code": NO_FINAL_RESULT.code, "params": {}})
        return Recommendation(NO_RESULT, tuple(reasons))
    poor = [r for r in final if r.predikat in table.decline_predikats]
    floor = PREDIKATS.index(table.renew_min_predikat)
    short = [r for r in final if PREDIKATS.index(str(r.predikat)) > floor]
    for r in poor:
        reasons.append({"code": POOR.code, "params": {"year": r.year, "predikat": r.predikat}})
    if poor:
        return Recommendation(DECLINE, tuple(reasons))
    for r in short:
        minimum = table.renew_min_predikat
        reasons.append({"code": BELOW.code, "params": {"year": r.year, "predikat": r.predikat, "minimum": minimum}})
    if short:
        return Recommendation(WEIGH, tuple(reasons))
    reasons.append({"code": ALL_GOOD.code, "params": {"minimum": table.renew_min_predikat}})
    return Recommendation(RENEW, tuple(reasons))


# --- the dossier --------------------------------------------------------------------------------------------

NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/pppk-dossier")


class RenewalDossier(KinerjaAggregate):
    """The renewal dossier of one PPPK contract: produced once ahead of its end, then decided by HR."""

    @staticmethod
    def create_id(agency_id: str, nip: str, contract_end: str) -> UUID:
        return uuid5(NAMESPACE, f"{agency_id}/{nip}/{contract_end}")

    @classmethod
    def produce(
        cls,
        *,
        agency_id: str,
        employee: Mapping[str, Any],
        contract: Mapping[str, str],
        results: Sequence[YearResult],
        table: PppkTable,
        rule_set_id: str,
        at: datetime,
        key: str = "",
    ) -> RenewalDossier:
        advice = recommend_renewal(table, results)
        nip = str(employee["nip"])
        return cls(
            agency_id=agency_id,
            nip=nip,
            name=str(employee.get("name") or nip),
            unit_id=str(employee.get("unit_id") or ""),
            employment=contract["employment"],
            contract_start=contract["contract_start"],
            contract_end=contract["contract_end"],
            results=[r.as_dict() for r in results],
            recommendation=advice.code,
            reasons=[dict(r) for r in advice.reasons],
            rule_set_id=rule_set_id,
            source=table.source,
            command_key=key,
            timestamp=calendar.as_utc(at),
        )

    @event("Produced")
    def __init__(
        self,
        agency_id: str,
        nip: str,
        name: str,
        unit_id: str,
        employment: str,
        contract_start: str,
        contract_end: str,
        results: list[dict[str, Any]],
        recommendation: str,
        reasons: list[dict[str, Any]],
        rule_set_id: str,
        source: str,
        command_key: str,
        timestamp: datetime,
    ) -> None:
        self.agency_id, self.nip, self.name, self.unit_id = agency_id, nip, name, unit_id
        self.employment, self.contract_start, self.contract_end = employment, contract_start, contract_end
        self.results, self.recommendation, self.reasons = results, recommendation, reasons
        self.rule_set_id, self.source = rule_set_id, source
        self.produced_at = timestamp
        self.decision: dict[str, Any] | None = None

    def decide(self, by: Actor, decision: str, note: str, at: datetime) -> None:
        """HR's decision on the renewal (the PPK's approval is outside Kinerja), with a note; once."""
        require(by.is_hr, ONLY_HR_DECIDES)
        require(by.nip != self.nip, OWN_DOSSIER)
        if self.decision is not None:
            raise WrongStage(ALREADY_DECIDED)
        if decision not in DECISIONS:
            raise InvalidInput("decision", NOT_A_DECISION, decisions=", ".join(DECISIONS))
        self._decided(by.nip, decision, TEXT.check("note", note), at)

    @event("Decided")
    def _decided(self, by: str, decision: str, note: str, timestamp: datetime) -> None:
        self.decision = {"by": by, "decision": decision, "note": note, "at": timestamp.isoformat()}
