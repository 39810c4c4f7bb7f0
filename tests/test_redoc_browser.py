"""ReDoc (/redoc) offline, in headless Chromium (Debian's), under the site's Content-Security-Policy (#13).

Every request that leaves 127.0.0.1 is aborted (and counted), so a page that loads anything from a CDN
stays blank here as it would on a disconnected network. ReDoc must render the API's operations from
/openapi.json with its own script served by this app, with no CSP error in the console: its search
worker starts from a `blob:` URL, which /redoc alone may do. Every other answer keeps the strict CSP.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx

from services.edge import CSP, REDOC_CSP
from tests.oidc_provider import free_port
from tests.test_api_support import build_app, settings_for
from tests.test_docs_browser import expect, playwright_api
from tests.test_signin_browser import _serve
from tests.test_web_browser import ARGS, CHROMIUM, _need_chromium

# Operations ReDoc must show, by the summary FastAPI gives them (the route's docstring or its name).
PATHS = ("/api/v1/auth/me", "/api/v1/hr/cycles")


async def test_redoc_renders_the_apis_operations_with_no_network_and_only_its_page_may_start_a_blob_worker(
    tmp_path: Path, screenshots: Path
) -> None:
    _need_chromium()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = build_app(settings_for(tmp_path))
    server, task = await _serve(app, port)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:  # the first OpenAPI build is slow under load
            redoc = await http.get("/redoc")
            assert redoc.status_code == 200, redoc.text
            assert redoc.headers["content-security-policy"] == REDOC_CSP
            assert "worker-src blob:" in REDOC_CSP and "worker-src" not in CSP
            script = await http.get("/redoc/assets/redoc.standalone.js")
            assert script.status_code == 200 and len(script.content) > 500_000
            # Every other answer keeps the CSP it had: pages, the docs, the assets, the API, errors.
            for path in ("/", "/docs", "/redoc/assets/redoc.standalone.js", "/dokumen", "/openapi.json", "/redoc/"):
                other = await http.get(path)
                assert other.headers["content-security-policy"] == CSP, path
            spec = (await http.get("/openapi.json")).json()
        summaries = [spec["paths"][p]["get" if "get" in spec["paths"][p] else "post"]["summary"] for p in PATHS]

        async with playwright_api.async_playwright() as pw:
            chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            context = await chromium.new_context(base_url=base)
            outside: list[str] = []

            async def only_this_site(route) -> None:  # type: ignore[no-untyped-def]
                host = urlsplit(route.request.url).hostname
                if route.request.url.startswith(("blob:", "data:")) or host == "127.0.0.1":
                    await route.continue_()
                else:
                    outside.append(route.request.url)
                    await route.abort("internetdisconnected")

            await context.route("**/*", only_this_site)
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto("/redoc", timeout=120_000)  # ReDoc renders the whole spec: slow on a loaded machine
            await expect(page.locator("h1", has_text="Kinerja API")).to_be_visible(timeout=120_000)
            for summary in summaries:
                await expect(page.locator("h2", has_text=summary).first).to_be_attached(timeout=60_000)
            # The search box works only when ReDoc's worker started (from a blob: URL, under the CSP).
            await page.locator('input[role="search"], input[placeholder="Search..."]').first.fill("auth")
            await expect(page.locator('[role="search"] ~ * li, [data-role="search:result"]').first).to_be_visible(
                timeout=60_000
            )
            await page.screenshot(path=str(screenshots / "redoc-offline.png"))
            assert not outside, outside
            # ReDoc's footer links its maker's logo from its CDN: the CSP blocks that image (nothing leaves the
            # machine, `outside` is empty); anything else refused (a script, the worker) fails the page.
            refused = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
            assert all("cdn.redoc.ly" in e and '"img-src' in e for e in refused), refused
            await chromium.close()
    finally:
        server.should_exit = True
        await task
