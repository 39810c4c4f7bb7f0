"""The daily log through the JSON API (#13): POST /api/v1/employees/appraisals/{id}/daily-log, multipart.

The same store, clock and limits as the page's tests (tests/test_daily_log_pages.py: a real SQLite file,
the evidence folder beside it, 10:00 WIB on 15 May 2030). Each refusal is a 4xx whose body names the
field and the rule's code, and leaves no event and no file behind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from domain.daily_log import EVIDENCE_LIMIT_BYTES
from tests.test_api_support import EMP1, EMP2, OUTSIDER, SUPERVISOR, login, running
from tests.test_daily_log_pages import PDF, Site, png

LINE = "Melayani 12 pemohon KTP elektronik"


@pytest.fixture
def site(tmp_path: Path):
    s = Site(tmp_path)
    yield s
    s.store.close()


def jpeg() -> bytes:
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 40)).save(out, format="JPEG")
    return out.getvalue()


async def post(
    client: httpx.AsyncClient,
    site: Site,
    nip: str = EMP1,
    *,
    text: str = LINE,
    files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    key: str = "",
    **fields: str,
) -> httpx.Response:
    data = {"text": text, "rhk_id": "R1", "day": "2030-05-15", **fields}
    headers = await login(client, nip)
    if key:
        headers["Idempotency-Key"] = key
    parts = [("files", f) for f in files] or None
    url = f"/api/v1/employees/appraisals/{site.appraisal_id}/daily-log"
    if parts is None:  # a form without files is still multipart, as a phone's client sends it
        return await client.post(
            url, data=data, files={"files": ("", b"", "application/octet-stream")}, headers=headers
        )
    return await client.post(url, data=data, files=parts, headers=headers)


async def test_an_entry_with_three_files_is_one_event_and_rolls_up(site: Site) -> None:
    files = [
        ("foto.png", png(), "image/png"),
        ("laporan.pdf", PDF, "application/pdf"),
        ("ktp.jpg", jpeg(), "image/jpeg"),
    ]
    async with running(site.app) as client:
        done = await post(client, site, files=files, key="entri-api-1")
        assert done.status_code == 200, done.text
        assert done.json()["id"] == str(site.appraisal_id)
        read = await client.get(f"/api/v1/employees/appraisals/{site.appraisal_id}", headers=await login(client, EMP1))
        [entry] = read.json()["daily_log"]
        assert entry["text"] == LINE and entry["day"] == "2030-05-15" and entry["period"] == "Q2"
        assert [(e["name"], e["type"]) for e in entry["evidence"]] == [
            ("foto.png", "image/png"),
            ("laporan.pdf", "application/pdf"),
            ("ktp.jpg", "image/jpeg"),
        ]
        assert [(r["period"], r["entries"], r["files"]) for r in read.json()["realisation"]] == [("Q2", 1, 3)]
        for name, data, _ in files:  # each file is served back as it was sent
            sha = hashlib.sha256(data).hexdigest()
            got = await client.get(
                f"/api/v1/employees/appraisals/{site.appraisal_id}/evidence/{sha}", headers=await login(client, EMP1)
            )
            assert got.status_code == 200 and got.content == data, name
    assert len(site.files()) == 3


async def test_the_same_key_again_is_one_event_and_one_file_even_after_a_restart(site: Site) -> None:
    image = ("foto.png", png(), "image/png")
    async with running(site.app) as client:
        first = await post(client, site, files=[image], key="entri-ulang")
        again = await post(client, site, files=[image], key="entri-ulang")
        assert first.status_code == again.status_code == 200, again.text
        assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
        other = await post(client, site, text="Lain", files=[image], key="entri-ulang")
        assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    site.restart()  # the answers' cache is gone: the domain's command key still applies it once
    async with running(site.app) as client:
        retried = await post(client, site, files=[image], key="entri-ulang")
        assert retried.status_code == 200, retried.text
    assert len(site.entries()) == 1 and len(site.files()) == 1


@pytest.mark.parametrize(
    ("fields", "files", "field", "code"),
    [
        ({"text": "Melayani\x00pemohon"}, [], "text", "input.control"),
        ({"text": "x" * 301}, [], "text", "input.length"),
        ({"text": ""}, [], "text", "input.required_text"),
        ({"day": "2030-05-16"}, [], "day", "daily_log.future_day"),
        ({"day": "15/05/2030"}, [], "day", ""),
        ({"rhk_id": "R9"}, [], "rhk_id", ""),
        ({}, [("a.png", png(), "image/png")] * 2, "evidence", "evidence.twice"),
        ({}, [(f"{n}.png", png()[:-1] + bytes([n]), "image/png") for n in range(4)], "files", "evidence.count"),
        ({}, [(f"{n}.png", png()[:-1] + bytes([n]), "image/png") for n in range(11)], "files", "evidence.count"),
        ({}, [("a.png", png(), "image/png"), ("ktp.png", b"<script>alert(1)</script>", "image/png")], "files[1]", ""),
        (
            {},
            [("besar.pdf", b"%PDF-1.4\n" + b"0" * EVIDENCE_LIMIT_BYTES + b"\n%%EOF", "application/pdf")],
            "files[0]",
            "",
        ),
    ],
)
async def test_a_refused_entry_names_the_field_and_the_rule_and_leaves_nothing(
    site: Site, fields: dict[str, str], files: list[tuple[str, bytes, str]], field: str, code: str
) -> None:
    text = fields.pop("text", LINE)
    async with running(site.app) as client:
        refused = await post(client, site, text=text, files=files, key="hostile", **fields)
    assert refused.status_code == 422, refused.text
    said = refused.json()
    assert said["field"] == field and said["code"], said
    assert not code or said["code"] == code, said
    assert site.entries() == [] and site.files() == []


async def test_script_in_the_line_is_kept_as_text_and_the_page_escapes_it(site: Site) -> None:
    line = '<script>alert("x")</script>'
    async with running(site.app) as client:
        assert (await post(client, site, text=line)).status_code == 200
        read = await client.get(f"/api/v1/employees/appraisals/{site.appraisal_id}", headers=await login(client, EMP1))
        assert read.json()["daily_log"][0]["text"] == line
        assert read.headers["content-type"].startswith("application/json")


async def test_only_the_employee_writes_on_their_appraisal(site: Site) -> None:
    async with running(site.app) as client:
        for nip, status in ((EMP2, 404), (OUTSIDER, 404), (SUPERVISOR, 403)):
            refused = await post(client, site, nip, files=[("a.png", png(), "image/png")])
            assert refused.status_code == status, (nip, refused.text)
        anonymous = await client.post(
            f"/api/v1/employees/appraisals/{site.appraisal_id}/daily-log",
            data={"text": LINE},
            files={"files": ("a.png", png(), "image/png")},
        )
        assert anonymous.status_code == 401
    assert site.entries() == [] and site.files() == []


async def test_a_body_larger_than_an_entrys_files_is_refused_unread(site: Site) -> None:
    huge = b"%PDF-1.4\n" + b"0" * (3 * EVIDENCE_LIMIT_BYTES + 200_000)
    async with running(site.app) as client:
        refused = await post(client, site, files=[("a.pdf", huge, "application/pdf")])
    assert refused.status_code == 422 and refused.json()["field"] == "files"
    assert site.entries() == [] and site.files() == []


async def test_a_flood_is_refused_with_retry_after(tmp_path: Path) -> None:
    site = Site(tmp_path, daily_log_per_hour=3)
    try:
        async with running(site.app) as client:
            for n in range(3):
                assert (await post(client, site, text=f"Catatan {n}", key=f"k{n}")).status_code == 200
            flood = await post(client, site, text="Catatan 4", files=[("a.png", png(), "image/png")], key="k4")
            assert flood.status_code == 429 and int(flood.headers["retry-after"]) > 0
            assert flood.json()["code"] == "service.daily_log_flood"
        assert len(site.entries()) == 3 and site.files() == []
    finally:
        site.store.close()
