"""The inbox's own choice of tasks (web/inbox.py `choose`): search, filters and the orders a supervisor picks.

The page test (test_web_pages.py) drives the same form, but its two tasks share one deadline and none is
late, so it could not see a wrong order by due date or a late task dropped by the filter. Here four tasks,
one undated and dates in two zones, come in the read model's urgency order.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from web.inbox import choose

WITA = timezone(timedelta(hours=8))


def task(name: str, nip: str, unit: str, stage: str, due: datetime | None, overdue: bool) -> dict[str, Any]:
    return {
        "employee_name": name,
        "employee_nip": nip,
        "unit_id": unit,
        "stage": stage,
        "due_at": due,
        "overdue": overdue,
    }


TASKS = [  # the read model's urgency order: late first
    task("Citra", "199001012015032001", "U1", "planning", datetime(2030, 1, 15, tzinfo=timezone.utc), True),
    task("ani", "199002022015032002", "U2", "review", datetime(2030, 3, 1, tzinfo=timezone.utc), False),
    task(
        "Dedi", "199003032015031003", "U1", "review", datetime(2030, 1, 15, 7, tzinfo=WITA), False
    ),  # 14 Jan 23:00 UTC
    task("Budi", "199004042015031004", "U2", "execution", None, False),
]


def names(**query: str) -> list[str]:
    return [t["employee_name"] for t in choose(TASKS, query)]


def test_the_inbox_orders_by_the_nearest_due_instant_undated_last_or_by_name() -> None:
    assert names() == names(urut="urgensi") == ["Citra", "ani", "Dedi", "Budi"]  # the read model's order kept
    assert names(urut="batas") == ["Dedi", "Citra", "ani", "Budi"]  # instants compared across zones
    assert names(urut="nama") == ["ani", "Budi", "Citra", "Dedi"]  # case does not decide the order


def test_the_filters_keep_only_the_late_tasks_a_unit_or_a_stage_and_combine() -> None:
    assert names(terlambat="1") == names(terlambat="1", urut="batas") == ["Citra"]
    assert names(unit="U1") == ["Citra", "Dedi"]
    assert names(tahap="review", urut="batas") == ["Dedi", "ani"]
    assert names(unit="U2", tahap="review") == ["ani"]
    assert names(unit="U9") == []


def test_search_matches_a_name_in_any_case_or_part_of_a_nip_and_a_hostile_query_matches_nothing() -> None:
    assert names(q="  CITRA ") == ["Citra"]
    assert names(q="2015031") == ["Dedi", "Budi"]
    assert names(q="<script>alert(1)</script>") == []
    assert names(q="\x00") == []
    assert names(q="ani" + " " * 200 + "x") == ["ani"]  # only the first 100 characters are read
