"""The documents over HTTP: download a PDF, read its QR code, open the public page; hostile references; limits.

The app runs on a real SQLite event store written by the domain (tests/test_documents.py's
scenario: Pemerintah Kota Palu, STAFF's keberatan filed); no Temporal is needed, as nothing here
goes through a workflow.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api.ratelimit import AddressLimiter
from domain.application import Appraisals
from settings import event_store_env
from tests.factories import ANALIS, HEAD, SEKDA, STAFF, Scenario, reach
from tests.pdf_reading import qr_codes, text
from tests.test_api_support import build_app, running, settings_for
from tests.test_documents import SEKDA_NAME, amend, with_agency
from tests.test_web_pages import post_form, sign_in

BASE = "https://kinerja.palukota.example"
TOKEN = re.compile(r"Rujukan:\s+((?:v[0-9]\.)?(?:skp|evaluasi)\.[0-9a-f.]+)")


@pytest.fixture
def world(tmp_path: Path):
    settings = settings_for(tmp_path, public_base_url=BASE + "/", document_place="Palu")
    store = Appraisals(env=event_store_env(settings.database_url))
    with_agency(store)
    scenario = reach("keberatan", app=store)
    app = build_app(settings, store)
    yield app, scenario
    store.close()


async def download(client: httpx.AsyncClient, scenario: Scenario, kind: str) -> bytes:
    response = await client.get(f"/saya/{scenario.id(STAFF)}/{kind}.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf", response.text
    return response.content


def address(pdf: bytes) -> str:
    """The verification address the QR code carries; the same as the one printed under it."""
    (url,) = qr_codes(pdf)
    assert url.startswith(f"{BASE}/dokumen/")
    printed = TOKEN.search(text(pdf))
    assert printed and url == f"{BASE}/dokumen/{printed.group(1)}"
    return urlsplit(url).path


async def upload(client: httpx.AsyncClient, content: bytes, name: str = "dokumen.pdf") -> httpx.Response:
    return await client.post("/dokumen", files={"berkas": (name, content, "application/pdf")})


async def test_the_qr_code_opens_the_check_and_the_amendment_supersedes_the_old_print(world) -> None:
    app, scenario = world
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, STAFF)
        printed = await download(client, scenario, "evaluasi")
        words = text(printed)
        for expected in (
            "PEMERINTAH KOTA PALU",
            "Periode penilaian: 1 Januari 2024 s.d. 31 Desember 2024",
            "ATASAN PEJABAT PENILAI KINERJA",
            SEKDA_NAME,
            SEKDA,
            "Kepala Bidang Umum",
            HEAD,
            "Palu, 22 Januari 2025",
        ):
            assert expected in words, expected
        path = address(printed)
        skp_path = address(await download(client, scenario, "skp"))

    async with running(app) as anyone:  # no session: the check is public
        page = await anyone.get(path)
        assert page.status_code == 200 and "Cocok dengan catatan" in page.text
        assert SEKDA_NAME in page.text and "Baik" in page.text
        assert "bukti dukung belum dipertimbangkan" not in page.text  # the keberatan's reasons stay on paper
        same = await upload(anyone, printed)
        assert same.status_code == 200 and "sama persis" in same.text

        amend(scenario)  # the atasan amends the rating after the document was printed
        page = await anyone.get(path)
        assert page.status_code == 200 and "Cocok, tetapi catatan sudah berubah" in page.text
        assert "perubahan pada 10 Februari 2025" in page.text
        assert "Cocok, tetapi" in (await upload(anyone, printed)).text
        assert "Cocok dengan catatan" in (await anyone.get(skp_path)).text  # the SKP did not change

    async with running(app) as client:  # reopened after a restart: the same answers, a new print is current
        await sign_in(client, STAFF)
        reprinted = await download(client, scenario, "evaluasi")
        new_path = address(reprinted)
        assert new_path != path and "Sangat Baik" in text(reprinted)
        assert "Cocok dengan catatan" in (await client.get(new_path)).text
        assert "Cocok, tetapi catatan sudah berubah" in (await client.get(path)).text


async def test_only_readers_of_the_appraisal_get_its_pdf(world) -> None:
    app, scenario = world
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, ANALIS)  # a colleague in the same unit
        assert (await client.get(f"/saya/{scenario.id(STAFF)}/evaluasi.pdf")).status_code == 404
        await sign_in(client, SEKDA)
        assert (await client.get(f"/saya/{scenario.id(STAFF)}/evaluasi.pdf")).status_code == 200


async def test_hostile_references_and_uploads_get_4xx_pages_that_tell_nothing(world) -> None:
    app, scenario = world
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, STAFF)
        printed = await download(client, scenario, "evaluasi")
        path = address(printed)
        token = path.rsplit("/", 1)[1]
        forged = await client.get(path[:-8] + "00000000")
        assert forged.status_code == 404 and "Tidak cocok" in forged.text
        assert SEKDA_NAME not in forged.text and "Staf Umum" not in forged.text
        for hostile in (
            "evaluasi.123",
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E",  # the %2F makes it a path of its own: 404
            "%3Cscript%3Ealert(1)",
            token + "%00",
            "%00",
            "x" * 20_000,
            token.upper(),
            "..%2F..%2Fetc%2Fpasswd",
        ):
            page = await client.get(f"/dokumen/{hostile}")
            if "%2F" in hostile:
                assert page.status_code == 404, hostile
            else:
                assert page.status_code == 422 and "bukan rujukan dokumen Kinerja" in page.text, hostile
            assert "<script>alert" not in page.text and "etc/passwd" not in page.text
        assert (await client.get(f"/dokumen/{token}/lagi")).status_code == 404

        tampered = printed.replace(b"Pemerintah Kota Palu", b"Pemerintah Kota Poso")
        changed = await upload(client, tampered)
        assert changed.status_code == 200 and "tidak sama persis" in changed.text
        assert (await upload(client, b"GIF89a" + printed)).status_code == 422  # not a PDF
        no_reference = printed.replace(b"(kinerja-dokumen ", b"(kinerja-dokuman ")
        assert (await upload(client, no_reference)).status_code == 422
        too_big = await upload(client, printed + b"\x00" * (5 * 1024 * 1024))
        assert too_big.status_code == 413 and "paling besar 5 MiB" in too_big.text
        garbage = await client.post(
            "/dokumen", content=b"--x\r\n\x00\x00", headers={"content-type": "multipart/form-data; boundary=x"}
        )
        assert garbage.status_code == 422
        foreign = await post_form(client, "/dokumen", headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403


async def test_checks_are_limited_per_client_address(world) -> None:
    app, scenario = world
    app.state.document_limiter = AddressLimiter(2, "document-check")
    async with running(app) as client:
        await app.state.readside.catch_up()
        path = f"/dokumen/skp.{scenario.id(STAFF).hex}.1.1.0.{'0' * 64}"
        assert [(await client.get(path)).status_code for _ in range(2)] == [404, 404]
        limited = await client.get(path)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        assert "Terlalu banyak pemeriksaan" in limited.text
