"""#15's pages in headless Chromium, in Bahasa Indonesia, on a real Temporal server and worker.

A late leader: Budi writes his SKP with his RHK utama "menunggu RHK atasan" and submits it; the leader's inbox
says "1 bawahan menunggu RHK Anda", his task page offers no approval yet, HR's dashboard shows the blocked chain;
once the leader's RHK exist, Budi links his RHK on his page and the leader links Citra's during the review and
approves. A wrong supervisor: Budi flags it (a script in the reason is only text), Pak Penilai flags Citra as
not his; HR answers one with a reason and corrects the other with the mutasi page, effective from a date; each
page shows the resolution. Screenshots go to test-artifacts/screenshots/cascade-*.png.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from domain.cascade import PROVISIONAL
from services.users import UserDirectory
from tests.page_language import assert_indonesian
from tests.test_api_cascade_flows import LEADER_RHK, TEAM
from tests.test_api_org import AGENCY, org_csv, upload
from tests.test_api_support import ATASAN, EMP1, EMP2, HR_NIP, RHK, SUPERVISOR, USERS, appraisal_id
from tests.test_api_world import World, eventually, world
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, Browser, env, expect, playwright_api, serve

__all__ = ["env"]  # the module's Temporal server fixture


async def shot(page: Any, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(SHOTS / f"cascade-{name}.png"), full_page=True)


async def in_chromium(
    env: WorkflowEnvironment, tmp_path: Path, flow: Callable[[Browser, World], Awaitable[None]], org_users: bool = False
) -> None:
    """Run one flow's pages in headless Chromium against a served world (`org_users`: the org data signs in)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with world(env, tmp_path) as w, playwright_api.async_playwright() as pw:
        if org_users:
            w.app.state.users = UserDirectory.from_mapping(USERS, employees=w.app.state.readside.employee)
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            async with serve(w) as base:
                await flow(Browser(chromium, base), w)
        finally:
            await chromium.close()


async def test_a_late_leader_in_the_browser(env: WorkflowEnvironment, tmp_path: Path) -> None:
    await in_chromium(env, tmp_path, _late_leader)


async def _late_leader(b: Browser, w: World) -> None:
    cycle = await w.launch(HR_NIP, TEAM)
    a1, a2, lead = (appraisal_id(cycle, n) for n in (EMP1, EMP2, SUPERVISOR))

    # Budi writes his SKP on the page: the superior has no RHK, so "Menunggu RHK atasan" is offered and chosen.
    budi = await b.login(EMP1)
    await budi.goto(f"/saya/{a1}")
    await expect(budi.locator("#rhk-0-supports")).to_have_value(PROVISIONAL)
    await budi.locator("#rhk-0-text").fill(RHK[0]["text"])
    await budi.locator("#rhk-0-iki-0-text").fill("KTP diterbitkan")
    await budi.locator("#rhk-0-iki-0-target").fill("1200")
    await budi.get_by_role("button", name="Simpan draf SKP").click()
    await expect(budi.locator(".note")).to_contain_text("Draf SKP tersimpan")
    await expect(budi.locator("#rhk-0-supports")).to_have_value(PROVISIONAL)
    await budi.get_by_role("button", name="Simpan dan ajukan SKP ke pejabat penilai").click()
    await expect(budi.locator(".note")).to_contain_text("SKP diajukan")
    await expect(budi.locator("#tautkan-rhk")).to_contain_text("menunggu RHK atasan")
    await shot(budi, "pegawai-menunggu")
    await w.call("PUT", f"/employees/appraisals/{a2}/skp", EMP2, {"rhk": [{**RHK[0], "supports": PROVISIONAL}]})
    await w.call("POST", f"/employees/appraisals/{a2}/skp/submit", EMP2)

    # The leader's inbox names the waiting subordinates; the task page offers no approval yet.
    leader = await b.login(SUPERVISOR)
    await leader.goto("/tugas")
    await expect(leader.locator("#bawahan-menunggu h2")).to_have_text("2 bawahan menunggu RHK Anda")
    await expect(leader.locator("#bawahan-menunggu")).to_contain_text("Budi")
    await expect(leader.locator("#tenggat-rhk-atasan")).to_contain_text("Tenggat RHK Anda: 24 Januari")
    await shot(leader, "atasan-kotak-tugas")
    await leader.goto(f"/tugas/{a2}")
    await expect(leader.get_by_role("button", name="Setujui SKP")).to_have_count(0)
    await expect(leader.locator("main")).to_contain_text("SKP dapat disetujui setelah setiap RHK utama ditautkan")

    # HR sees the blocked chain per unit and whom it waits on.
    hr = await b.login(HR_NIP)
    await hr.goto(f"/hr/siklus/{cycle}")
    chain = hr.locator("#rantai-tertahan")
    await expect(chain).to_contain_text("Pak Penilai")
    await expect(chain).to_contain_text("belum menyusun RHK")
    await expect(chain).to_contain_text("2 bawahan")
    await shot(hr, "hr-rantai-tertahan")

    # The leader's RHK arrive; the chain now waits only for its links.
    await w.call("PUT", f"/employees/appraisals/{lead}/skp", SUPERVISOR, {"rhk": LEADER_RHK})
    await w.call("POST", f"/employees/appraisals/{lead}/skp/submit", SUPERVISOR)
    await hr.reload()
    await expect(hr.locator("#rantai-tertahan")).to_contain_text("RHK tersedia, menunggu tautan")
    await leader.goto("/tugas")
    await expect(leader.locator("#bawahan-menunggu")).to_have_count(0)

    # Budi links his RHK; the leader links Citra's during the review, then approves both.
    await budi.goto(f"/saya/{a1}")
    await budi.get_by_label(re.compile(f"{RHK[0]['text']} mendukung RHK atasan$")).select_option("K1")
    await shot(budi, "pegawai-tautkan")
    await budi.locator("#tautkan-rhk").get_by_role("button", name=re.compile("^Tautkan ")).click()
    await expect(budi.locator(".note")).to_contain_text("RHK ditautkan ke RHK atasan")
    await expect(budi.locator("#tautkan-rhk")).to_have_count(0)
    await leader.goto(f"/tugas/{a2}")
    await leader.get_by_role("button", name="Tautkan R1").click()
    await expect(leader.locator(".note")).to_contain_text("RHK ditautkan ke RHK atasan")
    await shot(leader, "atasan-tautkan")
    await leader.get_by_role("button", name="Setujui SKP").click()
    await expect(leader.locator(".note")).to_contain_text("SKP disetujui")
    await leader.goto(f"/tugas/{a1}")
    await leader.get_by_role("button", name="Setujui SKP").click()
    await expect(leader.locator(".note")).to_contain_text("SKP disetujui")
    await hr.reload()
    await expect(hr.locator("#rantai-tertahan")).to_have_count(0)
    assert w.events(cycle, EMP2)[-2:] == ["RhkLinked", "SkpApproved"]


async def test_a_wrong_supervisor_in_the_browser(env: WorkflowEnvironment, tmp_path: Path) -> None:
    await in_chromium(env, tmp_path, _wrong_supervisor, org_users=True)


async def _wrong_supervisor(b: Browser, w: World) -> None:
    await upload(w, org_csv())
    body = {
        "agency_id": AGENCY,
        "agency_name": "Dinas Uji",
        "time_zone": "WIB",
        "year": await w.year(),
        "unit_ids": ["U1"],
    }
    cycle = (await w.call("POST", "/hr/cycles", HR_NIP, body, expect=201))["id"]
    await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, expect=202)
    w.cycles.append((cycle, [EMP1, EMP2, SUPERVISOR]))
    await eventually(lambda: w.opened(cycle, [EMP1, EMP2, SUPERVISOR]))
    a1, a2 = appraisal_id(cycle, EMP1), appraisal_id(cycle, EMP2)

    # Budi flags his pejabat penilai; a script in the reason stays text.
    budi = await b.login(EMP1)
    await budi.goto(f"/saya/{a1}")
    await budi.get_by_label("Alasan", exact=True).fill("Atasan saya Bu Atasan <script>window.pwned=1</script>")
    await shot(budi, "pegawai-lapor")
    await budi.get_by_role("button", name="Laporkan pejabat penilai yang salah").click()
    await expect(budi.locator(".note")).to_contain_text("Laporan atasan salah dikirim")
    await budi.reload()
    await expect(budi.locator("#atasan-salah")).to_contain_text("<script>window.pwned=1</script>")
    assert await budi.evaluate("window.pwned") is None
    await expect(budi.get_by_role("button", name="Laporkan pejabat penilai yang salah")).to_have_count(0)

    # Pak Penilai, named as Citra's appraiser, says she is not his.
    leader = await b.login(SUPERVISOR)
    await leader.goto(f"/tugas/{a2}")
    await leader.get_by_label("Yang salah").select_option("atasan")  # the atasan named for Citra is wrong too
    await leader.get_by_label("Alasan", exact=True).fill("Citra bukan bawahan langsung saya")
    await leader.get_by_role("button", name="Laporkan pejabat penilai yang salah").click()
    await expect(leader.locator(".note")).to_contain_text("Laporan atasan salah dikirim")
    await expect(leader.locator("#atasan-salah")).to_contain_text(f"atasan pejabat penilai, NIP {ATASAN}")

    # HR answers both: Citra's is dismissed with a reason, Budi's corrected with a mutasi from a date.
    hr = await b.login(HR_NIP)
    await hr.goto(f"/hr/siklus/{cycle}")
    await expect(hr.locator("#atasan-salah h2")).to_have_text("Laporan atasan salah (2)")
    await shot(hr, "hr-laporan")
    await hr.locator(f"#laporan-{a2} input[name=reason]").fill("SK penempatan menyebut Pak Penilai")
    await hr.locator(f"#laporan-{a2}").get_by_role("button", name="Tolak laporan").click()
    await expect(hr.locator(".note")).to_contain_text("Laporan atasan salah dijawab")
    await (
        hr.locator(f"#laporan-{a1}")
        .get_by_role("link", name="Koreksi dengan mutasi atasan (berlaku sejak tanggal)")
        .click()
    )
    await expect(hr.locator("#nip")).to_have_value(EMP1)
    await hr.locator("#supervisor_nip").select_option(ATASAN)
    await hr.get_by_label("Alasan (misalnya nomor SK mutasi)").fill("Koreksi atas laporan atasan salah")
    await shot(hr, "hr-mutasi-koreksi")
    await hr.get_by_role("button", name="Catat mutasi").click()
    await expect(hr.locator("main")).to_contain_text("kini dinilai oleh")
    await hr.goto(f"/hr/siklus/{cycle}")
    await expect(hr.locator("#atasan-salah")).to_have_count(0)
    await budi.reload()
    await expect(budi.locator("#atasan-salah")).to_contain_text(f"dikoreksi; pejabat penilai kini NIP {ATASAN}")
    await shot(budi, "pegawai-dikoreksi")
    await leader.goto(f"/tugas/{a2}")
    await expect(leader.locator("#atasan-salah")).to_contain_text("ditolak: SK penempatan menyebut Pak Penilai")
    assert w.events(cycle, EMP2)[-2:] == ["SupervisorFlagged", "SupervisorFlagResolved"]
    assert w.events(cycle, EMP1)[-2:] == ["SupervisorReassigned", "SupervisorFlagResolved"]


async def test_hr_chooses_the_superiors_deadline_when_starting_in_the_browser(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    await in_chromium(env, tmp_path, _start_with_cascade_days)


async def _start_with_cascade_days(b: Browser, w: World) -> None:
    body = {
        "agency_id": f"AG-{uuid.uuid4().hex[:8]}",
        "agency_name": "Dinas Uji",
        "time_zone": "WIB",
        "year": await w.year(),
        "participants": TEAM,
    }
    cycle = (await w.call("POST", "/hr/cycles", HR_NIP, body, expect=201))["id"]
    hr = await b.login(HR_NIP)
    await hr.goto(f"/hr/siklus/{cycle}")
    start = hr.locator("#mulai")
    await expect(start).to_contain_text("Tenggat RHK atasan")
    await expect(start).to_contain_text("(7 hari, dan 5 hari per tingkat)")  # the rule set's, shown
    # A figure outside the rule is refused beside the form, naming the field; nothing starts.
    await hr.get_by_label("Hari sebelum batas penyusunan SKP").evaluate("e => e.removeAttribute('max')")
    await hr.get_by_label("Hari sebelum batas penyusunan SKP").fill("90")
    await hr.get_by_role("button", name="Mulai siklus").click()
    refused = hr.locator("#galat")
    await expect(refused).to_contain_text("Tindakan ditolak")
    await expect(refused).to_contain_text("cascade_days_before harus bilangan bulat hari dari 0 sampai 60 (bukan 90)")
    await shot(hr, "hr-mulai-ditolak")
    assert (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["status"] == "defined"
    await hr.get_by_label("Hari sebelum batas penyusunan SKP").fill("10")
    await hr.get_by_label("Hari lebih awal untuk setiap tingkat bawahan berikutnya").fill("3")
    await shot(hr, "hr-mulai-kaskade")
    await hr.get_by_role("button", name="Mulai siklus").click()
    await expect(hr.locator("#pembukaan")).to_be_visible()
    w.cycles.append((cycle, [p["nip"] for p in TEAM]))
    await eventually(lambda: w.opened(cycle, [p["nip"] for p in TEAM]))
    assert (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["cascade_days"] == {"before": 10, "per_level": 3}
    await hr.goto(f"/hr/siklus/{cycle}")
    await expect(hr.locator("#tenggat-kaskade")).to_contain_text("10 hari sebelum batas penyusunan SKP, 3 hari")
