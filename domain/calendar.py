"""Agency time: deadlines end at 23:59:59 of their day in the agency's zone (§12).

Indonesia keeps no daylight saving, so the three zones are fixed offsets and
need no tz database. Stored instants are UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from domain.errors import InvalidInput

ZONES = {
    "WIB": timezone(timedelta(hours=7), "WIB"),
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}
END_OF_DAY = time(23, 59, 59)


def zone(name: str) -> timezone:
    try:
        return ZONES[name]
    except KeyError:
        raise InvalidInput("time_zone", f"must be one of {', '.join(ZONES)}, got {name!r}") from None


def parse_day(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, f"must be a date YYYY-MM-DD, got {value!r}") from None


def end_of_day(day: date, zone_name: str) -> datetime:
    """The last second of `day` in the agency's zone, as a UTC instant."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone(zone_name)).astimezone(timezone.utc)


def local_day(instant: datetime, zone_name: str) -> date:
    return as_utc(instant).astimezone(zone(zone_name)).date()


def days_after(instant: datetime, days: int, zone_name: str) -> datetime:
    """End of the calendar day `days` after the local day of `instant`."""
    return end_of_day(local_day(instant, zone_name) + timedelta(days=days), zone_name)


def as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise InvalidInput("at", "instants must carry a time zone")
    return instant.astimezone(timezone.utc)
