"""A large unit in the browser (#15): the kepala sekolah's inbox of 41 teachers, grouped by stage, and every SKP
waiting for her picked in one click, in headless Chromium on a real Temporal test server and worker.

She opens her inbox: 41 SKP approvals under one stage heading; "pick all" lists the 41 on the confirmation
page; confirmed, each is approved as its own command, and the inbox then groups the 41 check-ins. Screenshots
go to test-artifacts/screenshots/unit-besar-*.png (this module runs after the whole-cycle browser test).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from services.users import UserDirectory
from tests.page_language import assert_indonesian
from tests.test_api_support import HR_NIP, USERS
from tests.test_api_world import eventually, world
from tests.test_large_unit import KEPSEK, TEACHERS, submit_all, teacher
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, Browser, env, expect, playwright_api, serve

__all__ = ["env"]  # the module's Temporal server fixture, shared with the whole-cycle browser test


async def shot(page: Any, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(SHOTS / f"unit-besar-{name}.png"), full_page=True)


async def test_a_head_of_41_sees_them_grouped_and_approves_them_in_one_pass(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with world(env, tmp_path) as w:
        people = {**USERS, KEPSEK: {"name": "Bu Kepala Sekolah"}, **{n: {"name": f"Guru {n[-3:]}"} for n in TEACHERS}}
        w.app.state.users = UserDirectory.from_mapping(people, employees=w.app.state.readside.employee)
        cycle = await w.launch(HR_NIP, [teacher(nip) for nip in TEACHERS], wait=180)
        await submit_all(w, cycle)
        await eventually(lambda: w.call("GET", "/tasks/me", KEPSEK), lambda t: len(t) == len(TEACHERS), timeout=60)
        async with serve(w) as base, playwright_api.async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            try:
                head = await Browser(chromium, base).login(KEPSEK)
                head.set_default_timeout(180_000)  # 41 Updates in one request: slow on a loaded machine, never hung
                await head.goto("/tugas")
                group = head.locator("#tahap-planning")
                await expect(group.get_by_role("heading")).to_contain_text("(41 tugas)")
                await expect(group.locator("li.task")).to_have_count(41)
                await shot(head, "kotak-tugas")
                await head.get_by_role("button", name="Pilih semua SKP yang menunggu persetujuan (41)").click()
                await expect(head.locator("main input[name='pilih']")).to_have_count(41)
                await shot(head, "konfirmasi")
                await head.get_by_role("button", name="Konfirmasi: jalankan 41 tindakan").click()
                await expect(head.locator("#ringkasan-massal")).to_contain_text("41 dari 41 tindakan berhasil")
                await shot(head, "hasil")
                for nip in TEACHERS:
                    assert w.events(cycle, nip).count("SkpApproved") == 1

                async def check_ins() -> int:
                    await head.goto("/tugas")
                    return await head.locator("#tahap-execution li.task").count()

                await eventually(check_ins, lambda n: n == 41, timeout=60)
                await shot(head, "pelaksanaan")
            finally:
                await chromium.close()
