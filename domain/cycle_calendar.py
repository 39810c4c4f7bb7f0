"""The cycle's calendar: HR's definition of the year (zone, period, deadlines, participants) and deadline extensions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain import calendar
from domain.base import require
from domain.cycle_commands import DefineCycle, ExtendDeadline
from domain.cycle_state import CycleState
from domain.errors import REQUIRED, InvalidInput, refusal
from domain.participants import check_participant, require_not_self_appointed
from domain.rules import rule_set

ONLY_HR_DEFINES = refusal("cycle.who_defines", "only HR (BKPSDM) defines an appraisal cycle")
TOO_EARLY = refusal("cycle.year", "cycles under PermenPANRB 6/2022 start in 2022")
UNKNOWN_DEADLINE = refusal("cycle.unknown_deadline", "unknown deadline {deadline!r}; known: {deadlines}")
NIP_TWICE = refusal("cycle.nip_twice", "a NIP appears twice")
ONLY_HR_EXTENDS = refusal("cycle.who_extends", "only HR extends a deadline")
NO_SUCH_DEADLINE = refusal("cycle.deadline", "must be one of {deadlines}")
NOT_LATER = refusal("cycle.extension_later", "an extension must move the {deadline} deadline later than {current}")
NO_REASON = refusal("cycle.extension_reason", "an extension must record its reason")

DEADLINES = ("planning", "review", "follow_up")
# A cycle's deadlines (and their extensions) fall within its year and the two after it: planning in
# the year, the review and follow-up early in the next; a year more leaves room for extensions.
DEADLINE_YEARS_AFTER = 2


def deadline_span(year: int) -> tuple[date, date]:
    """The first and last day a deadline of the cycle of `year` may fall on."""
    return date(year, 1, 1), date(year + DEADLINE_YEARS_AFTER, 12, 31)


def defined_cycle(cmd: DefineCycle, at: datetime) -> dict[str, Any]:
    """Check HR's definition of a cycle; the facts its Defined event records (without the key and time)."""
    by, agency_id, time_zone, year = cmd.by, cmd.agency_id, cmd.time_zone, cmd.year
    require(by.is_hr, ONLY_HR_DEFINES)
    rules = rule_set(cmd.rule_set_id)
    calendar.zone(time_zone)
    if not 2022 <= year <= 2100:
        raise InvalidInput("year", TOO_EARLY)
    if not agency_id.strip():
        raise InvalidInput("agency_id", REQUIRED)
    period = cmd.period or rules.period
    rules.period_names(period)  # a known kind of period
    defaults = {
        "planning": f"{year}-{rules.planning_deadline}",
        "review": f"{year + 1}-{rules.review_deadline}",
        "follow_up": f"{year + 1}-{rules.follow_up_deadline}",
    }
    given = cmd.deadlines or {}
    unknown = set(given) - set(DEADLINES)
    if unknown:
        raise InvalidInput("deadlines", UNKNOWN_DEADLINE, deadline=sorted(unknown)[0], deadlines=", ".join(DEADLINES))
    merged = {name: given.get(name) or defaults[name] for name in DEADLINES}
    for name, day in merged.items():
        calendar.parse_day(f"deadlines.{name}", day, *deadline_span(year))
    checked = [check_participant(p, f"participants[{i}]", at.date()) for i, p in enumerate(cmd.participants)]
    for i, p in enumerate(checked):
        require_not_self_appointed(by, p["appraiser_nip"], p["atasan_nip"], f"participants[{i}]: ")
    nips = [p["nip"] for p in checked]
    if len(set(nips)) != len(nips):
        raise InvalidInput("participants", NIP_TWICE)
    return {
        "agency_id": agency_id.strip(),
        "year": year,
        "agency_name": cmd.agency_name.strip() or agency_id,
        "time_zone": time_zone,
        "rule_set_id": rules.id,
        "period": period,
        "deadlines": merged,
        "participants": {p["nip"]: p for p in checked},
        "by": by.nip,
    }


class CycleCalendar(CycleState):
    """The rules of the cycle's deadlines once it is defined."""

    def extend_deadline(self, cmd: ExtendDeadline, at: datetime) -> None:
        by, name, until, reason = cmd.by, cmd.name, cmd.until, cmd.reason
        require(by.is_hr, ONLY_HR_EXTENDS)
        self._require_open()
        if name not in self.deadlines:
            raise InvalidInput("deadline", NO_SUCH_DEADLINE, deadlines=", ".join(self.deadlines))
        new_day = calendar.parse_day("until", until, *deadline_span(self.year))
        if new_day <= date.fromisoformat(self.deadlines[name]):
            raise InvalidInput("until", NOT_LATER, deadline=name, current=self.deadlines[name])
        if not reason.strip():
            raise InvalidInput("reason", NO_REASON)
        self._deadline_extended(by.nip, name, self.deadlines[name], new_day.isoformat(), reason.strip(), at)
