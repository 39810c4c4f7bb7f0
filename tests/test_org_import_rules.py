"""The organisation import in memory: business time on every fact, the refusals only the Agency knows,
and the cycle definition built from the org chart.

Rules: HR keeps the org data (DOMAIN.md §4, §9); the pejabat penilai is the supervisor and the atasan
the supervisor's supervisor (§4); NIPs are plausible on the day of the import (§12); a change of
supervisor carries a reason (README: the history of who appraised whom stays readable).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from domain.application import Appraisals
from domain.audit import Audit
from domain.base import Actor
from domain.errors import ConcurrencyConflict, NotFound
from domain.organisation import Agency
from tests.factories import ANALIS, HEAD, HR_ACTOR, KADIS, OUTSIDER, SEKDA, STAFF

UTC = timezone.utc
FIRST = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
LATER = datetime(2024, 3, 4, 5, 6, tzinfo=UTC)
HEADER = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,rank,supervisor_nip,unit_head"
CODE = "pemkot-palu"
RENAMED, UMUM = "Pemkot Palu", "Bidang Umum dan Hukum"


def line(
    nip: str, unit: str, supervisor: str, head: str = "", *, agency: str = "Pemerintah Kota Palu", **kw: str
) -> str:
    unit_name = kw.get("unit_name", {"kantor": "Kantor Walikota", "umum": "Bidang Umum"}[unit])
    rank = kw.get("rank", "III/a")
    return f"{CODE},{agency},WITA,{unit},{unit_name},{nip},Pegawai {nip[-3:]},{rank},{supervisor},{head}"


def org(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


BASE = [
    line(KADIS, "kantor", "", "ya"),
    line(SEKDA, "kantor", KADIS),
    line(HEAD, "umum", SEKDA, "ya"),
    line(STAFF, "umum", HEAD),
]


def test_every_fact_of_an_import_carries_the_imports_business_time() -> None:
    app = Appraisals()
    assert app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST).ok
    changed = [
        line(KADIS, "kantor", "", agency=RENAMED),
        line(SEKDA, "kantor", KADIS, "ya", agency=RENAMED),  # the head of the office changes
        line(HEAD, "umum", KADIS, "ya", agency=RENAMED, unit_name=UMUM),
        line(STAFF, "umum", HEAD, agency=RENAMED, unit_name=UMUM, rank="III/b"),
        line(ANALIS, "umum", HEAD, agency=RENAMED, unit_name=UMUM),
    ]
    result = app.import_org(org(*changed), by=HR_ACTOR, at=LATER, reason="restrukturisasi")
    assert result.ok and result.events == 6
    new = Audit(app).history(Agency.create_id(CODE))[-6:]
    assert [e["type"] for e in new] == [
        "Updated",
        "UnitUpdated",
        "UnitUpdated",
        "SupervisorChanged",
        "EmployeeUpdated",
        "EmployeeRegistered",
    ]
    assert {(e["at"], e["by"]) for e in new} == {(LATER.isoformat(), HR_ACTOR.nip)}
    palu = app.agency(CODE)
    assert palu.units["kantor"]["head_nip"] == SEKDA and palu.units["umum"]["name"] == "Bidang Umum dan Hukum"
    moved = {c.nip: c for c in result.supervisor_changes}
    assert (moved[HEAD].agency_code, moved[HEAD].appraiser_nip, moved[HEAD].reason) == (CODE, KADIS, "restrukturisasi")
    assert (moved[STAFF].agency_code, moved[STAFF].atasan_nip) == (CODE, KADIS)


def test_a_one_line_agency_and_a_unit_without_a_head_import() -> None:
    app = Appraisals()
    result = app.import_org(org(line(KADIS, "kantor", "")), by=HR_ACTOR, at=FIRST)
    assert result.ok and app.agency(CODE).units["kantor"]["head_nip"] is None
    assert Audit(app).history(Agency.create_id(CODE))[0]["at"] == FIRST.isoformat()


def test_every_nip_in_the_future_of_the_import_day_is_named_at_once() -> None:
    future_a, future_b = "199001012025031001", "199101012025041002"  # appointed March and April 2025
    text = org(line(KADIS, "kantor", "", "ya"), line(future_a, "kantor", KADIS), line(future_b, "kantor", KADIS))
    result = Appraisals().import_org(text, by=HR_ACTOR, at=FIRST)
    assert [str(p) for p in result.problems] == [
        "line 3, nip: digits 9-14: the CPNS appointment 202503 is in the future",
        "line 4, nip: digits 9-14: the CPNS appointment 202504 is in the future",
    ]


def test_a_rule_only_the_agency_knows_refuses_the_whole_file_at_its_line() -> None:
    app = Appraisals()
    app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST)
    before = len(Audit(app).history(Agency.create_id(CODE)))

    clerk = Actor(STAFF)  # not HR: only HR registers an employee
    refused = app.import_org(org(*BASE, line(ANALIS, "umum", HEAD)), by=clerk, at=LATER)
    assert [str(p) for p in refused.problems] == ["line 6, nip: only HR registers an employee"]
    assert refused.supervisor_changes == [] and refused.events == 0

    # A change of supervisor needs a reason: none on the line and a blank default for the import.
    moved = org(*BASE[:3], line(STAFF, "umum", SEKDA), line(ANALIS, "umum", HEAD))
    no_reason = app.import_org(moved, by=HR_ACTOR, at=LATER, reason=" ")
    assert [str(p) for p in no_reason.problems] == ["line 5, reason: is required"]
    assert no_reason.supervisor_changes == []
    assert len(Audit(app).history(Agency.create_id(CODE))) == before  # nothing was written


def test_the_cycle_definition_keeps_the_chosen_period_deadlines_and_units() -> None:
    app = Appraisals()
    app.import_org(org(*BASE, line(ANALIS, "umum", HEAD)), by=HR_ACTOR, at=FIRST)
    definition, people = app.cycle_definition(
        CODE,
        2024,
        by=HR_ACTOR,
        period="monthly",
        deadlines={"planning": "2024-02-29"},
        unit_ids={"umum"},
    )
    assert (definition.agency_id, definition.agency_name, definition.time_zone) == (
        CODE,
        "Pemerintah Kota Palu",
        "WITA",
    )
    assert (definition.period, definition.deadlines) == ("monthly", {"planning": "2024-02-29"})
    assert [p["nip"] for p in definition.participants] == [HEAD, STAFF, ANALIS] and people.skipped == []
    everyone = app.cycle_participants(CODE)
    assert [p["nip"] for p in everyone.participants] == [HEAD, STAFF, ANALIS]
    assert [nip for nip, _ in everyone.skipped] == [KADIS, SEKDA]
    office = app.cycle_participants(CODE, {"kantor"})
    assert office.participants == [] and [nip for nip, _ in office.skipped] == [KADIS, SEKDA]
    with pytest.raises(NotFound, match="^no agency 'pemkab-sigi'$"):
        app.cycle_participants("pemkab-sigi")


def test_the_first_import_dates_every_fact_and_a_cycle_keeps_the_chosen_rule_set() -> None:
    app = Appraisals()
    app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST)
    history = Audit(app).history(Agency.create_id(CODE))
    assert [e["type"] for e in history[:3]] == ["Registered", "UnitRegistered", "UnitRegistered"]
    assert {e["at"] for e in history} == {FIRST.isoformat()}
    definition, _ = app.cycle_definition(CODE, 2025, by=HR_ACTOR, rule_set_id="aturan-instansi")
    assert definition.rule_set_id == "aturan-instansi"


def test_an_import_that_lost_a_race_asks_to_import_again_and_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Appraisals()
    app.import_org(org(*BASE), by=HR_ACTOR, at=FIRST)
    stale = app.agency(CODE)  # what a second import read before the first one below was saved
    app.import_org(org(*BASE, line(ANALIS, "umum", HEAD)), by=HR_ACTOR, at=LATER)
    monkeypatch.setattr(app, "find_agency", lambda code: stale)
    with pytest.raises(ConcurrencyConflict, match="^another import changed the organisation first; import again$"):
        app.import_org(org(*BASE, line(OUTSIDER, "umum", HEAD)), by=HR_ACTOR, at=LATER)
    monkeypatch.undo()
    assert OUTSIDER not in app.agency(CODE).employees and ANALIS in app.agency(CODE).employees
