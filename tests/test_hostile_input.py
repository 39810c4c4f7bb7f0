"""Findings 3 and 5 of #8: hostile input is refused at the door with a 422 naming the field, and nothing is written.

Evidence links only http(s) (stored XSS); every text has a length limit and refuses control characters
(NUL above all: PostgreSQL cannot store it); dates and instants have a plausible range. The rules live
in domain/text.py and domain/calendar.py; the API's models, the pages, the org CSV import and the
survey take them from there. Each test checks the event store (and the survey store) after a refusal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from temporalio.testing import WorkflowEnvironment

from domain.application import Appraisals
from domain.base import Actor
from domain.cycle_commands import AddParticipant, DefineCycle, ExtendDeadline
from domain.errors import InvalidInput
from domain.nip import check_nip
from domain.result_commands import SelfAssess
from domain.skm import ELEMENTS
from domain.text import is_web_link
from domain.work_commands import ApproveSkp, GiveFeedback, HoldCheckIn, ReportProgress
from settings import event_store_env
from tests.factories import AGENCY, HEAD, HR_ACTOR, STAFF, YEAR, T, actor, participants, reach
from tests.test_api_support import (
    AUDITOR,
    EMP1,
    HR_NIP,
    PARTICIPANTS,
    RHK,
    SUPERVISOR,
    appraisal_id,
    build_app,
    login,
    running,
    seed_appraisal,
    settings_for,
)
from tests.test_api_world import start_server, world
from tests.test_signin import NEW_AGENCY, ORG
from tests.test_web_pages import post_form, sign_in

API = "/api/v1"
HOSTILE_LINKS = [
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https:alert(1)",
    "arsip/q1.pdf",
]
CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800"]


def written(store: Appraisals) -> int:
    """How many events the store holds (a refusal must leave it unchanged)."""
    return store.recorder.max_notification_id() or 0


# --- finding 3: evidence is an http(s) link or nothing -----------------------------------------


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_evidence_that_is_not_an_http_link_is_refused_naming_the_field(link: str) -> None:
    s = reach("execution")
    before = written(s.app)
    with pytest.raises(InvalidInput, match="^evidence: must be a link starting with http:// or https://") as e:
        s.do(STAFF, ReportProgress(actor(STAFF), "Q1", "004-1", "312 surat", link), T["check_in"])
    assert e.value.field == "evidence" and e.value.code == "input.link"
    assert written(s.app) == before and s.get(STAFF).progress == []


def test_http_and_https_evidence_and_none_at_all_are_kept() -> None:
    s = reach("execution")
    for link in ("https://arsip.example.go.id/q1.pdf", "HTTP://arsip.example.go.id/q2", ""):
        s.do(STAFF, ReportProgress(actor(STAFF), "Q1", "004-1", "312 surat", link), T["check_in"])
    assert [p["evidence"] for p in s.get(STAFF).progress] == [
        "https://arsip.example.go.id/q1.pdf",
        "HTTP://arsip.example.go.id/q2",
        "",
    ]
    assert not any(is_web_link(link) for link in HOSTILE_LINKS)


@pytest.mark.parametrize("link", ["javascript:alert(document.domain)", "data:text/html,x"])
async def test_the_api_answers_422_naming_evidence_and_writes_nothing(tmp_path: Path, link: str) -> None:
    store = Appraisals(env=event_store_env(settings_for(tmp_path).database_url))
    _, appraisal_id = seed_appraisal(store)
    before = written(store)
    async with running(build_app(settings_for(tmp_path), store)) as client:
        body = {"period": "Q1", "rhk_id": "R1", "realisation": "410 KTP", "evidence": link}
        answer = await client.post(
            f"{API}/employees/appraisals/{appraisal_id}/progress", json=body, headers=await login(client, EMP1)
        )
    assert answer.status_code == 422 and answer.json()["field"] == "evidence", answer.text
    assert "http:// or https://" in answer.json()["message"]
    assert written(store) == before
    store.close()


async def test_the_page_form_refuses_a_script_link_in_indonesian_and_writes_nothing(tmp_path: Path) -> None:
    store = Appraisals(env=event_store_env(settings_for(tmp_path).database_url))
    _, appraisal_id = seed_appraisal(store)
    before = written(store)
    async with running(build_app(settings_for(tmp_path), store)) as client:
        await sign_in(client, EMP1)
        form = {"period": "Q1", "rhk_id": "R1", "realisation": "410 KTP", "evidence": "javascript:alert(1)"}
        page = await post_form(client, f"/saya/{appraisal_id}/realisasi", form)
        assert page.status_code == 422, page.text
        assert "Isian belum benar: Tautan bukti dukung harus berupa tautan yang diawali http:// atau https://" in (
            page.text
        )
        # After-effect: reloaded, the page shows no such link and the store holds nothing new.
        again = await client.get(f"/saya/{appraisal_id}")
        assert "javascript:" not in again.text
    assert written(store) == before
    store.close()


async def test_the_supervisors_page_never_renders_a_non_http_link_even_one_stored_before_the_rule(
    tmp_path: Path,
) -> None:
    """An event written before the rule existed (by the aggregate's own recorder, bypassing the command)."""
    store = Appraisals(env=event_store_env(settings_for(tmp_path).database_url))
    _, appraisal_id = seed_appraisal(store)
    at = datetime(2030, 2, 1, tzinfo=timezone.utc)
    store.execute(appraisal_id, ApproveSkp(Actor(SUPERVISOR)), at=at)
    old = store.appraisal(appraisal_id)
    old._progress_reported(EMP1, "Q1", "R1", "lama", "javascript:alert(document.domain)", at)
    old._progress_reported(EMP1, "Q2", "R1", "baru", "https://arsip.example.go.id/q2.pdf", at)
    store.save(old)
    async with running(build_app(settings_for(tmp_path), store)) as client:
        await sign_in(client, SUPERVISOR)
        for _ in range(2):  # and again after a reload
            page = await client.get(f"/tugas/{appraisal_id}")
            assert page.status_code == 200
            assert 'href="javascript:' not in page.text.replace("&#34;", '"')
            assert "javascript:alert(document.domain) (bukan tautan http/https)" in page.text
            assert '<a href="https://arsip.example.go.id/q2.pdf" rel="noopener noreferrer">' in page.text
    store.close()


# --- finding 5: control characters and lengths ------------------------------------------------


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize(
    "command, field",
    [
        (lambda t: ReportProgress(actor(STAFF), "Q1", "004-1", f"312{t}surat"), "realisation"),
        (lambda t: GiveFeedback(actor(HEAD), "004-1", f"bagus{t}"), "text"),
        (lambda t: HoldCheckIn(actor(HEAD), "Q1", f"catatan{t}"), "notes"),
        (lambda t: ReportProgress(actor(STAFF), f"Q1{t}", "004-1", "x"), "period"),
    ],
)
def test_a_control_character_in_any_text_is_refused_naming_the_field(char: str, command: Any, field: str) -> None:
    s = reach("execution")
    before = written(s.app)
    with pytest.raises(InvalidInput, match=f"^{field}: must not contain control characters") as e:
        s.do(STAFF, command(char), T["check_in"])
    assert e.value.field == field and written(s.app) == before


def test_multi_line_text_keeps_tabs_and_line_breaks_but_a_single_line_refuses_them() -> None:
    s = reach("execution")
    s.do(STAFF, HoldCheckIn(actor(HEAD), "Q1", "baris satu\r\n\tbaris dua"), T["check_in"])
    assert s.get(STAFF).check_ins["Q1"]["notes"] == "baris satu\r\n\tbaris dua"
    with pytest.raises(InvalidInput, match="^about: must not contain control characters \\(a line break found\\)"):
        s.do(STAFF, GiveFeedback(actor(HEAD), "004-1\n", "x"), T["check_in"])


def test_a_name_with_nul_or_of_10000_characters_is_refused_when_a_cycle_is_defined() -> None:
    app = Appraisals()
    for name, rule in (("Budi\x00", "control characters"), ("B" * 10_000, "at most 200 characters")):
        people = participants()
        people[1] = {**people[1], "name": name}
        with pytest.raises(InvalidInput, match=f"^participants\\[1\\].name: must .*{rule}"):
            app.define_cycle(DefineCycle(HR_ACTOR, AGENCY, "Kota", "WITA", YEAR, people), at=T["define"])
    assert written(app) == 0


def test_the_last_net_no_event_with_a_nul_is_ever_recorded() -> None:
    """Whatever rule a field forgot: the aggregate refuses to record any event holding a control character."""
    s = reach("execution")
    appraisal = s.get(STAFF)
    with pytest.raises(InvalidInput, match="^text: must not contain control characters \\(NUL found\\)"):
        appraisal._self_assessed(HEAD, "a\x00b", T["check_in"])
    with pytest.raises(InvalidInput, match=r"^rhk\[0\].text: must not contain"):
        appraisal._skp_drafted(STAFF, [{"id": "x", "text": "\x00"}], T["check_in"])


def test_the_org_csv_import_refuses_nul_and_overlong_names_with_line_and_column_writing_nothing() -> None:
    app = Appraisals()
    nul = ORG.replace("Rina Wulandari", "Rina\x00Baru")
    long = ORG.replace("Rina Wulandari", "R" * 10_000)
    for text, reason in ((nul, "control characters (NUL found)"), (long, "at most 200 characters")):
        result = app.import_org(text, by=Actor(HR_NIP, ("hr",)), at=datetime(2030, 1, 1, tzinfo=timezone.utc))
        assert not result.ok
        assert [(p.field, reason in p.reason) for p in result.problems] == [("name", True)], result.problems
    assert written(app) == 0


# --- finding 5: plausible dates and instants --------------------------------------------------


def test_a_deadline_outside_the_cycles_years_is_refused() -> None:
    app = Appraisals()
    with pytest.raises(InvalidInput, match="^deadlines.planning: must fall between 2024-01-01 and 2026-12-31"):
        app.define_cycle(
            DefineCycle(HR_ACTOR, AGENCY, "Kota", "WITA", YEAR, participants(), deadlines={"planning": "1999-01-31"}),
            at=T["define"],
        )
    assert written(app) == 0
    s = reach("execution")
    before = written(s.app)
    for until in ("9999-12-31", "2199-01-01"):
        with pytest.raises(InvalidInput, match="^until: must fall between 2024-01-01 and 2026-12-31"):
            s.app.execute_cycle(s.cycle_id, ExtendDeadline(HR_ACTOR, "planning", until, "SE BKN"), at=T["check_in"])
    assert written(s.app) == before


@pytest.mark.parametrize("query", ["at=0001-01-01T00:00%2B14:00", "at=9999-12-31T23:59%2D14:00"])
async def test_the_audit_state_answers_422_for_an_instant_out_of_range(tmp_path: Path, query: str) -> None:
    store = Appraisals(env=event_store_env(settings_for(tmp_path).database_url))
    _, appraisal_id = seed_appraisal(store)
    async with running(build_app(settings_for(tmp_path), store)) as client:
        auditor = await login(client, AUDITOR)
        state = await client.get(f"{API}/audit/records/{appraisal_id}/state?{query}", headers=auditor)
        assert state.status_code == 422 and state.json()["field"] == "at", state.text
        assert "must fall between 2000-01-01 and 2199-12-31" in state.json()["message"]
        since = query.replace("at=", "since=")
        diff = await client.get(
            f"{API}/audit/records/{appraisal_id}/diff?{since}&until=2030-06-01T00:00%2B07:00", headers=auditor
        )
        assert diff.status_code == 422 and diff.json()["field"] == "since", diff.text
    store.close()


# --- over HTTP on both backends: 422 naming the field, nothing written ----------------------------


async def test_the_api_refuses_nul_and_overlong_texts_and_writes_nothing(tmp_path: Path, store_url: str) -> None:
    """On PostgreSQL a NUL that got through answered 500 (or froze the projector); now it never gets in."""
    settings = settings_for(tmp_path, database_url=store_url)
    store = Appraisals(env=event_store_env(store_url))
    store.import_org(ORG, by=Actor(HR_NIP, ("hr",)), at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    _, appraisal_id = seed_appraisal(store)
    before = written(store)
    async with running(build_app(settings, store)) as client:
        hr = await login(client, HR_NIP)
        cycle = {"agency_id": "AG-NUL", "time_zone": "WIB", "year": 2031}
        for name, field, words in (
            ("Budi\x00", "participants[0].name", "control characters (NUL found)"),
            ("B" * 10_000, "participants[0].name", "at most 200 characters"),
        ):
            people = [{**PARTICIPANTS[0], "name": name}]
            answer = await client.post(f"{API}/hr/cycles", json={**cycle, "participants": people}, headers=hr)
            assert answer.status_code == 422 and answer.json()["field"] == field, answer.text
            assert words in answer.json()["message"]
        late = {**cycle, "participants": PARTICIPANTS, "deadlines": {"planning": "1999-01-31"}}
        answer = await client.post(f"{API}/hr/cycles", json=late, headers=hr)
        assert answer.status_code == 422 and answer.json()["field"] == "deadlines.planning", answer.text
        employee = await login(client, EMP1)
        answer = await client.post(
            f"{API}/employees/appraisals/{appraisal_id}/self-assessment", json={"text": "ok\x00"}, headers=employee
        )
        assert answer.status_code == 422 and answer.json()["field"] == "text", answer.text
        survey = {"agency_id": NEW_AGENCY, "unit_id": "U9", "answers": dict.fromkeys(ELEMENTS, 3)}
        for comment in ("Ramah\x00", "x" * 2001):
            answer = await client.post(f"{API}/feedback/surveys", json={**survey, "comment": comment})
            assert answer.status_code == 422 and answer.json()["field"] == "comment", answer.text
        about = {"agency_id": "AG-TEST", "employee_nip": EMP1, "answers": dict.fromkeys(ELEMENTS, 3)}
        answer = await client.post(f"{API}/feedback/surveys", json={**about, "comment": "\x00"})
        assert answer.status_code == 422 and answer.json()["field"] == "comment", answer.text
        answer = await client.get(f"{API}/feedback/units/{NEW_AGENCY}/U9%00")
        assert answer.status_code == 422 and answer.json()["field"] == "unit_id", answer.text
        # After-effect: nothing in the event store, no survey kept; a clean survey still goes through.
        assert written(store) == before
        assert _surveys(settings.database_url) == 0
        assert (await client.post(f"{API}/feedback/surveys", json={**survey, "comment": "Ramah"})).status_code == 201
        page = await client.get(f"{API}/feedback/units/{NEW_AGENCY}/U9")
        assert page.json()["responses"] == 1
    store.close()


def _surveys(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("api_skm_responses"):
                return 0
            return int(conn.execute(sa.text("SELECT count(*) FROM api_skm_responses")).scalar_one())
    finally:
        engine.dispose()


def test_a_participant_added_with_a_nul_in_the_unit_is_refused() -> None:
    s = reach("execution")
    before = written(s.app)
    person = {**participants()[1], "nip": "199107212019032005", "unit_id": "bidang\x00umum"}
    with pytest.raises(InvalidInput, match="^participant.unit_id: must not contain control characters"):
        s.app.execute_cycle(s.cycle_id, AddParticipant(HR_ACTOR, person), at=T["check_in"])
    with pytest.raises(InvalidInput, match="^text: must be at most 5000 characters"):
        s.do(STAFF, SelfAssess(actor(STAFF), "x" * 5001), T["review"])
    assert written(s.app) == before


# --- the whole way, on a real Temporal server: the page refuses, then accepts; the supervisor reloads ----


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


async def test_evidence_through_the_pages_and_temporal_only_http_ever_becomes_a_link(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP)
        a1 = appraisal_id(cycle, EMP1)
        await w.call("PUT", f"/employees/appraisals/{a1}/skp", EMP1, {"rhk": RHK})
        await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1)
        await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR)
        before = written(w.store)
        await sign_in(w.http, EMP1)
        form = {"period": "Q1", "rhk_id": "R1", "realisation": "410 KTP", "evidence": "javascript:alert(1)"}
        refused = await post_form(w.http, f"/saya/{a1}/realisasi", form)
        assert refused.status_code == 422 and "Tautan bukti dukung harus berupa tautan" in refused.text
        assert written(w.store) == before
        await sign_in(w.http, SUPERVISOR)
        assert "javascript:" not in (await w.http.get(f"/tugas/{a1}")).text  # reloaded after the refusal
        await sign_in(w.http, EMP1)
        link = "https://arsip.example.go.id/q1.pdf"
        accepted = await post_form(w.http, f"/saya/{a1}/realisasi", {**form, "evidence": link})
        assert accepted.status_code == 303, accepted.text
        await sign_in(w.http, SUPERVISOR)
        page = await w.http.get(f"/tugas/{a1}")  # reloaded after the accepted one
        assert f'<a href="{link}" rel="noopener noreferrer">tautan bukti</a>' in page.text
        assert "javascript:" not in page.text
        extension = {"until": "9999-12-31", "reason": "SE BKN"}
        answer = await w.call("POST", f"/hr/cycles/{cycle}/deadlines/planning/extension", HR_NIP, extension, expect=422)
        assert answer["field"] == "until" and "must fall between" in answer["message"]


async def test_a_nip_in_another_scripts_digits_is_refused(tmp_path: Path) -> None:
    """str.isdigit() took Arabic-Indic digits (and int() read them): a look-alike second identity for a NIP."""
    arabic = "".join(chr(ord(c) - ord("0") + 0x0660) if i != 14 else c for i, c in enumerate(EMP1))
    with pytest.raises(InvalidInput, match="^nip: a NIP has exactly 18 digits"):
        check_nip(arabic)
    store = Appraisals(env=event_store_env(settings_for(tmp_path).database_url))
    async with running(build_app(settings_for(tmp_path), store)) as client:
        people = [{**PARTICIPANTS[0], "nip": arabic}]
        cycle = {"agency_id": "AG-NIP", "time_zone": "WIB", "year": 2031, "participants": people}
        answer = await client.post(f"{API}/hr/cycles", json=cycle, headers=await login(client, HR_NIP))
        assert answer.status_code == 422 and answer.json()["field"] == "participants[0].nip", answer.text
    assert written(store) == 0
    store.close()


# --- invisible formatting characters (the gap left by #8: RTL overrides, zero-width spaces) ---------

RLO, ZWSP, BOM, LRI = "\u202e", "\u200b", "\ufeff", "\u2066"


@pytest.mark.parametrize("char", [RLO, ZWSP, BOM, LRI, "\u00ad", "\u200f"])
def test_a_name_holding_an_invisible_formatting_character_is_refused_naming_it(char: str) -> None:
    """Two names that look alike must be alike: "Budi" with a zero-width space is not a second Budi."""
    app = Appraisals()
    people = participants()
    people[1] = {**people[1], "name": f"Bu{char}di"}
    with pytest.raises(InvalidInput, match=r"^participants\[1\]\.name: must not contain invisible formatting") as e:
        app.define_cycle(DefineCycle(HR_ACTOR, AGENCY, "Kota", "WITA", YEAR, people), at=T["define"])
    assert e.value.code == "input.invisible" and f"U+{ord(char):04X}" in str(e.value)
    assert written(app) == 0


def test_free_text_refuses_a_direction_override_but_keeps_the_joiners_emoji_need() -> None:
    s = reach("execution")
    before = written(s.app)
    with pytest.raises(InvalidInput, match="^notes: must not contain invisible formatting characters \\(U\\+202E"):
        s.do(STAFF, HoldCheckIn(actor(HEAD), "Q1", f"disetujui {RLO}kadalot"), T["check_in"])
    assert written(s.app) == before
    family = "Tim kompak \U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji made of three, joined by U+200D
    s.do(STAFF, HoldCheckIn(actor(HEAD), "Q1", family), T["check_in"])
    assert s.get(STAFF).check_ins["Q1"]["notes"] == family
    # The last net under every event refuses the override whatever field carries it.
    with pytest.raises(InvalidInput, match="^text: must not contain invisible formatting characters"):
        s.get(STAFF)._self_assessed(HEAD, f"a{RLO}b", T["check_in"])


def test_a_link_with_a_zero_width_space_is_no_link() -> None:
    assert not is_web_link(f"https://arsip.example.go.id/{ZWSP}q1.pdf")
    assert not is_web_link(f"https://arsip{RLO}.example.go.id/q1.pdf")


def test_the_org_csv_import_refuses_an_invisible_character_in_a_name_with_its_line() -> None:
    app = Appraisals()
    result = app.import_org(
        ORG.replace("Rina Wulandari", f"Rina{ZWSP} Wulandari"),
        by=Actor(HR_NIP, ("hr",)),
        at=datetime(2030, 1, 1, tzinfo=timezone.utc),
    )
    assert not result.ok
    assert [(p.field, "invisible formatting characters" in p.reason) for p in result.problems] == [("name", True)]
    assert written(app) == 0


async def test_the_api_and_the_page_refuse_an_override_and_write_nothing(tmp_path: Path) -> None:
    store = Appraisals(env=event_store_env(settings_for(tmp_path).database_url))
    _, appraisal_id = seed_appraisal(store)
    before = written(store)
    async with running(build_app(settings_for(tmp_path), store)) as client:
        hr = await login(client, HR_NIP)
        people = [{**PARTICIPANTS[0], "name": f"Budi{RLO}"}]
        cycle = {"agency_id": "AG-RLO", "time_zone": "WIB", "year": 2031, "participants": people}
        answer = await client.post(f"{API}/hr/cycles", json=cycle, headers=hr)
        assert answer.status_code == 422 and answer.json()["field"] == "participants[0].name", answer.text
        assert "invisible formatting characters (U+202E RIGHT-TO-LEFT OVERRIDE found)" in answer.json()["message"]
        await sign_in(client, EMP1)
        form = {"period": "Q1", "rhk_id": "R1", "realisation": f"410 KTP{RLO}"}
        page = await post_form(client, f"/saya/{appraisal_id}/realisasi", form)
        assert page.status_code == 422, page.text
        assert "tidak boleh memuat karakter format tak terlihat" in page.text
        # After-effect: reloaded, nothing of it is shown, and the store holds nothing new.
        again = await client.get(f"/saya/{appraisal_id}")
        assert again.status_code == 200 and RLO not in again.text
    assert written(store) == before
    store.close()
