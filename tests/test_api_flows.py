"""A whole cycle driven only through HTTP by its different users, on a real Temporal server and worker.

HR defines and starts the cycle; Budi (EMP1) drafts his SKP, his pejabat penilai returns it, then
approves it; progress, a check-in, continuous feedback and a citizen survey follow; HR opens the
review; both employees are rated; HR sets the unit's predikat and calibrates; results go out;
Budi files a keberatan that his atasan amends; Citra's window closes by itself; HR decides the
follow-up and finalises; the auditor verifies and recomputes; HR extends a deadline and closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.rules import BERAKHLAK
from domain.skm import ELEMENTS
from tests.test_api_support import (
    AS_EXPECTED,
    ATASAN,
    AUDITOR,
    EMP1,
    EMP2,
    HR_NIP,
    RHK,
    SUPERVISOR,
    UNIT,
    appraisal_id,
)
from tests.test_api_world import API, eventually, start_server, world

ABOVE = dict.fromkeys(BERAKHLAK, "di_atas")


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


async def test_a_whole_cycle_through_http(env: WorkflowEnvironment, tmp_path: Path, store_url: str) -> None:
    """On SQLite and on PostgreSQL (store_url, tests/conftest.py): event store and read models alike."""
    async with world(env, tmp_path, store_url) as w:
        health = await w.http.get("/health")
        body = health.json()
        assert health.status_code == 200 and {k: body[k] for k in ("status", "temporal", "database")} == {
            "status": "ok",
            "temporal": {"ok": True},
            "database": {"ok": True},
        }
        assert body["read_models"]["ok"] is True and body["read_models"]["last_error"] is None
        cycle = await w.launch(HR_NIP)
        again = await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, expect=409)
        assert "already" in again["message"]
        a1, a2 = appraisal_id(cycle, EMP1), appraisal_id(cycle, EMP2)
        mine = await w.call("GET", "/employees/me/appraisals", EMP1)
        assert [(m["appraisal_id"], m["stage"]) for m in mine] == [(str(a1), "planning")]

        # Planning: draft, submit, returned with reasons, redrafted, approved.
        drafted = await w.call("PUT", f"/employees/appraisals/{a1}/skp", EMP1, {"rhk": RHK})
        assert drafted["stage"] == "planning" and drafted["pending"] == {"task": "draft_skp", "assignee": EMP1}
        submitted = await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1)
        assert submitted["pending"] == {"task": "review_skp", "assignee": SUPERVISOR}
        inbox = await w.call("GET", "/tasks/me", SUPERVISOR)
        assert [(t["appraisal_id"], t["task"]) for t in inbox if t["appraisal_id"] == str(a1)] == [
            (str(a1), "review_skp")
        ]
        returned = await w.call(
            "POST", f"/tasks/appraisals/{a1}/skp/return", SUPERVISOR, {"reasons": "Target IKI terlalu rendah"}
        )
        assert returned["pending"] == {"task": "draft_skp", "assignee": EMP1}
        assert (await w.call("GET", f"/employees/appraisals/{a1}", EMP1))["skp_returns"][0]["reasons"] == (
            "Target IKI terlalu rendah"
        )
        better = [{**RHK[0], "indicators": [{**RHK[0]["indicators"][0], "target": "1500"}]}]
        await w.call("PUT", f"/employees/appraisals/{a1}/skp", EMP1, {"rhk": better})
        await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1)
        approved = await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR)
        assert approved["stage"] == "execution"
        await w.call("PUT", f"/employees/appraisals/{a2}/skp", EMP2, {"rhk": RHK})
        await w.call("POST", f"/employees/appraisals/{a2}/skp/submit", EMP2)
        await w.call("POST", f"/tasks/appraisals/{a2}/skp/approve", SUPERVISOR)

        # Execution: progress with evidence, a check-in with periodic ratings, feedback, a citizen survey.
        await w.call(
            "POST",
            f"/employees/appraisals/{a1}/progress",
            EMP1,
            {"period": "Q1", "rhk_id": "R1", "realisation": "410 KTP", "evidence": "https://arsip/q1.pdf"},
        )
        check_in = await w.call(
            "POST",
            f"/tasks/appraisals/{a1}/check-ins",
            SUPERVISOR,
            {"period": "Q1", "notes": "Dialog kinerja Q1", "results_rating": "sesuai", "behaviour_rating": "sesuai"},
        )
        assert check_in["stage"] == "execution"
        await w.call("POST", f"/tasks/appraisals/{a1}/feedback", SUPERVISOR, {"about": "R1", "text": "Pertahankan"})
        agency = (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["agency_id"]
        survey = await w.call(
            "POST",
            "/feedback/surveys",
            None,
            {
                "agency_id": agency,
                "employee_nip": EMP2,
                "answers": {**dict.fromkeys(ELEMENTS, 3), "perilaku_pelaksana": 4, "waktu_penyelesaian": 4},
                "comment": "Ramah",
            },
            expect=201,
        )
        assert survey["employee_nip"] == EMP2 and survey["quality"] == "B" and survey["ikm"] == 80.56
        summary = await w.call("GET", f"/feedback/units/{agency}/{UNIT}", None)
        assert summary["responses"] == 1 and summary["elements"]["perilaku_pelaksana"] == 4

        # Review: HR opens it, self-assessment, ratings; no result before calibration.
        for a in (a1, a2):
            assert (await w.call("POST", f"/hr/appraisals/{a}/review/open", HR_NIP))["stage"] == "review"
        await w.call("POST", f"/employees/appraisals/{a1}/self-assessment", EMP1, {"text": "Target tercapai"})
        rated = await w.call(
            "POST",
            f"/tasks/appraisals/{a1}/rating",
            SUPERVISOR,
            {"results_rating": "di_atas", "behaviour_ratings": AS_EXPECTED, "notes": "Baik"},
        )
        assert rated["predikat"] == "baik"
        rated = await w.call(
            "POST",
            f"/tasks/appraisals/{a2}/rating",
            SUPERVISOR,
            {"results_rating": "di_bawah", "behaviour_ratings": AS_EXPECTED},
        )
        assert rated["predikat"] == "butuh_perbaikan"
        early = await w.call("POST", f"/tasks/appraisals/{a1}/result", SUPERVISOR, expect=409)
        assert "calibrated" in early["message"]

        # Calibration against the curve of the unit's organisation predikat.
        await w.call("PUT", f"/hr/cycles/{cycle}/units/{UNIT}/org-predikat", HR_NIP, {"predikat": "baik"})
        calibrated = await w.call("POST", f"/hr/cycles/{cycle}/units/{UNIT}/calibration", HR_NIP, {})
        assert calibrated["warnings"] == []
        # Like every HR write, the calibration answers with HR's receipt of the event it wrote (#11's gap).
        event = calibrated["receipt"]["event"]
        assert (event["record_id"], event["by"], event["version"]) == (cycle, HR_NIP, calibrated["version"])
        assert (await w.http.post(f"{API}/receipts/verify", json=calibrated["receipt"])).json()["ok"] is True
        distribution = await eventually(
            lambda: w.call("GET", f"/hr/cycles/{cycle}/distribution", AUDITOR), lambda d: d and d[0]["rated"] == 2
        )
        assert distribution[0]["counts"]["baik"] == 1 and distribution[0]["curve_warnings"] == []
        progress = await w.call("GET", f"/hr/cycles/{cycle}/progress", HR_NIP)
        assert progress["units"][0]["stages"] == {"review": 2}

        # Results, and Budi's keberatan decided by his atasan.
        for a in (a1, a2):
            assert (await w.call("POST", f"/tasks/appraisals/{a}/result", SUPERVISOR))["stage"] == "result_delivered"
        result = await w.call("GET", f"/employees/appraisals/{a1}/result", EMP1)
        assert result["predikat"] == "baik" and result["keberatan_days_left"] == 14
        filed = await w.call("POST", f"/employees/appraisals/{a1}/keberatan", EMP1, {"reasons": "Q4 belum dinilai"})
        assert filed["pending"] == {"task": "decide_keberatan", "assignee": ATASAN}
        assert [t["task"] for t in await w.call("GET", "/tasks/me", ATASAN)] == ["decide_keberatan"]
        await w.call(
            "POST",
            f"/tasks/appraisals/{a1}/keberatan/decision",
            SUPERVISOR,
            {"outcome": "upheld", "reasons": "x"},
            expect=403,
        )
        decided = await w.call(
            "POST",
            f"/tasks/appraisals/{a1}/keberatan/decision",
            ATASAN,
            {"outcome": "amended", "reasons": "Bukti Q4 sah", "results_rating": "di_atas", "behaviour_ratings": ABOVE},
        )
        assert decided["stage"] == "follow_up" and decided["predikat"] == "sangat_baik"

        # Citra files nothing: 15 days later her window has closed by itself.
        await w.sleep(timedelta(days=15))
        await eventually(
            lambda: w.call("GET", f"/employees/appraisals/{a2}", EMP2), lambda v: v["stage"] == "follow_up"
        )
        late = await w.call("POST", f"/employees/appraisals/{a2}/keberatan", EMP2, {"reasons": "terlambat"}, expect=409)
        assert late["error"] == "DeadlinePassed" and "within 14 days" in late["message"]

        # Follow-up and finalisation by HR.
        for a in (a1, a2):
            followed = await w.call(
                "POST",
                f"/hr/appraisals/{a}/follow-up",
                HR_NIP,
                {"previous_predikats": ["baik", "baik"], "years_in_rank": 4},
            )
            assert followed["pending"] == {"task": "finalise", "assignee": "hr"}
            assert (await w.call("POST", f"/hr/appraisals/{a}/finalise", HR_NIP))["stage"] == "finalised"
        final = await w.call("GET", f"/employees/appraisals/{a1}/result", EMP1)
        assert final["predikat"] == "sangat_baik" and final["follow_up"]["promotion_eligible"] is True
        after = await w.call(
            "POST", f"/tasks/appraisals/{a1}/feedback", SUPERVISOR, {"about": "R1", "text": "x"}, expect=409
        )
        assert after == {  # written straight to the domain, which refuses it: no workflow is asked
            "error": "WrongStage",
            "code": "appraisal.wrong_stage",
            "params": {"stage": "finalised", "stages": "execution or review"},
            "message": "the appraisal is at finalised, not execution or review",
            "field": None,
        }

        # The auditor's view of Budi's record.
        assert w.events(cycle, EMP1) == [
            "Opened",
            "SkpDrafted",
            "SkpSubmitted",
            "SkpReturned",
            "SkpDrafted",
            "SkpSubmitted",
            "SkpApproved",
            "ProgressReported",
            "CheckInHeld",
            "FeedbackGiven",
            "ReviewOpened",
            "SelfAssessed",
            "Rated",
            "ResultDelivered",
            "KeberatanFiled",
            "KeberatanDecided",
            "FollowUpDecided",
            "Finalised",
        ]
        base = f"/audit/records/{a1}"
        assert (await w.call("GET", f"{base}/verify", AUDITOR))["ok"] is True
        recomputed = await w.call("GET", f"/audit/appraisals/{a1}/recompute", AUDITOR)
        assert recomputed["all_match"] and [r["event"] for r in recomputed["ratings"]] == ["Rated", "KeberatanDecided"]
        csv = await w.call("GET", f"{base}/export", AUDITOR, params={"format": "csv"})
        assert len(csv.text.strip().splitlines()) == 19
        assert "FeedbackGiven" not in w.events(cycle, EMP2)  # the citizen survey stays beside Citra's record
        seen = await w.call("GET", f"/tasks/appraisals/{appraisal_id(cycle, EMP2)}/surveys", SUPERVISOR)
        assert [s["comment"] for s in seen] == ["Ramah"]  # where her appraiser reads it

        # HR extends the follow-up deadline, then closes the cycle.
        year = (await w.call("GET", f"/hr/cycles/{cycle}", HR_NIP))["year"]
        extended = await w.call(
            "POST",
            f"/hr/cycles/{cycle}/deadlines/follow_up/extension",
            HR_NIP,
            {"until": f"{year + 1}-04-30", "reason": "SE BKN perpanjangan"},
        )
        assert extended["until"].startswith(f"{year + 1}-04-30")
        assert (await w.call("GET", f"/hr/cycles/{cycle}", AUDITOR))["extensions"][0]["reason"] == "SE BKN perpanjangan"
        await w.call("POST", f"/hr/cycles/{cycle}/close", HR_NIP)
        closed = await w.call("POST", f"/hr/cycles/{cycle}/close", HR_NIP, expect=409)
        assert "closed" in closed["message"]
