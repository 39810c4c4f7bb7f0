"""The cycle's facts (who, when) and HR's calibration: counts from the unit only, a key replays.

From DOMAIN.md: the organisation predikat is one of Istimewa, Baik, Butuh Perbaikan, Kurang, Sangat
Kurang and is recorded for a unit by HR (§2.3 step 1, §4); calibration compares the unit's predikat
with the curve (§3.4) and warns. Three Baik in a Baik unit break the Baik row twice ("most (max 70%)
Baik" and "there must be some Butuh Perbaikan and/or Kurang"). Angka kredit (§6.2) and the SKM's
nine elements (§7.1) name what is wrong.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest

from domain.application import Appraisals
from domain.audit import Audit
from domain.base import SYSTEM
from domain.cycle_commands import AddParticipant, CalibrateUnit, DefineCycle, ExtendDeadline, SetOrgPredikat, StartCycle
from domain.errors import InvalidInput, NotAllowed, NotFound, WrongStage
from domain.people_commands import ChangeSupervisor
from domain.rules import DEFAULT_RULE_SET, rule_set
from domain.skm import check_answers
from domain.work_commands import ReportProgress
from tests.factories import (
    HEAD,
    HR_ACTOR,
    KADIS,
    OUTSIDER,
    SEKDA,
    STAFF,
    UNIT,
    Scenario,
    T,
    actor,
    participants,
    reach,
    values,
)

AT = T["check_in"] + timedelta(hours=2)


def last(s: Any) -> dict[str, Any]:
    return Audit(s.app).history(s.cycle_id)[-1]


def test_the_organisation_predikat_is_hrs_for_a_unit_of_the_cycle_and_dated() -> None:
    s = reach("execution")
    cycle = s.app.cycle(s.cycle_id)
    with pytest.raises(NotAllowed, match="^HR records the organisation predikat set by the level above$"):
        cycle.set_org_predikat(SetOrgPredikat(actor(SEKDA), UNIT, "baik"), AT)
    with pytest.raises(
        InvalidInput, match="^predikat: must be one of istimewa, baik, butuh_perbaikan, kurang, sangat_kurang$"
    ):
        cycle.set_org_predikat(SetOrgPredikat(HR_ACTOR, UNIT, "cukup"), AT)
    with pytest.raises(InvalidInput, match="^unit_id: no participant works in unit 'bidang-hukum'$"):
        cycle.set_org_predikat(SetOrgPredikat(HR_ACTOR, "bidang-hukum", "baik"), AT)
    s.app.execute_cycle(s.cycle_id, SetOrgPredikat(HR_ACTOR, UNIT, "istimewa"), at=AT)
    event = last(s)
    assert (event["type"], event["by"], event["at"]) == ("OrganisationPredikatSet", HR_ACTOR.nip, AT.isoformat())
    assert event["payload"] == {"by": HR_ACTOR.nip, "unit_id": UNIT, "predikat": "istimewa"}


def test_a_participant_added_and_a_deadline_extended_are_dated() -> None:
    s = reach("execution")
    newcomer = {
        "nip": OUTSIDER,
        "name": "Pindahan",
        "unit_id": UNIT,
        "appraiser_nip": HEAD,
        "atasan_nip": SEKDA,
    }
    s.app.execute_cycle(s.cycle_id, AddParticipant(HR_ACTOR, newcomer), at=AT)
    added = last(s)
    assert (added["type"], added["by"], added["at"]) == ("ParticipantAdded", HR_ACTOR.nip, AT.isoformat())
    s.app.execute_cycle(s.cycle_id, ExtendDeadline(HR_ACTOR, "review", "2025-02-28", " banyak mutasi "), at=AT)
    extended = last(s)
    assert (extended["type"], extended["by"], extended["at"]) == ("DeadlineExtended", HR_ACTOR.nip, AT.isoformat())
    assert extended["payload"]["reason"] == "banyak mutasi"


def test_calibration_counts_the_unit_only_names_its_rules_and_a_key_replays_it() -> None:
    app = Appraisals()
    elsewhere = {
        "nip": OUTSIDER,
        "name": "Bidang Lain",
        "unit_id": "bidang-lain",
        "appraiser_nip": SEKDA,
        "atasan_nip": KADIS,
    }
    # A participant of another unit first, so counting must skip them, not stop at them.
    cycle_id = app.define_cycle(
        DefineCycle(HR_ACTOR, "pemkot-palu", "Pemerintah Kota Palu", "WITA", 2024, [elsewhere, *participants()]),
        at=T["define"],
    )
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])
    s = Scenario(app, cycle_id)
    for who in (HEAD, STAFF, "199208112018031005"):
        s.rate(who)
    cycle = s.app.cycle(cycle_id)
    with pytest.raises(NotAllowed, match="^HR calibrates the distribution$"):
        cycle.calibrate(CalibrateUnit(actor(SEKDA), UNIT, "x"), {}, T["calibrate"])
    with pytest.raises(WrongStage, match="^set the organisation predikat of unit 'bidang-lain' before calibrating$"):
        cycle.calibrate(CalibrateUnit(HR_ACTOR, "bidang-lain", "x"), {}, T["calibrate"])

    calibrate = CalibrateUnit(HR_ACTOR, UNIT, "unit kecil")
    warnings = s.app.calibrate_unit(cycle_id, calibrate, at=T["calibrate"], key="kalibrasi-1")
    assert len(warnings) == 2
    calibrated = last(s)
    assert (calibrated["type"], calibrated["by"], calibrated["at"]) == (
        "Calibrated",
        HR_ACTOR.nip,
        T["calibrate"].isoformat(),
    )
    assert calibrated["payload"]["counts"] == {
        "sangat_baik": 0,
        "baik": 3,
        "butuh_perbaikan": 0,
        "kurang": 0,
        "sangat_kurang": 0,
    }
    version = s.app.cycle(cycle_id).version
    assert s.app.calibrate_unit(cycle_id, calibrate, at=T["calibrate"], key="kalibrasi-1") == warnings
    assert s.app.cycle(cycle_id).version == version  # replayed, nothing written
    assert s.app.calibrate_unit(cycle_id, calibrate, at=T["calibrate"]) == warnings  # no key: a new check
    assert s.app.calibrate_unit(cycle_id, calibrate, at=T["calibrate"]) == warnings  # and again
    assert s.app.cycle(cycle_id).version == version + 2
    other_unit = CalibrateUnit(HR_ACTOR, "bidang-lain", "x")  # a key used before answers what it did: nothing here
    assert s.app.calibrate_unit(cycle_id, other_unit, at=T["calibrate"], key="kalibrasi-1") == []
    assert s.app.cycle(cycle_id).version == version + 2


def test_a_calibration_records_a_count_for_every_predikat() -> None:
    s = reach("review")
    s.app.execute_cycle(s.cycle_id, SetOrgPredikat(HR_ACTOR, UNIT, "baik"), at=T["org_predikat"])
    cycle = s.app.cycle(s.cycle_id)
    cycle.calibrate(CalibrateUnit(HR_ACTOR, UNIT, "unit kecil"), {"baik": 2}, T["calibrate"])
    assert cycle.calibrations[UNIT]["counts"] == {
        "sangat_baik": 0,
        "baik": 2,
        "butuh_perbaikan": 0,
        "kurang": 0,
        "sangat_kurang": 0,
    }


def test_a_replayed_change_of_supervisor_answers_as_it_did_then_and_both_records_keep_the_key() -> None:
    s = reach("execution")
    change = ChangeSupervisor(HR_ACTOR, SEKDA, KADIS, "mutasi")
    first = s.app.change_supervisor(s.cycle_id, STAFF, change, at=AT, key="mutasi-7")
    s.do(STAFF, ReportProgress(actor(STAFF), "Q1", "004-1", "laporan"), AT + timedelta(hours=1))
    again = s.app.change_supervisor(s.cycle_id, STAFF, change, at=AT, key="mutasi-7")
    assert (again.version, again.replayed) == (first.version, True)
    assert s.app.cycle(s.cycle_id).applied_version("mutasi-7") is not None
    assert s.get(STAFF).applied_version("mutasi-7") == first.version
    moved = Audit(s.app).history(s.id(STAFF))[first.version - 1]
    assert (moved["type"], moved["by"], moved["at"]) == ("SupervisorReassigned", HR_ACTOR.nip, AT.isoformat())
    assert moved["payload"] == {
        "by": HR_ACTOR.nip,
        "previous_appraiser": HEAD,
        "appraiser_nip": SEKDA,
        "atasan_nip": KADIS,
        "reason": "mutasi",
    }


def test_appraisals_opened_together_are_opened_at_the_given_instant() -> None:
    s = Scenario.new()
    s.app.open_appraisals(s.cycle_id, [HEAD, STAFF], T["open"])
    opened = Audit(s.app).history(s.id(STAFF))[0]
    assert (opened["type"], opened["at"]) == ("Opened", T["open"].isoformat())


def test_angka_kredit_and_skm_name_what_is_unknown() -> None:
    rules = rule_set(DEFAULT_RULE_SET)
    assert rules.angka_kredit("sangat_baik", 12.5) == 18.75  # §6.2 example: Ahli Pertama, 150%
    with pytest.raises(InvalidInput, match="^predikat: must be one of sangat_baik, baik, butuh_perbaikan"):
        rules.angka_kredit("cukup", 12.5)
    with pytest.raises(InvalidInput, match="^answers: unknown SKM element 'parkir'; known: persyaratan, prosedur, "):
        check_answers({"parkir": 4})
    assert SYSTEM.is_system


def test_asking_which_actions_are_open_changes_nothing_on_the_appraisal() -> None:
    s = Scenario.new()
    s.submit(STAFF)
    appraisal = s.get(STAFF)
    before = (appraisal.version, appraisal.stage, appraisal.skp_status, len(appraisal.pending_events))
    assert "approve_skp" in s.app.actions(appraisal, actor(HEAD), T["approve"])  # tried in full on a copy
    after = (appraisal.version, appraisal.stage, appraisal.skp_status, len(appraisal.pending_events))
    assert after == before == (3, "planning", "submitted", 0)


def test_behaviour_ratings_list_every_unknown_value() -> None:
    odd = {**values(), "jujur": "sesuai", "rajin": "sesuai"}
    with pytest.raises(InvalidInput, match=r"\(missing: -; unknown: jujur, rajin\)$"):
        rule_set(DEFAULT_RULE_SET).behaviour_rating(odd)


# --- reading records back: what each read says of a missing or mistaken id --------------------------------


def test_a_read_names_what_it_looked_for_with_its_article() -> None:
    s = reach("planning")
    missing = uuid5(NAMESPACE_URL, "https://kinerja.example/nothing")
    with pytest.raises(NotFound, match=f"^no cycle {missing}$"):
        s.app.cycle(missing)
    with pytest.raises(NotFound, match=f"^{s.id(STAFF)} is not a cycle$"):
        s.app.cycle(s.id(STAFF))
    with pytest.raises(NotFound, match=f"^{s.cycle_id} is not an appraisal$"):
        s.app.appraisal(s.cycle_id)


def test_the_people_named_at_opening_are_the_employee_the_appraiser_and_the_atasan() -> None:
    s = reach("planning")
    # The factories' cycle: HEAD appraises STAFF, SEKDA is STAFF's atasan (tests/factories.py).
    assert s.app.named_at_opening(s.id(STAFF)) == {STAFF, HEAD, SEKDA}
    assert s.app.named_at_opening(s.cycle_id) == set()  # a cycle's first event names no appraisal's people
    assert s.app.named_at_opening(uuid5(NAMESPACE_URL, "https://kinerja.example/nothing")) == set()
