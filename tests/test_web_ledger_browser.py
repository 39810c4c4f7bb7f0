"""The career pages (#14) in headless Chromium, on the demo agency's three finished years (SQLite).

The employee reads their own ledger, eligibility and trend, and is refused a colleague's; HR picks a unit,
records a move up by decree (a jump over a jenjang is refused in Bahasa Indonesia and what was typed stays),
records a potential assessment (a script in its source is only text), reads the 9-box with its pools and the
unit's trend; the auditor recomputes the ledger. Screenshots: test-artifacts/screenshots/karier-*.png.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from demo.history import seed_history
from demo.seed import AGENCY, AGENCY_CSV, AUDITOR, _hr, demo_users
from domain.application import Appraisals
from services.users import UserDirectory
from settings import event_store_env
from tests.page_language import assert_indonesian
from tests.test_api_support import build_app, settings_for
from tests.test_web_browser import ARGS, CHROMIUM, expect, playwright_api, serve

HR = _hr()["nip"]
SITI_RAHMAN = "199008102017102002"
WULAN = "198310052005092002"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (make chromium)")


async def test_the_career_pages_for_the_employee_hr_and_the_auditor(tmp_path: Path, screenshots: Path) -> None:
    store = Appraisals(env=event_store_env(f"sqlite:///{tmp_path / 'kinerja.db'}"))
    seed_history(store, AGENCY_CSV.read_text(encoding="utf-8"), AGENCY, HR, date(2026, 12, 1))
    users = {**demo_users()["users"], SITI_RAHMAN: {"name": "Siti Rahman", "roles": []}}
    web = build_app(
        settings_for(tmp_path),
        store,
        users=UserDirectory.from_mapping(users),
        project_every_seconds=0.2,
        clock=lambda: NOW,
    )

    async def shot(page: Any, name: str) -> None:
        assert_indonesian(await page.content(), name)
        await page.screenshot(path=str(screenshots / f"karier-{name}.png"), full_page=True)

    async with (
        web.router.lifespan_context(web),
        serve(cast(Any, SimpleNamespace(app=web))) as base,
        playwright_api.async_playwright() as pw,
    ):
        await web.state.readside.catch_up()
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:

            async def login(nip: str) -> Any:
                context = await chromium.new_context(
                    base_url=base, viewport={"width": 1280, "height": 900}, locale="id-ID"
                )
                page = await context.new_page()
                await page.goto("/masuk")
                await page.get_by_label("NIP (18 digit)").fill(nip)
                await page.get_by_label("NIP (18 digit)").press("Enter")
                await expect(page.get_by_role("button", name="Keluar")).to_be_visible()
                return page

            # The employee: own ledger, eligibility, trend; a colleague's page is not found.
            siti = await login(SITI_RAHMAN)
            await siti.get_by_role("link", name="Karier Saya").click()
            await expect(siti.locator("#saldo")).to_be_visible()
            await expect(siti.locator("#status-kelayakan")).to_contain_text("Belum memenuhi syarat")
            await expect(siti.locator("#tren tbody tr")).to_have_count(3)
            await shot(siti, "pegawai")
            other = await siti.goto(f"/karier/{AGENCY}/pegawai/{WULAN}")
            assert other is not None and other.status == 404
            await shot(siti, "pegawai-lain-ditolak")

            # HR: the unit view, a move up by decree (a jump refused first), an assessment, the grid, the trend.
            hr = await login(HR)
            await hr.get_by_role("link", name="Karier & Talenta").click()
            await hr.get_by_label("Unit", exact=True).select_option("DAFDUK")
            await hr.get_by_role("button", name="Tampilkan").click()
            await expect(hr.locator("#pegawai")).to_contain_text("Wulan Lamarauna")
            await shot(hr, "hr-unit")
            await hr.get_by_role("link", name="Wulan Lamarauna").click()
            await hr.get_by_label("Jenjang", exact=True).select_option("ahli_utama")
            await hr.get_by_label("Nomor SK").fill("800/9/BKPSDM/2025")
            await hr.get_by_label("Tanggal berlaku").fill("2025-07-01")
            await hr.get_by_role("button", name="Catat perubahan jabatan").click()
            await expect(hr.locator("#galat")).to_contain_text("Jenjang")
            await expect(hr.get_by_label("Nomor SK")).to_have_value("800/9/BKPSDM/2025")
            await shot(hr, "hr-jenjang-ditolak")
            await hr.get_by_label("Jenjang", exact=True).select_option("ahli_madya")
            await hr.get_by_role("button", name="Catat perubahan jabatan").click()
            await expect(hr.locator("#buku")).to_contain_text("Kenaikan jenjang")
            await expect(hr.locator("#riwayat-jabatan")).to_contain_text("800/9/BKPSDM/2025")
            await hr.get_by_label("Sumber asesmen").fill("<script>window.pwned=1</script>Asesmen BKD")
            await hr.get_by_label("Tanggal asesmen").fill("2026-06-10")
            for part, score in (
                ("Kompetensi", "88"),
                ("Potensi", "85"),
                ("Kualifikasi", "90"),
                ("Integritas/moralitas", "92"),
            ):
                await hr.get_by_label(part, exact=True).fill(score)
            await hr.get_by_role("button", name="Catat penilaian potensi").click()
            await expect(hr.locator(".note")).to_contain_text("Penilaian potensi tercatat")
            assert await hr.evaluate("window.pwned") is None
            await shot(hr, "hr-pegawai")
            await hr.get_by_role("link", name="Kotak talenta (9-box)").click()
            await expect(hr.locator("#kotak-9")).to_be_visible()
            await expect(hr.locator("#kelompok-talenta")).to_contain_text("kotak")
            await shot(hr, "hr-talenta")
            await hr.get_by_role("link", name="Tren instansi").click()
            await hr.get_by_label("Unit", exact=True).select_option("CAPIL")
            await hr.get_by_role("button", name="Tampilkan").click()
            await expect(hr.locator("#predikat-tahunan h3")).to_have_count(3)
            await shot(hr, "hr-tren-unit")

            # The auditor: the recompute from the appraisals' own events.
            auditor = await login(AUDITOR)
            await auditor.goto(f"/karier/{AGENCY}/pegawai/{WULAN}/hitung-ulang")
            await expect(auditor.locator("#hasil-hitung")).to_contain_text("Cocok")
            await shot(auditor, "auditor-hitung-ulang")
        finally:
            await chromium.close()
    store.close()
