"""A second rule set beside permenpanrb-6-2022 (#14): a finished cycle recomputed under it (what-if, per employee
and per unit), the finance office's tukin recap, the export's records, and the explicit, recorded migration of an
in-flight appraisal (domain/rule_migration.py, domain/career_results.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import domain.rules
from domain.audit import Audit
from domain.base import Actor
from domain.career_results import export_records, final_results, recap_rows, tukin_recap, what_if
from domain.errors import InvalidInput, NotAllowed, NotFound, WrongStage
from domain.result_commands import DecideFollowUp, Finalise
from domain.rule_migration import MigrateRuleSet, calendar_differences
from domain.rules import DEFAULT_RULE_SET, PERMENPANRB_6_2022, TUKIN_KLH_6_2025, rule_set
from tests.factories import ANALIS, HEAD, HR_ACTOR, STAFF, Rating, Scenario, T, reach, values

OTHER = TUKIN_KLH_6_2025.id


def finished(ratings: dict[str, Rating] | None = None) -> Scenario:
    """A cycle whose three appraisals are finalised."""
    s = Scenario.new()
    s.deliver(ratings)
    for who in (HEAD, STAFF, ANALIS):
        s.close_window(who)
        s.do(who, DecideFollowUp(HR_ACTOR, ["baik"], 4), T["follow_up"])
        s.do(who, Finalise(HR_ACTOR), T["finalise"])
    return s


@pytest.mark.parametrize(
    ("predikat", "first", "second"),
    [("sangat_baik", 0, 0), ("baik", 0, 0), ("butuh_perbaikan", 0, 10), ("kurang", 1, 15), ("sangat_kurang", 2, 20)],
)
def test_the_two_rule_sets_tukin_cuts_from_their_sources(predikat: str, first: float, second: float) -> None:
    # permenpanrb-6-2022: Peraturan Bakamla 1/2023 Pasal 11 (2% / 1%); the second: PermenKLH/BPH 6/2025 (90/85/80%).
    assert PERMENPANRB_6_2022.follow_up.tukin_cut(predikat) == first
    assert TUKIN_KLH_6_2025.follow_up.tukin_cut(predikat) == second


def test_the_second_rule_set_is_registered_and_keeps_the_first_calendar() -> None:
    assert rule_set(OTHER) is TUKIN_KLH_6_2025
    assert calendar_differences(PERMENPANRB_6_2022, TUKIN_KLH_6_2025) == []
    monthly = replace(TUKIN_KLH_6_2025, period="monthly", review_deadline="02-28")
    assert calendar_differences(PERMENPANRB_6_2022, monthly) == ["period", "review_deadline"]


def test_what_if_names_each_employee_and_unit_that_would_change() -> None:
    below = Rating(results="di_bawah", behaviour=values("sesuai"))
    s = finished({STAFF: below})
    cycle = s.app.cycle(s.cycle_id)
    results = final_results(s.app, cycle)
    assert {r.nip: r.predikat for r in results}[STAFF] == "butuh_perbaikan"
    found = what_if(results, OTHER)
    by_nip = {e["nip"]: e for e in found["employees"]}
    assert by_nip[STAFF]["before"]["tukin_cut_percent"] == 0
    assert by_nip[STAFF]["after"]["tukin_cut_percent"] == 10
    assert by_nip[STAFF]["changed"] == ["tukin_cut_percent"]
    assert by_nip[ANALIS]["changed"] == [] and by_nip[HEAD]["changed"] == []
    (unit,) = found["units"]
    assert (unit["employees"], unit["changed"]) == (3, 1)
    assert unit["before"] == unit["after"]  # the kuadran is the same: only the follow-up table differs
    assert (unit["average_cut_before"], unit["average_cut_after"]) == (0.0, 3.33)


def test_the_tukin_recap_and_the_export_come_from_the_recorded_results() -> None:
    s = finished({STAFF: Rating(results="di_bawah", behaviour=values("di_bawah"))})
    cycle = s.app.cycle(s.cycle_id)
    results = final_results(s.app, cycle)
    recap = tukin_recap(results, "2025-03", cycle.year)
    rows = {r["nipBaru"]: r for r in recap_rows(recap)}
    assert rows[STAFF]["predikat"] == "sangat_kurang" and rows[STAFF]["tukin_potongan_persen"] == 2.0
    assert recap["units"][0]["with_cut"] == 1
    with pytest.raises(InvalidInput) as refused:
        tukin_recap(results, "2024-03", cycle.year)
    assert refused.value.code == "tukin.month"
    records = {r["nipBaru"]: r for r in export_records(cycle.agency_id, cycle.year, results)}
    assert records[ANALIS]["kreditBaruTotal"] == 12.5  # Baik x 100% x 12.5 (PerBKN 3/2023)
    assert records[STAFF]["kuadranKinerja"] == "Sangat Kurang"


def test_hr_migrates_an_in_flight_appraisal_with_who_when_and_why() -> None:
    s = reach("execution")
    by_staff = Actor(STAFF)
    with pytest.raises(NotAllowed):
        s.do(STAFF, MigrateRuleSet(by_staff, OTHER, "ikut aturan baru"), T["check_in"])
    with pytest.raises(NotFound):
        s.do(STAFF, MigrateRuleSet(HR_ACTOR, "no-such-rules", "x"), T["check_in"])
    with pytest.raises(InvalidInput) as same:
        s.do(STAFF, MigrateRuleSet(HR_ACTOR, DEFAULT_RULE_SET, "x"), T["check_in"])
    assert same.value.code == "migration.same"
    s.do(STAFF, MigrateRuleSet(HR_ACTOR, OTHER, "Perkada baru tentang tukin berlaku 2024"), T["check_in"], key="m1")
    s.do(STAFF, MigrateRuleSet(HR_ACTOR, OTHER, "Perkada baru tentang tukin berlaku 2024"), T["check_in"], key="m1")
    a = s.get(STAFF)
    assert a.rule_set_id == OTHER
    (migration,) = a.rule_migrations
    assert migration["by"] == HR_ACTOR.nip and migration["from"] == DEFAULT_RULE_SET
    assert migration["reason"].startswith("Perkada") and migration["at"].startswith("2024-04-05")
    history = Audit(s.app).history(s.id(STAFF))
    assert history[-1]["type"] == "RuleSetMigrated"


def test_a_migration_to_another_calendar_or_after_the_follow_up_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monthly = replace(TUKIN_KLH_6_2025, id="monthly-rules", period="monthly")
    monkeypatch.setitem(domain.rules.RULE_SETS, monthly.id, monthly)
    s = reach("execution")
    with pytest.raises(InvalidInput) as calendar:
        s.do(STAFF, MigrateRuleSet(HR_ACTOR, monthly.id, "x"), T["check_in"])
    assert calendar.value.code == "migration.calendar" and "period" in calendar.value.params["fields"]
    done = reach("finalised")
    with pytest.raises(WrongStage):
        done.do(STAFF, MigrateRuleSet(HR_ACTOR, OTHER, "x"), T["finalise"])


def test_a_rated_appraisal_keeps_its_rating_and_the_auditor_recomputes_each_under_its_rules() -> None:
    s = reach("result_delivered")
    s.do(STAFF, MigrateRuleSet(HR_ACTOR, OTHER, "aturan baru"), T["window_closed"])
    a = s.get(STAFF)
    assert a.predikat == "baik" and a.rule_set_id == OTHER
    check = Audit(s.app).recompute(s.id(STAFF))
    assert check["all_match"] and check["rule_set_id"] == OTHER
    s.close_window(STAFF)
    s.do(STAFF, DecideFollowUp(HR_ACTOR, ["baik"], 4), T["follow_up"])
    assert s.get(STAFF).follow_up["tukin_cut_percent"] == 0.0
