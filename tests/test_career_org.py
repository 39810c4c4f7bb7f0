"""The careers' facts in the org data (#14), in memory: a recorded, validated jenjang from the import; a change
of jabatan only by decree (and only HR); potential assessments only by HR, never of oneself; each command
applied once under its key; a file without the jenjang column leaves the org data and its events as they were."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from domain.application import Appraisals
from domain.base import Actor
from domain.career_service import assessments_of, jabatan_facts
from domain.errors import InvalidInput, NotAllowed
from domain.talent_rules import PARTS
from tests.factories import HEAD, HR_ACTOR, HR_NIP, KADIS, STAFF

AT = datetime(2025, 1, 2, 2, 0, tzinfo=timezone.utc)
LATER = datetime(2025, 8, 1, 2, 0, tzinfo=timezone.utc)
CODE = "pemkot-palu"
HEADER = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,position,rank,supervisor_nip,unit_head"


def org(jenjang: str | None = "ahli_pertama") -> str:
    header = HEADER + (",jenjang" if jenjang is not None else "")
    extra = "" if jenjang is None else ","
    rows = [
        f"{CODE},Pemkot Palu,WITA,kantor,Kantor,{KADIS},Kadis,Kepala,IV/c,,ya{extra}",
        f"{CODE},Pemkot Palu,WITA,kantor,Kantor,{HR_NIP},HR,Analis SDM,III/a,{KADIS},{extra}",
        f"{CODE},Pemkot Palu,WITA,umum,Umum,{HEAD},Kabid,Kepala Bidang,IV/a,{KADIS},ya{extra}",
        f"{CODE},Pemkot Palu,WITA,umum,Umum,{STAFF},Staf,Pranata Komputer,III/a,{HEAD},"
        + ("" if jenjang is None else f",{jenjang}"),
    ]
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
def app(sqlite_env: dict[str, str]) -> Appraisals:
    found = Appraisals(env=sqlite_env)
    assert found.import_org(org(), by=HR_ACTOR, at=AT).ok
    return found


def test_the_import_records_a_known_jenjang_and_refuses_an_unknown_one_naming_the_line(app: Appraisals) -> None:
    assert app.agency(CODE).employees[STAFF]["jenjang"] == "ahli_pertama"
    refused = app.import_org(org("ahli_super"), by=HR_ACTOR, at=LATER)
    assert [(p.line, p.field, p.code) for p in refused.problems] == [(5, "jenjang", "career.jenjang")]


def test_the_import_changes_no_jenjang_held_and_a_file_without_the_column_keeps_it(app: Appraisals) -> None:
    refused = app.import_org(org("ahli_muda"), by=HR_ACTOR, at=LATER)
    assert [p.code for p in refused.problems] == ["org.jenjang_by_decree"]
    emptied = app.import_org(org(""), by=HR_ACTOR, at=LATER)
    assert [p.code for p in emptied.problems] == ["org.jenjang_by_decree"]
    unchanged = app.import_org(org(None), by=HR_ACTOR, at=LATER)
    assert unchanged.ok and unchanged.events == 0 and app.agency(CODE).employees[STAFF]["jenjang"] == "ahli_pertama"


def test_a_change_of_jabatan_by_decree_is_recorded_once_and_read_back_as_ledger_facts(app: Appraisals) -> None:
    def move(key: str) -> None:
        app.change_jabatan(
            CODE,
            STAFF,
            position="Pranata Komputer Ahli Muda",
            jenjang="ahli_muda",
            decree="800/7/2025",
            effective=date(2025, 7, 1),
            by=HR_ACTOR,
            at=LATER,
            key=key,
        )

    move("k1")
    move("k1")  # a retry
    agency = app.agency(CODE)
    assert agency.employees[STAFF]["position"] == "Pranata Komputer Ahli Muda"
    first, changes = jabatan_facts(agency, STAFF)
    assert first == "ahli_pertama" and [(c.kind, c.jenjang, c.decree) for c in changes] == [
        ("move_up", "ahli_muda", "800/7/2025")
    ]
    with pytest.raises(InvalidInput) as earlier:
        app.change_jabatan(
            CODE,
            STAFF,
            position="X",
            jenjang="ahli_muda",
            decree="1",
            effective=date(2025, 6, 1),
            by=HR_ACTOR,
            at=LATER,
        )
    assert earlier.value.code == "career.change_order"


@pytest.mark.parametrize(
    ("by", "code"),
    [(Actor(HEAD), "org.who_changes_jabatan"), (Actor(HR_NIP, ("hr",)), None)],
)
def test_only_hr_changes_a_jabatan_and_never_without_a_decree(app: Appraisals, by: Actor, code: str | None) -> None:
    error = NotAllowed if code else InvalidInput
    with pytest.raises(error) as refused:
        app.change_jabatan(
            CODE, STAFF, position="Y", jenjang="ahli_pertama", decree="", effective=date(2025, 9, 1), by=by, at=LATER
        )
    assert refused.value.code == (code or "input.required")


def test_assessments_are_hr_s_of_others_checked_by_the_talent_rules_and_applied_once(app: Appraisals) -> None:
    scores = dict.fromkeys(PARTS, 70)
    for _ in range(2):
        app.record_assessment(
            CODE, STAFF, source="AC BKD", on=date(2025, 6, 1), scores=scores, by=HR_ACTOR, at=LATER, key="a1"
        )
    assert [(a.nip, a.source, a.on) for a in assessments_of(app.agency(CODE))] == [(STAFF, "AC BKD", date(2025, 6, 1))]
    with pytest.raises(NotAllowed) as own:
        app.record_assessment(CODE, HR_NIP, source="AC", on=date(2025, 6, 1), scores=scores, by=HR_ACTOR, at=LATER)
    assert own.value.code == "talent.own"
    with pytest.raises(NotAllowed):
        app.record_assessment(CODE, STAFF, source="AC", on=date(2025, 6, 1), scores=scores, by=Actor(HEAD), at=LATER)
    with pytest.raises(InvalidInput) as future:
        app.record_assessment(CODE, STAFF, source="AC", on=date(2025, 8, 2), scores=scores, by=HR_ACTOR, at=LATER)
    assert future.value.field == "on"
    with pytest.raises(InvalidInput) as stranger:
        app.record_assessment(
            CODE, "199001012015031009", source="AC", on=date(2025, 6, 1), scores=scores, by=HR_ACTOR, at=LATER
        )
    assert stranger.value.code == "org.not_employee"


def test_the_tmt_of_the_pangkat_is_a_day_not_after_the_import(app: Appraisals) -> None:
    text = org().replace(",jenjang\n", ",jenjang,rank_since\n", 1)
    lines = text.splitlines()
    good = (
        "\n".join([lines[0], *[line + ("," if i < 4 else ",2021-04-01") for i, line in enumerate(lines[1:], 1)]]) + "\n"
    )
    assert app.import_org(good, by=HR_ACTOR, at=LATER).ok
    assert app.agency(CODE).employees[STAFF]["rank_since"] == "2021-04-01"
    future = good.replace("2021-04-01", "2025-08-02")
    refused = app.import_org(future, by=HR_ACTOR, at=LATER)
    assert [(p.field, p.code) for p in refused.problems] == [("rank_since", "input.range")]
