"""Finding 7 (survey flood): limits per client address and per rated employee, addresses only from
trusted proxies, complete and well-typed answers, and public input kept beside the appraisal."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import httpx
import uvicorn

from domain.application import Appraisals
from domain.base import Actor
from domain.skm import ELEMENTS
from settings import event_store_env
from tests.oidc_provider import free_port
from tests.test_api_support import (
    EMP1,
    EMP2,
    HR_NIP,
    SUPERVISOR,
    build_app,
    login,
    running,
    seed_appraisal,
    settings_for,
)
from tests.test_signin import NEW_AGENCY, ORG
from tests.test_web_pages import post_form

URL = "/api/v1/feedback/surveys"
ALL = dict.fromkeys(ELEMENTS, 3)
UNIT_SURVEY = {"agency_id": NEW_AGENCY, "unit_id": "U9", "answers": ALL}


def _app(tmp_path: Path, **extra: object):  # type: ignore[no-untyped-def]
    settings = settings_for(tmp_path, **extra)
    store = Appraisals(env=event_store_env(settings.database_url))
    store.import_org(ORG, by=Actor(HR_NIP, ("hr",)), at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    app = build_app(settings, store)
    app.state.seeded = seed_appraisal(store)
    return app, store


async def test_answers_must_be_complete_and_whole_numbers_on_the_scale(tmp_path: Path) -> None:
    app, store = _app(tmp_path)
    async with running(app) as client:
        three = {"persyaratan": 4, "prosedur": 4, "waktu_penyelesaian": 4}  # scored IKM 100 before
        for answers, field, words in (
            (three, "answers", "missing: biaya_tarif"),
            ({**ALL, "prosedur": True}, "answers.prosedur", "valid integer"),
            ({**ALL, "prosedur": 3.0}, "answers.prosedur", "valid integer"),
            ({**ALL, "prosedur": 5}, "answers.prosedur", "less than or equal to 4"),
            ({**ALL, "sikap": 4}, "answers", "unknown SKM element"),
        ):
            answer = await client.post(URL, json={**UNIT_SURVEY, "answers": answers})
            assert answer.status_code == 422 and answer.json()["field"] == field, answer.text
            assert words in answer.json()["message"]
        assert (await client.post(URL, json=UNIT_SURVEY)).json()["ikm"] == 75.0
    store.close()


async def test_the_address_limit_answers_429_with_retry_after_and_rotating_headers_do_not_help(
    tmp_path: Path,
) -> None:
    """Served as the image serves it (uvicorn without its own proxy handling), on loopback."""
    app, store = _app(tmp_path, survey_per_address_per_hour=5)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, proxy_headers=False, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            codes = []
            for i in range(12):
                headers = {"X-Forwarded-For": f"203.0.113.{i}", "Forwarded": f"for=198.51.100.{i}"}
                answer = await client.post(URL, json=UNIT_SURVEY, headers=headers)
                codes.append(answer.status_code)
            assert codes == [201] * 5 + [429] * 7, codes
            assert 3500 <= int(answer.headers["Retry-After"]) <= 3600
            assert answer.json()["error"] == "TooManyRequests"
    finally:
        server.should_exit = True
        await task
        store.close()


async def test_behind_a_trusted_proxy_each_client_has_its_own_quota_and_others_cannot_forge_one(
    tmp_path: Path,
) -> None:
    app, store = _app(tmp_path, survey_per_address_per_hour=2, trusted_proxies="10.0.0.7")
    async with app.router.lifespan_context(app):

        async def post(peer: str, forwarded: str) -> int:
            transport = httpx.ASGITransport(app=app, client=(peer, 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://kinerja.test") as client:
                answer = await client.post(URL, json=UNIT_SURVEY, headers={"X-Forwarded-For": forwarded})
                return answer.status_code

        # Through the proxy: two citizens of one city, each with a quota of their own.
        assert [await post("10.0.0.7", "198.51.100.1") for _ in range(3)] == [201, 201, 429]
        assert [await post("10.0.0.7", "198.51.100.2") for _ in range(2)] == [201, 201]
        # Not through the proxy: the header is not believed, the peer is the client.
        assert [await post("192.0.2.9", f"198.51.100.{i}") for i in range(3, 6)] == [201, 201, 429]
    store.close()


async def test_surveys_about_an_employee_are_limited_per_day_and_kept_beside_the_appraisal(tmp_path: Path) -> None:
    app, store = _app(tmp_path, survey_per_employee_per_day=3)
    cycle_id, appraisal_id = app.state.seeded
    async with running(app) as client:
        await app.state.readside.catch_up()
        before = store.appraisal(appraisal_id).version
        codes = []
        for i in range(5):
            transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{i}", 5000))  # a new address each time
            async with httpx.AsyncClient(transport=transport, base_url="http://kinerja.test") as other:
                answer = await other.post(
                    URL,
                    json={"agency_id": "AG-TEST", "employee_nip": EMP1, "answers": ALL, "comment": f"Tanggapan {i}"},
                )
                codes.append(answer.status_code)
        assert codes == [201, 201, 201, 429, 429], codes
        assert 86_000 < int(answer.headers["Retry-After"]) <= 86_400
        # Nothing entered the appraisal's record; its appraiser sees the surveys beside it.
        assert store.appraisal(appraisal_id).version == before
        seen = await client.get(
            f"/api/v1/tasks/appraisals/{appraisal_id}/surveys", headers=await login(client, SUPERVISOR)
        )
        assert seen.status_code == 200 and [s["comment"] for s in seen.json()] == [
            "Tanggapan 2",
            "Tanggapan 1",
            "Tanggapan 0",
        ]
        hidden = await client.get(f"/api/v1/tasks/appraisals/{appraisal_id}/surveys", headers=await login(client, EMP2))
        assert hidden.status_code == 404  # not related: the appraisal is not even shown to exist
        await post_form(client, "/masuk/dev", {"nip": SUPERVISOR})
        task_page = await client.get(f"/tugas/{appraisal_id}")
        assert "Survei masyarakat tentang pegawai ini" in task_page.text and "Tanggapan 2" in task_page.text
        own = await client.get(f"/api/v1/tasks/appraisals/{appraisal_id}/surveys", headers=await login(client, EMP1))
        assert own.status_code == 403
    assert cycle_id
    store.close()


async def test_loopback_is_not_a_trusted_proxy_unless_configured(tmp_path: Path) -> None:
    app, store = _app(tmp_path, survey_per_address_per_hour=1)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://kinerja.test") as client:
            first = await client.post(URL, json=UNIT_SURVEY, headers={"X-Forwarded-For": "198.51.100.1"})
            second = await client.post(URL, json=UNIT_SURVEY, headers={"X-Forwarded-For": "198.51.100.2"})
    assert (first.status_code, second.status_code) == (201, 429)
    store.close()
