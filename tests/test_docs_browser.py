"""The API docs page in headless Chromium (Debian's): its Authorize button works (issue 8, finding 9).

A person opens /docs, presses Authorize, pastes a valid bearer token, tries GET /api/v1/auth/me and
sees 200 with her NIP; then replaces it with a forged token (the right claims, signed with another
secret, as finding 1's attacker did) and sees 401. The page runs Swagger UI from this site under
the Content-Security-Policy (no inline script), so this also shows the page works under it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from api.auth import TokenVerifier
from tests.oidc_provider import free_port
from tests.test_api_support import HR_NIP, build_app, settings_for
from tests.test_signin_browser import _serve
from tests.test_web_browser import ARGS, CHROMIUM, SHOTS, _need_chromium

playwright_api = pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
expect = playwright_api.expect
ME = "/api/v1/auth/me"
STATUS_CODE = re.compile(r"^\s*\d{3}")


async def _authorize(page: object, token: str) -> None:
    """Swagger UI's own dialog: Authorize, paste the token, Authorize, Close."""
    await page.locator(".auth-wrapper .authorize").click()
    dialog = page.locator(".dialog-ux .modal-ux")
    await expect(dialog).to_be_visible()
    logout = dialog.locator("button", has_text="Logout")  # Swagger UI's labels: "Remove authorization"
    if await logout.count():
        await logout.click()
    await dialog.locator("input").first.fill(token)
    await dialog.locator("button.authorize", has_text="Authorize").click()  # "Apply credentials"
    await expect(dialog.locator("button", has_text="Logout")).to_be_visible()
    await dialog.locator("button.btn-done", has_text="Close").click()


async def _execute(page: object) -> tuple[str, str]:
    """Execute GET /api/v1/auth/me from its block; (status code, response body) as the page shows them."""
    block = page.locator(".opblock-get", has=page.locator(".opblock-summary-path", has_text=ME)).first
    execute = block.get_by_role("button", name="Execute")
    if not await execute.count():
        await block.locator(".opblock-summary").click()
        await block.get_by_role("button", name="Try it out").click()
    clear = block.get_by_role("button", name="Clear")
    if await clear.count():
        await clear.click()
    await block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    await expect(status).to_have_text(STATUS_CODE, timeout=20_000)
    body = await block.locator(".live-responses-table .response-col_description pre").first.inner_text()
    return (await status.inner_text()).strip(), body


async def test_the_docs_authorize_button_sends_a_valid_token_and_a_forged_one_is_refused(
    tmp_path: Path, screenshots: Path
) -> None:
    _need_chromium()
    settings = settings_for(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server, task = await _serve(build_app(settings), port)
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            issued = await http.post("/api/v1/auth/dev-login", json={"nip": HR_NIP})
            assert issued.status_code == 200, issued.text
            token = issued.json()["access_token"]
        # The attack of finding 1: the right claims, signed with a secret the server does not hold.
        forger = TokenVerifier(settings_for(tmp_path, jwt_secret="a-secret-the-server-never-had-" + "y" * 8))
        forged, _ = forger.issue_dev_token(HR_NIP, ("hr", "auditor"), "Siti HR")

        async with playwright_api.async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            page = await (await chromium.new_context(base_url=base)).new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await page.goto("/docs")
            await expect(page.locator(".auth-wrapper .authorize")).to_be_visible(timeout=20_000)

            await _authorize(page, token)
            status, body = await _execute(page)
            assert status == "200", body
            assert json.loads(body)["nip"] == HR_NIP
            await page.screenshot(path=str(SHOTS / "docs-authorize-200.png"), full_page=True)

            await _authorize(page, forged)
            status, body = await _execute(page)
            assert status == "401", body
            assert json.loads(body)["error"] == "Unauthenticated"
            await page.screenshot(path=str(SHOTS / "docs-forged-401.png"), full_page=True)
            assert not [e for e in errors if "Content Security Policy" in e], errors
            await chromium.close()
    finally:
        server.should_exit = True
        await task
