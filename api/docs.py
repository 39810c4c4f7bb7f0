"""The API docs pages: Swagger UI (/docs) from the `swagger-ui-bundle-v2` wheel and ReDoc (/redoc) from
the `fastapi-offline` wheel's redoc.standalone.js, both served by this app.

Nothing is fetched from a CDN and no inline script runs (the pages pass the CSP of services/edge.py;
/redoc's alone lets ReDoc start its worker from a blob: URL). The OpenAPI document declares the
bearer scheme, so Swagger UI's Authorize button sends the token.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kinerja API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>"""
REDOC_ASSETS = files("fastapi_offline") / "static"
# ReDoc starts itself on the <redoc> element it finds (no inline script); its stylesheet is injected by it.
REDOC_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kinerja API (ReDoc)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/redoc/assets/redoc.standalone.js"></script></body></html>"""


def install(app: FastAPI) -> None:
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    app.mount("/redoc/assets", StaticFiles(directory=str(REDOC_ASSETS)), name="redoc-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(REDOC_PAGE)
