"""A transfer (mutasi) in the browser (#15), in headless Chromium on a real Temporal server and worker.

HR records Budi's June transfer from agency A to agency B on its page (a decree in the future is refused in
Bahasa Indonesia, what was typed stays; a script in the reason is only text; Budi is no longer offered); HR of both agencies see it, with both periods; after the old appraiser's evaluation and the
new post's rating, Budi sees both periods and the year's predikat with the rule that combined them, and the
rule's stated basis. Anyone else is refused HR's page. Runs after the whole-cycle browser test (which clears
the screenshots folder); screenshots go to test-artifacts/screenshots/mutasi-*.png.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from domain.rules import BERAKHLAK
from tests.page_language import assert_indonesian
from tests.test_api_support import ATASAN, EMP1, EMP2, HR_NIP, OUTSIDER, RHK, SUPERVISOR, participant
from tests.test_api_world import World, eventually, world
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, Browser, env, expect, playwright_api, serve

__all__ = ["env"]  # the module's Temporal server fixture

WIB = timezone(timedelta(hours=7))
ABOVE = dict.fromkeys(BERAKHLAK, "di_atas")


async def shot(page: Any, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(SHOTS / f"mutasi-{name}.png"), full_page=True)


async def fill(page: Any, values: dict[str, str]) -> None:
    await page.get_by_label("Pegawai").select_option(values["nip"])
    labels = {
        "to_agency_id": "Kode instansi tujuan",
        "to_unit_id": "Kode unit tujuan",
        "to_unit_name": "Nama unit tujuan",
        "to_appraiser_nip": "NIP pejabat penilai baru",
        "to_atasan_nip": "NIP atasan pejabat penilai baru",
        "effective": "Tanggal berlaku (TMT)",
        "decree": "Nomor SK mutasi",
        "reason": "Alasan",
    }
    for name, text in labels.items():
        await page.get_by_label(text, exact=name != "to_agency_id").fill(values[name])


async def test_hr_records_a_transfer_and_the_employee_sees_the_year(env: WorkflowEnvironment, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with world(env, tmp_path) as w, playwright_api.async_playwright() as pw:
        year = await w.year()
        origin = await w.launch(HR_NIP, [participant(EMP1, "Budi")], agency_name="Dinas Kependudukan")
        destination = await w.launch(HR_NIP, [participant(EMP2, "Citra")], agency_name="Dinas Pendidikan")
        agency_b = (await w.call("GET", f"/hr/cycles/{destination}", HR_NIP))["agency_id"]
        old = await _planned(w)
        while (left := datetime(year, 6, 3, 9, 0, tzinfo=WIB) - await w.env.get_current_time()) > timedelta(0):
            await w.sleep(min(left, timedelta(days=10)))
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            async with serve(w) as base:
                b = Browser(chromium, base)
                decree = {
                    "nip": EMP1,
                    "to_agency_id": agency_b,
                    "to_unit_id": "U9",
                    "to_unit_name": "Bidang Kurikulum",
                    "to_appraiser_nip": OUTSIDER,
                    "to_atasan_nip": ATASAN,
                    "effective": f"{year}-06-01",
                    "decree": "821/77/BKD",
                    "reason": "Mutasi <script>window.pwned=1</script>",
                }
                transfer = await _hr_records(b, w, origin, destination, decree)
                await _old_appraiser_evaluates(b, w, transfer)
                await _evaluated_and_rated(w, transfer, old)
                await _budi_sees_the_year(b)
        finally:
            await chromium.close()
        w.cycles.append((destination, [EMP1]))


async def _planned(w: World) -> str:
    mine = await eventually(lambda: w.call("GET", "/employees/me/appraisals", EMP1), lambda v: len(v) == 1)
    old = str(mine[0]["appraisal_id"])
    await w.call("PUT", f"/employees/appraisals/{old}/skp", EMP1, {"rhk": RHK})
    await w.call("POST", f"/employees/appraisals/{old}/skp/submit", EMP1)
    await w.call("POST", f"/tasks/appraisals/{old}/skp/approve", SUPERVISOR)
    return old


async def _hr_records(b: Browser, w: World, origin: str, destination: str, decree: dict[str, str]) -> str:
    budi = await b.login(EMP1)
    refused = await budi.goto(f"/hr/siklus/{origin}/mutasi-pegawai")
    assert refused is not None and refused.status == 403  # HR's page only

    hr = await b.login(HR_NIP)
    await hr.goto(f"/hr/siklus/{origin}/mutasi")
    await hr.get_by_role("link", name="Mutasi pegawai").click()
    await expect(hr.get_by_role("heading", name="Mutasi pegawai: pindah unit atau instansi")).to_be_visible()
    await expect(hr.locator("#daftar-mutasi")).to_contain_text("Belum ada mutasi pegawai")
    await shot(hr, "formulir")

    # A decree dated in the future: refused, said in Bahasa Indonesia, what was typed stays.
    future = {**decree, "effective": decree["effective"].replace("-06-", "-07-")}
    await fill(hr, future)
    async with hr.expect_navigation() as sent:
        await hr.get_by_role("button", name="Catat mutasi pegawai").click()
    assert (await sent.value).status == 422
    await expect(hr.locator("#galat")).to_contain_text("mutasi dicatat pada atau setelah tanggal berlakunya")
    await expect(hr.get_by_label("Nomor SK mutasi")).to_have_value(decree["decree"])
    await shot(hr, "ditolak")

    await hr.get_by_label("Tanggal berlaku (TMT)").fill(decree["effective"])
    await hr.get_by_role("button", name="Catat mutasi pegawai").click()
    await expect(hr.locator("#hasil-mutasi-pegawai")).to_contain_text("Mutasi Budi (SK 821/77/BKD) tercatat")
    listed = hr.locator("#daftar-mutasi")
    await expect(listed).to_contain_text("Mutasi <script>window.pwned=1</script>")  # only text
    await expect(listed).to_contain_text("Jabatan lama")
    await expect(listed).to_contain_text("5 bulan")
    await expect(listed).to_contain_text("7 bulan")
    assert await hr.evaluate("window.pwned") is None
    await shot(hr, "tercatat")

    # Budi has left the cycle: the form no longer offers him, and one transfer is recorded.
    await hr.reload()
    assert await hr.locator(f"#nip option[value='{EMP1}']").count() == 0
    transfers = await w.call("GET", "/employees/me/transfers", EMP1)
    assert len(transfers) == 1

    # HR of the destination agency sees it on its own cycle's page.
    await hr.goto(f"/hr/siklus/{destination}/mutasi-pegawai")
    await expect(hr.locator("#daftar-mutasi")).to_contain_text("Budi (NIP " + EMP1)
    await expect(hr.locator("#daftar-mutasi")).to_contain_text("Bidang Kurikulum, Dinas Pendidikan")
    await shot(hr, "instansi-tujuan")
    return str(transfers[0]["id"])


async def _old_appraiser_evaluates(b: Browser, w: World, transfer: str) -> None:
    """Pak Penilai finds the evaluation of January-May in his inbox, with its deadline, and evaluates it there;
    the new appraiser reads the page without the form; the task leaves the inbox."""
    dedi = await b.login(OUTSIDER)
    await dedi.goto(f"/tugas/mutasi/{transfer}")
    await expect(dedi.locator("main")).to_contain_text("Hanya pejabat penilai lama")
    assert await dedi.locator("#form-penilaian-periode").count() == 0

    penilai = await b.login(SUPERVISOR)
    await penilai.goto("/tugas")
    task = penilai.get_by_role("link", name=re.compile("Penilaian masa kerja di jabatan lama"))
    await expect(task).to_contain_text("Budi")
    await shot(penilai, "tugas-penilai")
    await task.click()
    await expect(penilai.get_by_role("heading", name="Penilaian masa kerja di jabatan lama: Budi")).to_be_visible()
    await expect(penilai.locator("main")).to_contain_text("Batas waktu")
    await expect(penilai.locator("main")).to_contain_text("5 bulan masa kerja di jabatan lama")
    await penilai.get_by_label("Hasil kerja selama di jabatan lama").select_option("sesuai")
    await penilai.get_by_label("Perilaku kerja selama di jabatan lama").select_option("sesuai")
    await penilai.get_by_label("Catatan (boleh dikosongkan)").fill("Januari-Mei <script>window.pwned=1</script>")
    await shot(penilai, "formulir-penilaian")
    await penilai.get_by_role("button", name="Simpan penilaian").click()
    await expect(penilai.locator("#penilaian-tercatat")).to_contain_text("Tugas ini selesai")
    await expect(penilai.locator("#penilaian-periode")).to_contain_text("Baik")
    await expect(penilai.locator("#penilaian-periode")).to_contain_text("<script>window.pwned=1</script>")  # text
    assert await penilai.evaluate("window.pwned") is None
    await shot(penilai, "penilaian-tercatat")
    # Reopened: the evaluation stays, the form is gone, and the inbox no longer holds the task.
    await penilai.reload()
    assert await penilai.locator("#form-penilaian-periode").count() == 0
    await penilai.goto("/tugas")
    await expect(penilai.locator("main")).not_to_contain_text("Penilaian masa kerja di jabatan lama")
    assert (await w.call("GET", f"/transfers/{transfer}", SUPERVISOR))["evaluation"]["by"] == SUPERVISOR


async def _evaluated_and_rated(w: World, transfer: str, old: str) -> None:
    """Budi takes R1 over, Dedi rates the new post (through the API)."""
    new = (await w.call("GET", f"/transfers/{transfer}", EMP1))["destination"]["appraisal_id"]
    await eventually(lambda: w.call("GET", f"/employees/appraisals/{new}", EMP1))
    await w.call("POST", f"/employees/appraisals/{new}/skp/take-over", EMP1, {"rhk_ids": ["R1"]})
    await w.call("POST", f"/employees/appraisals/{new}/skp/submit", EMP1)
    await w.call("POST", f"/tasks/appraisals/{new}/skp/approve", OUTSIDER)
    await w.call("POST", f"/hr/appraisals/{new}/review/open", HR_NIP)
    rating = {"results_rating": "di_atas", "behaviour_ratings": ABOVE}
    assert (await w.call("POST", f"/tasks/appraisals/{new}/rating", OUTSIDER, rating))["predikat"] == "sangat_baik"
    assert old != new


async def _budi_sees_the_year(b: Browser) -> None:
    budi = await b.login(EMP1, mobile=True)
    await budi.goto("/saya")
    mine = budi.locator("#mutasi-saya")
    await expect(mine).to_contain_text("Mutasi dan predikat tahunan")
    await expect(mine).to_contain_text("Jabatan lama")
    await expect(mine).to_contain_text("Jabatan baru")
    await expect(mine).to_contain_text("Baik")
    await expect(mine.locator(".predikat-tahunan")).to_contain_text("Predikat tahunan: Sangat Baik")
    await expect(mine).to_contain_text("ditimbang menurut bulan masa kerja")
    await expect(mine).to_contain_text("PermenPANRB 6/2022 tidak mengatur")
    await shot(budi, "pegawai")
