"""The daily log on a phone (#13), in headless Chromium at 390x844, on a real Temporal server and worker.

Budi's SKP is approved (over the API); in mid-January of the cycle's year he opens his page on a phone,
types one line, picks the RHK, attaches a photo and saves. The entry is there after the page is reopened,
the first quarter's realisation counts it, the photo downloads as an attachment, and his pejabat penilai
sees the entry on the task page. Screenshots: test-artifacts/screenshots/pegawai-catatan-harian-*.png.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from PIL import Image
from temporalio.testing import WorkflowEnvironment

from tests.page_language import assert_indonesian
from tests.test_api_support import EMP1, HR_NIP, RHK, SUPERVISOR, appraisal_id, participant
from tests.test_api_world import World, world
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, Browser, env, expect, pick_file, playwright_api, serve

__all__ = ["env"]  # the module's Temporal server fixture, as the whole-cycle browser test builds it


async def shot(page: Any, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(SHOTS / f"pegawai-catatan-harian-{name}.png"), full_page=True)


async def test_a_daily_log_entry_with_a_photo_on_a_phone(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, [participant(EMP1, "Budi")])
        a = appraisal_id(cycle, EMP1)
        await w.call("PUT", f"/employees/appraisals/{a}/skp", EMP1, {"rhk": RHK})
        await w.call("POST", f"/employees/appraisals/{a}/skp/submit", EMP1)
        await w.call("POST", f"/tasks/appraisals/{a}/skp/approve", SUPERVISOR)
        # Into the cycle's year: 10:00 WIB on 15 January (the server's clock only moves forward).
        await w.sleep(datetime(await w.year(), 1, 15, 3, tzinfo=timezone.utc) - w.clock())
        photo = tmp_path / "kegiatan.png"
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (30, 123, 52)).save(buffer, format="PNG")
        photo.write_bytes(buffer.getvalue())
        async with serve(w) as base, playwright_api.async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            try:
                await _phone(Browser(chromium, base), w, cycle, photo)
            finally:
                await chromium.close()


async def _phone(b: Browser, w: World, cycle: str, photo: Path) -> None:
    a = appraisal_id(cycle, EMP1)
    budi = await b.login(EMP1, mobile=True)
    await budi.goto(f"/saya/{a}")
    await expect(budi.get_by_label("Tanggal")).to_have_value(w.clock().date().isoformat())
    line = await budi.get_by_label("Apa yang Anda kerjakan?").bounding_box()
    assert line is not None and line["y"] + line["height"] < 844, "the entry's line is below the phone's first screen"
    await shot(budi, "formulir")
    await budi.get_by_label("Apa yang Anda kerjakan?").fill("Melayani 14 pemohon KTP elektronik di loket 2")
    await budi.get_by_label("RHK yang dikerjakan").select_option("R1")
    await pick_file(budi, "Bukti dukung (tidak wajib)", str(photo))
    await budi.get_by_role("button", name="Simpan catatan harian").click()
    await expect(budi.locator(".note")).to_contain_text("Catatan harian tersimpan")
    fits = await budi.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the page (with the receipt's digests) scrolls sideways on a phone"
    await shot(budi, "tersimpan")

    # Reopened: the entry, its photo and the first quarter's realisation.
    await budi.goto(f"/saya/{a}")
    await expect(budi.locator("#catatan-terakhir")).to_contain_text("Melayani 14 pemohon KTP elektronik di loket 2")
    await expect(budi.locator("#rekap-realisasi")).to_contain_text("1 catatan pada 1 hari")
    link = budi.locator("#catatan-terakhir a", has_text="kegiatan.png")
    served = await budi.request.get(await link.get_attribute("href"))
    assert served.ok and await served.body() == photo.read_bytes()
    assert served.headers["content-disposition"].startswith("attachment;")
    await budi.locator("#realisasi").scroll_into_view_if_needed()
    await shot(budi, "rekap")
    assert hashlib.sha256(photo.read_bytes()).hexdigest() in (await link.get_attribute("href") or "")
    assert w.events(cycle, EMP1).count("DailyLogged") == 1

    penilai = await b.login(SUPERVISOR, mobile=True)
    await penilai.goto(f"/tugas/{a}")
    await expect(penilai.locator("main")).to_contain_text("Melayani 14 pemohon KTP elektronik di loket 2")

    # Up to three files on one entry, picked together from the phone (#13); a fourth is refused, nothing kept.
    three = [photo, *_more_evidence(photo.parent)]
    await budi.goto(f"/saya/{a}")
    await budi.get_by_label("Apa yang Anda kerjakan?").fill("Rapat koordinasi pelayanan: notulen dan daftar hadir")
    await budi.get_by_label("Bukti dukung (tidak wajib)").set_input_files([str(p) for p in three])
    await shot(budi, "tiga-berkas")
    await budi.get_by_role("button", name="Simpan catatan harian").click()
    await expect(budi.locator(".note")).to_contain_text("Catatan harian tersimpan")
    for p in three:
        await expect(budi.locator("#catatan-terakhir")).to_contain_text(p.name)
    fits = await budi.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the entry with three files scrolls sideways on a phone"
    await shot(budi, "tiga-berkas-tersimpan")
    four = [*three, _more_evidence(photo.parent, extra=True)[0]]
    await budi.get_by_label("Apa yang Anda kerjakan?").fill("Empat berkas sekaligus")
    await budi.get_by_label("Bukti dukung (tidak wajib)").set_input_files([str(p) for p in four])
    await budi.get_by_role("button", name="Simpan catatan harian").click()
    await expect(budi.locator("#galat")).to_contain_text("paling banyak 3 berkas untuk satu catatan")
    await expect(budi.get_by_label("Apa yang Anda kerjakan?")).to_have_value("Empat berkas sekaligus")
    await shot(budi, "empat-berkas-ditolak")
    assert w.events(cycle, EMP1).count("DailyLogged") == 2


def _more_evidence(folder: Path, extra: bool = False) -> list[Path]:
    """A scanned PDF and a JPEG beside the photo (or, with `extra`, one more PNG)."""
    if extra:
        more = folder / "lampiran.png"
        Image.new("RGB", (32, 32), (200, 200, 40)).save(more, format="PNG")
        return [more]
    scan, picture = folder / "notulen.pdf", folder / "daftar-hadir.jpg"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    Image.new("RGB", (48, 64), (120, 40, 90)).save(picture, format="JPEG")
    return [scan, picture]
