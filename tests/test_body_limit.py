"""A request body past KINERJA_MAX_REQUEST_BYTES is refused with 413 before it is read or buffered.

The hostile case: a signed-in caller with an Idempotency-Key streams a body with no Content-Length (chunked),
which the key's fingerprint used to buffer whole in memory, however large. Now the edge counts the bytes as
they arrive and answers 413 at the first message past the cap: the chunks after it are never pulled from the
client, the route never runs, nothing is written. A page gets the refusal in Bahasa Indonesia.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.test_api_support import EMP1, login, running
from tests.test_daily_log_pages import PDF, Site

LIMIT = 256 * 1024
CHUNK = 64 * 1024


@pytest.fixture
def site(tmp_path: Path):
    s = Site(tmp_path, max_request_bytes=LIMIT)
    yield s
    s.store.close()


def daily_log(site: Site) -> str:
    return f"/api/v1/employees/appraisals/{site.appraisal_id}/daily-log"


async def test_an_announced_body_over_the_cap_is_refused_before_the_route_runs(site: Site) -> None:
    async with running(site.app) as client:
        headers = {**await login(client, EMP1), "Idempotency-Key": "besar-1"}
        big = ("bukti.pdf", PDF + b"0" * LIMIT, "application/pdf")
        refused = await client.post(
            daily_log(site),
            data={"text": "Laporan", "rhk_id": "R1", "day": "2030-05-15"},
            files=[("files", big)],
            headers=headers,
        )
        assert refused.status_code == 413
        assert refused.json()["field"] == "body" and refused.json()["code"] == "body_too_large"
        assert str(LIMIT) in refused.json()["message"]
    assert site.entries() == [] and site.files() == []


async def test_a_streamed_body_stops_being_read_at_the_cap_with_an_idempotency_key(site: Site) -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(10_000):  # 640 MB if it were all read
            pulled += 1
            yield b"x" * CHUNK

    async with running(site.app) as client:
        headers = {**await login(client, EMP1), "Idempotency-Key": "aliran-1", "Content-Type": "application/json"}
        refused = await client.post(daily_log(site), content=endless(), headers=headers)
        assert refused.status_code == 413, refused.text
        assert refused.json()["field"] == "body"
        # the cap is 4 chunks: the fifth went past it, and nothing after it was asked for
        assert pulled <= LIMIT // CHUNK + 2
        # the same key is not burnt: an ordinary request with it goes through
        after = await client.post(
            daily_log(site),
            data={"text": "Laporan harian", "rhk_id": "R1", "day": "2030-05-15"},
            files={"files": ("", b"", "application/octet-stream")},
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
        assert after.status_code == 200, after.text
    assert [e["text"] for e in site.entries()] == ["Laporan harian"]


async def test_a_page_form_over_the_cap_gets_an_indonesian_page(site: Site) -> None:
    async with running(site.app) as client:
        refused = await client.post(site.page + "/catatan-harian", content=b"a" * (LIMIT + 1))
        assert refused.status_code == 413
        assert refused.headers["content-type"].startswith("text/html")
        assert "Kiriman terlalu besar" in refused.text and "melebihi batas" in refused.text
        again = await client.get("/masuk")  # the server goes on serving
        assert again.status_code == 200


async def test_a_body_under_the_cap_is_untouched(site: Site) -> None:
    async with running(site.app) as client:
        headers = {**await login(client, EMP1), "Idempotency-Key": "kecil-1"}
        done = await client.post(
            daily_log(site),
            data={"text": "Laporan", "rhk_id": "R1", "day": "2030-05-15"},
            files=[("files", ("bukti.pdf", PDF, "application/pdf"))],
            headers=headers,
        )
        assert done.status_code == 200, done.text
    assert len(site.entries()) == 1 and len(site.files()) == 1


def test_the_cap_cannot_be_set_below_a_form() -> None:
    from pydantic import ValidationError  # noqa: PLC0415

    from settings import Settings  # noqa: PLC0415

    with pytest.raises(ValidationError, match="max_request_bytes"):
        Settings(_env_file=None, max_request_bytes=1000)
    assert Settings(_env_file=None).max_request_bytes == 16 * 1024 * 1024
