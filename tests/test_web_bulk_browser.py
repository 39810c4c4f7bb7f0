"""Supervisors' bulk work (#13) in headless Chromium on a real Temporal server and worker, by keyboard only.

The pejabat penilai ticks three SKP approvals in the inbox, confirms once, and each goes out as its own
command with its own idempotency key: one SKP returned meanwhile is refused with the reason, the others
are approved; the confirmation sent again approves nothing twice. Results are delivered in bulk the
same way: refused for all before calibration (the domain's reason, in Bahasa Indonesia), delivered
after it. Someone who is not the pejabat penilai gets each item refused.
Screenshots go to test-artifacts/screenshots/penilai-massal-*.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.page_language import assert_indonesian
from tests.test_api_support import AS_EXPECTED, EMP1, EMP2, HR_NIP, OUTSIDER, RHK, SUPERVISOR, UNIT, appraisal_id
from tests.test_api_support import participant as person
from tests.test_api_world import World, world
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, Browser, env, expect, playwright_api, serve

__all__ = ["env"]  # the module's Temporal server fixture, shared with the whole-cycle browser test

PEOPLE = {EMP1: "Budi", EMP2: "Citra", OUTSIDER: "Dedi"}


async def shot(page: Any, name: str) -> None:
    assert_indonesian(await page.content(), name)
    await page.screenshot(path=str(SHOTS / f"penilai-massal-{name}.png"), full_page=True)


async def tab_to(page: Any, name: str, limit: int = 40) -> None:
    """Press Tab until the element named `name` has the focus (it must be reachable by keyboard)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => { const e = document.activeElement; return (e.labels && e.labels.length ? e.labels[0].innerText"
            " : e.innerText || e.value || '').trim(); }"
        )
        if focused == name:
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


async def tick_all_by_keyboard(page: Any, names: list[str], task: str, button: str) -> None:
    for name in names:
        await tab_to(page, f"Pilih: {task} {name}")
        await page.keyboard.press("Space")
    await tab_to(page, button)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Konfirmasi tindakan massal")).to_be_visible()


async def form_fields(page: Any, form: str) -> list[tuple[str, str]]:
    fields = page.locator(f"{form} input")
    return [(await f.get_attribute("name") or "", await f.input_value()) for f in await fields.all()]


def urlencoded(fields: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode  # noqa: PLC0415

    return urlencode(fields)


async def post_again(page: Any, path: str, fields: list[tuple[str, str]]) -> Any:
    """The same form sent once more (a retried or doubled submit), repeated fields kept."""
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return await page.request.post(path, data=urlencoded(fields), headers=headers)


def counts(w: World, cycle: str, event: str) -> dict[str, int]:
    return {name: w.events(cycle, nip).count(event) for nip, name in PEOPLE.items()}


async def test_bulk_approve_and_deliver_by_keyboard(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, [person(nip, name) for nip, name in PEOPLE.items()])
        for nip in PEOPLE:
            a = appraisal_id(cycle, nip)
            await w.call("PUT", f"/employees/appraisals/{a}/skp", nip, {"rhk": RHK})
            await w.call("POST", f"/employees/appraisals/{a}/skp/submit", nip)
        async with serve(w) as base, playwright_api.async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            try:
                await _bulk(Browser(chromium, base), w, cycle)
            finally:
                await chromium.close()


async def _bulk(b: Browser, w: World, cycle: str) -> None:
    penilai = await b.login(SUPERVISOR)
    await expect(penilai.locator(".task")).to_have_count(3)
    await shot(penilai, "pilih")
    await tick_all_by_keyboard(penilai, list(PEOPLE.values()), "Persetujuan SKP", "Lanjutkan ke konfirmasi")
    await expect(penilai.get_by_role("heading", name="Konfirmasi tindakan massal")).to_be_visible()
    await expect(penilai.locator("main")).to_contain_text("Setujui SKP (3)")
    await shot(penilai, "konfirmasi")
    confirmation = await form_fields(penilai, "main form")

    # Meanwhile Citra's SKP goes back to her (another tab): that one item is refused, the others go through.
    citra = appraisal_id(cycle, EMP2)
    await w.call("POST", f"/tasks/appraisals/{citra}/skp/return", SUPERVISOR, {"reasons": "Lengkapi IKI kualitas."})
    await tab_to(penilai, "Konfirmasi: jalankan 3 tindakan")
    await penilai.keyboard.press("Enter")
    await expect(penilai.locator("#ringkasan-massal")).to_contain_text("2 dari 3 tindakan berhasil")
    await expect(penilai.locator("#hasil-massal li").nth(1)).to_contain_text(
        "Citra NIP " + EMP2 + ": ditolak. SKP berstatus Dikembalikan untuk diperbaiki"
    )
    await shot(penilai, "hasil")
    assert counts(w, cycle, "SkpApproved") == {"Budi": 1, "Citra": 0, "Dedi": 1}

    # The confirmation sent again (same bulk key): each item answers as before, nothing is written twice.
    again = await post_again(penilai, "/tugas/massal", confirmation)
    assert again.status == 200 and "2 dari 3 tindakan berhasil" in await again.text()
    assert counts(w, cycle, "SkpApproved") == {"Budi": 1, "Citra": 0, "Dedi": 1}

    # Someone else cannot use the bulk form on these tasks: each item is refused.
    budi_page = await b.login(EMP1)
    token = await budi_page.locator("form.whoami input[name=csrftoken]").input_value()
    fields = [("csrftoken", token), ("kunci", "budi-coba"), ("langkah", "jalankan")]
    fields += [("pilih", f"{appraisal_id(cycle, nip)}:review_skp") for nip in PEOPLE]
    refused = await post_again(budi_page, "/tugas/massal", fields)
    assert refused.status == 200 and "0 dari 3 tindakan berhasil" in await refused.text()
    assert_indonesian(await refused.text(), "massal ditolak")
    tampered = await post_again(budi_page, "/tugas/massal", [*fields[:3], ("pilih", "bukan-id:review_skp")])
    assert tampered.status == 422

    # Results in bulk: Citra catches up; all three are rated; before calibration every item is refused.
    await w.call("PUT", f"/employees/appraisals/{citra}/skp", EMP2, {"rhk": RHK})
    await w.call("POST", f"/employees/appraisals/{citra}/skp/submit", EMP2)
    await w.call("POST", f"/tasks/appraisals/{citra}/skp/approve", SUPERVISOR)
    for nip in PEOPLE:
        a = appraisal_id(cycle, nip)
        await w.call("POST", f"/hr/appraisals/{a}/review/open", HR_NIP)
        body = {"results_rating": "sesuai", "behaviour_ratings": AS_EXPECTED}
        await w.call("POST", f"/tasks/appraisals/{a}/rating", SUPERVISOR, body)
    await penilai.goto("/tugas")
    await tick_all_by_keyboard(penilai, list(PEOPLE.values()), "Penyampaian hasil penilaian", "Lanjutkan ke konfirmasi")
    await tab_to(penilai, "Konfirmasi: jalankan 3 tindakan")
    await penilai.keyboard.press("Enter")
    await expect(penilai.locator("#ringkasan-massal")).to_contain_text("0 dari 3 tindakan berhasil")
    await expect(penilai.locator("#hasil-massal")).to_contain_text("belum dikalibrasi terhadap kurva")
    await w.call("PUT", f"/hr/cycles/{cycle}/units/{UNIT}/org-predikat", HR_NIP, {"predikat": "baik"})
    await w.call("POST", f"/hr/cycles/{cycle}/units/{UNIT}/calibration", HR_NIP, {"justification": "Unit kecil."})
    await penilai.goto("/tugas")
    await tick_all_by_keyboard(penilai, list(PEOPLE.values()), "Penyampaian hasil penilaian", "Lanjutkan ke konfirmasi")
    await tab_to(penilai, "Konfirmasi: jalankan 3 tindakan")
    await penilai.keyboard.press("Enter")
    await expect(penilai.locator("#ringkasan-massal")).to_contain_text("3 dari 3 tindakan berhasil")
    assert counts(w, cycle, "ResultDelivered") == {"Budi": 1, "Citra": 1, "Dedi": 1}
