"""HR's whole job in the browser (#13), in headless Chromium on a real Temporal server and worker.

The org import refuses hostile files with a per-line report and imports nothing; the valid file
is imported and shown again after a reload; a cycle is created from the org data and started
(a double submit starts one cycle) and its opening is followed on a page that reloads itself;
after the API restarts the pages still show the truth; a person left out is added; a change of
supervisor is recorded with its effective date and reaches the running appraisal, once. Everyone
else is refused every HR page, and the head of the agency reads the cycle's overview only. Each deadline is
extended on the dashboard, which HR and the auditor then open again, before and after the restart; the cycle
is closed (refused until each open appraisal is named with its reason) and reopened on its page.
Screenshots go to test-artifacts/screenshots/hr-*.png.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.application import Appraisals
from domain.audit import Audit
from domain.org_csv import OPTIONAL
from settings import event_store_env
from tests.page_language import assert_indonesian
from tests.test_api_support import ATASAN, AUDITOR, EMP1, EMP2, HR_NIP, OUTSIDER, SUPERVISOR, UNIT, build_app
from tests.test_api_world import World, eventually, world
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, Browser, env, expect, pick_file, playwright_api, serve

__all__ = ["env"]  # the module's Temporal server fixture, shared with the whole-cycle browser test

AGENCY = "AG-HR"
OUTSIDE_ATASAN = "196501011990031001"  # the Kepala Dinas's own superior, outside the agency's org data
HEADER = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head\n"
PEOPLE = (
    ("PIMPINAN", "Pimpinan", OUTSIDER, "Dedi Kepala", "", "ya"),
    (UNIT, "Bidang Pelayanan", ATASAN, "Bu Atasan", OUTSIDER, "ya"),
    (UNIT, "Bidang Pelayanan", SUPERVISOR, "Pak Penilai", ATASAN, ""),
    (UNIT, "Bidang Pelayanan", EMP2, "Citra <script>window.pwned=1</script>", ATASAN, ""),
    (UNIT, "Bidang Pelayanan", EMP1, "Budi", SUPERVISOR, ""),
)


def org_csv(rows: tuple[tuple[str, ...], ...] = PEOPLE, separator: str = ",") -> bytes:
    lines = [HEADER.strip().replace(",", separator)]
    lines += [separator.join((AGENCY, "Dinas Kependudukan", "WIB", *row)) for row in rows]
    return ("\n".join(lines) + "\n").encode()


async def shot(page: Any, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(SHOTS / f"hr-{name}.png"), full_page=True)


async def upload(page: Any, content: bytes) -> Any:
    await page.goto("/hr/impor")
    await page.get_by_label("Berkas CSV data organisasi").set_input_files(
        {"name": "organisasi.csv", "mimeType": "text/csv", "buffer": content}
    )
    async with page.expect_navigation() as sent:
        await page.get_by_role("button", name="Periksa dan impor").click()
    return await sent.value


async def form_fields(page: Any, form: str) -> dict[str, str]:
    """The hidden fields (idempotency key, CSRF token) and inputs of a form, to send it again as a browser would."""
    fields = page.locator(f"{form} input")
    names = [await f.get_attribute("name") for f in await fields.all()]
    return {n: await page.locator(f"{form} [name='{n}']").input_value() for n in names if n}


def events_of(store: Appraisals, record: Any) -> list[str]:
    return [e["type"] for e in Audit(store).history(UUID(str(record)))]


@pytest.mark.timeout(900)  # the longest walk of the browser tests: two API processes, a restart, a closing
async def test_hr_does_the_whole_job_in_the_browser(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w, playwright_api.async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            async with serve(w) as base:
                cycle = await _import_create_start(Browser(chromium, base), w)
            async with restarted(w) as base:  # a new API process on the same store and Temporal
                await _after_restart(Browser(chromium, base), w, cycle)
        finally:
            await chromium.close()


async def _import_create_start(b: Browser, w: World) -> str:
    hr = await b.login(HR_NIP)
    await hr.goto("/hr/impor")
    await expect(hr.get_by_role("heading", name="Impor data organisasi")).to_be_visible()
    await expect(hr.locator("main")).to_contain_text(", ".join(OPTIONAL))  # the columns the domain reads
    await pick_file(hr, "Berkas CSV data organisasi", {"name": "organisasi.csv", "mimeType": "text/csv", "buffer": b""})
    await shot(hr, "impor")

    # Hostile files: each is refused line by line, in Bahasa Indonesia, and nothing is imported.
    duplicate = (*PEOPLE, (UNIT, "Bidang Pelayanan", EMP1, "Budi Lagi", SUPERVISOR, ""))
    with_nul = tuple((*row[:3], "Bu\x00di", *row[4:]) if row[2] == EMP1 else row for row in PEOPLE)
    huge = org_csv() + b"#" * (10 * 1024 * 1024)
    hostile = (
        (org_csv(duplicate), "7", "nip", "NIP ganda: " + EMP1 + " sudah ada di baris 6"),
        (org_csv(with_nul), "6", "name", "tidak boleh memuat karakter kendali (ditemukan: NUL)"),
        (org_csv(separator="\t"), "1", "header", "kolom tidak terbaca"),
        (huge, "seluruh berkas", "file", "berkas terlalu besar"),
    )
    for content, line, column, reason in hostile:
        response = await upload(hr, content)
        assert response.status == 422
        row = hr.locator("#laporan tbody tr").first
        await expect(row.locator("td").nth(0)).to_have_text(line)
        await expect(row.locator("td").nth(1)).to_have_text(column)
        await expect(row.locator("td").nth(2)).to_contain_text(reason)
        await expect(hr.locator("#laporan")).to_contain_text("tidak ada yang diimpor")
        await expect(hr.locator("#data-organisasi")).to_contain_text("Belum ada data organisasi")
        assert w.store.find_agency(AGENCY) is None
    await upload(hr, org_csv(duplicate))
    await shot(hr, "impor-ditolak")
    file = {"name": "organisasi.csv", "mimeType": "text/csv", "buffer": org_csv()}
    forged = await hr.request.post("/hr/impor", multipart={"file": file, "csrftoken": "palsu"})
    assert forged.status == 403 and forged.headers["x-kinerja-refusal"] == "csrf"  # the route checks the token
    assert w.store.find_agency(AGENCY) is None

    # The valid file (a script in a name is only text); a reload shows what was recorded.
    response = await upload(hr, org_csv())
    assert response.status == 200
    await expect(hr.locator("#hasil-impor")).to_contain_text("Impor berhasil")
    await hr.reload()
    await expect(hr.locator("#data-organisasi")).to_contain_text("Citra <script>window.pwned=1</script>")
    await expect(hr.locator("#data-organisasi")).to_contain_text("5 pegawai")
    assert await hr.evaluate("window.pwned") is None
    await shot(hr, "impor-berhasil")

    # A new cycle from the org data; the people without a whole reporting line are left out.
    await hr.get_by_role("link", name="Buat siklus untuk Dinas Kependudukan").click()
    await hr.get_by_label("Tahun penilaian").fill(str(await w.year()))
    await shot(hr, "siklus-baru")
    await hr.get_by_role("button", name="Buat siklus").click()
    await expect(hr.locator(".note")).to_contain_text("Siklus dibuat")
    cycle = hr.url.split("/hr/siklus/")[1].split("?")[0]
    await expect(hr.locator("main")).to_contain_text("3 pegawai")

    # The same agency and year again: refused in Bahasa Indonesia, nothing defined twice.
    await hr.goto(f"/hr/siklus-baru?instansi={AGENCY}")
    await hr.get_by_label("Tahun penilaian").fill(str(await w.year()))
    await hr.get_by_role("button", name="Buat siklus").click()
    await expect(hr.locator("#galat")).to_contain_text(
        f"instansi Dinas Kependudukan sudah memiliki siklus tahun {await w.year()}"  # its name, not its code
    )
    await hr.goto(f"/hr/siklus/{cycle}")

    # Before the start nobody can be added: the cycle's workflow does not run yet.
    await hr.goto(f"/hr/siklus/{cycle}/peserta")
    await hr.get_by_label("NIP atasan pejabat penilai Bu Atasan").fill(OUTSIDE_ATASAN)
    await hr.get_by_role("button", name="Tambahkan Bu Atasan ke siklus").click()
    await expect(hr.locator("#galat")).to_contain_text("siklus belum dimulai")
    await hr.goto(f"/hr/siklus/{cycle}")

    # Start, sent twice with the same form (a double click): one start, one opening.
    fields = await form_fields(hr, "#mulai form")
    sent = await asyncio.gather(
        *(hr.request.post(f"/hr/siklus/{cycle}/mulai", form=fields, max_redirects=0) for _ in range(2))
    )
    assert [r.status for r in sent] == [303, 303]
    await hr.goto(f"/hr/siklus/{cycle}/pembukaan")
    await expect(hr.locator("#status-pembukaan")).to_contain_text("Selesai: 3 dari 3", timeout=40_000)  # reloads itself
    await expect(hr.locator("#berjalan")).to_have_text("3")  # the cycle workflow's own count of running workflows
    assert events_of(w.store, cycle).count("Started") == 1
    await shot(hr, "pembukaan")
    await _extend_each_deadline(b, hr, w, cycle)
    return cycle


async def extensions(w: World) -> dict[str, tuple[str, str, str]]:
    """Each deadline of the cycle (domain/cycle_calendar.DEADLINES), extended: (until, as shown, reason)."""
    year = await w.year()
    return {
        "Penyusunan SKP": (f"{year}-03-15", f"15 Maret {year}", "Server BKN terganggu"),
        "Penilaian tahunan": (f"{year + 1}-02-16", f"16 Februari {year + 1}", "Penilai cuti <b>panjang</b>"),
        "Tindak lanjut": (f"{year + 1}-04-17", f"17 April {year + 1}", "Menunggu SK Sekda"),
    }


async def _extend_each_deadline(b: Browser, hr: Any, w: World, cycle: str) -> None:
    """#13's blocker: after an extension the dashboard answered 422 ('instants must carry a time zone') on every
    later visit, for HR and the auditor. Each deadline is extended on the page, then the page is opened again."""
    await hr.goto(f"/hr/siklus/{cycle}")
    form = hr.locator("#batas-waktu form")
    await form.get_by_label("Batas waktu", exact=True).select_option(label="Penyusunan SKP")
    await form.get_by_label("Diperpanjang sampai").fill(f"{await w.year()}-01-10")  # earlier: refused
    await form.get_by_label("Alasan").fill("Server BKN terganggu")
    await form.get_by_role("button", name="Perpanjang batas waktu").click()
    await expect(hr.locator("#galat")).to_contain_text("Batas waktu baru")
    assert_indonesian(await hr.content(), "perpanjangan-ditolak")
    for name, (until, _, reason) in (await extensions(w)).items():
        form = hr.locator("#batas-waktu form")
        await form.get_by_label("Batas waktu", exact=True).select_option(label=name)
        await form.get_by_label("Diperpanjang sampai").fill(until)
        await form.get_by_label("Alasan").fill(reason)
        await form.get_by_role("button", name="Perpanjang batas waktu").click()
        await expect(hr.locator(".note")).to_contain_text("Batas waktu diperpanjang")
    assert events_of(w.store, cycle).count("DeadlineExtended") == 3
    await _dashboard_shows_the_extensions(b, w, cycle, "perpanjangan")


async def _dashboard_shows_the_extensions(b: Browser, w: World, cycle: str, name: str) -> None:
    """HR and the auditor open the dashboard (twice: it must not break for good) and read each new date."""
    for nip, who in ((HR_NIP, "hr"), (AUDITOR, "auditor")):
        page = await b.login(nip)
        for _ in range(2):
            response = await page.goto(f"/hr/siklus/{cycle}")
            assert response.status == 200, (who, response.status)
            for _, shown, reason in (await extensions(w)).values():
                await expect(page.locator("#batas-waktu")).to_contain_text(shown)
                await expect(page.locator("#batas-waktu")).to_contain_text(reason)  # a tag in it is only text
        await shot(page, f"{name}-{who}")
        await page.context.close()


class restarted:
    """The API built again on the same database and Temporal (as after a restart), served on a new port."""

    def __init__(self, w: World) -> None:
        settings = w.app.state.settings
        self.store = Appraisals(env=event_store_env(settings.database_url))
        self.app = build_app(
            settings, self.store, temporal_client=w.env.client, project_every_seconds=0.2, clock=w.clock
        )
        self.server = serve(SimpleNamespace(app=self.app))  # type: ignore[arg-type]

    async def __aenter__(self) -> str:
        self.lifespan = self.app.router.lifespan_context(self.app)
        await self.lifespan.__aenter__()
        return await self.server.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self.server.__aexit__(*exc)
        await self.lifespan.__aexit__(*exc)
        self.store.close()


async def _after_restart(b: Browser, w: World, cycle: str) -> None:
    await _dashboard_shows_the_extensions(b, w, cycle, "perpanjangan-setelah-restart")
    await _receipt_check_page(b)
    await _home_pages(b, cycle)
    hr = await b.login(HR_NIP)
    await hr.goto(f"/hr/siklus/{cycle}/pembukaan")
    await expect(hr.locator("#status-pembukaan")).to_contain_text("Selesai: 3 dari 3")
    await hr.goto("/hr/impor")
    await expect(hr.locator("#data-organisasi")).to_contain_text("5 pegawai")

    # People left out: the unit head (no atasan inside the agency) is added by hand.
    await hr.goto(f"/hr/siklus/{cycle}/peserta")
    await expect(hr.locator("#belum-ikut")).to_contain_text("Bu Atasan")
    await expect(hr.locator("#belum-ikut")).to_contain_text("Dedi Kepala")
    await shot(hr, "peserta")
    await hr.get_by_label("NIP pejabat penilai Bu Atasan").fill(ATASAN)  # herself: the domain refuses
    await hr.get_by_label("NIP atasan pejabat penilai Bu Atasan").fill(OUTSIDE_ATASAN)
    await hr.get_by_role("button", name="Tambahkan Bu Atasan ke siklus").click()
    await expect(hr.locator("#galat")).to_contain_text("tidak dapat menjadi pejabat penilai dirinya sendiri")
    await hr.get_by_label("NIP pejabat penilai Bu Atasan").fill(OUTSIDER)
    await hr.get_by_label("NIP atasan pejabat penilai Bu Atasan").fill(OUTSIDE_ATASAN)
    await hr.get_by_role("button", name="Tambahkan Bu Atasan ke siklus").click()
    await expect(hr.locator(".note")).to_contain_text("Peserta ditambahkan")
    await expect(hr.locator("#belum-ikut")).not_to_contain_text("Bu Atasan")
    assert (await eventually(lambda: _events(w, cycle, ATASAN)))[0] == "Opened"

    # A change of supervisor with its effective date: Budi's running appraisal moves to Citra, once.
    await hr.goto(f"/hr/siklus/{cycle}/mutasi")
    await hr.get_by_label("Pegawai", exact=True).select_option(EMP1)
    await hr.get_by_label("Atasan langsung baru").select_option(EMP1)  # himself: refused, in Bahasa Indonesia
    await hr.get_by_label("Alasan (misalnya nomor SK mutasi)").fill("SK Kepala Dinas 800/12/2027")
    await hr.get_by_role("button", name="Catat mutasi").click()
    await expect(hr.locator("#galat")).to_contain_text("garis atasan berputar")
    await hr.get_by_label("Atasan langsung baru").select_option(EMP2)
    await hr.get_by_label("Tanggal berlaku").fill(f"{await w.year()}-07-01")
    fields = await form_fields(hr, "main form.card")
    fields.update({"nip": EMP1, "supervisor_nip": EMP2})
    for _ in range(2):  # sent again (a retried form): nothing more happens
        again = await hr.request.post(f"/hr/siklus/{cycle}/mutasi", form=fields)
        assert again.status == 200
    await hr.goto(f"/hr/siklus/{cycle}/mutasi")
    await expect(hr.locator("#riwayat-mutasi")).to_contain_text(f"1 Juli {await w.year()}")
    await expect(hr.locator("#riwayat-mutasi")).to_contain_text("SK Kepala Dinas 800/12/2027")
    await shot(hr, "mutasi")
    budi = await eventually(lambda: _events(w, cycle, EMP1), lambda e: "SupervisorReassigned" in e)
    assert budi.count("SupervisorReassigned") == 1
    assert events_of(w.store, w.store.agency(AGENCY).id).count("SupervisorChanged") == 1

    # Everyone else is refused every HR page, in Bahasa Indonesia.
    pages = ["/hr/impor", "/hr/siklus-baru", *(f"/hr/siklus/{cycle}/{p}" for p in ("pembukaan", "peserta", "mutasi"))]
    for nip in (EMP1, SUPERVISOR, AUDITOR, OUTSIDER):
        other = await b.login(nip)
        for path in pages:
            response = await other.goto(path)
            assert response.status == 403, (nip, path)
            await expect(other.locator("main")).to_contain_text("Hanya pengelola kinerja (BKPSDM)")
            assert_indonesian(await other.content(), path)
        # Sending HR's forms anyway (with their own valid CSRF token) is refused the same way, and the refusal
        # shows none of the org data those pages list (agencies, names, reporting lines).
        token = await form_fields(other, "form.whoami")
        for path, form, listing in (
            ("/hr/siklus-baru", {"agency_id": AGENCY, "year": "2030", "period": "quarterly"}, "agency_id"),
            (
                f"/hr/siklus/{cycle}/peserta",
                {"nip": OUTSIDER, f"appraiser-{OUTSIDER}": ATASAN, f"atasan-{OUTSIDER}": EMP2},
                "belum-ikut",
            ),
            (
                f"/hr/siklus/{cycle}/mutasi",
                {"nip": EMP1, "supervisor_nip": EMP2, "reason": "x", "effective_date": "2027-07-01"},
                "riwayat-mutasi",
            ),
        ):
            sent = await other.request.post(path, form={**token, "kunci": "k", **form})
            body = await sent.text()
            assert sent.status == 403 and "Hanya pengelola kinerja (BKPSDM)" in body, (nip, path, sent.status)
            assert f'id="{listing}"' not in body and "Citra" not in body, (nip, path)
        await other.context.close()

    # The Kepala Dinas reads the agency's overview, and is offered none of HR's work.
    kepala = await b.login(OUTSIDER)
    await kepala.goto("/hr")
    await expect(kepala.locator("main")).to_contain_text("hanya dapat dibaca")
    await expect(kepala.get_by_role("link", name=re.compile("Impor data organisasi"))).to_have_count(0)
    await expect(kepala.get_by_role("button", name="Mulai siklus")).to_have_count(0)
    await shot(kepala, "kepala-dinas-ringkasan")
    await _close_and_reopen(b, w, cycle)


async def _home_pages(b: Browser, cycle: str) -> None:
    """The pages no walk above stops on, each shot and checked for English: HR's home, an employee's list of
    appraisals, the auditor's home, cycle and proof pages, and an unknown address."""
    for nip, path, name, heading in (
        (HR_NIP, "/hr", "beranda", "main h1"),
        (EMP1, "/saya", "pegawai-penilaian-saya", "main h1"),
        (AUDITOR, "/audit", "auditor-beranda", "main h1"),
        (AUDITOR, f"/audit/siklus/{cycle}", "auditor-siklus", "main h1"),
        (AUDITOR, "/audit/bukti", "auditor-bukti-log", "main h1"),
        (EMP1, "/tidak-ada", "halaman-tidak-ditemukan", "main"),
    ):
        page = await b.login(nip)
        response = await page.goto(path)
        assert response.status == (404 if name == "halaman-tidak-ditemukan" else 200), (path, response.status)
        await expect(page.locator(heading).first).to_be_visible()
        await shot(page, name)
        await page.context.close()


async def _receipt_check_page(b: Browser) -> None:
    """Anyone checks a receipt, without signing in: a file that is not one is refused in Bahasa Indonesia."""
    anyone = await b.login("")
    await anyone.goto("/verifikasi")
    await shot(anyone, "verifikasi-tanda-terima")
    await pick_file(
        anyone, "Berkas tanda terima (JSON)", {"name": "bukan.json", "mimeType": "application/json", "buffer": b"<x>"}
    )
    await anyone.get_by_role("button", name="Periksa").click()
    await expect(anyone.locator("main")).to_contain_text("bukan tanda terima Kinerja")
    await shot(anyone, "verifikasi-tanda-terima-ditolak")
    await anyone.context.close()


async def _close_and_reopen(b: Browser, w: World, cycle: str) -> None:
    """HR closes the cycle on its page (each appraisal still open named with its reason), then reopens it."""
    hr = await b.login(HR_NIP)
    await hr.goto(f"/hr/siklus/{cycle}")
    closing = hr.locator("#penutupan")
    await closing.get_by_role("button", name="Tutup siklus").click()  # no reasons: refused, each open one named
    await expect(hr.locator("#galat")).to_contain_text("penilaian terbuka yang tidak dicantumkan")
    await expect(hr.locator("#galat")).to_contain_text(f"Budi ({EMP1}, Perencanaan SKP)")
    await shot(hr, "tutup-ditolak")
    assert "Closed" not in events_of(w.store, cycle)
    reasons = closing.get_by_label(re.compile(r"^Alasan penilaian .* tetap terbuka$"))
    assert await reasons.count() == 4
    for i in range(await reasons.count()):
        await reasons.nth(i).fill("Pegawai tugas belajar; dinilai pada siklus berikutnya")
    await closing.get_by_role("button", name="Tutup siklus").click()
    await expect(hr.locator(".note")).to_be_visible()
    await expect(hr.locator("#penutupan")).to_contain_text("Siklus ini sudah ditutup")
    await expect(hr.locator("#penutupan")).to_contain_text("Pegawai tugas belajar")
    await shot(hr, "siklus-ditutup")
    await hr.reload()
    await expect(hr.locator("#penutupan")).to_contain_text("Siklus ini sudah ditutup")  # it stays so

    await hr.locator("#penutupan").get_by_role("button", name="Buka kembali siklus").click()  # no reason: refused
    await expect(hr.locator("#penutupan")).to_contain_text("Siklus ini sudah ditutup")
    await hr.get_by_label("Alasan membuka kembali siklus").fill("Koreksi nilai setelah putusan keberatan")
    await hr.locator("#penutupan").get_by_role("button", name="Buka kembali siklus").click()
    await expect(hr.locator(".note")).to_be_visible()
    await expect(hr.locator("#penutupan")).to_contain_text("Siklus dapat ditutup bila")
    await expect(hr.locator("main")).to_contain_text("Berjalan")
    await shot(hr, "siklus-dibuka-kembali")
    assert [e for e in events_of(w.store, cycle) if e in ("Closed", "Reopened")] == ["Closed", "Reopened"]
    # After-effect: the cycle's workflow serves HR again (a deadline moves once more).
    form = hr.locator("#batas-waktu form")
    await form.get_by_label("Batas waktu", exact=True).select_option(label="Tindak lanjut")
    await form.get_by_label("Diperpanjang sampai").fill(f"{await w.year() + 1}-05-20")
    await form.get_by_label("Alasan").fill("Setelah dibuka kembali")
    await form.get_by_role("button", name="Perpanjang batas waktu").click()
    await expect(hr.locator(".note")).to_contain_text("Batas waktu diperpanjang")


async def _events(w: World, cycle: str, nip: str) -> list[str]:
    try:
        return w.events(cycle, nip)
    except Exception:  # noqa: BLE001 - not opened yet
        return []
