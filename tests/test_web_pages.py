"""The pages without a browser or Temporal: session cookie, login form, errors as pages, read-only pages.

The event store is a real SQLite file written by the domain application itself (seed_appraisal:
EMP1's SKP submitted, waiting on SUPERVISOR).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import pytest
from temporalio.exceptions import ActivityError, ApplicationError

from activities.errors import domain_errors_fail_fast
from api.errors import details_of
from domain import calendar
from domain.application import Appraisals
from domain.base import Actor
from domain.cycle_calendar import DEADLINES
from domain.cycle_commands import ExtendDeadline
from domain.errors import WrongStage
from domain.participants import check_participant
from domain.review import NOT_CALIBRATED
from domain.text import text as text_rule
from domain.work_commands import DraftSkp, SubmitSkp
from services.users import UserDirectory
from settings import event_store_env
from tests import factories
from tests.page_language import assert_indonesian
from tests.test_api_support import (
    ATASAN,
    AUDITOR,
    EMP1,
    EMP2,
    HR_NIP,
    RHK,
    SUPERVISOR,
    build_app,
    running,
    seed_appraisal,
    settings_for,
)
from web.outcome import Refused, said_in_indonesian
from workflows.appraisal_runtime import rejection


@pytest.fixture
def app(tmp_path: Path):
    settings = settings_for(tmp_path)
    store = Appraisals(env=event_store_env(settings.database_url))
    app = build_app(settings, store)
    app.state.seeded = seed_appraisal(store)
    app.state.seeded_store = store
    yield app
    store.close()


async def csrf(client: httpx.AsyncClient, path: str = "/masuk") -> str:
    """The CSRF token a page puts in its forms (its cookie lands in the client's jar)."""
    found = re.search(r'name="csrftoken" value="([^"]+)"', (await client.get(path)).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str] | None = None, **kwargs: object
) -> httpx.Response:
    """A form post as the browser sends it: with the page's CSRF token."""
    return await client.post(path, data={**(data or {}), "csrftoken": await csrf(client)}, **kwargs)


async def sign_in(client: httpx.AsyncClient, nip: str) -> None:
    response = await post_form(client, "/masuk/dev", {"nip": nip})
    assert response.status_code == 303, response.text
    assert "httponly" in response.headers["set-cookie"].lower()


async def test_pages_ask_for_login_and_logout_ends_the_session_on_the_server(app) -> None:
    async with running(app) as client:
        assert (await client.get("/tugas")).headers["location"] == "/masuk?lanjut=%2Ftugas"
        form = await client.get("/masuk")
        assert form.status_code == 200 and '<label for="nip">NIP (18 digit)</label>' in form.text
        assert "Siti HR" in form.text  # the demo users to choose from (development mode)
        bad = await post_form(client, "/masuk/dev", {"nip": "123"})
        assert bad.status_code == 422 and "Isian belum benar: NIP harus tepat 18 digit angka" in bad.text
        assert "a NIP has" not in bad.text  # the rule in Bahasa Indonesia, not the developer's English
        stranger = await post_form(client, "/masuk/dev", {"nip": "199912312020121001"})
        assert stranger.status_code == 401 and "bukan pegawai instansi mana pun di sini" in stranger.text
        response = await post_form(client, "/masuk/dev", {"nip": HR_NIP, "lanjut": "//evil.example/"})
        assert response.headers["location"] == "/hr"  # an open redirect is refused
        session = client.cookies.get("kinerja_sesi")
        assert (await client.get("/tugas")).status_code == 200
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {session}"})
        assert me.status_code == 401  # a page session is no API token
        out = await post_form(client, "/keluar")
        assert out.status_code == 303 and "kinerja_sesi" not in client.cookies
        # After-effect: the old cookie, replayed, no longer opens anything (ended on the server).
        client.cookies.set("kinerja_sesi", session)
        assert (await client.get("/tugas")).headers["location"] == "/masuk?lanjut=%2Ftugas"


async def test_the_inbox_and_the_task_page_show_what_waits(app) -> None:
    _, appraisal_id = app.state.seeded
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, SUPERVISOR)
        inbox = await client.get("/tugas")
        assert "Persetujuan SKP" in inbox.text and "Budi" in inbox.text
        task = await client.get(f"/tugas/{appraisal_id}")
        assert "Setujui SKP" in task.text and "Layanan KTP elektronik tepat waktu" in task.text
        assert '<label for="to_nip">NIP penerima delegasi</label>' in task.text  # the appraiser may delegate


async def test_errors_are_pages_on_page_paths_and_json_on_the_api(app) -> None:
    _, appraisal_id = app.state.seeded
    async with running(app) as client:
        await sign_in(client, EMP2)
        hidden = await client.get(f"/tugas/{appraisal_id}")  # not hers: 404, as in the API
        assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("text/html")
        assert "di antara yang boleh Anda lihat" in hidden.text
        audit = await client.get("/audit")
        assert audit.status_code == 403 and "hanya untuk pengelola kinerja (BKPSDM) dan auditor" in audit.text
        api = await client.get(f"/api/v1/employees/appraisals/{appraisal_id}")
        assert api.status_code == 401 and api.json()["error"] == "Unauthenticated"  # the API wants a bearer
        foreign = await post_form(
            client, f"/tugas/{appraisal_id}/skp/setujui", headers={"Origin": "https://evil.example"}
        )
        assert foreign.status_code == 403 and "dikirim dari situs lain" in foreign.text


async def test_the_auditor_sees_the_timeline_verified(app) -> None:
    _, appraisal_id = app.state.seeded
    async with running(app) as client:
        await sign_in(client, AUDITOR)
        page = await client.get(f"/audit/penilaian/{appraisal_id}")
        assert page.status_code == 200 and "Rantai hash utuh: 3 peristiwa terverifikasi" in page.text
        assert "SKP diajukan" in page.text
        refused = await post_form(client, f"/tugas/{appraisal_id}/skp/setujui")  # auditors write nothing
        assert refused.status_code == 403 and "Auditor hanya dapat membaca" in refused.text


async def test_the_employee_page_offers_the_pdf_of_the_skp(app) -> None:
    _, appraisal_id = app.state.seeded
    async with running(app) as client:
        await sign_in(client, EMP1)
        page = await client.get(f"/saya/{appraisal_id}")
        assert "Diajukan ke pejabat penilai" in page.text
        document = await client.get(f"/saya/{appraisal_id}/skp.pdf")
        assert document.headers["content-type"] == "application/pdf" and document.content.startswith(b"%PDF")
        await sign_in(client, HR_NIP)
        assert (await client.get(f"/saya/{appraisal_id}/evaluasi.pdf")).status_code == 200


async def test_the_hr_dashboard_still_opens_after_a_deadline_extension(app) -> None:
    """#13's blocker: an extension stores a date-only `until`; the dashboard formatted it as an instant
    and answered 422 ('instants must carry a time zone') on every later visit, for HR and the auditor."""
    cycle_id, _ = app.state.seeded
    hr = Actor(HR_NIP, ("hr",))
    store = app.state.seeded_store
    extensions = {  # each of the cycle's deadlines (domain/cycle_calendar.DEADLINES), each with its reason
        "planning": ("2030-02-15", "15 Februari 2030", "Server BKN terganggu"),
        "review": ("2031-11-16", "16 November 2031", "Penilai cuti panjang"),
        "follow_up": ("2031-12-17", "17 Desember 2031", "Menunggu SK Sekda"),
    }
    assert set(extensions) == set(DEADLINES)
    for name, (until, _, reason) in extensions.items():
        store.execute_cycle(
            cycle_id, ExtendDeadline(hr, name, until, reason), at=datetime(2030, 1, 20, tzinfo=timezone.utc)
        )
    async with running(app) as client:
        await app.state.readside.catch_up()
        for nip in (HR_NIP, AUDITOR):
            await sign_in(client, nip)
            for _ in range(2):  # opened again: the page must not break for good
                page = await client.get(f"/hr/siklus/{cycle_id}")
                assert page.status_code == 200, page.text
                for _, shown, reason in extensions.values():
                    assert shown in page.text and reason in page.text, (nip, shown)
                assert "Temporal) sedang tidak terjangkau" in page.text  # this app has no Temporal: said, not a 503


async def test_refusals_unknown_pages_and_the_hr_dashboard_are_said_in_indonesian(app) -> None:
    """#13: the 404 page said "HTTPError / Not Found", a form's refusal "reasons: String should have at least
    1 character", the dashboard "Status started", the rule set's id, unit ids and ISO dates."""
    cycle_id, _ = app.state.seeded
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, SUPERVISOR)
        missing = await client.get("/tidak-ada")
        assert missing.status_code == 404 and "Halaman tidak ditemukan" in missing.text
        assert_indonesian(missing.text, "the 404 page")
        await sign_in(client, HR_NIP)
        page = await client.get(f"/hr/siklus/{cycle_id}")
        assert "Status siklus: Berjalan" in page.text and "PermenPANRB Nomor 6 Tahun 2022" in page.text
        assert "Predikat organisasi unit Bidang Pelayanan" in page.text and "unit U1" not in page.text
        assert "Penyusunan SKP</dt><dd>" in page.text and "Januari 2030" in page.text  # the planning deadline
        assert_indonesian(page.text, "the HR dashboard")


PERSON = {"nip": EMP1, "name": "Budi", "unit_id": "U1", "appraiser_nip": SUPERVISOR, "atasan_nip": ATASAN}


def through_the_workflow(refuse: Callable[[], object]) -> ApplicationError:
    """A domain refusal as the page receives it from Temporal: out of the activity, then out of the update."""
    try:
        with domain_errors_fail_fast():
            refuse()
    except ApplicationError as failure:
        activity = ActivityError(
            "activity failed",
            scheduled_event_id=1,
            started_event_id=2,
            identity="worker",
            activity_type="execute",
            activity_id="1",
            retry_state=None,
        )
        activity.__cause__ = failure
        return rejection(activity)
    raise AssertionError("the rule refused nothing")


@pytest.mark.parametrize(
    ("refuse", "expected"),
    [
        (lambda: text_rule("reasons", "  "), "Isian belum benar: Alasan wajib diisi"),
        (
            lambda: calendar.parse_day("until", "9999-12-31", date(2027, 1, 1), date(2029, 12, 31)),
            "Isian belum benar: Batas waktu baru harus di antara 1 Januari 2027 dan 31 Desember 2029",
        ),
        (lambda: calendar.parse_day("until", "besok"), "Isian belum benar: Batas waktu baru harus berupa tanggal"),
        (  # HR names a person left out of the cycle as their own atasan (the participants page, hr_peserta.html)
            lambda: check_participant({**PERSON, "atasan_nip": EMP1}),
            "Isian belum benar: Atasan pejabat penilai tidak boleh pegawai yang dinilai itu sendiri",
        ),
        (
            lambda: check_participant({**PERSON, "atasan_nip": SUPERVISOR}),
            "Isian belum benar: Atasan pejabat penilai tidak boleh sama dengan pejabat penilai: keberatan diputus oleh "
            "atasan dari pejabat penilai",
        ),
    ],
)
def test_a_rule_refused_inside_the_workflow_is_said_with_the_fields_label_and_an_indonesian_rule(
    refuse: Callable[[], object], expected: str
) -> None:
    """The page showed "Isian belum benar: reasons: is required ..." (English, the field's id): the rule's code
    was lost on its way out of the activity and the workflow update (and a date in it broke the failure)."""
    refused = through_the_workflow(refuse)
    field, details = details_of(refused)  # what the API's answer carries from it (api/errors.py)
    said = said_in_indonesian({"field": field, **details})
    assert Refused(422, "InvalidInput", refused.message, said).text.startswith(expected)
    assert_indonesian(expected, "the refusal")


def test_a_refusal_before_calibration_says_what_to_do() -> None:
    refused = WrongStage(NOT_CALIBRATED)
    said = said_in_indonesian({"code": refused.code, "params": refused.params})
    text = Refused(409, "WrongStage", str(refused), said).text
    assert "belum dikalibrasi" in text and "mengkalibrasi unit" in text
    assert_indonesian(text, "the refusal before calibration")


async def test_a_finished_appraisal_reads_in_indonesian_for_employee_hr_and_auditor(tmp_path: Path) -> None:
    """The follow-up was shown as `promotion_eligible: True`, the curve warnings in English, and the
    auditor's timeline said "oleh system" beside "oleh sistem"."""
    settings = settings_for(tmp_path)
    store = Appraisals(env=event_store_env(settings.database_url))
    scenario = factories.reach("finalised", factories.STAFF, store)
    people = {
        factories.STAFF: {"name": "Staf Umum"},
        factories.HR_NIP: {"name": "Rina HR", "roles": ["hr"], "agency_id": factories.AGENCY},
        AUDITOR: {"name": "Andi Auditor", "roles": ["auditor"]},
    }
    app = build_app(settings, store, users=UserDirectory.from_mapping(people, app=store))
    appraisal_id = scenario.id(factories.STAFF)
    try:
        async with running(app) as client:
            await app.state.readside.catch_up()
            await sign_in(client, factories.STAFF)
            mine = await client.get(f"/saya/{appraisal_id}")
            assert "Memenuhi syarat kenaikan pangkat/jabatan: ya" in mine.text, mine.text
            assert_indonesian(mine.text, "the employee's finished appraisal")
            await sign_in(client, factories.HR_NIP)
            dashboard = await client.get(f"/hr/siklus/{scenario.cycle_id}")
            assert "Kurva mengharapkan paling banyak 70% Baik: paling banyak 2 dari 3 diperbolehkan" in dashboard.text
            assert_indonesian(dashboard.text, "the HR dashboard with curve warnings")
            await sign_in(client, AUDITOR)
            timeline = await client.get(f"/audit/penilaian/{appraisal_id}")
            assert timeline.status_code == 200 and "oleh sistem" in timeline.text
            assert_indonesian(timeline.text, "the auditor's timeline")
    finally:
        store.close()


AGENCY_CSV = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head\n" + "".join(
    f"AG-TEST,Dinas Uji,WIB,{unit},{unit_name},{nip},{name},{boss},{head}\n"
    for unit, unit_name, nip, name, boss, head in (
        ("PIMPINAN", "Pimpinan", ATASAN, "Bu Atasan", "", "ya"),  # the top of the chart: the Kepala Dinas
        ("U1", "Bidang Pelayanan", SUPERVISOR, "Pak Penilai", ATASAN, "ya"),  # heads a unit, has a superior
        ("U1", "Bidang Pelayanan", EMP1, "Budi", SUPERVISOR, ""),
    )
)


async def test_the_head_of_the_agency_reads_its_overview_and_changes_nothing(app) -> None:
    """#13: the Kepala Dinas got 403 on /hr. The head is who the org chart puts at its top (heads a unit,
    has no superior in the agency); a unit head below them, or an employee, is still refused."""
    cycle_id, _ = app.state.seeded
    store = app.state.seeded_store
    imported = store.import_org(AGENCY_CSV, by=Actor(HR_NIP, ("hr",)), at=datetime(2029, 11, 2, tzinfo=timezone.utc))
    assert imported.ok, imported.problems
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, ATASAN)
        inbox = await client.get("/tugas")
        assert 'href="/hr">Ringkasan kinerja instansi' in inbox.text
        home = await client.get("/hr")
        assert home.status_code == 303 and home.headers["location"] == f"/hr/siklus/{cycle_id}"
        overview = await client.get(f"/hr/siklus/{cycle_id}")
        assert overview.status_code == 200 and "Ringkasan kinerja instansi: hanya dapat dibaca" in overview.text
        assert "Bidang Pelayanan" in overview.text and "Penyusunan SKP" in overview.text
        assert "<form" not in overview.text.split("<main", 1)[1].split("</main>", 1)[0]  # no action offered
        assert_indonesian(overview.text, "the agency head's overview")
        # Hostile: the head forges the HR forms; each is refused and nothing is written.
        before = len(list(store.recorder.select_notifications(start=1, limit=1000)))
        for path, form in (
            (f"/hr/siklus/{cycle_id}/perpanjangan", {"name": "planning", "until": "2030-02-15", "reason": "x"}),
            (f"/hr/siklus/{cycle_id}/unit/U1/kalibrasi", {"justification": "x"}),
            (f"/hr/siklus/{cycle_id}/tutup", {}),
        ):
            refused = await post_form(client, path, form)
            assert refused.status_code == 403, (path, refused.status_code)
            assert "Hanya pengelola kinerja (BKPSDM) yang dapat melakukan tindakan ini" in refused.text
            assert_indonesian(refused.text, f"the refused {path}")
        assert len(list(store.recorder.select_notifications(start=1, limit=1000))) == before
        for nip in (SUPERVISOR, EMP1):  # a unit head with a superior; an employee
            await sign_in(client, nip)
            refused = await client.get("/hr")
            assert refused.status_code == 403 and "hanya untuk pengelola kinerja (BKPSDM) dan auditor" in refused.text
            assert (await client.get(f"/hr/siklus/{cycle_id}")).status_code == 403
            assert "Ringkasan kinerja instansi" not in (await client.get("/tugas")).text


async def test_a_supervisor_searches_filters_and_sorts_the_inbox(app) -> None:
    """#13: a supervisor with many subordinates had no search, filter or sort; a plain GET form (keyboard-usable)."""
    cycle_id, _ = app.state.seeded
    store = app.state.seeded_store
    second = store.open_appraisal(cycle_id, EMP2, datetime(2029, 11, 1, tzinfo=timezone.utc)).id
    store.execute(second, DraftSkp(Actor(EMP2), RHK), at=datetime(2030, 1, 6, tzinfo=timezone.utc))
    store.execute(second, SubmitSkp(Actor(EMP2)), at=datetime(2030, 1, 11, tzinfo=timezone.utc))
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, SUPERVISOR)

        async def names(query: str) -> list[str]:
            page = await client.get(f"/tugas?{query}")
            assert page.status_code == 200
            assert_indonesian(page.text, f"the inbox ?{query}")
            return re.findall(r'<span class="who">(\w+)', page.text)

        everyone = await client.get("/tugas")
        assert 'role="search"' in everyone.text and '<label for="q">Cari nama atau NIP</label>' in everyone.text
        assert "Menampilkan 2 dari 2 tugas" in everyone.text and "Bidang Pelayanan" in everyone.text
        assert await names("q=citra") == ["Citra"] and await names(f"q={EMP1[:12]}") == ["Budi"]
        assert sorted(await names("unit=U1&tahap=planning")) == ["Budi", "Citra"]
        assert await names("unit=LAIN") == [] and await names("tahap=execution") == []
        assert await names("terlambat=1") == []  # due in 2030: none is late yet
        assert await names("urut=nama") == ["Budi", "Citra"] and len(await names("urut=batas")) == 2
        hostile = await client.get("/tugas", params={"q": "<script>alert(1)</script>" + "x" * 5000})
        assert hostile.status_code == 200 and "<script>alert(1)" not in hostile.text
        assert "Tidak ada tugas yang cocok dengan saringan ini" in hostile.text
