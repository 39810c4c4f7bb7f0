"""Sign-in as a person does it, in headless Chromium (Debian's), on a production-mode app (no dev login).

1. Single sign-on: the login page sends the browser to the agency's issuer, a real OpenID Connect
   provider (panva/oidc-provider on Node.js, on loopback); the person signs in on the provider's own
   login page and consents; Kinerja receives the code (PKCE), maps the NIP claim to an employee of a
   freshly imported agency and opens her inbox. Logout ends the session; the back button shows nothing.
2. A local account issued by HR: the first sign-in forces a new password, then the pages open.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import uvicorn

from domain.application import Appraisals
from domain.base import Actor
from settings import event_store_env
from tests.oidc_provider import free_port, oidc_provider
from tests.page_language import assert_indonesian
from tests.test_api_support import HR_NIP, build_app, settings_for
from tests.test_signin import ORG, RINA, STRONG
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, _need_chromium

playwright_api = pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
expect = playwright_api.expect


async def _serve(app, port: int):  # type: ignore[no-untyped-def]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
        if task.done():
            task.result()
    return server, task


async def test_sign_in_through_the_issuers_own_login_page_and_with_a_local_account(
    tmp_path: Path, screenshots: Path
) -> None:
    _need_chromium()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    people = {"rina": {"nip": RINA, "name": "Rina (SSO)"}, "tamu": {"nip": "199912312020121001", "name": "Tamu"}}
    with oidc_provider(f"{base}/masuk/sso/kembali", people) as issuer:
        settings = settings_for(
            tmp_path,
            mode="production",
            dev_login=False,
            oidc_issuer=issuer.issuer,
            oidc_client_id=issuer.client_id,
            oidc_client_secret=issuer.client_secret,
        )
        store = Appraisals(env=event_store_env(settings.database_url))
        store.import_org(ORG, by=Actor(HR_NIP, ("hr",)), at=datetime(2030, 1, 1, tzinfo=timezone.utc))
        app = build_app(settings, store)
        server, task = await _serve(app, port)
        try:
            await app.state.readside.catch_up()
            async with playwright_api.async_playwright() as pw:
                chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
                await _single_sign_on(chromium, base)
                await _local_account(chromium, base, app)
                await chromium.close()
        finally:
            server.should_exit = True
            await task
            store.close()


async def _single_sign_on(chromium, base: str) -> None:  # type: ignore[no-untyped-def]
    context = await chromium.new_context(base_url=base, locale="id-ID")
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto("/tugas")
    await expect(page.get_by_label("NIP (18 digit)")).to_have_count(0)  # no dev login in production
    assert_indonesian(await page.content(), "masuk-produksi")  # Kinerja's pages; the issuer's own are English
    await page.screenshot(path=str(SHOTS / "masuk-produksi.png"), full_page=True)
    await page.get_by_role("link", name="Masuk dengan akun instansi").click()
    # The provider's own pages (oidc-provider's interactions): login, then consent.
    await expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))  # not Kinerja's port
    assert not page.url.startswith(base)
    await page.screenshot(path=str(SHOTS / "sso-penerbit.png"), full_page=True)
    await page.get_by_placeholder("Enter any login").fill("rina")
    await page.get_by_placeholder("and password").fill("sandi-di-penerbit")
    await page.screenshot(path=str(SHOTS / "sso-penerbit-masuk.png"), full_page=True)
    await page.get_by_role("button", name="Sign-in").click()
    await page.screenshot(path=str(SHOTS / "sso-penerbit-persetujuan.png"), full_page=True)
    await page.get_by_role("button", name="Continue").click()  # the provider's consent page
    await expect(page).to_have_url(f"{base}/tugas")  # back where she started, signed in
    await expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    await expect(page.locator("header")).to_contain_text("Rina Wulandari")  # the employee the NIP names
    assert_indonesian(await page.content(), "sso-masuk-berhasil")  # Kinerja's pages; the issuer's own are English
    await page.screenshot(path=str(SHOTS / "sso-masuk-berhasil.png"), full_page=True)
    await page.get_by_role("button", name="Keluar").click()
    await expect(page.locator(".note")).to_contain_text("Anda telah keluar")
    await page.goto("/tugas")
    await expect(page).to_have_url(f"{base}/masuk?lanjut=%2Ftugas")  # the session ended on the server
    assert errors == [], errors
    # A person the issuer knows but no agency here employs is refused by Kinerja (a fresh browser:
    # the provider still remembers Rina's session at the issuer).
    await context.close()
    context = await chromium.new_context(base_url=base, locale="id-ID")
    page = await context.new_page()
    await page.goto("/masuk")
    await page.get_by_role("link", name="Masuk dengan akun instansi").click()
    await page.get_by_placeholder("Enter any login").fill("tamu")
    await page.get_by_placeholder("and password").fill("apa-saja")
    await page.get_by_role("button", name="Sign-in").click()
    await page.get_by_role("button", name="Continue").click()
    await expect(page.locator("#galat")).to_contain_text("bukan pegawai instansi")
    assert_indonesian(await page.content(), "masuk-ditolak")
    await context.close()


async def _local_account(chromium, base: str, app) -> None:  # type: ignore[no-untyped-def]
    initial = app.state.accounts.issue(RINA, "Rina Wulandari", (), HR_NIP)  # `kinerja accounts issue`
    context = await chromium.new_context(base_url=base, locale="id-ID")
    page = await context.new_page()
    await page.goto("/masuk")
    await page.get_by_label("NIP", exact=True).fill(RINA)
    await page.get_by_label("Kata sandi", exact=True).fill(initial)
    await page.get_by_role("button", name="Masuk dengan kata sandi").click()
    await expect(page).to_have_url(f"{base}/masuk/ganti-sandi")
    await page.get_by_label("Kata sandi sekarang").fill(initial)
    await page.get_by_label("Kata sandi baru (paling sedikit 12 karakter)").fill(RINA + "abc")  # holds the NIP
    await page.get_by_label("Ulangi kata sandi baru").fill(RINA + "abc")
    await page.get_by_role("button", name="Simpan kata sandi baru").click()
    await expect(page.get_by_text("Kata sandi baru: tidak boleh memuat NIP")).to_be_visible()  # was English (#13)
    assert_indonesian(await page.content(), "akun-lokal-sandi-ditolak")
    await page.screenshot(path=str(SHOTS / "akun-lokal-sandi-ditolak.png"), full_page=True)
    await page.get_by_label("Kata sandi sekarang").fill(initial)
    await page.get_by_label("Kata sandi baru (paling sedikit 12 karakter)").fill(STRONG)
    await page.get_by_label("Ulangi kata sandi baru").fill(STRONG)
    assert_indonesian(await page.content(), "akun-lokal-ganti-sandi")  # Kinerja's pages; the issuer's own are English
    await page.screenshot(path=str(SHOTS / "akun-lokal-ganti-sandi.png"), full_page=True)
    await page.get_by_role("button", name="Simpan kata sandi baru").click()
    await expect(page).to_have_url(f"{base}/tugas")
    await expect(page.locator("header")).to_contain_text("Rina Wulandari")
    await context.close()
