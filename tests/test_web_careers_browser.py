"""The careers pages (#14) in headless Chromium, in Bahasa Indonesia: HR opens the PPPK dossier from its inbox and
decides it (a script in the note stays text), exports the finished cycle to a directory, reads the tukin recap of
a chosen month and the what-if; the auditor reads the what-if; HR of another agency is refused. Screenshots go to
test-artifacts/screenshots/karier-*.png through the session's `screenshots` fixture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.users import UserDirectory
from tests.career_kit import AUDITOR_NIP, OTHER_HR
from tests.factories import HR_NIP
from tests.page_language import assert_indonesian
from tests.test_api_support import build_app, running, settings_for
from tests.test_careers_pages import world
from tests.test_export_api import USERS
from tests.test_web_browser import ARGS, CHROMIUM, Browser, _need_chromium, expect, playwright_api, serve


class _Served:
    def __init__(self, app: Any) -> None:
        self.app = app


async def shot(page: Any, screenshots: Path, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(screenshots / f"karier-{name}.png"), full_page=True)


async def test_careers_pages_in_chromium(screenshots: Path, tmp_path: Path) -> None:
    _need_chromium()
    store, cycle_id, dossier_id = world(f"sqlite:///{tmp_path / 'kinerja.db'}", tmp_path)
    settings = settings_for(tmp_path, export_dir=str(tmp_path / "siasn"))
    app = build_app(settings, store, users=UserDirectory.from_mapping(USERS, app=store))
    async with running(app), serve(_Served(app)) as base, playwright_api.async_playwright() as pw:  # type: ignore[arg-type]
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            b = Browser(chromium, base)
            hr = await b.login(HR_NIP)
            await hr.goto("/tugas")
            await expect(hr.locator("#dosir-pppk")).to_contain_text("1 dosir perpanjangan PPPK menunggu keputusan")
            await shot(hr, screenshots, "tugas-dosir")
            await hr.locator("#dosir-pppk a").click()
            await expect(
                hr.get_by_role("heading", level=2, name="Rekomendasi: Direkomendasikan diperpanjang")
            ).to_be_visible()
            await shot(hr, screenshots, "dosir")
            await hr.get_by_label("Keputusan").select_option("tidak_diperpanjang")
            await hr.get_by_label("Catatan").fill("Formasi dihapus <script>window.pwned=1</script>")
            await hr.get_by_role("button", name="Catat keputusan").click()
            await expect(hr.locator(".note")).to_contain_text("Keputusan perpanjangan perjanjian kerja tercatat")
            await expect(hr.locator("#keputusan-dosir")).to_contain_text("<script>window.pwned=1</script>")
            assert await hr.evaluate("window.pwned") is None
            await shot(hr, screenshots, "dosir-diputuskan")

            await hr.goto(f"/hr/siklus/{cycle_id}/ekspor")
            await hr.get_by_role("button", name="Kirim ekspor").click()
            await expect(hr.locator("#hasil-ekspor")).to_contain_text("3 catatan baru")
            await expect(hr.locator("#status-ekspor")).to_contain_text("3 terkirim")
            await shot(hr, screenshots, "ekspor")
            await hr.get_by_role("button", name="Kirim ekspor").click()
            await expect(hr.locator("#hasil-ekspor")).to_contain_text("0 catatan baru, 0 koreksi, 3 tidak berubah")
            assert len(list((tmp_path / "siasn").iterdir())) == 3

            await hr.get_by_role("link", name="Rekap tukin").click()
            await hr.get_by_label("Bulan").select_option("2025-05")
            await hr.get_by_role("button", name="Tampilkan").click()
            await expect(hr.locator(".unit-rekap")).to_contain_text("Bidang Umum")
            await shot(hr, screenshots, "rekap-tukin")

            await hr.get_by_role("link", name="Simulasi aturan").click()
            await expect(hr.locator("#per-unit")).to_contain_text("PermenKLH/BPH")
            await shot(hr, screenshots, "simulasi")

            auditor = await b.login(AUDITOR_NIP)
            await auditor.goto(f"/hr/siklus/{cycle_id}/simulasi-aturan")
            await expect(auditor.locator("#per-pegawai")).to_contain_text("Staf Umum")
            await shot(auditor, screenshots, "simulasi-auditor")
            await auditor.goto(f"/hr/siklus/{cycle_id}/ekspor")
            await expect(auditor.get_by_role("button", name="Kirim ekspor")).to_have_count(0)

            other = await b.login(OTHER_HR)
            answer = await other.goto(f"/hr/siklus/{cycle_id}/ekspor")
            assert answer is not None and answer.status == 403
            await shot(other, screenshots, "instansi-lain-ditolak")
        finally:
            await chromium.close()
    store.close()
