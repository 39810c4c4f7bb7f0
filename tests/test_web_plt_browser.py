"""Acting heads (Plt/Plh) in the browser (#15), in headless Chromium on a real Temporal test server and worker.

HR opens the Plt/Plh page of a running cycle, is refused (in Bahasa Indonesia) a designation outside the
cycle's year, records a two-month Plt (a script in the decree number is only text; the form sent twice records
one), and the page says it waits for its first day. On the first day the page says it runs and the Plt's inbox
shows the head's task. On 20 February HR ends it early on the page (a later day refused, the reason kept as text);
after the new last day the page says it ended. Everyone but HR is refused the page.
Screenshots go to test-artifacts/screenshots/plt-*.png (this module runs after the whole-cycle browser test,
which clears the folder).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.page_language import assert_indonesian
from tests.test_acting_flow import PEOPLE
from tests.test_api_support import EMP1, EMP2, HR_NIP, OUTSIDER, RHK, SUPERVISOR, appraisal_id
from tests.test_api_world import World, eventually, world
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, Browser, env, expect, playwright_api, serve

__all__ = ["env"]  # the module's Temporal server fixture, shared with the whole-cycle browser test

WIB = timezone(timedelta(hours=7))
DECREE = "800/7/BKPSDM <script>window.pwned=1</script>"


async def shot(page: Any, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(SHOTS / f"plt-{name}.png"), full_page=True)


async def until(w: World, instant: datetime) -> None:
    """Skip the server's time to the instant a few days at a time (one long skip can outlast the RPC's patience
    on a loaded machine)."""
    while (left := instant - w.clock()) > timedelta(0):
        await w.sleep(min(left, timedelta(days=10)))


async def designations(w: World, cycle: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await w.call("GET", f"/hr/cycles/{cycle}/acting", HR_NIP)
    return found


async def test_hr_designates_a_plt_and_the_tasks_move_there_and_back(env: WorkflowEnvironment, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, PEOPLE)
        year = int((await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["year"])
        budi = appraisal_id(cycle, EMP1)
        await w.call("PUT", f"/employees/appraisals/{budi}/skp", EMP1, {"rhk": RHK}, key="draft")
        await w.call("POST", f"/employees/appraisals/{budi}/skp/submit", EMP1, key="submit")
        async with serve(w) as base, playwright_api.async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            try:
                await _designate(Browser(chromium, base), w, cycle, year)
            finally:
                await chromium.close()


async def _designate(b: Browser, w: World, cycle: str, year: int) -> None:
    hr = await b.login(HR_NIP)
    await hr.goto(f"/hr/siklus/{cycle}")
    await hr.get_by_role("link", name="Plt/Plh").click()
    await expect(hr.get_by_role("heading", name="Pelaksana tugas (Plt) dan pelaksana harian (Plh)")).to_be_visible()
    await expect(hr.locator("#daftar-plt")).to_contain_text("Belum ada penunjukan Plt/Plh")
    await shot(hr, "kosong")

    # Outside the cycle's year: refused on the page, in Bahasa Indonesia, and nothing recorded.
    await hr.get_by_label("Unit yang kepalanya diwakili").select_option("U1")
    await hr.get_by_label("Pegawai yang ditunjuk").select_option(OUTSIDER)
    await hr.get_by_label("Jenis penunjukan").select_option("plt")
    await hr.get_by_label("Hari pertama").fill(f"{year}-01-05")
    await hr.get_by_label("Hari terakhir").fill(f"{year + 1}-01-04")
    await hr.get_by_label("Nomor surat perintah / SK penunjukan").fill(DECREE)
    await hr.get_by_role("button", name="Catat penunjukan").click()
    await expect(hr.locator("#galat")).to_contain_text(f"harus berada dalam tahun siklus {year}")
    await shot(hr, "ditolak")
    assert await designations(w, cycle) == []

    # The two-month Plt; the same form sent again (a retried submit) records nothing more.
    await hr.get_by_label("Hari terakhir").fill(f"{year}-03-04")
    fields = await _fields(hr)
    await hr.get_by_role("button", name="Catat penunjukan").click()
    await expect(hr.locator(".note")).to_contain_text("Penunjukan Plt/Plh tercatat")
    again = await hr.request.post(f"/hr/siklus/{cycle}/plt", form=fields)
    assert again.status == 200
    await hr.goto(f"/hr/siklus/{cycle}/plt")
    table = hr.locator("#daftar-plt")
    await expect(table).to_contain_text("Menunggu hari pertama")
    await expect(table).to_contain_text(f"5 Januari {year} s.d. 4 Maret {year}")
    await expect(table).to_contain_text(DECREE)  # the script is only text
    assert await hr.evaluate("window.pwned") is None
    assert len(await designations(w, cycle)) == 1
    await shot(hr, "tercatat")

    # Everyone else is refused the page, in Bahasa Indonesia.
    for nip in (SUPERVISOR, OUTSIDER):
        other = await b.login(nip)
        response = await other.goto(f"/hr/siklus/{cycle}/plt")
        assert response.status == 403
        await expect(other.locator("main")).to_contain_text("Hanya pengelola kinerja (BKPSDM)")
        await other.context.close()

    # The first day: the page says it runs, and the Plt's inbox holds the head's task.
    await until(w, datetime(year, 1, 5, 1, tzinfo=WIB))
    await eventually(lambda: designations(w, cycle), lambda d: d[0]["began"] is not None)
    await hr.reload()
    await expect(table).to_contain_text("2 penilaian beralih")
    await shot(hr, "berlaku")
    plt = await b.login(OUTSIDER)

    async def inbox_shows() -> bool:
        await plt.goto("/tugas")
        return "Budi" in await plt.locator("main").inner_text()

    await eventually(inbox_shows)
    await expect(plt.locator("ul.tasks")).to_contain_text("Persetujuan SKP")
    await shot(plt, "kotak-tugas-plt")

    # 20 February: the head is back. HR ends the designation that day on the page; a later day is refused in
    # Bahasa Indonesia, what was typed stays; the reason is only text.
    await until(w, datetime(year, 2, 20, 9, tzinfo=WIB))
    await hr.reload()
    await hr.locator("summary", has_text="Akhiri lebih awal").click()
    await hr.get_by_label("Hari terakhir yang baru").fill(f"{year}-03-10")
    await hr.get_by_label("Alasan").fill("Kepala bidang kembali <script>window.pwned=2</script>")
    await hr.get_by_role("button", name="Akhiri penunjukan").click()
    await expect(hr.locator("#galat")).to_contain_text("hanya dapat diakhiri lebih awal")
    await shot(hr, "akhiri-ditolak")  # the form stays open with what was typed
    await expect(hr.get_by_label("Alasan")).to_have_value("Kepala bidang kembali <script>window.pwned=2</script>")
    await hr.get_by_label("Hari terakhir yang baru").fill(f"{year}-02-20")
    await hr.get_by_role("button", name="Akhiri penunjukan").click()
    await expect(hr.locator(".note").first).to_contain_text("diakhiri lebih awal")
    await expect(table).to_contain_text(f"5 Januari {year} s.d. 20 Februari {year}")
    await expect(table).to_contain_text(f"hari terakhir semula 4 Maret {year}")
    await expect(table).to_contain_text("Alasan: Kepala bidang kembali <script>window.pwned=2</script>")
    assert await hr.evaluate("window.pwned") is None
    await shot(hr, "diakhiri")

    # After the new last day the tasks go back, a fortnight early; the page says so and offers no more ending.
    await until(w, datetime(year, 2, 21, 1, tzinfo=WIB))
    await eventually(lambda: designations(w, cycle), lambda d: d[0]["ended"] is not None)
    await hr.reload()
    await expect(table).to_contain_text("tugas kembali kepada kepala unit pada 2 penilaian")
    assert await hr.locator("summary", has_text="Akhiri lebih awal").count() == 0
    await shot(hr, "selesai")
    assert {EMP1, EMP2} == set((await designations(w, cycle))[0]["ended"]["reached"])


async def _fields(page: Any) -> dict[str, str]:
    """The form's fields as the browser would send them (idempotency key, CSRF token, the choices)."""
    form = page.locator("#tunjuk-plt")
    names = [await f.get_attribute("name") for f in await form.locator("input, select").all()]
    return {n: await form.locator(f"[name='{n}']").input_value() for n in names if n}
