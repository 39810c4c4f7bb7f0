"""The API without Temporal: authentication, authorisation of reads, audit routes, errors, health.

The event store is a real SQLite file written by the domain application itself.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jwt
import pytest

from api.ratelimit import SurveyLimiter
from domain.skm import ELEMENTS
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

API = "/api/v1"


@pytest.fixture
def settings(tmp_path: Path):
    return settings_for(tmp_path)


@pytest.fixture
def app(settings):
    return build_app(settings)


async def test_dev_login_issues_a_token_with_the_directory_roles(app) -> None:
    async with running(app) as client:
        response = await client.post(f"{API}/auth/dev-login", json={"nip": HR_NIP})
        assert response.status_code == 200
        assert response.json()["roles"] == ["hr"]
        me = await client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})
        assert me.json() == {"nip": HR_NIP, "roles": ["hr"], "name": "Siti HR"}


async def test_dev_login_refuses_a_malformed_nip_naming_the_part(app) -> None:
    async with running(app) as client:
        response = await client.post(f"{API}/auth/dev-login", json={"nip": "19850315201001300"})
        assert response.status_code == 422
        assert response.json()["field"] == "nip"
        assert "18 digits" in response.json()["message"]
        response = await client.post(f"{API}/auth/dev-login", json={"nip": "198513152010011001"})
        assert response.status_code == 422
        assert "birth date" in response.json()["message"]


async def test_dev_login_refuses_strangers_and_is_off_in_production(tmp_path: Path) -> None:
    async with running(build_app(settings_for(tmp_path))) as client:
        response = await client.post(f"{API}/auth/dev-login", json={"nip": "199912312020121999"})
        assert response.status_code == 401
    async with running(build_app(settings_for(tmp_path, dev_login=False))) as client:
        response = await client.post(f"{API}/auth/dev-login", json={"nip": HR_NIP})
        assert response.status_code == 404


@pytest.mark.parametrize(
    "header, reason",
    [
        (None, "missing Authorization"),
        ("Basic abc", "Bearer <token>"),
        ("Bearer not-a-jwt", "not a JWT"),
    ],
)
async def test_no_or_bad_credentials_are_401(app, header: str | None, reason: str) -> None:
    headers = {"Authorization": header} if header else {}
    async with running(app) as client:
        response = await client.get(f"{API}/tasks/me", headers=headers)
        assert response.status_code == 401
        assert reason in response.json()["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_expired_wrongly_signed_and_disabled_dev_tokens_are_401(settings, tmp_path: Path) -> None:
    now = int(time.time())
    expired = jwt.encode({"iss": "kinerja-dev", "sub": EMP1, "exp": now - 10}, settings.jwt_secret, "HS256")
    forged = jwt.encode({"iss": "kinerja-dev", "sub": EMP1, "exp": now + 60}, "another-secret-" + "y" * 32, "HS256")
    unsigned = jwt.encode({"iss": "kinerja-dev", "sub": EMP1, "exp": now + 60}, None, "none")
    async with running(build_app(settings)) as client:
        for token, reason in ((expired, "expired"), (forged, "invalid"), (unsigned, "'none'")):
            response = await client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401 and reason in response.json()["message"], response.text
        headers = await login(client, EMP1)
    async with running(build_app(settings_for(tmp_path, dev_login=False))) as client:
        response = await client.get(f"{API}/auth/me", headers=headers)
        assert response.status_code == 401 and "disabled" in response.json()["message"]


async def test_health_reports_each_dependency(app) -> None:
    async with running(app) as client:
        response = await client.get("/health")
    # No Temporal server in this test: the lazy client points at 127.0.0.1:1.
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["temporal"]["ok"] is False and response.status_code == 503


async def test_writes_without_a_reachable_temporal_are_503_and_change_nothing(app) -> None:
    cycle_id, appraisal = seed_appraisal(app.state.appraisals)
    async with running(app) as client:
        response = await client.post(
            f"{API}/tasks/appraisals/{appraisal}/skp/approve", headers=await login(client, SUPERVISOR)
        )
        assert response.status_code == 503 and response.json()["error"] == "TemporalUnavailable"
        response = await client.post(f"{API}/hr/cycles/{cycle_id}/close", headers=await login(client, HR_NIP))
        assert response.status_code == 503
    assert app.state.appraisals.appraisal(appraisal).version == 3


async def test_appraisal_reads_are_for_the_people_related_to_it(app) -> None:
    cycle_id, appraisal = seed_appraisal(app.state.appraisals)
    path = f"{API}/employees/appraisals/{appraisal}"
    async with running(app) as client:
        for nip, relation in (
            (EMP1, ["employee"]),
            (SUPERVISOR, ["appraiser"]),
            (ATASAN, ["atasan"]),
            (HR_NIP, []),
            (AUDITOR, []),
        ):
            response = await client.get(path, headers=await login(client, nip))
            assert response.status_code == 200, (nip, response.text)
            assert response.json()["your_relations"] == relation
            assert response.json()["pending"] == {"task": "review_skp", "assignee": SUPERVISOR}
        for nip in (OUTSIDER, EMP2):  # a colleague of the same unit sees nothing either
            response = await client.get(path, headers=await login(client, nip))
            assert response.status_code == 404, response.text
        response = await client.get(f"{path}/result", headers=await login(client, EMP1))
        assert response.status_code == 409 and "not delivered" in response.json()["message"]
        response = await client.get(f"{API}/employees/appraisals/not-a-uuid", headers=await login(client, EMP1))
        assert response.status_code == 422 and response.json()["field"] == "appraisal_id"


async def test_audit_routes_answer_auditors_and_hr_only(app) -> None:
    _, appraisal = seed_appraisal(app.state.appraisals)
    base = f"{API}/audit/records/{appraisal}"
    async with running(app) as client:
        auditor = await login(client, AUDITOR)
        history = (await client.get(f"{base}/history", headers=auditor)).json()
        assert [e["type"] for e in history] == ["Opened", "SkpDrafted", "SkpSubmitted"]
        assert history[1]["by"] == EMP1 and history[1]["prev_digest"] == history[0]["digest"]
        verify = (await client.get(f"{base}/verify", headers=auditor)).json()
        assert verify["ok"] is True and verify["events"] == 3
        state = (await client.get(f"{base}/state", params={"version": 2}, headers=auditor)).json()
        assert state["version"] == 2 and state["skp_status"] == "draft"
        at = (await client.get(f"{base}/state", params={"at": "2030-01-07T00:00:00+07:00"}, headers=auditor)).json()
        assert at["version"] == 2
        diff = (
            await client.get(
                f"{base}/diff",
                headers=auditor,
                params={"since": "2030-01-06T00:00:00+00:00", "until": "2030-01-11T00:00:00+00:00"},
            )
        ).json()
        assert diff["changed"]["skp_status"] == {"before": "draft", "after": "submitted"}
        recompute = (await client.get(f"{API}/audit/appraisals/{appraisal}/recompute", headers=auditor)).json()
        assert recompute["all_match"] is True and recompute["ratings"] == []
        csv = await client.get(f"{base}/export", params={"format": "csv"}, headers=auditor)
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0].startswith("version,type,at,by")
        assert len(csv.text.splitlines()) == 4
        exported = (await client.get(f"{base}/export", headers=auditor)).json()
        assert exported["verification"]["ok"] and len(exported["events"]) == 3
        assert (await client.get(f"{base}/history", headers=await login(client, HR_NIP))).status_code == 200
        for nip in (EMP1, SUPERVISOR, OUTSIDER):
            response = await client.get(f"{base}/history", headers=await login(client, nip))
            assert response.status_code == 403, nip


async def test_audit_inputs_are_checked_with_the_field_named(app) -> None:
    _, appraisal = seed_appraisal(app.state.appraisals)
    base = f"{API}/audit/records/{appraisal}"
    async with running(app) as client:
        auditor = await login(client, AUDITOR)
        cases = [
            (f"{base}/state", {"version": 0}, 422, "version"),
            (f"{base}/state", {"version": 99}, 422, "version"),
            (f"{base}/state", {"at": "2030-01-07T00:00:00"}, 422, "at"),  # no zone
            (f"{base}/state", {"at": "2020-01-01T00:00:00+00:00"}, 422, "at"),  # before the record existed
            (f"{base}/state", {"at": "yesterday"}, 422, "at"),
            (f"{base}/diff", {"since": "2030-02-01T00:00:00Z", "until": "2030-01-01T00:00:00Z"}, 422, "until"),
            (f"{base}/diff", {"since": "2030-02-01T00:00:00Z"}, 422, "until"),
            (f"{base}/export", {"format": "xml"}, 422, "format"),
            (f"{API}/audit/records/6b1f0c2e-0000-4000-8000-000000000000/history", {}, 404, None),
        ]
        for path, params, status, field in cases:
            response = await client.get(path, params=params, headers=auditor)
            assert response.status_code == status, (path, params, response.text)
            assert response.json()["field"] == field, (params, response.json())


async def test_auditors_cannot_write_anything(app) -> None:
    _, appraisal = seed_appraisal(app.state.appraisals)
    async with running(app) as client:
        auditor = await login(client, AUDITOR)
        writes = [
            ("post", f"{API}/hr/cycles", {"agency_id": "X", "time_zone": "WIB", "year": 2030, "participants": []}),
            ("post", f"{API}/tasks/appraisals/{appraisal}/skp/approve", None),
            ("put", f"{API}/employees/appraisals/{appraisal}/skp", {"rhk": []}),
            ("post", f"{API}/hr/appraisals/{appraisal}/finalise", None),
        ]
        for method, path, body in writes:
            response = await client.request(method.upper(), path, json=body, headers=auditor)
            assert response.status_code in (403, 422), (path, response.text)
        # A valid body still meets the read-only rule.
        response = await client.post(f"{API}/tasks/appraisals/{appraisal}/skp/approve", headers=auditor)
        assert response.status_code == 403 and "read-only" in response.json()["message"]


async def test_hr_only_routes_refuse_everyone_else(app) -> None:
    cycle_id, _ = seed_appraisal(app.state.appraisals)
    async with running(app) as client:
        for nip in (EMP1, SUPERVISOR, ATASAN):
            headers = await login(client, nip)
            response = await client.post(f"{API}/hr/cycles/{cycle_id}/close", headers=headers)
            assert response.status_code == 403, response.text
            response = await client.get(f"{API}/hr/cycles/{cycle_id}", headers=headers)
            assert response.status_code == 403
        response = await client.get(f"{API}/hr/cycles/{cycle_id}", headers=await login(client, AUDITOR))
        assert response.status_code == 200 and response.json()["participants"] == 2


@pytest.mark.parametrize(
    ("atasan", "rule"),
    [
        (EMP1, "an employee cannot be their own atasan pejabat penilai"),
        (SUPERVISOR, "the atasan pejabat penilai cannot be the pejabat penilai"),
    ],
)
async def test_a_cycle_naming_an_atasan_who_is_the_employee_or_the_appraiser_is_a_422_and_defines_nothing(
    app, atasan: str, rule: str
) -> None:
    person = {"nip": EMP1, "name": "Budi", "unit_id": "U1", "appraiser_nip": SUPERVISOR, "atasan_nip": atasan}
    body = {"agency_id": "AG-ATASAN", "time_zone": "WIB", "year": 2031, "participants": [person]}
    async with running(app) as client:
        headers = await login(client, HR_NIP)
        response = await client.post(f"{API}/hr/cycles", json=body, headers=headers)
        assert response.status_code == 422, response.text
        refused = response.json()
        assert (refused["error"], refused["field"]) == ("InvalidInput", "participants[0].atasan_nip")
        assert refused["message"].startswith(f"participants[0].atasan_nip: {rule}")
        # After-effect: nothing was defined, and the same cycle with the employee's real atasan is.
        assert (await client.get(f"{API}/hr/cycles", headers=headers)).json() == []
        person["atasan_nip"] = ATASAN
        assert (await client.post(f"{API}/hr/cycles", json=body, headers=headers)).status_code == 201


async def test_feedback_is_validated_and_rate_limited_per_client(settings) -> None:
    app = build_app(settings, survey_limiter=SurveyLimiter(per_address_per_hour=2))
    url = f"{API}/feedback/surveys"
    full = dict.fromkeys(ELEMENTS, 3)
    async with running(app) as client:
        bad = [
            ({"agency_id": "AG", "unit_id": "U1", "answers": {**full, "persyaratan": 5}}, "answers.persyaratan"),
            ({"agency_id": "AG", "answers": full}, "body"),
        ]
        for body, field in bad:
            response = await client.post(url, json=body)
            assert response.status_code == 422 and response.json()["field"] == field, response.text
        response = await client.post(url, json={"agency_id": "AG", "unit_id": "U1", "answers": full})
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        # Another client address has its own window.
        transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://kinerja.test") as second:
            response = await second.post(url, json={"agency_id": "AG", "unit_id": "U1", "answers": full})
            assert response.status_code == 422 and response.json()["field"] == "agency_id"  # no such agency


def test_openapi_documents_every_route_with_examples(app) -> None:
    spec = app.openapi()
    paths = spec["paths"]
    assert "/health" in paths
    for prefix in ("/api/v1/hr/", "/api/v1/tasks/", "/api/v1/employees/", "/api/v1/audit/", "/api/v1/feedback/"):
        assert any(p.startswith(prefix) for p in paths), prefix
    schemas = spec["components"]["schemas"]
    for name in ("SkpIn", "RatingIn", "DecisionIn", "CycleIn", "SurveyIn", "OutcomeOut", "ChainOut"):
        assert schemas[name].get("examples"), name
    writes = [op for path in paths.values() for method, op in path.items() if method in ("post", "put")]
    idempotent = [op for op in writes if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))]
    assert len(idempotent) >= len(writes) - 4  # dev-login, start, the survey and the receipt check (writes nothing)
