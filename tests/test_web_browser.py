"""A whole cycle through the web pages only, in headless Chromium (Debian's), on a real Temporal server and worker.

Budi drafts and submits his SKP; his pejabat penilai returns it, then approves it; Budi reports
progress; a check-in; HR opens the review; Budi assesses himself; the penilai rates (predikat shown
before confirming), is refused the result before calibration, HR calibrates on its dashboard, the
result goes out; Budi files a keberatan; the atasan amends it; the auditor's timeline verifies; a
citizen answers the SKM survey on a phone. A screenshot of each page goes to test-artifacts/screenshots/.

Setup that has no page (defining and starting the cycle, importing the org data) goes through the API.
Uvicorn serves the app as a task on the test's event loop, because the app's Temporal client and
worker live on that loop.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from temporalio.testing import WorkflowEnvironment

from domain.calendar import local_day
from tests.conftest import SHOTS
from tests.needs import need
from tests.page_language import assert_indonesian
from tests.pdf_reading import qr_codes
from tests.test_api_support import ATASAN, AUDITOR, EMP1, HR_NIP, SUPERVISOR, UNIT, appraisal_id, participant
from tests.test_api_world import World, start_server, world

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AGENCY = "AG-WEB"
ORG_CSV = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head\n" + "".join(
    f"{AGENCY},Dinas Kependudukan,WIB,{unit},{unit_name},{nip},{name},{boss},{head}\n"
    for unit, unit_name, nip, name, boss, head in (
        ("PIMPINAN", "Pimpinan", ATASAN, "Bu Atasan", "", "ya"),
        (UNIT, "Bidang Pelayanan", SUPERVISOR, "Pak Penilai", ATASAN, "ya"),
        (UNIT, "Bidang Pelayanan", EMP1, "Budi", SUPERVISOR, ""),
    )
)

playwright_api = pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
expect = playwright_api.expect
# Every browser module's `expect` (they share this one): it polls until the page shows what it should and
# returns then, so a minute costs a passing test nothing; a page behind a Temporal Update, the projector
# and a reload can take more than 20 s while a loaded CI machine also runs the other xdist worker.
expect.set_options(timeout=60_000)
pytestmark = pytest.mark.temporal


def _need_chromium() -> None:
    need(None if CHROMIUM.exists() else f"{CHROMIUM} is missing: `make test` installs Debian's chromium with apt-get")


@pytest.fixture(scope="module")
async def env(screenshots: Path) -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal server of a browser module (and the screenshots folder, emptied once per session)."""
    _need_chromium()
    environment = await start_server()
    yield environment
    await environment.shutdown()


class Browser:
    """One Chromium; one browser context (cookie jar) per person."""

    def __init__(self, chromium: object, base: str) -> None:
        self.chromium, self.base, self.shot_no = chromium, base, 0

    async def login(self, nip: str, mobile: bool = False) -> object:
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
        context = await self.chromium.new_context(base_url=self.base, viewport=viewport, locale="id-ID")
        context.set_default_timeout(60_000)  # clicks and page loads, like `expect`: a page may follow an Update
        page = await context.new_page()
        if nip:
            await page.goto("/masuk")
            await page.get_by_label("NIP (18 digit)").fill(nip)
            await page.get_by_label("NIP (18 digit)").press("Enter")  # the keyboard works
            await expect(page.get_by_role("button", name="Keluar")).to_be_visible()
        return page

    async def shot(self, page: object, name: str) -> None:
        assert_indonesian(await page.content(), name)  # every page shot is checked for known English
        self.shot_no += 1
        await page.screenshot(path=str(SHOTS / f"{self.shot_no:02d}-{name}.png"), full_page=True)


async def pick_file(page: Any, label: str, file: Any) -> None:
    """A file chosen as a person does it (#13): Chromium's own "Choose File" button is out of sight (the input is
    visually hidden), an Indonesian button is shown, and the keyboard opens the picker (Tab to it, Space)."""
    field = page.get_by_label(label)
    box = await field.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1, f"{label}: Chromium's button is visible"
    field_id = await field.get_attribute("id")
    button = page.locator(f"label.file-button[for='{field_id}']")
    await expect(button).to_be_visible()
    await expect(button).to_contain_text("Pilih berkas")
    await expect(page.locator(f"#{field_id}-nama")).to_have_text("Belum ada berkas dipilih")
    await field.focus()
    for attempt in range(3):  # Playwright arms its file chooser interception on the first listener, not at once:
        try:  # a Space pressed before that opens the native dialog, unseen; a person would press it again
            async with page.expect_file_chooser(timeout=10_000) as chosen:
                await page.keyboard.press("Space")
            break
        except playwright_api.TimeoutError:
            assert attempt < 2, f"{label}: Space on the focused picker opens no file chooser"
    await (await chosen.value).set_files(file)
    name = file["name"] if isinstance(file, dict) else Path(str(file)).name
    await expect(page.locator(f"#{field_id}-nama")).to_have_text(name)


async def click(page: object, name: str, note: str | None = None) -> None:
    await page.get_by_role("button", name=name, exact=True).click()
    if note is not None:
        await expect(page.locator(".note")).to_contain_text(note)


async def test_a_whole_cycle_through_the_pages(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        await w.call("POST", "/hr/org/import", HR_NIP, files={"file": ("org.csv", ORG_CSV.encode())})
        cycle = await w.launch(HR_NIP, [participant(EMP1, "Budi")], agency_id=AGENCY)
        async with serve(w) as base, playwright_api.async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            b = Browser(chromium, base)
            await _cycle(b, w, cycle)
            await chromium.close()


async def _documents_checked(b: Browser, printed_url: str, reprinted: Path) -> None:
    """The QR codes opened by anyone, on a phone: the print from before the keberatan is superseded, the new one
    matches (and so does its file, uploaded), and a forged digest matches nothing."""
    reader = await b.login("", mobile=True)
    await reader.goto(urlsplit(printed_url).path)
    await expect(reader.locator("#putusan")).to_contain_text("Cocok, tetapi catatan sudah berubah")
    await b.shot(reader, "dokumen-diperbarui")
    (new_url,) = qr_codes(reprinted.read_bytes())
    await reader.goto(urlsplit(new_url).path)
    await expect(reader.locator("#putusan")).to_contain_text("Cocok dengan catatan")
    await expect(reader.locator("table")).to_contain_text("Sangat Baik")
    await b.shot(reader, "dokumen-cocok")
    await pick_file(reader, "Berkas PDF dokumen", str(reprinted))
    await reader.get_by_role("button", name="Periksa berkas").click()
    await expect(reader.locator("#putusan")).to_contain_text("sama persis")
    await b.shot(reader, "dokumen-unggah")
    await reader.goto(urlsplit(new_url).path[:-6] + "000000")
    await expect(reader.locator("#putusan")).to_contain_text("Tidak cocok")
    await b.shot(reader, "dokumen-tidak-cocok")


async def _cycle(b: Browser, w: World, cycle: str) -> None:
    a1 = appraisal_id(cycle, EMP1)
    opened_on = local_day(w.clock(), "WIB")
    login_page = await b.login("")
    await login_page.goto("/masuk")
    await b.shot(login_page, "masuk")

    # Planning: Budi drafts and submits; his pejabat penilai returns the SKP, then approves it.
    budi = await b.login(EMP1)
    await expect(budi.locator(".task")).to_contain_text("Menyusun SKP")
    await b.shot(budi, "pegawai-tugas")
    await budi.get_by_role("link", name=re.compile("Menyusun SKP")).click()
    await budi.get_by_label("Rencana hasil kerja").fill("Layanan KTP elektronik tepat waktu")
    await budi.locator("#rhk-0-iki-0-aspect").select_option("kuantitas")
    await budi.locator("#rhk-0-iki-0-text").fill("KTP elektronik diterbitkan")
    await budi.locator("#rhk-0-iki-0-target").fill("1.200 keping")
    await b.shot(budi, "pegawai-skp-editor")
    await click(budi, "Simpan draf SKP", "Draf SKP tersimpan")
    await click(budi, "Simpan dan ajukan SKP ke pejabat penilai", "SKP diajukan")

    penilai = await b.login(SUPERVISOR)
    await expect(penilai.locator(".task")).to_contain_text("Persetujuan SKP")
    await penilai.get_by_label("Cari nama atau NIP").fill("budi")
    await penilai.get_by_label("Cari nama atau NIP").press("Enter")  # the inbox's search, by keyboard
    await expect(penilai.get_by_role("status")).to_contain_text("Menampilkan 1 dari 1 tugas")
    await b.shot(penilai, "penilai-kotak-tugas")
    await penilai.get_by_role("link", name=re.compile("Persetujuan SKP")).click()
    await b.shot(penilai, "penilai-persetujuan-skp")
    await penilai.get_by_label("Alasan pengembalian").fill("Target IKI terlalu rendah untuk satu tahun.")
    await click(penilai, "Kembalikan SKP", "SKP dikembalikan")

    await budi.goto(f"/saya/{a1}")
    await expect(budi.locator(".warn")).to_contain_text("Target IKI terlalu rendah")
    await budi.locator("#rhk-0-iki-0-target").fill("1.500 keping")
    await b.shot(budi, "pegawai-skp-dikembalikan")
    # Submitted straight from the editor, unsaved: the edit is what the pejabat penilai receives.
    await click(budi, "Simpan dan ajukan SKP ke pejabat penilai", "SKP diajukan")
    await penilai.goto(f"/tugas/{a1}")
    await expect(penilai.locator("main")).to_contain_text("1.500 keping")
    await click(penilai, "Setujui SKP", "SKP disetujui")

    # Execution: progress with evidence, then a check-in.
    await budi.goto(f"/saya/{a1}")
    await budi.get_by_label("Realisasi", exact=True).fill("410 KTP elektronik diterbitkan")
    await budi.get_by_label("Tautan bukti dukung").fill("https://arsip.example.go.id/q1.pdf")
    await click(budi, "Laporkan realisasi", "Realisasi tercatat")
    await b.shot(budi, "pegawai-realisasi")
    await penilai.goto("/tugas")
    await penilai.get_by_role("link", name=re.compile("Dialog kinerja")).click()
    await penilai.get_by_label("Catatan dialog").fill("Capaian triwulan I sesuai rencana.")
    await penilai.get_by_label("Rating hasil kerja periodik").select_option("sesuai")
    await penilai.get_by_label("Rating perilaku kerja periodik").select_option("sesuai")
    await b.shot(penilai, "penilai-checkin")
    await click(penilai, "Simpan dialog kinerja", "Dialog kinerja tercatat")
    await w.sleep(timedelta(days=2))  # the review comes later: the auditor compares two dates below

    # Review: HR opens it, Budi assesses himself, the penilai rates with the predikat previewed.
    hr = await b.login(HR_NIP)
    await hr.get_by_role("button", name="Buka penilaian tahunan Budi").click()
    await expect(hr.locator(".note")).to_contain_text("Penilaian tahunan dibuka")
    await budi.goto(f"/saya/{a1}")
    await budi.get_by_label("Uraian penilaian diri").fill("Target layanan tercapai; antrean daring berjalan.")
    await click(budi, "Simpan penilaian diri", "Penilaian diri tersimpan")
    await b.shot(budi, "pegawai-penilaian-diri")
    await penilai.goto(f"/tugas/{a1}")
    await penilai.get_by_label("Rating hasil kerja", exact=True).select_option("di_atas")
    for value in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif", "Kolaboratif"):
        await penilai.get_by_label(value, exact=True).select_option("sesuai")
    await click(penilai, "Lihat predikat")
    await expect(penilai.locator("#pratinjau")).to_contain_text("Baik")
    await b.shot(penilai, "penilai-pratinjau-predikat")
    await click(penilai, "Konfirmasi dan simpan", "Penilaian tersimpan")

    # A refused action shows the domain's message: no result before the unit is calibrated.
    await click(penilai, "Sampaikan hasil kepada pegawai")
    await expect(penilai.locator("#galat")).to_contain_text("belum dikalibrasi terhadap kurva")
    await expect(penilai.locator("#galat")).to_contain_text("Minta pengelola kinerja (BKPSDM)")  # what to do next
    await b.shot(penilai, "penilai-hasil-ditolak")

    await hr.goto(f"/hr/siklus/{cycle}")
    await hr.get_by_label("Predikat organisasi unit Bidang Pelayanan").select_option("baik")
    await click(hr, "Tetapkan predikat organisasi", "Predikat organisasi tercatat")
    await hr.get_by_label("Justifikasi kalibrasi unit Bidang Pelayanan").fill(
        "Unit satu orang; sebaran mengikuti bukti."
    )
    await click(hr, "Kalibrasi unit", "Kalibrasi unit tercatat")
    await expect(hr.locator("#distribusi .warn")).to_contain_text("Kurva mengharapkan")
    await b.shot(hr, "hr-dasbor-kalibrasi")

    await penilai.goto(f"/tugas/{a1}")
    await click(penilai, "Sampaikan hasil kepada pegawai", "Hasil penilaian disampaikan")

    # Result and keberatan, decided by the atasan.
    await budi.goto(f"/saya/{a1}")
    await expect(budi.locator(".deadline")).to_contain_text("14 hari")
    # Why this predikat (#13): each reason in plain Bahasa Indonesia, quoted by the keberatan form.
    why = budi.locator("#mengapa-predikat")
    await expect(why).to_contain_text("Mengapa predikat Anda Baik")
    await expect(why.locator("#alasan-hasil")).to_contain_text("Rating hasil kerja: Di Atas Ekspektasi")
    await expect(why.locator("#alasan-hasil")).to_contain_text("realisasi Q1: 410 KTP elektronik diterbitkan")
    await expect(why.locator("#alasan-perilaku")).to_contain_text("Dari 7 nilai BerAKHLAK, 7 dinilai Sesuai Ekspektasi")
    await expect(why.locator("#alasan-perilaku")).to_contain_text("nilai tengah dari ketujuh rating")
    await expect(why.locator("#alasan-kuadran")).to_contain_text(
        "hasil kerja Di Atas Ekspektasi dan perilaku kerja Sesuai Ekspektasi berada pada kotak yang memberi predikat Baik"
    )
    await expect(why.locator("#alasan-kalibrasi")).to_contain_text("Unit satu orang; sebaran mengikuti bukti.")
    await expect(why.locator("#alasan-kalibrasi")).to_contain_text("Kurva mengharapkan")
    await expect(why.locator("#alasan-aturan")).to_contain_text("PermenPANRB Nomor 6 Tahun 2022")
    await expect(budi.locator("form #kutipan-penilaian")).to_contain_text(
        "Predikat Baik: hasil kerja Di Atas Ekspektasi dan perilaku kerja Sesuai Ekspektasi"
    )
    await why.scroll_into_view_if_needed()
    await b.shot(budi, "pegawai-mengapa-predikat")
    await budi.get_by_label("Alasan keberatan").fill("Realisasi triwulan IV belum diperhitungkan.")
    await b.shot(budi, "pegawai-hasil-keberatan")
    await click(budi, "Ajukan keberatan", "Keberatan diajukan")

    printed = await (await budi.request.get(f"/saya/{a1}/evaluasi.pdf")).body()  # printed before the decision
    (printed_url,) = qr_codes(printed)

    atasan = await b.login(ATASAN)
    await atasan.get_by_role("link", name=re.compile("Keputusan atas keberatan")).click()
    await atasan.get_by_label("Penilaian diubah").check()
    await atasan.get_by_label("Alasan keputusan").fill("Bukti triwulan IV sah.")
    await atasan.get_by_text("Rating baru (jika penilaian diubah)").click()
    for value in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif", "Kolaboratif"):
        await atasan.get_by_label(value, exact=True).select_option("di_atas")
    await click(atasan, "Lihat predikat")
    await expect(atasan.locator("#pratinjau")).to_contain_text("Sangat Baik")
    await b.shot(atasan, "atasan-keputusan-keberatan")
    await click(atasan, "Konfirmasi dan simpan", "Keputusan keberatan tercatat")
    await budi.goto(f"/saya/{a1}")
    await expect(budi.locator("#hasil")).to_contain_text("Sangat Baik")
    # After-effect: the reasons follow the amendment, with the atasan's recorded reasons.
    await expect(budi.locator("#mengapa-predikat")).to_contain_text("Mengapa predikat Anda Sangat Baik")
    await expect(budi.locator("#alasan-keberatan")).to_contain_text("Penilaian diubah")
    await expect(budi.locator("#alasan-keberatan")).to_contain_text("Bukti triwulan IV sah.")
    await b.shot(budi, "pegawai-hasil-akhir")
    for name in ("skp", "evaluasi"):  # the PDF exports, with the same session cookie
        document = await budi.request.get(f"/saya/{a1}/{name}.pdf")
        assert document.ok and document.headers["content-type"] == "application/pdf"
        body = await document.body()
        assert body.startswith(b"%PDF") and len(body) > 1500
        (SHOTS.parent / f"{name}.pdf").write_bytes(body)
    await _documents_checked(b, printed_url, SHOTS.parent / "evaluasi.pdf")

    # The auditor: timeline, chain verified, state at a date, diff between two dates.
    auditor = await b.login(AUDITOR)
    await auditor.get_by_role("link", name=re.compile("Dinas Kependudukan")).click()
    await auditor.get_by_role("link", name="Budi").click()
    await expect(auditor.locator("#verifikasi")).to_contain_text("Rantai hash utuh")
    await auditor.get_by_label("Tanggal (akhir hari, WIB)").fill(opened_on.isoformat())
    await auditor.get_by_role("button", name="Tampilkan").click()
    await expect(auditor.locator("#keadaan")).to_contain_text("Pelaksanaan")
    await auditor.get_by_label("Dari").fill(opened_on.isoformat())
    await auditor.get_by_label("Sampai").fill(local_day(w.clock(), "WIB").isoformat())
    await auditor.get_by_role("button", name="Bandingkan").click()
    await expect(auditor.locator("#beda")).to_contain_text("Keberatan diputuskan")
    await b.shot(auditor, "auditor-linimasa")
    assert w.events(cycle, EMP1)[-2:] == ["KeberatanFiled", "KeberatanDecided"]

    # A citizen, on a phone, without logging in.
    warga = await b.login("", mobile=True)
    await warga.goto(f"/survei/{AGENCY}/{UNIT}")
    for question in await warga.get_by_role("group").all():  # every element must be answered
        await question.get_by_label("Baik", exact=True).check()
    await warga.get_by_role("group", name=re.compile("Perilaku petugas")).get_by_label("Sangat baik").check()
    await b.shot(warga, "warga-survei")
    await click(warga, "Kirim penilaian")
    await expect(warga.locator("#terima-kasih")).to_contain_text("Terima kasih")
    await b.shot(warga, "warga-terima-kasih")


class serve:
    """Uvicorn on a free port, as a task on this loop (the lifespan already ran in `world`)."""

    def __init__(self, w: World) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(w.app, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning")
        self.server = uvicorn.Server(config)

    async def __aenter__(self) -> str:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        await self.task
