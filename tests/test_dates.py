"""Dates on pages (#13): Indonesian format (Babel, locale "id") in the agency's zone; a calendar day has none.

The HR dashboard broke for good once a deadline was extended: the stored date-only value went to a
formatter that required a time zone. A value the formatter cannot read is shown as given, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from services.dates import when

WITA = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("value", "zone", "with_time", "expected"),
    [
        (datetime(2026, 1, 31, 15, 59, tzinfo=timezone.utc), "WITA", True, "31 Januari 2026 23.59 WITA"),
        (datetime(2026, 1, 31, 15, 59, tzinfo=timezone.utc), "WIB", True, "31 Januari 2026 22.59 WIB"),
        (datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc), "WITA", True, "1 Januari 2027 00.00 WITA"),  # next day
        (datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc), "WITA", False, "1 Januari 2027"),
        ("2026-05-01T09:30:00+08:00", "WIT", True, "1 Mei 2026 10.30 WIT"),  # ISO text, as a read model keeps it
        (datetime(2026, 8, 17, 9, 0, tzinfo=WITA), "WITA", True, "17 Agustus 2026 09.00 WITA"),
        ("2027-01-15", "WITA", True, "15 Januari 2027"),  # an extended deadline: the day, no zone, no time
        (date(2026, 12, 21), "WIT", True, "21 Desember 2026"),
        (None, "WIB", True, "–"),
        ("", "WIB", True, "–"),
        ("besok", "WIB", True, "besok"),  # not a date: shown as given
        ("0001-01-01T00:00:00+14:00", "WIB", True, "0001-01-01T00:00:00+14:00"),  # no UTC equivalent
        ("2026-02-30", "WIB", True, "2026-02-30"),  # no such day
    ],
)
def test_a_date_reads_in_indonesian_in_the_agencys_zone(
    value: object, zone: str, with_time: bool, expected: str
) -> None:
    assert when(value, zone, with_time) == expected
