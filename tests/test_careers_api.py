"""Careers (#14) over HTTP on both databases: the angka kredit ledger derived from the demo's three finished
years, a change of jabatan by decree, potential assessments and the 9-box with its pools and export, the
trends, the auditor's recompute; each read and write by relationship, with the hostile cases."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.history import seed_history
from demo.seed import AGENCY, AGENCY_CSV, AUDITOR, _hr, demo_users
from domain.application import Appraisals
from domain.career import earned
from domain.rules import PERMENPANRB_6_2022 as RULES
from domain.talent_rules import PARTS
from services.users import UserDirectory
from settings import event_store_env
from tests.conftest import empty_postgres
from tests.page_language import assert_indonesian
from tests.test_api_support import build_app, login, running, settings_for
from tests.test_web_pages import post_form, sign_in

HR = _hr()["nip"]
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 WITA
SITI_RAHMAN = "199008102017102002"  # Analis Kepegawaian, ahli_pertama: three years of results
WULAN = "198310052005092002"  # Administrator Database Kependudukan, ahli_muda
MOVED = "198409012011091005"  # Taufik Mardjun: a change of jabatan in 2024 carried his balance
STAFF = "199405082018032004"  # Rina Hasan: not functional (no jenjang)
OTHER_HR = "199001012015031001"  # HR of another agency: not in this agency's org data
BASE = "/api/v1/careers"


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)],
)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    folder = tmp_path_factory.mktemp("careers")
    url = f"sqlite:///{folder / 'kinerja.db'}" if request.param == "sqlite" else empty_postgres()
    app = Appraisals(env=event_store_env(url))
    seed_history(app, AGENCY_CSV.read_text(encoding="utf-8"), AGENCY, HR, TODAY)
    yield app, folder, url
    app.close()


@pytest.fixture
async def client(seeded) -> AsyncIterator[httpx.AsyncClient]:
    app, folder, url = seeded
    users = {
        **demo_users()["users"],
        OTHER_HR: {"name": "HR instansi lain", "roles": ["hr"], "agency_id": "pemkab-lain"},
    }
    for nip in (SITI_RAHMAN, WULAN, MOVED, STAFF):
        users[nip] = {"name": nip, "roles": []}
    web = build_app(
        settings_for(folder, database_url=url),
        app,
        users=UserDirectory.from_mapping(users),
        project_every_seconds=0.2,
        clock=lambda: NOW,
    )
    async with running(web) as http:
        await web.state.readside.catch_up()
        yield http


async def as_(http: httpx.AsyncClient, nip: str) -> dict[str, str]:
    return await login(http, nip)


async def test_the_employee_reads_their_own_ledger_earned_year_by_year_and_why_the_next_jenjang_waits(client):
    me = await client.get(f"{BASE}/me", headers=await as_(client, SITI_RAHMAN))
    assert me.status_code == 200, me.text
    body = me.json()
    results = [e for e in body["entries"] if e["kind"] == "result"]
    assert [e["on"] for e in results] == ["2023-12-31", "2024-12-31", "2025-12-31"]
    for e in results:  # PerBKN 3/2023: the predikat's share of Ahli Pertama's 12.5 a year
        assert e["amount"] == earned(RULES, "ahli_pertama", e["predikat"], 12) and e["rule_set_id"] == RULES.id
    assert body["balance"] == round(sum(e["amount"] for e in results), 3)
    verdict = body["eligibility"]
    assert verdict["next"] == "ahli_muda" and not verdict["eligible"]
    assert verdict["reasons"][0]["code"] == "career.needs_credit"
    assert verdict["next_proposal"] == "2027-01-01"  # PerBKN 4/2025: the 1st of the next month
    assert [y["year"] for y in body["years"]] == [2023, 2024, 2025]
    assert body["years"][-1]["total_earned"] == body["balance"]
    # Kenaikan pangkat (§6.1): TMT 1 April 2021 gives 5 years in rank; the last two final predikat decide.
    pangkat = body["pangkat"]
    assert pangkat["rank_since"] == "2021-04-01" and pangkat["years_in_rank"] == 5
    last_two = [r["predikat"] for r in body["predikat"]][-2:]
    good = all(p in ("sangat_baik", "baik") for p in last_two)
    assert pangkat["eligible"] is good and pangkat["next_proposal"] == "2027-01-01"
    assert [r["code"] for r in pangkat["reasons"]] == ([] if good else ["follow_up.needs_predikat"])


async def test_nobody_reads_another_s_ledger_and_hr_of_another_agency_is_refused(client):
    mine = await as_(client, SITI_RAHMAN)
    other = await client.get(f"{BASE}/{AGENCY}/employees/{WULAN}", headers=mine)
    assert other.status_code == 404 and other.json()["code"] == "career.not_readable"
    assert (await client.get(f"{BASE}/{AGENCY}/people", headers=mine)).status_code == 403
    assert (await client.get(f"{BASE}/{AGENCY}/talent", headers=mine)).status_code == 403
    foreign = await as_(client, OTHER_HR)
    refused = await client.get(f"{BASE}/{AGENCY}/people", headers=foreign)
    assert refused.status_code == 403 and refused.json()["code"] == "role.other_agency"
    ledger = await client.get(f"{BASE}/{AGENCY}/employees/{WULAN}", headers=foreign)
    assert ledger.status_code == 403 and ledger.json()["code"] == "role.other_agency"  # another agency's path
    body = {"source": "AC", "on": "2026-06-01", "scores": dict.fromkeys(PARTS, 80)}
    wrote = await client.post(f"{BASE}/{AGENCY}/employees/{WULAN}/potential-assessments", json=body, headers=foreign)
    assert wrote.status_code == 403
    # HR bound to its agency (#15) is refused another agency's path before the careers service is asked.
    unknown = await client.get(f"{BASE}/nowhere/employees/{WULAN}", headers=await as_(client, HR))
    assert unknown.status_code == 403 and unknown.json()["code"] == "role.other_agency", unknown.text
    nowhere = await client.get(f"{BASE}/nowhere/employees/{WULAN}", headers=await as_(client, AUDITOR))
    assert nowhere.status_code == 404


async def test_hr_sees_the_units_and_the_carried_balance_of_a_change_of_jabatan(client):
    hr = await as_(client, HR)
    people = (await client.get(f"{BASE}/{AGENCY}/people", params={"unit_id": "DAFDUK"}, headers=hr)).json()
    rows = {r["nip"]: r for r in people["people"]}
    assert {r["unit_id"] for r in rows.values()} == {"DAFDUK"} and rows[WULAN]["jenjang"] == "ahli_muda"
    moved = (await client.get(f"{BASE}/{AGENCY}/employees/{MOVED}", headers=hr)).json()
    kinds = [(e["kind"], e["on"]) for e in moved["entries"]]
    assert ("carried", "2024-07-01") in kinds and moved["position"] == "Pranata Komputer"
    assert moved["jabatan_history"][0]["decree"].startswith("800/214/BKPSDM-PALU")
    staff = (await client.get(f"{BASE}/{AGENCY}/employees/{STAFF}", headers=hr)).json()
    assert staff["entries"] == [] and staff["eligibility"]["functional"] is False


async def test_a_move_up_by_decree_prorates_the_year_and_a_retry_records_it_once(client):
    hr = await as_(client, HR)
    headers = {**hr, "Idempotency-Key": "move-wulan-1"}
    body = {"position": "Administrator Database Kependudukan", "jenjang": "ahli_madya", "decree": "800/9/2025"}
    url = f"{BASE}/{AGENCY}/employees/{WULAN}/jabatan"
    first = await client.post(url, json={**body, "effective": "2025-07-01"}, headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post(url, json={**body, "effective": "2025-07-01"}, headers=headers)
    assert again.status_code == 201 and len(again.json()["jabatan_history"]) == 1
    ledger = first.json()
    last_year = [e for e in ledger["entries"] if e["on"] >= "2025-06-30"]
    predikat = last_year[0]["predikat"]
    assert [(e["kind"], e["jenjang"], e["months"], e["amount"]) for e in last_year] == [
        ("result", "ahli_muda", 6, earned(RULES, "ahli_muda", predikat, 6)),
        ("move_up", "ahli_madya", 0, -200.0),
        ("result", "ahli_madya", 6, earned(RULES, "ahli_madya", predikat, 6)),
    ]
    checked_ = await client.get(f"{url.rsplit('/', 1)[0]}/recompute", headers=await as_(client, AUDITOR))
    checked = checked_.json()
    assert checked_.status_code == 200, checked_.text
    assert checked["ok"] is True and any(c["percent"] for c in checked["checks"])


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"jenjang": "ahli_utama"}, "jenjang", "career.not_next_jenjang"),
        ({"jenjang": "ahli_super"}, "jenjang", "career.jenjang"),
        ({"decree": "800\x00/1"}, "decree", None),
        ({"effective": "2020-01-01"}, "effective", "career.change_order"),
        ({"position": ""}, "position", None),
    ],
)
async def test_a_bad_change_of_jabatan_is_refused_naming_the_field(client, change, field, code):
    hr = await as_(client, HR)
    body = {"position": "Pranata Komputer Ahli Pertama", "jenjang": "ahli_pertama", "decree": "800/1/2026"}
    body["effective"] = "2026-11-02"
    refused = await client.post(f"{BASE}/{AGENCY}/employees/{MOVED}/jabatan", json={**body, **change}, headers=hr)
    assert refused.status_code == 422, refused.text
    answer = refused.json()
    assert field in str(answer.get("field") or answer)
    if code:
        assert answer["code"] == code


async def test_the_auditor_reads_and_recomputes_but_writes_nothing(client):
    auditor = await as_(client, AUDITOR)
    checked = await client.get(f"{BASE}/{AGENCY}/employees/{SITI_RAHMAN}/recompute", headers=auditor)
    assert checked.status_code == 200 and checked.json()["ok"] is True
    row = next(c for c in checked.json()["checks"] if c["recomputed"] is not None)
    assert row["coefficient"] == 12.5 and row["percent"] in (150, 100, 75, 50, 25)
    # The follow-up recorded each whole year's angka kredit from the participant's jenjang: the same figure.
    whole = [c for c in checked.json()["checks"] if c["from_log"] and c["from_log"]["months"] == 12]
    assert whole and all(c["at_follow_up"] == c["from_log"]["amount"] for c in whole)
    body = {"position": "X", "jenjang": "ahli_pertama", "decree": "1", "effective": "2026-11-02"}
    wrote = await client.post(f"{BASE}/{AGENCY}/employees/{SITI_RAHMAN}/jabatan", json=body, headers=auditor)
    assert wrote.status_code == 403 and wrote.json()["code"] == "role.read_only"
    employee = await client.get(f"{BASE}/{AGENCY}/employees/{SITI_RAHMAN}/recompute", headers=await as_(client, STAFF))
    assert employee.status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"scores": {"competency": 80}}, "scores", "talent.parts"),
        ({"scores": {**dict.fromkeys(PARTS, 80), "integrity": 101}}, "scores.integrity", "talent.score"),
        ({"scores": {**dict.fromkeys(PARTS, 80), "integrity": "80"}}, "scores.integrity", "talent.score"),
        ({"on": "2026-12-02"}, "on", "talent.future"),
        ({"source": "<script>alert(1)</script>\x00"}, "source", None),
    ],
)
async def test_a_bad_assessment_is_refused_naming_the_field_and_rule(client, body, field, code):
    good = {"source": "Assessment center", "on": "2026-06-01", "scores": dict.fromkeys(PARTS, 80)}
    url = f"{BASE}/{AGENCY}/employees/{WULAN}/potential-assessments"
    refused = await client.post(url, json={**good, **body}, headers=await as_(client, HR))
    assert refused.status_code == 422, refused.text
    assert field in str(refused.json().get("field") or refused.json())
    if code:
        assert refused.json()["code"] == code


async def test_hr_assesses_others_not_itself_and_the_grid_places_everyone_with_pools_and_export(client):
    hr = await as_(client, HR)
    own = await client.post(
        f"{BASE}/{AGENCY}/employees/{HR}/potential-assessments",
        json={"source": "AC", "on": "2026-06-01", "scores": dict.fromkeys(PARTS, 99)},
        headers=hr,
    )
    assert own.status_code == 403 and own.json()["code"] == "talent.own"
    grid = (await client.get(f"{BASE}/{AGENCY}/talent", headers=hr)).json()
    assert grid["year"] == 2025 and grid["years"] == [2023, 2024, 2025]
    boxes = {p["box"] for p in grid["placements"]}
    assert len(boxes) >= 4 and boxes <= set(range(1, 10))
    for p in grid["placements"]:
        assert RULES.talent.boxes[(p["performance"], p["potential"])] == p["box"]
        assert p["performance"] == RULES.talent.performance_of[p["predikat"]]
    pooled = [p for members in grid["pools"].values() for p in members]
    assert pooled and all(p["box"] in (7, 8, 9) for p in pooled)
    assert any(len(h["boxes"]) >= 2 for h in grid["history"])  # a history across years
    exported = await client.get(f"{BASE}/{AGENCY}/talent/export", params={"format": "csv"}, headers=hr)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv") and len(rows) == len(grid["placements"])
    assert {r["kotak"] for r in rows} == {str(b) for b in boxes}
    as_json = (await client.get(f"{BASE}/{AGENCY}/talent/export", params={"format": "json"}, headers=hr)).json()
    assert as_json["year"] == 2025 and len(as_json["rows"]) == len(rows)
    bad = await client.get(f"{BASE}/{AGENCY}/talent/export", params={"format": "xml"}, headers=hr)
    assert bad.status_code == 422 and bad.json()["code"] == "talent.format"
    year = await client.get(f"{BASE}/{AGENCY}/talent", params={"year": 1999}, headers=hr)
    assert year.status_code == 422


async def test_the_trend_counts_each_year_s_predikat_and_accumulates_angka_kredit(client):
    auditor = await as_(client, AUDITOR)
    agency = (await client.get(f"{BASE}/{AGENCY}/trend", headers=auditor)).json()
    assert [y["year"] for y in agency["years"]] == [2023, 2024, 2025]
    assert [y["people"] for y in agency["years"]] == [33, 34, 38]
    assert len({tuple(y["counts"].values()) for y in agency["years"]}) == 3  # three years that differ
    totals = [y["total_earned"] for y in agency["years"]]
    assert totals == sorted(totals) and totals[0] > 0
    unit = (await client.get(f"{BASE}/{AGENCY}/trend", params={"unit_id": "CAPIL"}, headers=auditor)).json()
    assert unit["unit_name"] and sum(unit["years"][-1]["counts"].values()) < agency["years"][-1]["people"]


# --- the pages (Bahasa Indonesia), by relationship ----------------------------------------------------


async def test_the_employee_s_page_shows_the_ledger_and_trend_and_nobody_else_s(client):
    await sign_in(client, SITI_RAHMAN)
    mine = await client.get("/karier")
    assert mine.status_code == 200 and "Saldo angka kredit" in mine.text and "Tren dari tahun ke tahun" in mine.text
    assert "Ahli Muda" in mine.text and "Periode usul berikutnya" in mine.text
    assert_indonesian(mine.text, "the employee's career page")
    assert (await client.get(f"/karier/{AGENCY}/pegawai/{WULAN}")).status_code == 404
    assert (await client.get(f"/karier/{AGENCY}")).status_code == 403
    assert (await client.get(f"/karier/{AGENCY}/talenta")).status_code == 403
    assert (await client.get(f"/karier/{AGENCY}/talenta.csv")).status_code == 403


async def test_hr_s_pages_list_units_grid_pools_and_trend_and_say_a_refusal_in_indonesian(client):
    await sign_in(client, HR)
    start = await client.get("/karier/instansi")
    assert start.status_code == 303 and start.headers["location"] == f"/karier/{AGENCY}"
    for path, shows in (
        (f"/karier/{AGENCY}?unit=CAPIL", "Angka kredit dan kelayakan per unit"),
        (f"/karier/{AGENCY}/talenta", "Kelompok talenta per tingkat jabatan"),
        (f"/karier/{AGENCY}/tren?unit=CAPIL", "Predikat dari tahun ke tahun"),
        (f"/karier/{AGENCY}/pegawai/{SITI_RAHMAN}", "Catat penilaian potensi"),
    ):
        found = await client.get(path)
        assert found.status_code == 200 and shows in found.text, path
        assert_indonesian(found.text, path)
    exported = await client.get(f"/karier/{AGENCY}/talenta.csv")
    assert exported.status_code == 200 and exported.text.startswith("tahun,nip,nama")
    bad = {"source": "<script>alert(1)</script>", "on": "2026-06-01", **{f"score_{p}": "80" for p in PARTS}}
    bad["score_integrity"] = "seratus"
    refused = await post_form(client, f"/karier/{AGENCY}/pegawai/{SITI_RAHMAN}/potensi", bad)
    assert refused.status_code == 422 and "Nilai integritas" in refused.text
    assert "<script>alert(1)</script>" not in refused.text  # what was typed comes back escaped
    assert_indonesian(refused.text, "a refused assessment")
    done = await post_form(client, f"/karier/{AGENCY}/pegawai/{SITI_RAHMAN}/potensi", {**bad, "score_integrity": "90"})
    assert done.status_code == 303 and "potensi-tercatat" in done.headers["location"]


async def test_the_auditor_s_recompute_page_says_each_line_matches(client):
    await sign_in(client, AUDITOR)
    page_ = await client.get(f"/karier/{AGENCY}/pegawai/{SITI_RAHMAN}/hitung-ulang")
    assert page_.status_code == 200 and "Cocok" in page_.text and "/12 ×" in page_.text
    assert_indonesian(page_.text, "the auditor's recompute")
    refused = await post_form(client, f"/karier/{AGENCY}/pegawai/{SITI_RAHMAN}/potensi", {"source": "x"})
    assert refused.status_code == 403


async def test_the_export_neutralises_a_formula_typed_into_an_assessment_s_source(client):
    hr = await as_(client, HR)
    formula = '=HYPERLINK("http://evil.example","klik")'
    body = {"source": formula, "on": "2025-11-01", "scores": dict.fromkeys(PARTS, 85)}
    made = await client.post(
        f"{BASE}/{AGENCY}/employees/{SITI_RAHMAN}/potential-assessments",
        json=body,
        headers={**hr, "Idempotency-Key": "f1"},
    )
    assert made.status_code == 201, made.text
    exported = await client.get(f"{BASE}/{AGENCY}/talent/export", params={"format": "csv", "year": 2025}, headers=hr)
    row = next(r for r in csv.DictReader(io.StringIO(exported.text)) if r["nip"] == SITI_RAHMAN)
    assert row["sumber_asesmen"] == "'" + formula and row["tanggal_asesmen"] == "2025-11-01"


async def test_a_flood_of_the_same_change_with_their_own_keys_records_it_once(client):
    hr = await as_(client, HR)
    url = f"{BASE}/{AGENCY}/employees/{MOVED}/jabatan"
    body = {"position": "Pranata Komputer Ahli Pertama", "jenjang": "ahli_pertama", "decree": "800/77/2026"}
    body["effective"] = "2026-10-01"
    answers = await asyncio.gather(
        *(client.post(url, json=body, headers={**hr, "Idempotency-Key": f"flood-{i}"}) for i in range(12))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 1 and set(statuses) <= {201, 409, 422}, [a.text for a in answers]
    # Reopened (a new request, the record read again from the log): one change, carried at the same jenjang.
    ledger = (await client.get(f"{BASE}/{AGENCY}/employees/{MOVED}", headers=hr)).json()
    decrees = [h["decree"] for h in ledger["jabatan_history"]]
    assert decrees.count("800/77/2026") == 1 and ledger["entries"][-1]["kind"] == "carried"
