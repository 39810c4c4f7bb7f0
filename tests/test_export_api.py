"""The careers API (#14) on SQLite and PostgreSQL: the export of a finished cycle to a real receiver that fails
first, its CSV with formula-like names neutralised, the tukin recap, the what-if, and the hostile callers (HR of
another agency, an auditor writing, an employee, a forged token)."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import jwt
import pytest

import tests.factories as factories
from domain.application import Appraisals
from services.users import UserDirectory
from settings import event_store_env
from tests.career_kit import AUDITOR_NIP, OTHER_HR, finished, import_agencies, receiver
from tests.factories import HR_NIP, STAFF
from tests.test_api_support import build_app, login, running, settings_for

HOSTILE_NAME = '=HYPERLINK("http://evil.example","klik")'
USERS = {
    HR_NIP: {"name": "Rina HR", "roles": ["hr"]},
    OTHER_HR: {"name": "Sari HR Sigi", "roles": ["hr"]},
    AUDITOR_NIP: {"name": "Andi Auditor", "roles": ["auditor"]},
    STAFF: {"name": "Staf"},
}


@pytest.fixture
def hostile_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The staff member's name, as HR typed it into the cycle, starts like a spreadsheet formula."""
    original = factories.participants

    def participants() -> list[dict]:
        return [{**p, "name": HOSTILE_NAME} if p["nip"] == STAFF else p for p in original()]

    monkeypatch.setattr(factories, "participants", participants)


async def test_export_recap_and_what_if_through_the_api(store_url: str, tmp_path: Path, hostile_names: None) -> None:
    store = Appraisals(env=event_store_env(store_url))
    s = finished(store)
    import_agencies(store)
    with receiver(fail_first=1) as (url, got):
        settings = settings_for(tmp_path, database_url=store_url, export_url=url, export_timeout_seconds=5)
        app = build_app(settings, store, users=UserDirectory.from_mapping(USERS, app=store))
        async with running(app) as client:
            hr, other, auditor, staff = [await login(client, n) for n in (HR_NIP, OTHER_HR, AUDITOR_NIP, STAFF)]
            base = f"/api/v1/hr/cycles/{s.cycle_id}"

            # Hostile callers first: nothing is queued.
            forged = jwt.encode({"iss": "kinerja-dev", "sub": HR_NIP, "exp": int(time.time()) + 60}, "x" * 40, "HS256")
            assert (
                await client.post(f"{base}/export", headers={"Authorization": f"Bearer {forged}"})
            ).status_code == 401
            refused = await client.post(f"{base}/export", headers=other)
            assert refused.status_code == 403 and refused.json()["code"] == "role.agency_hr"
            assert (await client.post(f"{base}/export", headers=auditor)).status_code == 403
            assert (await client.post(f"{base}/export", headers=staff)).status_code == 403
            assert (await client.get(f"{base}/export.csv", headers=other)).status_code == 403
            assert got.requests == []

            first = (await client.post(f"{base}/export", headers={**hr, "Idempotency-Key": "ekspor-1"})).json()
            assert (first["added"], first["delivered"], first["failed"]) == (3, 2, 1)
            second = (await client.post(f"{base}/export", headers={**hr, "Idempotency-Key": "ekspor-2"})).json()
            assert (second["added"], second["delivered"], second["failed"]) == (0, 1, 0)
            assert len(got.held) == 3 and len([k for k, st in got.requests if st == 200]) == 3

            listed = (await client.get(f"{base}/export", headers=auditor)).json()
            assert listed["status"] == {"pending": 0, "delivered": 3, "failed": 0}
            assert sorted(r["attempts"] for r in listed["records"]) == [1, 1, 2]

            text = (await client.get(f"{base}/export.csv", headers=hr)).text
            rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
            assert len(rows) == 3
            named = {r["nipBaru"]: r["nama"] for r in rows}
            assert named[STAFF] == "'" + HOSTILE_NAME  # shown as text, never run
            assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())

            recap = (await client.get(f"{base}/tukin-recap", params={"month": "2025-03"}, headers=hr)).json()
            assert [u["unit_id"] for u in recap["units"]] == ["bidang-umum"]
            bad_month = await client.get(f"{base}/tukin-recap", params={"month": "2024-03"}, headers=hr)
            assert bad_month.status_code == 422 and "month" in bad_month.text
            recap_csv = (await client.get(f"{base}/tukin-recap.csv", params={"month": "2025-03"}, headers=hr)).text
            assert "'" + HOSTILE_NAME.replace('"', '""') in recap_csv

            what = await client.get(
                f"/api/v1/audit/cycles/{s.cycle_id}/what-if",
                params={"rule_set_id": "permenpanrb-6-2022-tukin-klh-6-2025"},
                headers=auditor,
            )
            assert what.status_code == 200 and len(what.json()["employees"]) == 3
            unknown = await client.get(
                f"/api/v1/audit/cycles/{s.cycle_id}/what-if", params={"rule_set_id": "tidak-ada"}, headers=auditor
            )
            assert unknown.status_code == 404
            assert (
                await client.get(
                    f"/api/v1/audit/cycles/{s.cycle_id}/what-if", params={"rule_set_id": "x"}, headers=other
                )
            ).status_code == 403
    store.close()
