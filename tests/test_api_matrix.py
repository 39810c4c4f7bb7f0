"""Who may not do what, bad input on every write, and Idempotency-Key: over HTTP, real workflows.

Every refusal below leaves the log as it was (asserted at the end of each test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.skm import ELEMENTS
from tests.test_api_support import (
    AS_EXPECTED,
    ATASAN,
    AUDITOR,
    EMP1,
    EMP2,
    HR_NIP,
    OUTSIDER,
    RHK,
    SUPERVISOR,
    UNIT,
    appraisal_id,
)
from tests.test_api_world import World, start_server, world

ANON = None
NIP = "198503152010011001"


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


async def submitted(w: World) -> tuple[str, str]:
    """A started cycle in which EMP1's SKP waits for the supervisor."""
    cycle = await w.launch(HR_NIP)
    a1 = str(appraisal_id(cycle, EMP1))
    await w.call("PUT", f"/employees/appraisals/{a1}/skp", EMP1, {"rhk": RHK})
    await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1)
    return cycle, a1


def matrix(c: str, a: str) -> list[tuple[str, str, Any, dict[str | None, int]]]:
    """(method, path, valid body, {caller: expected status}) for callers who must not get through."""
    own = {EMP2: 404, OUTSIDER: 404, SUPERVISOR: 403, ATASAN: 403, AUDITOR: 403, ANON: 401}
    supervisor = {EMP1: 403, EMP2: 404, OUTSIDER: 404, ATASAN: 403, AUDITOR: 403, ANON: 401, HR_NIP: 403}
    hr_only = {EMP1: 403, SUPERVISOR: 403, ATASAN: 403, OUTSIDER: 403, AUDITOR: 403, ANON: 401}
    e, t, h = f"/employees/appraisals/{a}", f"/tasks/appraisals/{a}", f"/hr/appraisals/{a}"
    return [
        ("PUT", f"{e}/skp", {"rhk": RHK}, own),
        ("POST", f"{e}/skp/submit", None, own),
        ("POST", f"{e}/progress", {"period": "Q1", "rhk_id": "R1", "realisation": "x"}, own),
        ("POST", f"{e}/self-assessment", {"text": "x"}, own),
        ("POST", f"{e}/keberatan", {"reasons": "x"}, own),
        ("GET", e, None, {EMP2: 404, OUTSIDER: 404, ANON: 401}),
        ("POST", f"{t}/skp/approve", None, supervisor),
        ("POST", f"{t}/skp/return", {"reasons": "x"}, supervisor),
        ("POST", f"{t}/feedback", {"about": "R1", "text": "x"}, supervisor),
        ("POST", f"{t}/check-ins", {"period": "Q1", "notes": "x"}, supervisor),
        ("POST", f"{t}/rating", {"results_rating": "sesuai", "behaviour_ratings": AS_EXPECTED}, supervisor),
        ("POST", f"{t}/result", None, {k: v for k, v in supervisor.items() if k != HR_NIP}),
        ("POST", f"{t}/delegation", {"to_nip": OUTSIDER, "reason": "cuti"}, supervisor),
        (
            "POST",
            f"{t}/keberatan/decision",
            {"outcome": "upheld", "reasons": "x"},
            # HR passes the route check; the domain then refuses by stage first (no keberatan filed): 409.
            {EMP1: 403, SUPERVISOR: 403, EMP2: 404, OUTSIDER: 404, AUDITOR: 403, ANON: 401, HR_NIP: 409},
        ),
        ("POST", f"{h}/review/open", None, hr_only),
        ("POST", f"{h}/follow-up", {"years_in_rank": 4}, hr_only),
        ("POST", f"{h}/finalise", None, hr_only),
        ("POST", f"{h}/supervisor", {"appraiser_nip": ATASAN, "atasan_nip": HR_NIP, "reason": "x"}, hr_only),
        ("POST", f"{h}/keberatan/decider", {"decider_nip": HR_NIP, "reason": "x"}, hr_only),
        ("POST", "/hr/cycles", {"agency_id": "X", "time_zone": "WIB", "year": 2031, "participants": []}, hr_only),
        ("POST", f"/hr/cycles/{c}/start", None, hr_only),
        ("POST", f"/hr/cycles/{c}/deadlines/review/extension", {"until": "2099-01-01", "reason": "x"}, hr_only),
        ("PUT", f"/hr/cycles/{c}/units/{UNIT}/org-predikat", {"predikat": "baik"}, hr_only),
        ("POST", f"/hr/cycles/{c}/units/{UNIT}/calibration", {}, hr_only),
        ("POST", f"/hr/cycles/{c}/close", None, hr_only),
        ("GET", f"/hr/cycles/{c}/progress", None, {EMP1: 403, SUPERVISOR: 403, ANON: 401}),
        ("GET", f"/hr/cycles/{c}/distribution", None, {EMP1: 403, ATASAN: 403, ANON: 401}),
        ("GET", f"/audit/records/{a}/history", None, {EMP1: 403, SUPERVISOR: 403, ATASAN: 403, ANON: 401}),
        ("GET", f"/audit/appraisals/{a}/recompute", None, {EMP1: 403, ANON: 401}),
        ("GET", "/tasks/me", None, {ANON: 401}),
        ("GET", "/employees/me/appraisals", None, {ANON: 401}),
    ]


async def test_every_role_against_what_it_must_not_reach(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        cycle, a1 = await submitted(w)
        before = w.events(cycle, EMP1)
        for method, path, body, refused in matrix(cycle, a1):
            for caller, status in refused.items():
                answer = await w.call(method, path, caller, body, expect=status)
                assert answer["message"], (method, path, caller)
        assert w.events(cycle, EMP1) == before  # nothing was written by any refusal
        # The domain's own rule, reached through Temporal: HR passes the route check, not approve_skp's.
        refused = await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", HR_NIP, expect=403)
        assert refused["error"] == "NotAllowed" and "pejabat penilai" in refused["message"]


def bad_inputs(c: str, a: str, drafting: str) -> list[tuple[str, str, Any, str]]:
    """(method, path, bad body, the field the answer must name) for every write endpoint."""
    e, t, h = f"/employees/appraisals/{a}", f"/tasks/appraisals/{a}", f"/hr/appraisals/{a}"
    rhk = RHK[0]
    return [
        ("PUT", f"{e}/skp", {"rhk": []}, "rhk"),
        (
            "PUT",
            f"{e}/skp",
            {"rhk": [{**rhk, "indicators": [{**rhk["indicators"][0], "aspect": "rasa"}]}]},
            "rhk[0].indicators[0].aspect",
        ),
        # The domain's rule, through the workflow (on an appraisal whose SKP may still be drafted).
        ("PUT", f"/employees/appraisals/{drafting}/skp", {"rhk": [rhk, rhk]}, "rhk[1].id"),
        ("PUT", f"{e}/skp", {"rhk": [{**rhk, "colour": "red"}]}, "rhk[0].colour"),
        ("POST", "/employees/appraisals/not-an-id/skp/submit", None, "appraisal_id"),
        ("POST", f"{e}/progress", {"period": "Q1", "rhk_id": "R1", "realisation": ""}, "realisation"),
        ("POST", f"{e}/self-assessment", {"text": ""}, "text"),
        ("POST", f"{e}/keberatan", {}, "reasons"),
        ("POST", f"{t}/skp/return", {"reasons": ""}, "reasons"),
        ("POST", f"{t}/delegation", {"to_nip": "123", "reason": "cuti"}, "to_nip"),
        ("POST", f"{t}/delegation", {"to_nip": OUTSIDER, "reason": " "}, "reason"),
        ("POST", f"{t}/feedback", {"text": "x"}, "about"),
        ("POST", f"{t}/check-ins", {"period": "Q1", "notes": "x", "results_rating": "great"}, "results_rating"),
        (
            "POST",
            f"{t}/rating",
            {"results_rating": "sesuai", "behaviour_ratings": {"akuntabel": "wow"}},
            "behaviour_ratings.akuntabel",
        ),
        ("POST", f"{t}/keberatan/decision", {"outcome": "maybe", "reasons": "x"}, "outcome"),
        ("POST", f"{h}/follow-up", {"years_in_rank": -1}, "years_in_rank"),
        ("POST", f"{h}/follow-up", {"years_in_rank": 4, "previous_predikats": ["great"]}, "previous_predikats[0]"),
        ("POST", f"{h}/supervisor", {"appraiser_nip": "123", "atasan_nip": ATASAN, "reason": "x"}, "appraiser_nip"),
        ("POST", f"{h}/keberatan/decider", {"decider_nip": NIP[:8] + "13" + NIP[10:], "reason": "x"}, "decider_nip"),
        ("POST", "/hr/cycles", {"agency_id": "X", "time_zone": "UTC", "year": 2031}, "time_zone"),
        ("POST", "/hr/cycles", {"agency_id": "X", "time_zone": "WIB", "year": 1999}, "year"),
        (
            "POST",
            "/hr/cycles",
            {
                "agency_id": "X",
                "time_zone": "WIB",
                "year": 2031,
                "participants": [
                    {"nip": "1", "name": "x", "unit_id": "U", "appraiser_nip": EMP1, "atasan_nip": ATASAN}
                ],
            },
            "participants[0].nip",
        ),
        (
            "POST",
            "/hr/cycles",
            {"agency_id": "X", "time_zone": "WIB", "year": 2031, "deadlines": {"soon": "x"}},
            "deadlines.soon",
        ),
        ("POST", "/hr/cycles", {"agency_id": "NO-ORG", "time_zone": "WIB", "year": 2031}, "participants"),
        ("POST", f"/hr/cycles/{c}/start", {"review_opens": "13-01"}, "review_opens"),
        ("POST", f"/hr/cycles/{c}/deadlines/review/extension", {"until": "tomorrow", "reason": "x"}, "until"),
        ("POST", f"/hr/cycles/{c}/deadlines/review/extension", {"until": "2020-01-01", "reason": "x"}, "until"),
        ("POST", f"/hr/cycles/{c}/deadlines/someday/extension", {"until": "2099-01-01", "reason": "x"}, "name"),
        ("PUT", f"/hr/cycles/{c}/units/{UNIT}/org-predikat", {"predikat": "great"}, "predikat"),
        ("PUT", f"/hr/cycles/{c}/units/NOPE/org-predikat", {"predikat": "baik"}, "unit_id"),
        ("POST", f"/hr/cycles/{c}/units/{UNIT}/calibration", {"justification": 5}, "justification"),
        ("POST", "/hr/org/import", None, "file"),
        (
            "POST",
            "/feedback/surveys",
            {"agency_id": "X", "unit_id": "U", "answers": {**dict.fromkeys(ELEMENTS, 3), "prosedur": 0}},
            "answers.prosedur",
        ),
    ]


async def test_bad_input_on_every_write_names_the_field(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        cycle, a1 = await submitted(w)
        before, a2 = w.events(cycle, EMP1), str(appraisal_id(cycle, EMP2))
        for method, path, body, field in bad_inputs(cycle, a1, a2):
            caller = HR_NIP if path.startswith("/hr") else SUPERVISOR if path.startswith("/tasks") else EMP1
            caller = EMP2 if a2 in path else caller
            answer = await w.call(method, path, None if path.startswith("/feedback") else caller, body, expect=422)
            assert answer["field"] == field, (method, path, answer)
            assert field.split(".")[0].split("[")[0] in answer["message"], answer
        # A rule only the domain knows, checked in the running workflow: a period the cycle does not have.
        await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR)
        answer = await w.call(
            "POST",
            f"/employees/appraisals/{a1}/progress",
            EMP1,
            {"period": "Q9", "rhk_id": "R1", "realisation": "x"},
            expect=422,
        )
        assert answer["field"] == "period" and "Q1, Q2, Q3, Q4" in answer["message"]
        answer = await w.call(
            "POST",
            f"/employees/appraisals/{a1}/progress",
            EMP1,
            {"period": "Q1", "rhk_id": "R7", "realisation": "x"},
            expect=422,
        )
        assert answer["field"] == "rhk_id"
        assert w.events(cycle, EMP1) == [*before, "SkpApproved"] and w.events(cycle, EMP2) == ["Opened"]
        long_key = await w.call(
            "POST", f"/employees/appraisals/{a1}/self-assessment", EMP1, {"text": "x"}, key="k" * 201, expect=422
        )
        assert long_key["field"] == "Idempotency-Key"


async def test_a_repeated_idempotency_key_returns_the_first_answer(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        cycle = await w.launch(HR_NIP)
        a1, a2 = str(appraisal_id(cycle, EMP1)), str(appraisal_id(cycle, EMP2))
        skp = f"/employees/appraisals/{a1}/skp"
        first = await w.http.put(f"/api/v1{skp}", json={"rhk": RHK}, headers=await w.headers(EMP1, "draft-1"))
        again = await w.http.put(f"/api/v1{skp}", json={"rhk": RHK}, headers=await w.headers(EMP1, "draft-1"))
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert w.events(cycle, EMP1) == ["Opened", "SkpDrafted"]

        # The same key for another request is refused; another caller's same key is their own.
        other = await w.call("PUT", skp, EMP1, {"rhk": [{**RHK[0], "text": "lain"}]}, key="draft-1", expect=422)
        assert other["field"] == "Idempotency-Key"
        await w.call("PUT", f"/employees/appraisals/{a2}/skp", EMP2, {"rhk": RHK}, key="draft-1")
        assert w.events(cycle, EMP2) == ["Opened", "SkpDrafted"]

        # A refusal is an answer too: repeated, it comes back the same.
        refused = await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR, key="approve-1", expect=409)
        assert (
            await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR, key="approve-1", expect=409)
        ) == refused

        # Without the API's memory (another replica, a restart) the key still reaches the log once.
        submitted = await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1, key="submit-1")
        w.app.state.idempotency_cache.entries.clear()
        repeated = await w.call("POST", f"/employees/appraisals/{a1}/skp/submit", EMP1, key="submit-1")
        assert repeated["version"] == submitted["version"] and repeated["stage"] == submitted["stage"]
        assert w.events(cycle, EMP1) == ["Opened", "SkpDrafted", "SkpSubmitted"]

        # HR's writes too: a cycle defined twice with one key is one cycle.
        body = {"agency_id": "AG-IDEM", "time_zone": "WIB", "year": await w.year(), "participants": []}
        defined = await w.call("POST", "/hr/cycles", HR_NIP, body, key="define-1", expect=201)
        w.app.state.idempotency_cache.entries.clear()
        assert (await w.call("POST", "/hr/cycles", HR_NIP, body, key="define-1", expect=201)) == defined
        assert (await w.call("POST", "/hr/cycles", HR_NIP, body, expect=409))["error"] == "WrongStage"


async def test_a_delegate_gets_the_task_in_their_inbox_and_acts_on_it(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        cycle, a1 = await submitted(w)
        delegated = await w.call(
            "POST",
            f"/tasks/appraisals/{a1}/delegation",
            SUPERVISOR,
            {"to_nip": EMP2, "reason": "Cuti besar; dilimpahkan"},  # a colleague of the same agency
        )
        assert delegated["pending"] == {"task": "review_skp", "assignee": EMP2}
        inbox = await w.call("GET", "/tasks/me", EMP2)
        assert [(t["appraisal_id"], t["task"]) for t in inbox if t["task"] == "review_skp"] == [(a1, "review_skp")]
        assert await w.call("GET", "/tasks/me", SUPERVISOR) == []
        refused = await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", SUPERVISOR, expect=403)
        assert "or their delegate" in refused["message"]
        approved = await w.call("POST", f"/tasks/appraisals/{a1}/skp/approve", EMP2)
        assert approved["stage"] == "execution"
        assert w.events(cycle, EMP1)[-2:] == ["TaskDelegated", "SkpApproved"]
