"""Finding 2 (no real sign-in) and 4 (CSRF), and the hardened answers of finding 3, without a browser.

Local accounts (issued by HR, Argon2id, lockout, forced change), sessions that expire and end at
logout, CSRF on every form including login and logout, the security headers on every kind of
answer, and the Secure cookie over HTTPS directly and behind a trusted TLS proxy only.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from domain.application import Appraisals
from domain.base import Actor
from settings import event_store_env
from tests.page_language import assert_indonesian
from tests.test_api_support import HR_NIP, build_app, login, running, seed_appraisal, settings_for
from tests.test_web_pages import csrf, post_form

NEW_AGENCY = "AG-BARU"
RINA = "199202022019032001"  # an employee of an agency imported after the app started
ORG = (
    "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head\n"
    f"{NEW_AGENCY},Badan Baru,WITA,U9,Bidang Baru,{RINA},Rina Wulandari,,ya\n"
)
STRONG = "kata-sandi-baru-yang-panjang"


def _app(tmp_path: Path, **extra: object):  # type: ignore[no-untyped-def]
    settings = settings_for(tmp_path, **extra)
    store = Appraisals(env=event_store_env(settings.database_url))
    store.import_org(ORG, by=Actor(HR_NIP, ("hr",)), at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    seed_appraisal(store)
    return build_app(settings, store), store


@pytest.fixture
def production(tmp_path: Path):  # type: ignore[no-untyped-def]
    app, store = _app(tmp_path, mode="production", dev_login=False, login_max_failures=3)
    yield app
    store.close()


async def test_an_employee_of_a_new_agency_can_sign_in_in_development_mode(tmp_path: Path) -> None:
    app, store = _app(tmp_path)
    async with running(app) as client:
        await app.state.readside.catch_up()
        response = await post_form(client, "/masuk/dev", {"nip": RINA})
        assert response.status_code == 303 and response.headers["location"] == "/tugas"
        page = await client.get("/tugas")
        assert page.status_code == 200 and "Rina Wulandari" in page.text
    store.close()


async def test_production_has_no_dev_login_on_the_page_or_the_api(production) -> None:
    async with running(production) as client:
        await production.state.readside.catch_up()
        form = await client.get("/masuk")
        assert "NIP (18 digit)" not in form.text and "Masuk dengan kata sandi" in form.text
        assert (await post_form(client, "/masuk/dev", {"nip": HR_NIP})).status_code == 404
        assert (await client.post("/api/v1/auth/dev-login", json={"nip": HR_NIP})).status_code == 404


async def test_hr_issues_a_local_account_through_the_api(tmp_path: Path) -> None:
    app, store = _app(tmp_path)
    async with running(app) as client:
        await app.state.readside.catch_up()
        hr = await login(client, HR_NIP)
        issued = await client.post("/api/v1/hr/accounts", json={"nip": RINA}, headers=hr)
        assert issued.status_code == 201 and issued.json()["must_change"] is True, issued.text
        stranger = await client.post("/api/v1/hr/accounts", json={"nip": "199912312020121001"}, headers=hr)
        assert stranger.status_code == 422 and stranger.json()["field"] == "nip"
        employee = await client.post("/api/v1/hr/accounts", json={"nip": RINA}, headers=await login(client, RINA))
        assert employee.status_code == 403  # HR only
        first = await post_form(client, "/masuk", {"nip": RINA, "kata_sandi": issued.json()["initial_password"]})
        assert first.status_code == 303 and first.headers["location"] == "/masuk/ganti-sandi"
    store.close()


async def test_a_local_account_must_change_its_password_and_locks_after_failures(production) -> None:
    async with running(production) as client:
        await production.state.readside.catch_up()
        accounts = production.state.accounts
        initial = accounts.issue(RINA, "Rina Wulandari", (), HR_NIP)  # as `kinerja accounts issue` does
        # Three wrong passwords lock the account: then even the right one is refused.
        for _ in range(2):
            wrong = await post_form(client, "/masuk", {"nip": RINA, "kata_sandi": "salah-salah-salah"})
            assert wrong.status_code == 401 and "NIP atau kata sandi salah" in wrong.text
        locked = await post_form(client, "/masuk", {"nip": RINA, "kata_sandi": "salah-salah-salah"})
        assert locked.status_code == 401 and "terkunci" in locked.text, re.findall(r"Gagal[^<]*", locked.text)
        refused = await post_form(client, "/masuk", {"nip": RINA, "kata_sandi": initial})
        assert refused.status_code == 401 and "terkunci" in refused.text
        # The time left, in minutes: no clock time in UTC on an Indonesian page (#13).
        assert "coba lagi dalam 15 menit" in refused.text and "UTC" not in refused.text
        accounts.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=16)  # the lockout passes

        first = await post_form(client, "/masuk", {"nip": RINA, "kata_sandi": initial})
        assert first.status_code == 303 and first.headers["location"] == "/masuk/ganti-sandi"
        assert (await client.get("/tugas")).headers["location"] == "/masuk/ganti-sandi"  # nothing else opens
        weak = await post_form(
            client, "/masuk/ganti-sandi", {"kata_sandi": initial, "sandi_baru": "pendek", "ulangi": "pendek"}
        )
        assert weak.status_code == 422 and "Kata sandi baru: paling sedikit 12 karakter" in weak.text  # not English
        assert_indonesian(weak.text, "the refused password change")
        with_nip = await post_form(
            client, "/masuk/ganti-sandi", {"kata_sandi": initial, "sandi_baru": RINA + "abc", "ulangi": RINA + "abc"}
        )
        assert with_nip.status_code == 422 and "Kata sandi baru: tidak boleh memuat NIP" in with_nip.text
        ok = await post_form(
            client, "/masuk/ganti-sandi", {"kata_sandi": initial, "sandi_baru": STRONG, "ulangi": STRONG}
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/tugas"
        assert (await client.get("/tugas")).status_code == 200
        await post_form(client, "/keluar")
        # After-effect: the initial password is dead, the new one works, and the row holds an Argon2id hash.
        assert (await post_form(client, "/masuk", {"nip": RINA, "kata_sandi": initial})).status_code == 401
        again = await post_form(client, "/masuk", {"nip": RINA, "kata_sandi": STRONG})
        assert again.status_code == 303 and again.headers["location"] == "/tugas"
        with production.state.readside.engine.connect() as conn:
            stored = conn.execute(
                sa.text("SELECT password_hash FROM auth_accounts WHERE nip = :n"), {"n": RINA}
            ).scalar_one()
        assert stored.startswith("$argon2id$") and STRONG not in stored


async def test_sessions_expire_and_go_idle_on_the_server(production) -> None:
    async with running(production) as client:
        await production.state.readside.catch_up()
        sessions = production.state.sessions
        token = sessions.start(RINA, (), "password", "Rina")
        client.cookies.set("kinerja_sesi", token)
        assert (await client.get("/tugas")).status_code == 200
        sessions.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=61)  # idle longer than an hour
        assert (await client.get("/tugas")).status_code == 303
        sessions.clock = lambda: datetime.now(timezone.utc)
        assert (await client.get("/tugas")).status_code == 303  # an idle session stays ended
        token = sessions.start(RINA, (), "password", "Rina")
        client.cookies.set("kinerja_sesi", token)
        sessions.clock = lambda: datetime.now(timezone.utc) + timedelta(hours=9)  # past the absolute expiry
        assert (await client.get("/tugas")).status_code == 303
        client.cookies.set("kinerja_sesi", "forged-" + token[7:])
        sessions.clock = lambda: datetime.now(timezone.utc)
        assert (await client.get("/tugas")).status_code == 303


async def test_forms_without_the_csrf_token_are_refused_login_and_logout_included(tmp_path: Path) -> None:
    app, store = _app(tmp_path)
    async with running(app) as client:
        await app.state.readside.catch_up()
        # Login: no cookie at all, an Origin of null, or a token that does not match the cookie.
        for headers in ({}, {"Origin": "null"}):
            answer = await client.post("/masuk/dev", data={"nip": HR_NIP}, headers=headers)
            assert answer.status_code == 403 and "CSRF" in answer.text and "kinerja_sesi" not in client.cookies
        token = await csrf(client)
        other = httpx.AsyncClient(transport=client._transport, base_url="http://kinerja.test")
        assert (await other.post("/masuk/dev", data={"nip": HR_NIP, "csrftoken": token})).status_code == 403
        await other.aclose()
        assert (await post_form(client, "/masuk/dev", {"nip": HR_NIP})).status_code == 303
        # Signed in: a state-changing form and the logout without the token are refused, nothing ends.
        forged = await client.post("/hr/siklus/x/perpanjangan", data={"deadline": "planning"})
        assert forged.status_code == 403 and "CSRF" in forged.text
        assert (await client.post("/keluar", headers={"Origin": "null"})).status_code == 403
        assert (await client.get("/tugas")).status_code == 200  # still signed in
        assert (await post_form(client, "/keluar")).status_code == 303
        assert (await client.get("/tugas")).status_code == 303
    store.close()


async def test_every_answer_carries_the_security_headers(tmp_path: Path) -> None:
    app, store = _app(tmp_path)
    async with running(app) as client:
        await app.state.readside.catch_up()
        for path in (
            "/masuk",
            "/tugas",
            "/api/v1/auth/me",
            "/static/kinerja.css",
            "/docs",
            "/openapi.json",
            "/tidak-ada",
            "/survei/x/y",
        ):
            answer = await client.get(path)
            csp = answer.headers.get("content-security-policy", "")
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
            assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert answer.headers["referrer-policy"] == "same-origin", path
        docs = (await client.get("/docs")).text
        assert "<script>" not in docs and not re.search(r"<script(?![^>]*\bsrc=)", docs)  # no inline script
        assert "cdn." not in docs  # nothing fetched from elsewhere
        assert (await client.get("/docs/assets/swagger-ui-bundle.js")).status_code == 200
        document = (await client.get("/openapi.json")).json()  # the Authorize button's bearer scheme
        assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert document["paths"]["/api/v1/tasks/me"]["get"]["security"] == [{"bearer": []}]
        assert "401" in document["paths"]["/api/v1/tasks/me"]["get"]["responses"]
    store.close()


async def test_the_session_cookie_is_secure_over_https_and_behind_a_trusted_tls_proxy(tmp_path: Path) -> None:
    async def cookie(app, base: str, headers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("10.0.0.5", 4000))
            async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as client:
                form = await client.get("/masuk")
                token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
                # As the browser does over HTTPS: the (maybe Secure) CSRF cookie goes back with the form.
                answer = await client.post(
                    "/masuk/dev", data={"nip": HR_NIP, "csrftoken": token}, headers={"Cookie": f"csrftoken={token}"}
                )
                assert answer.status_code == 303, answer.text
                cookies = form.headers.get_list("set-cookie") + answer.headers.get_list("set-cookie")
                session = next(c for c in cookies if c.startswith("kinerja_sesi="))
                csrf_cookie = next(c for c in cookies if c.startswith("csrftoken="))
                assert ("Secure" in session) == ("Secure" in csrf_cookie)  # both cookies, the same way
                return session

    https = {"X-Forwarded-Proto": "https"}
    app, store = _app(tmp_path)
    assert "Secure" in await cookie(app, "https://kinerja.test", {})
    assert "Secure" not in await cookie(build_app(app.state.settings, store), "http://kinerja.test", https)
    trusted = app.state.settings.model_copy(update={"trusted_proxies": "10.0.0.5"})
    assert "Secure" in await cookie(build_app(trusted, store), "http://kinerja.test", https)
    store.close()
