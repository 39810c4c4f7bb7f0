"""Which cycle the demo seeds: its story holds check-ins, which close when the year's review opens.

At 16:00 UTC on 30 November it is already 1 December in Palu (WITA): the demo seeded that day broke,
as its check-ins were refused by the review the workflow had just opened. The whole demo runs for real
in tests/test_topology.py and tests/test_dev_proof.py, on the day they run.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from demo.seed import ZONE, demo_year
from domain import calendar


@pytest.mark.parametrize(
    "today, year",
    [
        (date(2026, 1, 1), 2026),
        (date(2026, 11, 30), 2026),
        (date(2026, 12, 1), 2027),  # the review of 2026 opens on 1 December (PermenPANRB 6/2022 rule set)
        (date(2026, 12, 31), 2027),
    ],
)
def test_the_demo_seeds_this_years_cycle_until_its_review_opens(today: date, year: int) -> None:
    assert demo_year(today) == year


def test_the_day_is_the_agencys_not_the_servers() -> None:
    assert demo_year(calendar.local_day(datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc), ZONE)) == 2026
    assert demo_year(calendar.local_day(datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc), ZONE)) == 2027
