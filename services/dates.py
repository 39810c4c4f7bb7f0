"""Dates and instants as people read them: Indonesian format (Babel, locale "id") in the agency's zone.

A stored instant is UTC; a page shows it in the agency's zone with the zone's name ("31 Januari 2026
23.59 WITA"). A deadline the cycle records as a calendar day ("2027-01-15") has no zone and is shown as
that day. Nothing here raises on a value it cannot read: it is shown as given.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_time

from domain import calendar
from domain.errors import DomainError

LOCALE = "id"
DAY = "d MMMM y"  # 21 Desember 2026
TIME = "HH.mm"  # 23.59, the Indonesian way


def when(value: Any, zone: str = "WIB", with_time: bool = True) -> str:
    """An instant (datetime or ISO text) in the agency's zone, or a calendar day, in Indonesian."""
    if value in (None, ""):
        return "–"
    try:
        if (isinstance(value, date) and not isinstance(value, datetime)) or is_day(value):
            return day(value if isinstance(value, date) else date.fromisoformat(str(value)))
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        local = calendar.as_utc(instant).astimezone(calendar.zone(zone))
    except (ValueError, TypeError, OverflowError, DomainError):
        return str(value)  # not a date at all, or one with no UTC equivalent: shown as given
    if not with_time:
        return day(local.date())
    return f"{day(local.date())} {format_time(local, TIME, locale=LOCALE)} {zone}"


def day(value: date) -> str:
    return format_date(value, DAY, locale=LOCALE)


def is_day(value: Any) -> bool:
    """'2027-01-15': a deadline as the cycle records it (the last day, in the agency's zone)."""
    return isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"
