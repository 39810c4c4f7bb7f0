"""The calendar every appraisal of a cycle follows: deadlines, check-in dates, the review opening.

Computed from the cycle (its year, zone, deadlines, kind of period) and its rule set (the check-in
month of each period, the review opening, the reminder offsets); HR may choose another review
opening or check-in reminder offset when starting the cycle. Pure: the opening activity computes it
once per page of participants and hands it to each appraisal workflow.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import calendar
from domain.cycle import AppraisalCycle
from domain.rules import rule_set

ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class CheckInDue:
    period: str
    due: datetime


@dataclass(frozen=True)
class Schedule:
    deadlines: dict[str, datetime]  # planning / review / follow_up -> the UTC instant it ends
    check_ins: list[CheckInDue]
    review_opens_at: datetime
    reminder_days_before: tuple[int, ...]
    check_in_reminder_days_before: int


def review_opens_at(cycle: AppraisalCycle, review_opens: str | None = None) -> datetime:
    """The first instant of the review-opening day (month-day of the cycle year) in the agency's zone."""
    month_day = review_opens or rule_set(cycle.rule_set_id).review_opens
    day = calendar.parse_day("review_opens", f"{cycle.year}-{month_day}")
    return calendar.end_of_day(day - timedelta(days=1), cycle.time_zone) + ONE_SECOND


def check_ins(cycle: AppraisalCycle, opens_at: datetime) -> list[CheckInDue]:
    """Each period's check-in: due at the end of its month (agency time), and before the review opens."""
    months = rule_set(cycle.rule_set_id).periods[cycle.period]
    found = []
    for period, month in months.items():
        last_day = date(cycle.year, month, month_calendar.monthrange(cycle.year, month)[1])
        # The final check-in happens while the appraisal is still in execution, before the review opens.
        found.append(CheckInDue(period, min(calendar.end_of_day(last_day, cycle.time_zone), opens_at - ONE_SECOND)))
    return found


def schedule(
    cycle: AppraisalCycle, review_opens: str | None = None, check_in_reminder_days_before: int | None = None
) -> Schedule:
    """The cycle's calendar; the review opening and the check-in reminder default to the rule set's."""
    rules = rule_set(cycle.rule_set_id)
    opens_at = review_opens_at(cycle, review_opens)
    reminder = (
        rules.check_in_reminder_days_before if check_in_reminder_days_before is None else check_in_reminder_days_before
    )
    return Schedule(
        deadlines={name: cycle.deadline(name) for name in cycle.deadlines},
        check_ins=check_ins(cycle, opens_at),
        review_opens_at=opens_at,
        reminder_days_before=tuple(rules.reminder_days_before),
        check_in_reminder_days_before=reminder,
    )
