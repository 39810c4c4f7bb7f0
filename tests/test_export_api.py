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
        settings = settings_for(tmp_path, database_url=store_url, export_url=url, export_timeout_seconds=30)
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
            assert refused.status_code == 403 and refused.json()["code"] == "role.other_agency"
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


async def test_pppk_contracts_and_dossiers_through_the_api(store_url: str, tmp_path: Path) -> None:
    """Refusals name the field and the rule; a dossier (produced as the ContractWorkflow's activity does) is read
    and decided by HR of the agency only; the auditor reads it."""
    from datetime import datetime, timezone  # noqa: PLC0415

    from domain.pppk_service import produce_dossier, save_contract  # noqa: PLC0415
    from tests.factories import AGENCY, HR_ACTOR  # noqa: PLC0415

    store = Appraisals(env=event_store_env(store_url))
    finished(store)
    import_agencies(store, f"{AGENCY},Pemerintah Kota Palu,WITA,bidang-umum,Bidang Umum,{STAFF},Staf Umum,\n")
    at = datetime(2025, 3, 1, tzinfo=timezone.utc)
    contract = {"employment": "pppk_paruh_waktu", "contract_start": "2024-01-01", "contract_end": "2025-06-30"}
    save_contract(store, AGENCY, STAFF, contract, by=HR_ACTOR, at=at)
    dossier_id = produce_dossier(store, AGENCY, STAFF, "2025-06-30", at)
    settings = settings_for(tmp_path, database_url=store_url)
    app = build_app(settings, store, users=UserDirectory.from_mapping(USERS, app=store))
    async with running(app) as client:
        hr, other, auditor = [await login(client, n) for n in (HR_NIP, OTHER_HR, AUDITOR_NIP)]
        url = f"/api/v1/hr/agencies/{AGENCY}/employees/{STAFF}/contract"
        short = await client.put(
            url, json={"employment": "pppk", "contract_start": "2026-01-01", "contract_end": "2026-06-30"}, headers=hr
        )
        assert short.status_code == 422 and short.json()["code"] == "pppk.contract_too_short"
        assert short.json()["field"] == "contract_end"
        nul = await client.put(
            url, json={"employment": "pppk\x00", "contract_start": "", "contract_end": ""}, headers=hr
        )
        assert nul.status_code == 422
        assert (await client.put(url, json={"employment": "pns"}, headers=other)).status_code == 403
        assert (await client.put(url, json={"employment": "pns"}, headers=auditor)).status_code == 403

        listed = (await client.get(f"/api/v1/hr/agencies/{AGENCY}/pppk-dossiers", headers=auditor)).json()
        assert [d["dossier_id"] for d in listed] == [dossier_id] and listed[0]["dossier"][
            "recommendation"
        ] == "perpanjang"
        assert (await client.get(f"/api/v1/hr/agencies/{AGENCY}/pppk-dossiers", headers=other)).status_code == 403
        assert (await client.get(f"/api/v1/hr/pppk-dossiers/{dossier_id}", headers=other)).status_code == 403
        decide = f"/api/v1/hr/pppk-dossiers/{dossier_id}/decision"
        assert (await client.post(decide, json={"decision": "diperpanjang"}, headers=other)).status_code == 403
        assert (await client.post(decide, json={"decision": "mungkin"}, headers=hr)).status_code == 422
        done = await client.post(
            decide, json={"decision": "tidak_diperpanjang", "note": "kebutuhan berubah"}, headers=hr
        )
        assert done.status_code == 200 and done.json()["decision"]["by"] == HR_NIP
        twice = await client.post(decide, json={"decision": "diperpanjang"}, headers=hr)
        assert twice.status_code == 409
        # PNS: no contract, no timer (no Temporal needed).
        pns = await client.put(url, json={"employment": "pns"}, headers=hr)
        assert pns.status_code == 200 and pns.json()["workflow_id"] == ""
    store.close()
