"""The daily log (catatan harian, #13) in the domain: who keeps it, when, what a line and its evidence may
hold, the period a day falls in, and how entries roll up into the period's realisation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.actions import open_actions
from domain.application import CycleFacts
from domain.base import Actor
from domain.cycle_commands import RemoveParticipant
from domain.daily_log import EVIDENCE_LIMIT_BYTES, period_of, roll_up
from domain.errors import InvalidInput, NotAllowed, WrongStage
from domain.rules import PERMENPANRB_6_2022
from domain.work_commands import LogDailyWork, ReportProgress
from tests.factories import HR_ACTOR, STAFF, UTC, Scenario, actor, reach

SHA = "ab" * 32
PDF = {"sha256": SHA, "size": 2048, "type": "application/pdf", "name": "laporan.pdf"}
# 10:00 WITA on 15 May 2024: in Q2.
AT = datetime(2024, 5, 15, 2, 0, tzinfo=UTC)


def log(s: Scenario, day: str, text: str = "Melayani 12 pemohon KTP", *, at: datetime = AT, key: str = "", **kw):
    rhk_id = kw.pop("rhk_id", s.get(STAFF).rhk[0]["id"])
    return s.do(STAFF, LogDailyWork(kw.pop("by", actor(STAFF)), day, rhk_id, text, **kw), at, key)


def test_an_entry_records_the_day_its_period_the_line_and_the_evidence() -> None:
    s = reach("execution")
    outcome = log(s, "2024-05-14", evidence=(PDF,), key="k1")
    entry = s.get(STAFF).daily_log[-1]
    assert (entry["day"], entry["period"], entry["text"]) == ("2024-05-14", "Q2", "Melayani 12 pemohon KTP")
    assert entry["evidence"] == [PDF]
    assert s.get(STAFF).cites(SHA) == PDF and s.get(STAFF).cites("cd" * 32) is None
    # The same command key again (a retry after an outage): one event, the first outcome.
    again = log(s, "2024-05-14", evidence=(PDF,), key="k1")
    assert again.replayed and again.version == outcome.version and len(s.get(STAFF).daily_log) == 1


@pytest.mark.parametrize(
    ("day", "period"),
    [("2024-01-01", "Q1"), ("2024-03-31", "Q1"), ("2024-04-01", "Q2"), ("2024-09-30", "Q3"), ("2024-12-31", "Q4")],
)
def test_a_day_falls_in_the_quarter_of_its_month(day: str, period: str) -> None:
    assert period_of(PERMENPANRB_6_2022, ["Q1", "Q2", "Q3", "Q4"], date.fromisoformat(day)) == period


def test_a_monthly_cycle_puts_a_day_in_its_month() -> None:
    months = PERMENPANRB_6_2022.period_names("monthly")
    assert period_of(PERMENPANRB_6_2022, months, date(2024, 2, 29)) == "M02"
    with pytest.raises(InvalidInput):
        period_of(PERMENPANRB_6_2022, ["H1", "H2"], date(2024, 2, 29))


def test_today_is_the_agency_day_not_utc() -> None:
    s = reach("execution")
    # 23:30 UTC on 14 May is 07:30 WITA on 15 May: the 15th is already today in Palu.
    log(s, "2024-05-15", at=datetime(2024, 5, 14, 23, 30, tzinfo=UTC))
    with pytest.raises(InvalidInput) as refused:
        log(s, "2024-05-16", at=datetime(2024, 5, 14, 23, 30, tzinfo=UTC))
    assert (refused.value.field, refused.value.code) == ("day", "daily_log.future_day")


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"text": "Melayani\x00pemohon"}, "text", "input.control"),
        ({"text": "dua\nbaris"}, "text", "input.control"),  # one line
        ({"text": "abc\u202edcba"}, "text", "input.invisible"),
        ({"text": "x" * 301}, "text", "input.length"),
        ({"text": "   "}, "text", "input.required_text"),
        ({"day": "15/05/2024"}, "day", "input.date"),
        ({"day": "2023-12-29"}, "day", "daily_log.cycle_year"),
        ({"rhk_id": "R-lain"}, "rhk_id", "execution.rhk"),
        ({"evidence": ({**PDF, "sha256": "../../etc/passwd"},)}, "evidence[0].sha256", "evidence.sha256"),
        ({"evidence": ({**PDF, "type": "text/html"},)}, "evidence[0]", "evidence.type"),
        ({"evidence": ({**PDF, "size": EVIDENCE_LIMIT_BYTES + 1},)}, "evidence[0]", "evidence.size"),
        ({"evidence": ({**PDF, "size": True},)}, "evidence[0]", "evidence.size"),
        ({"evidence": ({**PDF, "name": "a\x00.pdf"},)}, "evidence[0].name", "input.control"),
        ({"evidence": (PDF, PDF)}, "evidence", "evidence.twice"),
        ({"evidence": tuple({**PDF, "sha256": f"{i:064x}"} for i in range(4))}, "evidence", "evidence.count"),
    ],
)
def test_hostile_or_malformed_input_is_refused_naming_field_and_rule(kw: dict, field: str, code: str) -> None:
    s = reach("execution")
    version = s.get(STAFF).version
    day = kw.pop("day", "2024-05-14")
    with pytest.raises(InvalidInput) as refused:
        log(s, day, **kw)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert s.get(STAFF).version == version  # nothing written


def test_only_the_employee_and_only_while_the_year_s_work_is_open() -> None:
    s = reach("execution")
    with pytest.raises(NotAllowed):
        log(s, "2024-05-14", by=actor(s.get(STAFF).appraiser_nip))
    with pytest.raises(NotAllowed):
        log(s, "2024-05-14", by=HR_ACTOR)
    planning = reach("planning")
    with pytest.raises(WrongStage):
        planning.do(STAFF, LogDailyWork(actor(STAFF), "2024-01-05", "x", "a"), AT)
    delivered = reach("result_delivered")
    with pytest.raises(WrongStage):
        log(delivered, "2024-05-14")


def test_the_actions_offer_the_daily_log_to_the_employee_only() -> None:
    s = reach("execution")
    appraisal = s.get(STAFF)
    facts = CycleFacts(s.app, appraisal)
    assert "log_daily_work" in open_actions(appraisal, actor(STAFF), AT, facts)
    assert "log_daily_work" not in open_actions(appraisal, actor(appraisal.appraiser_nip), AT, facts)


def test_a_withdrawn_employee_logs_no_more() -> None:
    s = reach("execution")
    s.app.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, STAFF, "pensiun"), at=AT)
    with pytest.raises(WrongStage):
        log(s, "2024-05-14", at=AT + timedelta(hours=1))


def test_entries_roll_up_into_each_period_s_realisation() -> None:
    s = reach("execution")
    rhk = s.get(STAFF).rhk[0]["id"]
    log(s, "2024-02-01", "Q1 pertama", at=datetime(2024, 2, 1, 2, tzinfo=UTC))
    log(s, "2024-05-13", "Q2 pertama", evidence=(PDF,))
    log(s, "2024-05-13", "Q2 kedua")
    log(s, "2024-05-14", "Q2 ketiga", evidence=({**PDF, "sha256": "cd" * 32, "type": "image/png"},))
    s.do(STAFF, ReportProgress(actor(STAFF), "Q2", rhk, "410 KTP", "https://arsip.example.go.id/q2.pdf"), AT)
    a = s.get(STAFF)
    rows = roll_up(a.periods, a.rhk, a.progress, a.daily_log)
    by_period = {r["period"]: r for r in rows if r["rhk_id"] == rhk}
    assert set(by_period) == {"Q1", "Q2"}  # Q3, Q4: nothing yet
    q1, q2 = by_period["Q1"], by_period["Q2"]
    assert (q1["entries"], q1["days"], q1["files"], q1["reported"]) == (1, 1, 0, "")
    assert (q2["entries"], q2["days"], q2["files"]) == (3, 2, 2)
    assert (q2["first_day"], q2["last_day"], q2["reported"]) == ("2024-05-13", "2024-05-14", "410 KTP")
    assert q2["links"] == ["https://arsip.example.go.id/q2.pdf"]


def test_the_review_still_takes_entries_of_the_last_quarter() -> None:
    s = reach("review")
    log(s, "2024-12-20", at=datetime(2024, 12, 20, 3, tzinfo=UTC))
    assert s.get(STAFF).daily_log[-1]["period"] == "Q4"


def test_an_actor_without_a_nip_match_is_refused_before_anything_is_loaded() -> None:
    s = reach("execution")
    with pytest.raises(NotAllowed):
        log(s, "2024-05-14", by=Actor("199001012015011099"))
