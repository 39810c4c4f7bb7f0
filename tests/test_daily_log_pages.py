"""The daily log on the employee's page (#13), without a browser or Temporal (entries go straight to the domain).

The event store is a real SQLite file; the evidence files go to the folder beside it. The app's clock is
10:00 WIB on 15 May 2030, in the second quarter of the seeded cycle's year.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import httpx
import pytest
import sqlalchemy
from PIL import Image

from domain.application import Appraisals
from domain.base import Actor
from domain.daily_log import EVIDENCE_LIMIT_BYTES
from domain.work_commands import ApproveSkp
from settings import event_store_env
from tests.page_language import assert_indonesian
from tests.test_api_support import (
    ATASAN,
    AUDITOR,
    EMP1,
    EMP2,
    HR_NIP,
    OUTSIDER,
    SUPERVISOR,
    build_app,
    login,
    running,
    seed_appraisal,
    settings_for,
)
from tests.test_web_pages import csrf, sign_in

NOW = datetime(2030, 5, 15, 3, 0, tzinfo=timezone.utc)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (11, 83, 148)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Site:
    """The app on a store in tmp_path, EMP1's SKP approved; `restart` builds a new app on the same files."""

    def __init__(self, tmp_path: Path, **settings: object) -> None:
        self.tmp_path, self.extra = tmp_path, settings
        self.settings = settings_for(tmp_path, **settings)
        self.store = Appraisals(env=event_store_env(self.settings.database_url))
        _, self.appraisal_id = seed_appraisal(self.store)
        at = datetime(2030, 1, 15, tzinfo=timezone.utc)
        self.store.execute(self.appraisal_id, ApproveSkp(Actor(SUPERVISOR)), at=at)
        self.app = build_app(self.settings, self.store, clock=lambda: NOW)

    def restart(self) -> None:
        self.store.close()
        self.store = Appraisals(env=event_store_env(self.settings.database_url))
        self.app = build_app(self.settings, self.store, clock=lambda: NOW)

    @property
    def page(self) -> str:
        return f"/saya/{self.appraisal_id}"

    def entries(self) -> list[dict]:
        return list(Appraisals(env=event_store_env(self.settings.database_url)).appraisal(self.appraisal_id).daily_log)

    def files(self) -> list[Path]:
        return sorted(p for p in (self.tmp_path / "evidence").rglob("*") if p.is_file())


@pytest.fixture
def site(tmp_path: Path):
    s = Site(tmp_path)
    yield s
    s.store.close()


async def post_entry(
    client: httpx.AsyncClient,
    site: Site,
    text: str = "Melayani 12 pemohon KTP elektronik",
    file: tuple[str, bytes, str] | None = None,
    key: str = "",
    **fields: str,
) -> httpx.Response:
    data = {"text": text, "rhk_id": "R1", "day": "2030-05-15", "csrftoken": await csrf(client, site.page)}
    data["kunci"] = key or hashlib.sha256(text.encode() + (file[1] if file else b"")).hexdigest()[:20]
    data.update(fields)
    files = {"file": file} if file else {"file": ("", b"", "application/octet-stream")}
    return await client.post(f"{site.page}/catatan-harian", data=data, files=files)


def error_of(response: httpx.Response) -> str:
    found = re.search(r'id="galat"[^>]*>(.*?)</div>', response.text, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


async def test_an_entry_from_the_phone_form_shows_rolls_up_and_outlives_a_restart(site: Site) -> None:
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        form = await client.get(site.page)
        assert 'enctype="multipart/form-data"' in form.text and 'name="day" type="date"' in form.text
        assert 'max="2030-05-15"' in form.text  # today in the agency's zone (WIB)
        image = png()
        done = await post_entry(client, site, file=("foto kegiatan.png", image, "image/png"))
        assert done.status_code == 303 and "catatan-harian" in done.headers["location"]
        shown = await client.get(done.headers["location"])
        assert "Catatan harian tersimpan." in shown.text
        assert "Melayani 12 pemohon KTP elektronik" in shown.text
        assert "1 catatan pada 1 hari" in shown.text  # the period's realisation counts it
        assert_indonesian(shown.text, "daily log page")
    sha = hashlib.sha256(image).hexdigest()
    [entry] = site.entries()
    assert entry["period"] == "Q2"
    assert entry["evidence"] == [{"sha256": sha, "size": len(image), "type": "image/png", "name": "foto kegiatan.png"}]
    assert site.files() == [site.tmp_path / "evidence" / sha[:2] / sha[2:4] / sha]

    site.restart()  # after-effect: a new server on the same files shows the entry and serves the file
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        page = await client.get(site.page)
        assert "Melayani 12 pemohon KTP elektronik" in page.text and f"/bukti/{sha}" in page.text
        served = await client.get(f"{site.page}/bukti/{sha}")
        assert served.status_code == 200 and served.content == image
        assert served.headers["content-type"] == "image/png"
        assert served.headers["content-disposition"].startswith("attachment;")
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in served.headers["content-security-policy"]
        api = f"/api/v1/employees/appraisals/{site.appraisal_id}"
        read = await client.get(api, headers=await login(client, EMP1))
        assert read.json()["daily_log"][0]["evidence"][0]["sha256"] == sha
        assert [(r["period"], r["entries"], r["files"]) for r in read.json()["realisation"]] == [("Q2", 1, 1)]
        # The API serves the same file to the appraisal's readers, with the same headers; to nobody else.
        for reader in (EMP1, SUPERVISOR, AUDITOR):
            got = await client.get(f"{api}/evidence/{sha}", headers=await login(client, reader))
            assert got.status_code == 200 and got.content == image, reader
            assert got.headers["content-disposition"].startswith("attachment;")
        for stranger, digest in ((OUTSIDER, sha), (EMP2, sha), (EMP1, "0" * 64), (EMP1, "..%2F..%2Fkinerja.db")):
            refused = await client.get(f"{api}/evidence/{digest}", headers=await login(client, stranger))
            assert refused.status_code == 404 and image not in refused.content, (stranger, digest)


async def logged_then_read_by(client: httpx.AsyncClient, site: Site, reader: str) -> None:
    """EMP1 logs an entry with a PDF, signs out; `reader` signs in."""
    await sign_in(client, EMP1)
    assert (await post_entry(client, site, file=("laporan.pdf", PDF, "application/pdf"))).status_code == 303
    await client.post("/keluar", data={"csrftoken": await csrf(client, site.page)})
    await sign_in(client, reader)


@pytest.mark.parametrize("reader", [EMP1, SUPERVISOR, ATASAN, HR_NIP, AUDITOR])
async def test_every_reader_of_the_appraisal_gets_the_file(site: Site, reader: str) -> None:
    async with running(site.app) as client:
        await logged_then_read_by(client, site, reader)
        served = await client.get(f"{site.page}/bukti/{hashlib.sha256(PDF).hexdigest()}")
        assert served.status_code == 200 and served.content == PDF


@pytest.mark.parametrize("stranger", [OUTSIDER, EMP2])
async def test_a_stranger_gets_no_file_and_no_hint_it_exists(site: Site, stranger: str) -> None:
    async with running(site.app) as client:
        await logged_then_read_by(client, site, stranger)
        sha = hashlib.sha256(PDF).hexdigest()
        refused = await client.get(f"{site.page}/bukti/{sha}")
        assert refused.status_code == 404 and PDF not in refused.content
        unknown = await client.get(f"{site.page}/bukti/{'0' * 64}")
        assert unknown.status_code == 404  # the same answer as for a file that exists


async def test_path_tricks_reach_no_file(site: Site) -> None:
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        trick = ("../../../kinerja.db/..\\..\\x.png", png(), "image/png")
        assert (await post_entry(client, site, file=trick)).status_code == 303
        assert site.entries()[0]["evidence"][0]["name"] == "x.png"  # shown, never a path
        assert all(p.is_relative_to(site.tmp_path / "evidence") for p in site.files())
        for path in ("..%2F..%2Fkinerja.db", "%2e%2e%2f%2e%2e%2fkinerja.db", "../kinerja.db", "A" * 64, "ab" * 40):
            got = await client.get(f"{site.page}/bukti/{path}")
            assert got.status_code == 404, path
            assert b"SQLite" not in got.content


@pytest.mark.parametrize(
    ("file", "said"),
    [
        (
            ("ktp.png", b"<html><script>alert(1)</script></html>", "image/png"),
            "Berkas harus berupa berkas PDF, JPEG atau PNG",
        ),
        (("laporan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "Berkas harus berupa berkas PDF, JPEG atau PNG"),
        (("potong.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "application/pdf"), "Berkas harus berupa berkas PDF"),
        (("ktp.png", png()[:40], "image/png"), "Berkas harus berupa berkas PDF, JPEG atau PNG"),  # a PNG cut short
        (("besar.pdf", b"%PDF-1.4\n" + b"0" * EVIDENCE_LIMIT_BYTES + b"\n%%EOF", "application/pdf"), "terlalu besar"),
    ],
)
async def test_wrong_or_disguised_or_oversize_files_are_refused_and_nothing_is_kept(
    site: Site, file: tuple[str, bytes, str], said: str
) -> None:
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        refused = await post_entry(client, site, file=file)
        assert refused.status_code == 422 and said in error_of(refused)
        assert "Melayani 12 pemohon" in refused.text  # the line is kept in the form for another try
        assert_indonesian(refused.text, "refused file")
    assert site.entries() == [] and site.files() == []


async def test_a_body_larger_than_any_entry_is_refused_unread(site: Site) -> None:
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        token = await csrf(client, site.page)
        huge = b"%PDF-1.4\n" + b"0" * (EVIDENCE_LIMIT_BYTES + 200_000)
        refused = await client.post(
            f"{site.page}/catatan-harian",
            data={"text": "x", "rhk_id": "R1", "day": "2030-05-15", "csrftoken": token, "kunci": "besar"},
            files={"file": ("a.pdf", huge, "application/pdf")},
        )
        assert refused.status_code == 422 and "terlalu besar" in error_of(refused)
    assert site.entries() == [] and site.files() == []


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"text": "Melayani\x00pemohon"}, "tidak boleh memuat karakter kendali"),
        ({"text": "Melayani \u202epemohon"}, "karakter format tak terlihat"),
        ({"text": "x" * 301}, "paling banyak 300 karakter"),
        ({"day": "2030-05-16"}, "Tanggal tidak boleh tanggal yang belum tiba"),
        ({"day": "2029-12-31"}, "harus jatuh pada tahun siklus penilaian (2030)"),
        ({"day": "15/05/2030"}, "Tanggal harus berupa tanggal"),
        ({"rhk_id": "R9"}, "RHK harus salah satu RHK dalam SKP ini (bukan «R9»)"),
    ],
)
async def test_a_refused_line_names_field_and_rule_in_indonesian_and_keeps_no_file(
    site: Site, fields: dict[str, str], said: str
) -> None:
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        text = fields.pop("text", "Melayani pemohon")
        refused = await post_entry(client, site, text, file=("a.png", png(), "image/png"), **fields)
        assert refused.status_code == 422 and said in error_of(refused), error_of(refused)
    assert site.entries() == [] and site.files() == []  # the line is checked before the file is kept


async def test_script_in_the_line_is_shown_as_text(site: Site) -> None:
    line = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        assert (await post_entry(client, site, line)).status_code == 303
        page = await client.get(site.page)
        assert "&lt;script&gt;alert(" in page.text and "<script>alert" not in page.text
        assert "<img src=x" not in page.text


async def test_the_same_entry_retried_after_an_outage_is_one_event_and_one_file(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    save, failed = site.store._save, []

    def cut(*records: object) -> None:  # the database goes away once, after the file was stored
        if not failed:
            failed.append(True)
            raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))
        save(*records)

    monkeypatch.setattr(site.store, "_save", cut)
    image = png()
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        down = await post_entry(client, site, file=("a.png", image, "image/png"), key="entri-1")
        assert down.status_code == 503 and failed
        assert len(site.files()) == 1 and site.entries() == []
        again = await post_entry(client, site, file=("a.png", image, "image/png"), key="entri-1")
        assert again.status_code == 303
        twice = await post_entry(client, site, file=("a.png", image, "image/png"), key="entri-1")  # a double tap
        assert twice.status_code == 303
    assert len(site.entries()) == 1 and len(site.files()) == 1


async def test_a_flood_is_refused_with_retry_after(tmp_path: Path) -> None:
    site = Site(tmp_path, daily_log_per_hour=3)
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        for n in range(3):
            assert (await post_entry(client, site, f"Catatan {n}")).status_code == 303
        flood = await post_entry(client, site, "Catatan 4", file=("a.png", png(), "image/png"))
        assert flood.status_code == 429 and "Terlalu banyak catatan harian" in error_of(flood)
        assert_indonesian(flood.text, "flood")
    assert len(site.entries()) == 3 and site.files() == []
    site.store.close()


async def test_only_the_employee_writes_and_a_forged_form_is_refused(site: Site) -> None:
    async with running(site.app) as client:
        await sign_in(client, EMP1)
        forged = await client.post(
            f"{site.page}/catatan-harian",
            data={"text": "x", "rhk_id": "R1", "day": "2030-05-15", "kunci": "k"},
            files={"file": ("a.png", png(), "image/png")},
        )
        assert forged.status_code == 403  # no CSRF token
        for nip in (SUPERVISOR, AUDITOR, OUTSIDER):
            await client.post("/keluar", data={"csrftoken": await csrf(client, "/masuk")})
            await sign_in(client, nip)
            page = await client.get(site.page)
            assert 'action="/saya/' not in page.text or "catatan-harian" not in page.text.split("<form")[-1]
            refused = await post_entry(client, site, f"oleh {nip}", file=("a.png", png(), "image/png"))
            assert refused.status_code in (403, 404), (nip, refused.status_code)
    assert site.entries() == [] and site.files() == []


def test_the_appraisal_id_in_the_path_is_the_only_dynamic_part_exempt_from_the_csrf_middleware() -> None:
    from services.edge import _csrf_protected  # noqa: PLC0415

    assert not _csrf_protected(f"/saya/{UUID(int=7)}/catatan-harian")
    assert _csrf_protected(f"/saya/{UUID(int=7)}/realisasi")
    assert _csrf_protected(f"/saya/{UUID(int=7)}/catatan-harian/x")
