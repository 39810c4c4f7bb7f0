"""The calendar every appraisal of a cycle follows: deadlines, check-in dates, the review opening.

Computed from the cycle (its year, zone, deadlines, kind of period) and its rule set (the check-in
month of each period, the review opening, the reminder offsets); HR may choose another review
opening or check-in reminder offset when starting the cycle, and the cycle's Started event records
that choice (`start_choice`). Pure: the opening activity computes it once per page of participants
and hands it to each appraisal workflow; the read models compute a check-in's due from it
(`next_check_in`), so the inbox names the due the workflow's reminder names.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import calendar
from domain.cycle_state import CycleState
from domain.errors import InvalidInput, refusal
from domain.rules import rule_set

NOT_DAYS = refusal("cycle.reminder_days", "must be a whole number of days from {earliest} to {latest}, got {value}")

ONE_SECOND = timedelta(seconds=1)
# The check-in reminder HR may choose: from the due day itself to two months before it.
MOST_CHECK_IN_REMINDER_DAYS = 60


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


def review_opens_at(cycle: CycleState, review_opens: str | None = None) -> datetime:
    """The first instant of the review-opening day (month-day of the cycle year) in the agency's zone;
    without a month-day, the one the cycle recorded at its start, else the rule set's."""
    month_day = review_opens or cycle.review_opens or rule_set(cycle.rule_set_id).review_opens
    day = calendar.parse_day("review_opens", f"{cycle.year}-{month_day}")
    return calendar.end_of_day(day - timedelta(days=1), cycle.time_zone) + ONE_SECOND


def check_ins(cycle: CycleState, opens_at: datetime) -> list[CheckInDue]:
    """Each period's check-in: due at the end of its month (agency time), and before the review opens."""
    months = rule_set(cycle.rule_set_id).periods[cycle.period]
    found = []
    for period, month in months.items():
        last_day = date(cycle.year, month, month_calendar.monthrange(cycle.year, month)[1])
        # The final check-in happens while the appraisal is still in execution, before the review opens.
        found.append(CheckInDue(period, min(calendar.end_of_day(last_day, cycle.time_zone), opens_at - ONE_SECOND)))
    return found


def start_choice(
    cycle: CycleState, review_opens: str | None, check_in_reminder_days_before: int | None
) -> tuple[str, int]:
    """HR's choice when starting the cycle, checked and completed with the rule set's values:
    (the review opening as month-day of the cycle year, the check-in reminder's days before the due)."""
    rules = rule_set(cycle.rule_set_id)
    month_day = review_opens or rules.review_opens
    calendar.parse_day("review_opens", f"{cycle.year}-{month_day}", date(cycle.year, 1, 1), date(cycle.year, 12, 31))
    days = (
        rules.check_in_reminder_days_before if check_in_reminder_days_before is None else check_in_reminder_days_before
    )
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MOST_CHECK_IN_REMINDER_DAYS:
        raise InvalidInput(
            "check_in_reminder_days_before",
            NOT_DAYS,
            earliest=0,
            latest=MOST_CHECK_IN_REMINDER_DAYS,
            value=str(days)[:20],
        )
    return month_day, days


def schedule(
    cycle: CycleState, review_opens: str | None = None, check_in_reminder_days_before: int | None = None
) -> Schedule:
    """The cycle's calendar. Without a review opening or check-in reminder given, the ones the cycle
    recorded at its start; for a cycle started before it recorded them (or not started), the rule set's."""
    rules = rule_set(cycle.rule_set_id)
    opens_at = review_opens_at(cycle, review_opens)
    reminder = check_in_reminder_days_before
    if reminder is None:
        reminder = cycle.check_in_reminder_days_before
    if reminder is None:
        reminder = rules.check_in_reminder_days_before
    return Schedule(
        deadlines={name: cycle.deadline(name) for name in cycle.deadlines},
        check_ins=check_ins(cycle, opens_at),
        review_opens_at=opens_at,
        reminder_days_before=tuple(rules.reminder_days_before),
        check_in_reminder_days_before=reminder,
    )


def next_check_in(dues: Sequence[CheckInDue], held: Collection[str]) -> CheckInDue | None:
    """The check-in the appraiser owes next: the earliest due of a period not held yet (one whose due has
    passed stays owed, and overdue; of two due together, the first in `dues`); None once all are held."""
    return min((c for c in dues if c.period not in held), key=lambda c: c.due, default=None)
