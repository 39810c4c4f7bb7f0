"""A refusal's figures said for a person (#13): the curve's deviations in Bahasa Indonesia, and a unit or an
agency by its name rather than its code, as the page receives the refusal out of the workflow."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.errors import details_of
from domain.cycle_commands import CalibrateUnit, CloseCycle, DefineCycle
from domain.errors import DomainError, WrongStage
from domain.organisation import Agency
from services.catalogue import say
from tests.factories import AGENCY, ANALIS, HEAD, HR_ACTOR, STAFF, UNIT, Scenario, T, participants
from tests.page_language import english_on
from tests.test_web_pages import through_the_workflow
from web.outcome import said_in_indonesian


def said(refuse: Callable[[], object]) -> str:
    """The refusal as the page says it: out of the activity and the workflow update, then from its code."""
    field, details = details_of(through_the_workflow(refuse))
    return said_in_indonesian({"field": field, **details})


def test_a_calibration_refused_for_want_of_a_justification_names_each_deviation_in_indonesian() -> None:
    s = Scenario.new()
    for who in (HEAD, STAFF, ANALIS):
        s.rate(who)  # all Baik in a unit whose organisation predikat is Baik: the curve wants some below
    calibrate = CalibrateUnit(HR_ACTOR, UNIT, "")
    text = said(lambda: s.app.calibrate_unit(s.cycle_id, calibrate, at=T["calibrate"]))
    assert text == (
        "Justifikasi: distribusi predikat menyimpang dari kurva (Kurva mengharapkan paling banyak 70% Baik: "
        "paling banyak 2 dari 3 diperbolehkan; kini 3 dinilai; Kurva mengharapkan ada sekurang-kurangnya satu "
        "Butuh Perbaikan + Kurang/Misconduct: paling sedikit 1 dari 3 diperlukan; kini 0 dinilai): isi justifikasi untuk "
        "mengkalibrasi unit ini"
    )
    assert not english_on(f"<p>{text}</p>")


def test_a_unit_is_named_in_a_refusal_not_coded() -> None:
    s = Scenario.new()
    cycle = s.app.cycle(s.cycle_id)
    cycle.participants = {n: {**p, "unit_name": "Bidang Umum"} for n, p in cycle.participants.items()}
    cycle.org_predikat.pop(UNIT, None)
    with pytest.raises(WrongStage) as refused:
        cycle.calibrate(CalibrateUnit(HR_ACTOR, UNIT, "x"), {}, T["calibrate"])
    text = say(refused.value.code, refused.value.params)
    assert text == "tetapkan predikat organisasi unit Bidang Umum sebelum mengkalibrasi"
    assert UNIT not in text


def test_an_agency_is_named_in_a_refusal_not_coded() -> None:
    s = Scenario.new()
    again = DefineCycle(HR_ACTOR, AGENCY, "Pemerintah Kota Palu", "WITA", 2024, participants())
    with pytest.raises(DomainError) as refused:
        s.app.define_cycle(again, at=T["define"])
    text = say(refused.value.code, refused.value.params)
    assert text == "instansi Pemerintah Kota Palu sudah memiliki siklus tahun 2024"


def test_an_employee_unknown_to_the_agency_is_refused_with_the_agencys_name() -> None:
    agency = Agency.register(HR_ACTOR, "DISDUK", "Dinas Kependudukan", "WITA", T["define"])
    with pytest.raises(DomainError) as refused:
        agency.participant(STAFF, HEAD, ANALIS)
    assert say(refused.value.code, refused.value.params, field="nip") == (
        f"NIP: {STAFF} bukan pegawai Dinas Kependudukan"
    )


def test_without_a_name_the_code_is_said_as_before() -> None:
    assert say("org.no_unit", {"unit_id": "SEKRETARIAT-R2"}) == "tidak ada unit SEKRETARIAT-R2"


def test_a_cycle_refused_closing_names_each_open_appraisal_by_name_and_stage() -> None:
    """It said "198503152010011001 (planning)": the stage's code in an Indonesian sentence."""
    s = Scenario.new()
    s.open(STAFF)
    text = said(lambda: s.app.close_cycle(s.cycle_id, CloseCycle(HR_ACTOR, {}), at=T["finalise"]))
    assert f"Staf Umum ({STAFF}, Perencanaan SKP)" in text
    assert "planning" not in text and "(planning)" not in text
    assert not english_on(f"<p>{text}</p>")
