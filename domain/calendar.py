"""Agency time: deadlines end at 23:59:59 of their day in the agency's zone (§12).

Indonesia keeps no daylight saving, so the three zones are fixed offsets and
need no tz database. Stored instants are UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from domain.errors import NOT_A_DATE, OUT_OF_RANGE, InvalidInput, refusal

NO_SUCH_ZONE = refusal("time.zone", "must be one of {zones}, got {value!r}")
NO_ZONE = refusal("time.no_zone", "must carry a time zone")
INSTANT_NO_ZONE = refusal("time.instant_no_zone", "instants must carry a time zone")
NOT_AN_HOUR = refusal("time.hour", "must be an hour 0-23, got {hour}")
NO_UTC = refusal("time.no_utc", "{instant} has no UTC equivalent")

ZONES = {
    "WIB": timezone(timedelta(hours=7), "WIB"),
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}
END_OF_DAY = time(23, 59, 59)
# The span of dates and instants Kinerja can mean: PermenPANRB 6/2022 cycles run 2022-2100, and the
# audit log is read back no earlier than this century. Anything outside is a typo or an attack.
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def zone(name: str) -> timezone:
    try:
        return ZONES[name]
    except KeyError:
        raise InvalidInput("time_zone", NO_SUCH_ZONE, zones=", ".join(ZONES), value=name) from None


def parse_day(field: str, value: str, earliest: date = EARLIEST, latest: date = LATEST) -> date:
    """A date YYYY-MM-DD within a plausible range (by default Kinerja's whole span)."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, NOT_A_DATE, value=str(value)[:40]) from None
    if not earliest <= day <= latest:
        raise InvalidInput(field, OUT_OF_RANGE, earliest=earliest, latest=latest, value=day)
    return day


def check_instant(field: str, value: datetime) -> datetime:
    """An instant with its zone within Kinerja's span, as UTC (year 1 at +14:00 has no UTC at all)."""
    if value.tzinfo is None:
        raise InvalidInput(field, NO_ZONE)
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise InvalidInput(field, OUT_OF_RANGE, earliest=EARLIEST, latest=LATEST, value=value.isoformat())
    return as_utc(value, field)


def end_of_day(day: date, zone_name: str) -> datetime:
    """The last second of `day` in the agency's zone, as a UTC instant."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone(zone_name)).astimezone(timezone.utc)


def local_day(instant: datetime, zone_name: str) -> date:
    return as_utc(instant).astimezone(zone(zone_name)).date()


def next_local_hour(instant: datetime, hour: int, zone_name: str) -> datetime:
    """The first `hour`:00 in the agency's zone strictly after `instant`, as UTC: when a daily digest goes out.

    A reminder recorded at 23:59:59 WITA goes in the digest of the next morning; one recorded after the
    hour waits for the next day's. Everything recorded between two such hours shares one digest.
    """
    if not 0 <= hour <= 23:
        raise InvalidInput("digest_hour", NOT_AN_HOUR, hour=hour)
    local = as_utc(instant).astimezone(zone(zone_name))
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(timezone.utc)


def days_after(instant: datetime, days: int, zone_name: str) -> datetime:
    """End of the calendar day `days` after the local day of `instant`."""
    return end_of_day(local_day(instant, zone_name) + timedelta(days=days), zone_name)


def as_utc(instant: datetime, field: str = "at") -> datetime:
    if instant.tzinfo is None:
        raise InvalidInput(field, INSTANT_NO_ZONE)
    try:
        return instant.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidInput(field, NO_UTC, instant=instant.isoformat()) from None
