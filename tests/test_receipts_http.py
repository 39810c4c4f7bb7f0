"""Receipts for people, through the API and the pages, on a real Temporal server and worker.

Budi (EMP1) drafts his SKP through the API: the answer carries his receipt (the event written,
its digest and instant, the agency's seal), which anyone can check without signing in. Once a
checkpoint covers it, the receipt fetched again holds its inclusion proof; Citra (EMP2) may not
fetch Budi's. On the pages, his submission shows the receipt with a download link; the public
verification page, in Bahasa Indonesia, says "Sah" for the downloaded file, and "Tidak sah"
with the reason once the event was cut from the log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from temporalio.testing import WorkflowEnvironment

from tests.test_api_support import EMP1, EMP2, HR_NIP, RHK, appraisal_id
from tests.test_api_world import API, start_server, world
from tests.test_web_pages import csrf, sign_in
from transparency.log import Log
from transparency.publish import Publisher
from transparency.wiring import log_signer


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


def checks(answer: dict) -> dict[str, bool]:  # type: ignore[type-arg]
    return {c["check"]: c["ok"] for c in answer["checks"]}


async def test_every_action_returns_a_receipt_that_anyone_can_check(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP)
        a1 = appraisal_id(cycle, EMP1)
        drafted = await w.call("PUT", f"/employees/appraisals/{a1}/skp", EMP1, {"rhk": RHK})
        receipt = drafted["receipt"]
        event = receipt["event"]
        assert (event["record_id"], event["version"], event["type"], event["by"]) == (
            str(a1),
            drafted["version"],
            "SkpDrafted",
            EMP1,
        )
        assert receipt["seal"].startswith("kinerja.local/kinerja\nseal ") and "proof" not in receipt

        checked = await w.http.post(f"{API}/receipts/verify", json=receipt)  # no login
        assert checked.status_code == 200 and checked.json()["ok"] is True
        assert checks(checked.json()) == {"seal": True, "event": True, "in the log": True}

        log = Log.of(w.store)
        Publisher(log, log_signer(w.app.state.settings, log), []).publish("test")
        completed = await w.call("GET", f"/receipts/{a1}/{event['version']}", EMP1)
        assert completed["proof"]["tree_size"] >= event["notification_id"]
        again = (await w.http.post(f"{API}/receipts/verify", json=completed)).json()
        assert again["ok"] and checks(again)["inclusion"] and checks(again)["log consistent"]
        other = await w.call("GET", f"/receipts/{a1}/{event['version']}", EMP2, expect=404)
        assert other["error"] == "NotFound"

        forged = {**completed, "seal": completed["seal"].replace("type SkpDrafted", "type SkpApproved")}
        refused = (await w.http.post(f"{API}/receipts/verify", json=forged)).json()
        assert refused["ok"] is False and refused["reason"].startswith("the agency's seal does not verify")
        # HR's writes on the cycle carry HR's receipt too.
        year = (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["year"]
        extended = await w.call(
            "POST",
            f"/hr/cycles/{cycle}/deadlines/follow_up/extension",
            HR_NIP,
            {"until": f"{year + 1}-04-30", "reason": "SE BKN perpanjangan"},
        )
        hr_event = extended["receipt"]["event"]
        assert (hr_event["record_id"], hr_event["by"]) == (cycle, HR_NIP)
        assert (await w.http.post(f"{API}/receipts/verify", json=extended["receipt"])).json()["ok"] is True
        garbage = await w.http.post(
            f"{API}/receipts/verify", content=b"\xff{", headers={"Content-Type": "application/json"}
        )
        assert garbage.status_code == 422 and garbage.json()["field"] == "body"

        # The pages: submit, see the receipt, download it, check it publicly; then cut the event.
        pages = httpx.AsyncClient(transport=httpx.ASGITransport(app=w.app), base_url="http://kinerja.test")
        async with pages:
            await sign_in(pages, EMP1)
            token = await csrf(pages, f"/saya/{a1}")
            submitted = await pages.post(f"/saya/{a1}/skp/ajukan", data={"csrftoken": token, "kunci": "k-submit"})
            assert submitted.status_code == 303 and "bukti=" in submitted.headers["location"]
            shown = await pages.get(submitted.headers["location"])
            assert shown.status_code == 200 and "Tanda terima" in shown.text
            version = int(submitted.headers["location"].rsplit(".", 1)[1])
            link = f"/tanda-terima/{a1}/{version}"
            assert link in shown.text
            file = await pages.get(link)
            assert file.headers["content-disposition"] == f'attachment; filename="tanda-terima-{a1}-{version}.json"'
            assert file.json()["event"]["type"] == "SkpSubmitted"

            public = httpx.AsyncClient(transport=httpx.ASGITransport(app=w.app), base_url="http://kinerja.test")
            async with public:  # nobody signed in
                form = await public.get("/verifikasi")
                assert form.status_code == 200 and "Periksa tanda terima" in form.text
                upload = {"berkas": ("tanda-terima.json", file.content, "application/json")}
                verdict = await public.post("/verifikasi", files=upload)  # changes nothing: no CSRF token
                assert verdict.status_code == 200 and "<h2>Sah</h2>" in verdict.text

                events = log.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
                with log.engine.begin() as conn:  # someone with database access cuts the submission out
                    conn.execute(
                        sa.delete(events).where(events.c.originator_id == a1, events.c.originator_version >= version)
                    )
                    seals = log.tables.seals
                    conn.execute(
                        sa.delete(seals).where(seals.c.originator_id == str(a1), seals.c.originator_version >= version)
                    )
                pasted = await public.post("/verifikasi", data={"teks": file.text})
                assert pasted.status_code == 200 and "<h2>Tidak sah</h2>" in pasted.text
                assert "is no longer in the log" in pasted.text
                empty = await public.post("/verifikasi", data={})
                assert empty.status_code == 422 and "Tempelkan isi tanda terima" in empty.text
