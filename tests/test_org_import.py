"""HR's organisation import: line-precise validation, all or nothing, idempotent, supervisor history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from domain.application import Appraisals
from domain.audit import Audit
from domain.base import Actor
from domain.errors import InvalidInput, NotAllowed
from domain.organisation import Agency
from readmodels.projector import Projector, make_engine
from tests.factories import ANALIS, HEAD, HR_ACTOR, KADIS, SEKDA, STAFF, T

HEADER = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,position,rank,supervisor_nip,unit_head"
PEOPLE = {
    KADIS: ("kantor", "Kantor Walikota", "Kepala Dinas", "IV/c", "", "ya"),
    SEKDA: ("kantor", "Kantor Walikota", "Sekretaris", "IV/b", KADIS, ""),
    HEAD: ("bidang-umum", "Bidang Umum", "Kepala Bidang", "IV/a", SEKDA, "ya"),
    STAFF: ("bidang-umum", "Bidang Umum", "Pengadministrasi", "III/a", HEAD, ""),
    ANALIS: ("bidang-umum", "Bidang Umum", "Analis Kebijakan", "III/b", HEAD, ""),
}
AGENCY = "pemkot-palu"


def org_csv(**supervisors: str) -> str:
    """The agency's CSV; `supervisors` maps a NIP's position in PEOPLE (p0..p4) to another supervisor NIP."""
    lines = [HEADER]
    for i, (nip, (unit, unit_name, position, rank, supervisor, head)) in enumerate(PEOPLE.items()):
        supervisor = supervisors.get(f"p{i}", supervisor)
        lines.append(
            f"{AGENCY},Pemerintah Kota Palu,WITA,{unit},{unit_name},{nip},Pegawai {i},{position},{rank},"
            f"{supervisor},{head}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def app(store_env: dict[str, str]) -> Iterator[Appraisals]:
    app = Appraisals(env=store_env)
    yield app
    app.close()


def test_a_valid_file_registers_the_agency_its_units_and_employees(app: Appraisals) -> None:
    result = app.import_org(org_csv(), by=HR_ACTOR, at=T["define"])

    assert result.ok and result.agencies == [AGENCY] and result.events == 1 + 2 + 5
    palu = app.agency(AGENCY)
    assert palu.units["bidang-umum"] == {"unit_id": "bidang-umum", "name": "Bidang Umum", "head_nip": HEAD}
    assert palu.employees[STAFF]["supervisor_nip"] == HEAD and palu.reporting_line(STAFF) == (HEAD, SEKDA)
    assert Audit(app).verify(Agency.create_id(AGENCY)).ok  # the agency's events are hash-chained too


def test_a_bad_nip_is_reported_with_its_line_field_and_reason_and_nothing_is_written(app: Appraisals) -> None:
    text = org_csv().replace(SEKDA, "19681301199003" + SEKDA[14:], 1)  # month 13 in the birth date, line 3

    result = app.import_org(text, by=HR_ACTOR, at=T["define"])

    assert not result.ok
    # Line 4 named the NIP line 3 should have had as its supervisor: that is reported too, on line 4.
    assert [(p.line, p.field) for p in result.problems] == [(3, "nip"), (4, "supervisor_nip")]
    assert "birth date" in result.problems[0].reason and "19681301" in result.problems[0].reason
    assert str(result.problems[0]).startswith("line 3, nip: digits 1-8 must be a birth date")
    assert app.find_agency(AGENCY) is None and app.recorder.max_notification_id() is None


def test_every_problem_of_the_file_is_reported_at_once(app: Appraisals) -> None:
    lines = org_csv().splitlines()
    lines[2] = lines[2].replace("WITA", "CET")  # line 3: unknown time zone
    lines[4] = lines[4].replace("Pegawai 3", "")  # line 5: no name
    lines[5] = lines[5].replace(f",{HEAD},", ",19900101201001" + "1999,")  # line 6: supervisor not an employee
    lines.append(lines[1])  # line 7: KADIS again

    result = app.import_org("\n".join(lines), by=HR_ACTOR, at=T["define"])

    found = [(p.line, p.field) for p in result.problems]
    assert (3, "time_zone") in found and (5, "name") in found and (6, "supervisor_nip") in found
    assert (7, "nip") in found and (7, "unit_head") in found
    assert "line 2" in next(p.reason for p in result.problems if p.line == 7 and p.field == "nip")
    assert app.recorder.max_notification_id() is None


def test_a_reporting_loop_is_refused(app: Appraisals) -> None:
    result = app.import_org(org_csv(p0=STAFF), by=HR_ACTOR, at=T["define"])  # KADIS reports to STAFF

    assert {(p.line, p.field) for p in result.problems} >= {(2, "supervisor_nip")}
    assert "loops" in result.problems[0].reason


def test_importing_the_same_file_again_writes_nothing(app: Appraisals) -> None:
    app.import_org(org_csv(), by=HR_ACTOR, at=T["define"])
    position = app.recorder.max_notification_id()

    again = app.import_org(org_csv(), by=HR_ACTOR, at=T["start"])

    assert again.ok and again.events == 0 and again.supervisor_changes == []
    assert app.recorder.max_notification_id() == position


def test_a_new_supervisor_is_recorded_as_history_and_listed_with_its_knock_on_effects(app: Appraisals) -> None:
    app.import_org(org_csv(), by=HR_ACTOR, at=T["define"])

    # HEAD now reports to KADIS: HEAD's appraiser changes, and so does the atasan of HEAD's staff.
    result = app.import_org(
        org_csv(p2=KADIS), by=HR_ACTOR, at=T["approve"], reason="mutasi jabatan", effective=date(2024, 2, 1)
    )

    assert result.ok and result.events == 1
    changes = {c.nip: c for c in result.supervisor_changes}
    assert set(changes) == {HEAD, STAFF, ANALIS}
    head = changes[HEAD]
    assert (head.previous_appraiser_nip, head.appraiser_nip, head.recorded) == (SEKDA, KADIS, True)
    assert (head.reason, head.effective) == ("mutasi jabatan", date(2024, 2, 1))
    staff = changes[STAFF]
    assert (staff.appraiser_nip, staff.previous_atasan_nip, staff.atasan_nip, staff.recorded) == (
        HEAD,
        SEKDA,
        KADIS,
        False,
    )
    assert app.agency(AGENCY).supervisor_history == [
        {
            "nip": HEAD,
            "from": SEKDA,
            "to": KADIS,
            "reason": "mutasi jabatan",
            "effective": "2024-02-01",
            "by": HR_ACTOR.nip,
        }
    ]
    stored = app.recorder.select_events(Agency.create_id(AGENCY))
    assert type(app.mapper.to_domain_event(stored[-1])).__name__ == "SupervisorChanged"
    assert app.import_org(org_csv(p2=KADIS), by=HR_ACTOR, at=T["rate"]).events == 0  # and it stays idempotent


def test_a_reason_and_date_on_the_line_win_over_the_imports_defaults(app: Appraisals) -> None:
    app.import_org(org_csv(), by=HR_ACTOR, at=T["define"])
    lines = org_csv(p3=SEKDA).splitlines()
    lines[0] += ",change_reason,effective_date"
    lines = [lines[0]] + [line + (",rotasi,2024-03-01" if STAFF in line else ",,") for line in lines[1:]]

    result = app.import_org("\n".join(lines), by=HR_ACTOR, at=T["approve"])

    [change] = result.supervisor_changes
    assert (change.nip, change.reason, change.effective) == (STAFF, "rotasi", date(2024, 3, 1))
    assert (change.appraiser_nip, change.atasan_nip, change.recorded) == (SEKDA, KADIS, True)


def test_the_agency_becomes_the_participants_of_a_cycle(app: Appraisals, store_url: str) -> None:
    app.import_org(org_csv(), by=HR_ACTOR, at=T["define"])

    definition, people = app.cycle_definition(AGENCY, 2024, by=HR_ACTOR)
    cycle = app.cycle(app.define_cycle(definition, at=T["define"]))

    assert set(cycle.participants) == {HEAD, STAFF, ANALIS}
    assert {nip for nip, _ in people.skipped} == {KADIS, SEKDA}  # no supervisor, or no atasan, inside the agency
    head = cycle.participants[HEAD]
    assert (head["appraiser_nip"], head["atasan_nip"], head["is_unit_head"]) == (SEKDA, KADIS, True)
    assert cycle.participants[STAFF]["is_unit_head"] is False and cycle.time_zone == "WITA"
    # Agency events share the log with appraisals; the projector passes over them.
    engine = make_engine(store_url)
    assert Projector(app, engine).catch_up() == app.recorder.max_notification_id()
    engine.dispose()


def test_a_renamed_agency_unit_and_employee_are_recorded_as_changes_only(app: Appraisals) -> None:
    app.import_org(org_csv(), by=HR_ACTOR, at=T["define"])
    changed = (
        org_csv()
        .replace("Pemerintah Kota Palu,WITA", "Pemkot Palu,WIT")
        .replace("Bidang Umum", "Bidang Umum dan Kepegawaian")
        .replace("Pengadministrasi,III/a", "Pengadministrasi Umum,III/b")
    )
    result = app.import_org(changed, by=HR_ACTOR, at=T["start"])
    assert result.ok and result.events == 3  # the agency, the unit, the employee: one event each
    palu = app.agency(AGENCY)
    assert (palu.name, palu.time_zone) == ("Pemkot Palu", "WIT")
    assert palu.units["bidang-umum"]["name"] == "Bidang Umum dan Kepegawaian"
    assert (palu.employees[STAFF]["position"], palu.employees[STAFF]["rank"]) == ("Pengadministrasi Umum", "III/b")
    types = [e["type"] for e in Audit(app).history(Agency.create_id(AGENCY))][-3:]
    assert types == ["Updated", "UnitUpdated", "EmployeeUpdated"]


def test_an_agency_refuses_changes_that_change_nothing_and_non_hr_actors(app: Appraisals) -> None:
    app.import_org(org_csv(), by=HR_ACTOR, at=T["define"])
    palu = app.agency(AGENCY)
    with pytest.raises(InvalidInput, match="^name: nothing changes$"):
        palu.update(HR_ACTOR, palu.name, palu.time_zone, T["start"])
    with pytest.raises(InvalidInput, match="^unit_id: unit 'bidang-umum' does not change$"):
        palu.update_unit(HR_ACTOR, "bidang-umum", "Bidang Umum", HEAD, T["start"])
    with pytest.raises(InvalidInput, match="^unit_id: no unit 'gudang'$"):
        palu.update_unit(HR_ACTOR, "gudang", "Gudang", None, T["start"])
    with pytest.raises(InvalidInput, match=f"^nip: nothing changes for {STAFF}$"):
        palu.update_employee(HR_ACTOR, STAFF, {"rank": "III/a"}, T["start"])
    with pytest.raises(NotAllowed, match="^only HR changes an agency$"):
        palu.update(Actor(STAFF), "X", "WIB", T["start"])
    with pytest.raises(NotAllowed, match="^only HR changes a unit$"):
        palu.update_unit(Actor(STAFF), "bidang-umum", "X", None, T["start"])
    with pytest.raises(NotAllowed, match="^only HR changes an employee$"):
        palu.update_employee(Actor(STAFF), STAFF, {"rank": "IV/a"}, T["start"])


def test_a_file_saved_by_an_indonesian_spreadsheet_with_semicolons_imports_the_same(app: Appraisals) -> None:
    """Spreadsheets set to Indonesian write ';' between columns (the comma is the decimal separator)."""
    result = app.import_org(org_csv().replace(",", ";"), by=HR_ACTOR, at=T["define"])

    assert result.ok, result.problems
    assert app.agency(AGENCY).employees[STAFF]["supervisor_nip"] == HEAD


def test_a_file_with_no_recognisable_separator_says_so_on_its_header(app: Appraisals) -> None:
    result = app.import_org(org_csv().replace(",", "\t"), by=HR_ACTOR, at=T["define"])

    assert not result.ok and [(p.line, p.field) for p in result.problems] == [(1, "header")]
    assert "separate them with ',' or ';'" in result.problems[0].reason
    assert app.find_agency(AGENCY) is None  # nothing written
