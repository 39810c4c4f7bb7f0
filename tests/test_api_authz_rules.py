"""Issue 8, finding 6 over HTTP: each authorisation rule answers 403/409 with the rule, and writes nothing.

The rules themselves are the domain's (tests/test_authz_rules.py has their tables); here one request
per rule goes through the API, the workflow and the activity, and the logs are compared before/after.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.audit import Audit
from tests.test_api_support import (
    AS_EXPECTED,
    ATASAN,
    EMP1,
    HR_NIP,
    OUTSIDER,
    RHK,
    SUPERVISOR,
    UNIT,
    appraisal_id,
    participant,
)
from tests.test_api_world import World, start_server, world
from tests.test_web_pages import post_form, sign_in


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


def logs(w: World, *records: str | UUID) -> list[list[str]]:
    return [[e["type"] for e in Audit(w.store).history(UUID(str(r)))] for r in records]


async def planned(w: World, cycle: str, nip: str = EMP1) -> str:
    a = str(appraisal_id(cycle, nip))
    await w.call("PUT", f"/employees/appraisals/{a}/skp", nip, {"rhk": RHK})
    await w.call("POST", f"/employees/appraisals/{a}/skp/submit", nip)
    await w.call("POST", f"/tasks/appraisals/{a}/skp/approve", SUPERVISOR)
    return a


async def test_a_delegation_outside_the_agency_is_403_and_the_outsider_reads_nothing(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP)
        a1 = str(appraisal_id(cycle, EMP1))
        before = logs(w, a1)
        refused = await w.call(
            "POST", f"/tasks/appraisals/{a1}/delegation", SUPERVISOR, {"to_nip": OUTSIDER, "reason": "cuti"}, expect=403
        )
        assert refused["error"] == "NotAllowed"
        assert refused["message"] == (
            f"to_nip: {OUTSIDER} is not an active employee of this agency: "
            "a pejabat penilai delegates only to a colleague of the same agency"
        )
        assert logs(w, a1) == before
        hidden = await w.call("GET", f"/employees/appraisals/{a1}", OUTSIDER, expect=404)
        assert hidden["error"] == "NotFound"


async def test_hr_acting_on_her_own_appraisal_or_naming_herself_appraiser_is_403(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, [participant(EMP1, "Budi"), participant(HR_NIP, "Siti HR")])
        own, a1 = str(appraisal_id(cycle, HR_NIP)), str(appraisal_id(cycle, EMP1))
        before = logs(w, own, a1, cycle)
        mine = await w.call(
            "POST",
            f"/hr/appraisals/{own}/supervisor",
            HR_NIP,
            {"appraiser_nip": ATASAN, "atasan_nip": OUTSIDER, "reason": "mutasi"},
            expect=403,
        )
        assert mine["message"] == "nobody acts as HR on their own appraisal: another pengelola kinerja must do it"
        herself = await w.call(
            "POST",
            f"/hr/appraisals/{a1}/supervisor",
            HR_NIP,
            {"appraiser_nip": HR_NIP, "atasan_nip": ATASAN, "reason": "mutasi"},
            expect=403,
        )
        assert herself["message"] == (
            "HR cannot make itself anyone's pejabat penilai or atasan: another pengelola kinerja must name them"
        )
        assert logs(w, own, a1, cycle) == before
        approve = await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", HR_NIP, expect=403)
        assert "pejabat penilai" in approve["message"]  # nor, not being the appraiser, approve Budi's SKP


async def test_closing_with_open_appraisals_is_409_until_each_is_named_and_hr_reopens_with_a_reason(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, [participant(EMP1, "Budi")])
        before = logs(w, cycle)
        refused = await w.call("POST", f"/hr/cycles/{cycle}/close", HR_NIP, expect=409)
        assert refused["error"] == "WrongStage"
        assert refused["message"] == (
            f"the cycle has 1 open appraisal(s) not named as exceptions: {EMP1} (planning); "
            "finalise them, or name each one in exceptions with the reason it stays open"
        )
        assert logs(w, cycle) == before
        blank = await w.call("POST", f"/hr/cycles/{cycle}/close", HR_NIP, {"exceptions": {EMP1: " "}}, expect=422)
        assert blank["field"] == f"exceptions.{EMP1}"
        assert logs(w, cycle) == before

        reason = "cuti melahirkan; dinilai setelah kembali"
        await w.call("POST", f"/hr/cycles/{cycle}/close", HR_NIP, {"exceptions": {EMP1: reason}})
        closed = Audit(w.store).history(UUID(cycle))[-1]
        assert (closed["type"], closed["payload"]["exceptions"]) == ("Closed", {EMP1: reason})
        shut = await w.call(
            "PUT", f"/hr/cycles/{cycle}/units/{UNIT}/org-predikat", HR_NIP, {"predikat": "baik"}, expect=409
        )
        assert shut["message"] == "the cycle is closed"

        no_reason = await w.call("POST", f"/hr/cycles/{cycle}/reopen", HR_NIP, {}, expect=422)
        assert no_reason["field"] == "reason"
        await w.call("POST", f"/hr/cycles/{cycle}/reopen", EMP1, {"reason": "x"}, expect=403)
        await w.call("POST", f"/hr/cycles/{cycle}/reopen", HR_NIP, {"reason": "keberatan dikabulkan"})
        assert logs(w, cycle)[0][-2:] == ["Closed", "Reopened"]
        again = await w.call("POST", f"/hr/cycles/{cycle}/reopen", HR_NIP, {"reason": "lagi"}, expect=409)
        assert again["message"] == "the cycle is started: only a closed cycle is reopened"
        # The workflow serves HR again after the reopening.
        await w.call("PUT", f"/hr/cycles/{cycle}/units/{UNIT}/org-predikat", HR_NIP, {"predikat": "baik"})
        progress = await w.call("GET", f"/hr/cycles/{cycle}/progress", HR_NIP)
        assert progress["workflow"]["closed"] is False


async def test_changing_the_organisation_predikat_after_calibration_is_409(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, [participant(EMP1, "Budi")])
        a1 = await planned(w, cycle)
        await w.call("POST", f"/hr/appraisals/{a1}/review/open", HR_NIP)
        rating = {"results_rating": "sesuai", "behaviour_ratings": AS_EXPECTED}
        await w.call("POST", f"/tasks/appraisals/{a1}/rating", SUPERVISOR, rating)
        predikat = f"/hr/cycles/{cycle}/units/{UNIT}/org-predikat"
        await w.call("PUT", predikat, HR_NIP, {"predikat": "baik"})
        await w.call("PUT", predikat, HR_NIP, {"predikat": "istimewa"})  # not calibrated yet: may change
        await w.call("POST", f"/hr/cycles/{cycle}/units/{UNIT}/calibration", HR_NIP, {"justification": "unit kecil"})
        before = logs(w, cycle)
        frozen = await w.call("PUT", predikat, HR_NIP, {"predikat": "kurang"}, expect=409)
        assert frozen["error"] == "WrongStage"
        assert frozen["message"] == (
            f"the organisation predikat of unit {UNIT!r} is frozen once the unit is calibrated: "
            "it stays 'istimewa', the predikat its distribution was checked against"
        )
        assert logs(w, cycle) == before
        assert (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["org_predikat"] == {UNIT: "istimewa"}


async def test_hr_closes_and_reopens_the_cycle_on_its_page_in_bahasa_indonesia(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP, [participant(EMP1, "Budi")])
        await sign_in(w.http, HR_NIP)
        page = await w.http.get(f"/hr/siklus/{cycle}")
        assert "Penutupan siklus" in page.text and f'name="alasan:{EMP1}"' in page.text

        before = logs(w, cycle)
        refused = await post_form(w.http, f"/hr/siklus/{cycle}/tutup", {f"alasan:{EMP1}": ""})
        assert refused.status_code == 409
        # the rule, on the page, in Bahasa Indonesia with the appraisal it names
        assert f"1 penilaian terbuka yang tidak dicantumkan sebagai pengecualian: Budi ({EMP1}, Perencanaan SKP)" in (
            refused.text
        )
        assert logs(w, cycle) == before

        reason = "cuti melahirkan sampai Maret"
        closed = await post_form(w.http, f"/hr/siklus/{cycle}/tutup", {f"alasan:{EMP1}": reason})
        assert closed.status_code == 303 and "pesan=siklus-ditutup" in closed.headers["location"]
        page = await w.http.get(closed.headers["location"])
        assert "Siklus ditutup." in page.text and f"Budi ({EMP1}): {reason}" in page.text
        assert "Buka kembali siklus" in page.text

        reopened = await post_form(w.http, f"/hr/siklus/{cycle}/buka-kembali", {"reason": "koreksi nilai"})
        assert reopened.status_code == 303 and "pesan=siklus-dibuka" in reopened.headers["location"]
        assert logs(w, cycle)[0][-2:] == ["Closed", "Reopened"]
        assert "Tutup siklus" in (await w.http.get(f"/hr/siklus/{cycle}")).text
