"""A partitioned store (one log per agency) as its auditors and HR read it, through the API and the pages, on
SQLite and PostgreSQL: the proof of every agency's log (services/proof.py) and each agency's projection status
(services/readside.py).

Palu and Donggala each run a cycle; each log gets its first checkpoint through the worker's checkpoint activity
(what each log's CheckpointWorkflow runs), accepted by a directory witness. The auditor's report names both logs,
each verified with its own keys and checkpoints; a row altered in Palu's log is reported for Palu's log only;
the proof page (Bahasa Indonesia) lists both logs' checkpoints. HR bound to Palu reads Palu's projection, not
Donggala's lag or failures; the auditor and /health read every agency's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from typer.testing import CliRunner

import cli
import settings as settings_module
from activities.checkpoints import PublishRequest
from domain.application import Appraisals
from domain.partitions import PartitionedAppraisals
from domain.work_commands import ReportProgress
from partitioning.projection import projectors_of, tracking_name
from partitioning.store import logs_of, open_appraisals, open_partitioned
from readmodels.tables import projection_failures
from services.proof import Proof
from services.users import UserDirectory
from settings import Settings, WitnessConfig, event_store_env
from tests.factories import HEAD, STAFF, UTC, Scenario, T, actor
from tests.test_api_support import AUDITOR, EMP1, USERS, api_client, build_app, login, settings_for
from tests.test_partitions import DONGGALA, PALU, two_agencies
from tests.test_web_pages import sign_in
from transparency.log import Log
from transparency.wiring import origin_of
from worker import activities_for

HR_PALU, HR_DONGGALA = "197002022000012003", "197103032001012004"


@dataclass
class Partitioned:
    app: FastAPI
    store: PartitionedAppraisals
    settings: Settings
    palu: Scenario
    donggala: Scenario

    def log_of(self, agency: str) -> Log:
        return Log.of(self.store.partition(agency))

    def project(self) -> None:
        """Each agency's projector catches up (in production each runs in its own loop)."""
        for projector in projectors_of(self.store, self.app.state.readside.engine):
            projector.catch_up()


def proof_settings(store_url: str, tmp_path: Path, *, partitioned: bool) -> Settings:
    witness = WitnessConfig(kind="directory", path=str(tmp_path / "witness"))
    return settings_for(
        tmp_path,
        database_url=store_url,
        partitioned=partitioned,
        log_keys_dir=str(tmp_path / "keys"),
        witnesses=[witness],
    )


def users_of(store: Appraisals) -> UserDirectory:
    bound = {
        HR_PALU: {"name": "Siti HR Palu", "roles": ["hr"], "agency_id": PALU},
        HR_DONGGALA: {"name": "Rudi HR Donggala", "roles": ["hr"], "agency_id": DONGGALA},
    }
    return UserDirectory.from_mapping({**USERS, **bound}, app=store)


def checkpoint_every_log(store: Appraisals, settings: Settings) -> dict[str, dict[str, Any]]:
    """Each log's checkpoint as its CheckpointWorkflow makes it: the worker's activity, named by the log (worker.py
    starts one workflow per log of `logs_of`); the reason names the log's agency, so the page shows whose it is."""
    (publish,) = [a for a in activities_for(store, settings) if a.__name__ == "publish_checkpoint"]
    published = {}
    for part in logs_of(store):
        name = Log.of(part).name
        published[name] = publish(PublishRequest(name, f"akhir tahap perencanaan {name}"))
        assert published[name]["new"] and [w["status"] for w in published[name]["witnesses"]] == ["accepted"]
    return published


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[Partitioned]:
    store, settings, palu, donggala = two_agencies(
        store_url, tmp_path, proof_settings(store_url, tmp_path, partitioned=True)
    )
    app = build_app(settings, store, users=users_of(store), project_every_seconds=None)
    yield Partitioned(app, store, settings, palu, donggala)
    store.close()


@pytest.fixture
async def client(world: Partitioned) -> AsyncIterator[httpx.AsyncClient]:
    async with world.app.router.lifespan_context(world.app), api_client(world.app) as c:
        yield c


def alter_a_row(log: Log) -> None:
    """A row of the log rewritten by hand (its year), as someone with the database's password could."""
    with log.engine.begin() as conn:
        table = sa.table(f"{log.name}_events", sa.column("id"), sa.column("state"))
        state = conn.execute(sa.select(table.c.state).where(table.c.id == 3)).scalar_one()
        assert b"2024" in state
        conn.execute(table.update().where(table.c.id == 3).values(state=state.replace(b"2024", b"2023", 1)))


async def test_the_auditors_report_verifies_each_agencys_log_and_names_only_the_one_altered(
    world: Partitioned, client: httpx.AsyncClient
) -> None:
    published = checkpoint_every_log(world.store, world.settings)
    auditor = await login(client, AUDITOR)
    got = await client.get("/api/v1/audit/log/verify", headers=auditor)
    assert got.status_code == 200, got.text
    report = got.json()
    assert report["verdict"] == "intact" and report["ok"] is True
    by_agency = {r["agency_id"]: r for r in report["logs"]}
    assert list(by_agency) == sorted([PALU, DONGGALA])
    for agency, r in by_agency.items():
        log = world.log_of(agency)
        assert r["log"] == log.name and r["origin"] == origin_of(world.settings, log), r
        assert r["ok"] and [f for f in r["findings"] if f["severity"] == "tampered"] == [], r
        # Each log checked against its own checkpoint (signed with its own key) and its witness's copy.
        (checkpoint,) = r["checkpoints"]
        assert checkpoint["valid"] and checkpoint["size"] == published[log.name]["size"] == r["tree_size"]
        assert [(w["status"], w["held"]) for w in r["witnesses"]] == [("ok", r["tree_size"])], r["witnesses"]
    assert by_agency[PALU]["events"] > by_agency[DONGGALA]["events"] > 0

    # The checkpoints, each labelled with its log and agency, with the witness's answer.
    listed = (await client.get("/api/v1/audit/checkpoints", headers=auditor)).json()
    assert {(c["agency_id"], c["log"], c["id"]) for c in listed} == {
        (PALU, world.log_of(PALU).name, 1),
        (DONGGALA, world.log_of(DONGGALA).name, 1),
    }
    assert all([a["status"] for a in c["witnesses"]] == ["accepted"] for c in listed), listed
    assert all(c["origin"] == origin_of(world.settings, world.log_of(c["agency_id"])) for c in listed)

    # A row of Palu's log rewritten: Palu's log is reported, Donggala's still verifies.
    alter_a_row(world.log_of(PALU))
    tampered = (await client.get("/api/v1/audit/log/verify", headers=auditor)).json()
    assert tampered["verdict"] == "tampered" and tampered["ok"] is False
    by_agency = {r["agency_id"]: r for r in tampered["logs"]}
    assert by_agency[PALU]["ok"] is False and by_agency[PALU]["first"] is not None
    assert all(f["severity"] != "tampered" for f in by_agency[DONGGALA]["findings"]) and by_agency[DONGGALA]["ok"]
    # One agency's log alone (the whole nation's is hundreds of logs); an agency without a log is not found.
    one = (await client.get(f"/api/v1/audit/log/verify?agency_id={DONGGALA}", headers=auditor)).json()
    assert one["verdict"] == "intact" and [r["agency_id"] for r in one["logs"]] == [DONGGALA]
    palu_only = await client.get(f"/api/v1/audit/checkpoints?agency_id={PALU}", headers=auditor)
    assert [(c["agency_id"], c["id"]) for c in palu_only.json()] == [(PALU, 1)]
    unknown = await client.get("/api/v1/audit/log/verify?agency_id=pemkab-tidak-ada", headers=auditor)
    assert unknown.status_code == 404 and unknown.json()["code"] == "org.no_agency", unknown.text
    assert (await client.get("/api/v1/audit/log/verify", headers=await login(client, EMP1))).status_code == 403


async def test_the_proof_page_lists_each_agencys_log_with_its_checkpoints_and_its_verdict(
    world: Partitioned, client: httpx.AsyncClient
) -> None:
    checkpoint_every_log(world.store, world.settings)
    world.project()  # the auditor's home lists the cycles from the read models
    palu_log, donggala_log = world.log_of(PALU).name, world.log_of(DONGGALA).name
    await sign_in(client, AUDITOR)
    home = await client.get("/audit")
    assert home.status_code == 200, home.text
    for agency in (PALU, DONGGALA):
        assert f"Log instansi {agency}: Checkpoint terakhir #1" in home.text
    page = await client.get("/audit/bukti")
    assert page.status_code == 200, page.text
    assert "Putusan: UTUH" in page.text and "2 log" in page.text
    for agency, log in ((PALU, palu_log), (DONGGALA, donggala_log)):
        assert f"Log instansi {agency}</h2>" in page.text
        assert f"Putusan log {agency}: UTUH" in page.text
        assert f"akhir tahap perencanaan {log}" in page.text  # its checkpoint, in its own section
        assert origin_of(world.settings, world.log_of(agency)) in page.text
    assert page.text.index(f"akhir tahap perencanaan {donggala_log}") < page.text.index(f"Log instansi {PALU}</h2>")

    alter_a_row(world.log_of(PALU))
    broken = await client.get("/audit/bukti")
    assert broken.status_code == 200
    assert "Putusan: DIRUSAK" in broken.text
    assert f"Putusan log {PALU}: DIRUSAK" in broken.text and f"Putusan log {DONGGALA}: UTUH" in broken.text
    assert broken.text.count("Kerusakan pertama:") == 1
    donggala_only = await client.get(f"/audit/bukti?instansi={DONGGALA}")
    assert donggala_only.status_code == 200 and "Putusan: UTUH" in donggala_only.text
    assert (
        f"Log instansi {PALU}</h2>" not in donggala_only.text and f"Hanya log instansi {DONGGALA}" in donggala_only.text
    )
    unknown = await client.get("/audit/bukti?instansi=pemkab-tidak-ada")
    assert unknown.status_code == 404 and "tidak ada instansi pemkab-tidak-ada" in unknown.text


async def test_hr_bound_to_an_agency_reads_its_own_projection_and_the_auditor_every_one(
    world: Partitioned, client: httpx.AsyncClient
) -> None:
    world.project()
    palu_head = int(world.store.partition(PALU).recorder.max_notification_id() or 0)
    # Donggala writes after its projector ran (its projector is one event behind), and one of its records
    # failed to project (as a NUL in a name once did on PostgreSQL).
    world.donggala.do(
        HEAD, ReportProgress(actor(HEAD), "Q1", world.donggala.get(HEAD).rhk[0]["id"], "12 rapat"), T["approve"]
    )
    failed = world.donggala.id(HEAD)
    record_failure(world.app, tracking_name(DONGGALA), failed)

    await sign_in(client, HR_PALU)
    palu = await client.get(f"/hr/siklus/{world.palu.cycle_id}")
    assert palu.status_code == 200, palu.text
    assert f"Data ringkasan mutakhir (posisi {palu_head} dari {palu_head})" in palu.text
    assert str(failed) not in palu.text and "gagal diproyeksikan" not in palu.text and DONGGALA not in palu.text

    await sign_in(client, HR_DONGGALA)
    donggala = await client.get(f"/hr/siklus/{world.donggala.cycle_id}")
    assert donggala.status_code == 200, donggala.text
    assert "Data ringkasan tertinggal 1 peristiwa" in donggala.text
    assert "1 catatan gagal diproyeksikan" in donggala.text and str(failed) in donggala.text
    assert f"log instansi {DONGGALA}" in donggala.text and PALU not in donggala.text

    # The auditor's page and /health: every agency's projection, the sums, the failure naming its agency.
    await sign_in(client, AUDITOR)
    audited = await client.get(f"/hr/siklus/{world.palu.cycle_id}")
    assert audited.status_code == 200, audited.text
    assert "Proyeksi per log instansi" in audited.text and str(failed) in audited.text
    assert "Data ringkasan tertinggal 1 peristiwa" in audited.text and "(di 2 log instansi)" in audited.text
    health = (await client.get("/health")).json()["read_models"]
    assert {p["agency_id"]: (p["behind"], p["failing_aggregates"]) for p in health["projections"]} == {
        PALU: (0, 0),
        DONGGALA: (1, 1),
    }
    assert health["behind"] == 1 and health["failing_aggregates"] == 1 and health["ok"] is False
    assert health["last_error"]["agency_id"] == DONGGALA and health["last_error"]["aggregate_id"] == str(failed)
    assert health["head"] == palu_head + int(world.store.partition(DONGGALA).recorder.max_notification_id() or 0)


def record_failure(app: FastAPI, projection: str, aggregate_id: UUID) -> None:
    """A record's projection failed, as the projector records it (readmodels/projection_failures.py)."""
    at = datetime(2024, 3, 1, tzinfo=UTC)
    with app.state.readside.engine.begin() as conn:
        conn.execute(
            projection_failures.insert().values(
                projection=projection,
                aggregate_id=str(aggregate_id),
                notification_id=1,
                version=1,
                topic="domain.appraisal:Appraisal.Opened",
                error="DataError: PostgreSQL text fields cannot contain NUL (0x00) bytes",
                attempts=1,
                failed_at=at,
                retry_at=at,
            )
        )


async def test_on_the_single_log_hr_of_one_agency_is_not_shown_another_agencys_failed_record(
    store_url: str, tmp_path: Path
) -> None:
    """One log, one projector for every agency: its lag is every agency's, but a record that failed to project is
    named to its own agency's HR (and auditors) only."""
    settings = proof_settings(store_url, tmp_path, partitioned=False)
    store = Appraisals(env=event_store_env(store_url, settings))
    palu, donggala = Scenario.new(store, agency_id=PALU), Scenario.new(store, agency_id=DONGGALA)
    palu.plan(HEAD)
    donggala.plan(HEAD)
    app = build_app(settings, store, users=users_of(store), project_every_seconds=None)
    async with app.router.lifespan_context(app), api_client(app) as client:
        await app.state.readside.catch_up()
        failed = donggala.id(HEAD)
        record_failure(app, "appraisals", failed)
        await sign_in(client, HR_PALU)
        mine = await client.get(f"/hr/siklus/{palu.cycle_id}")
        assert mine.status_code == 200, mine.text
        assert "Data ringkasan mutakhir" in mine.text
        assert str(failed) not in mine.text and "gagal diproyeksikan" not in mine.text
        await sign_in(client, HR_DONGGALA)
        theirs = await client.get(f"/hr/siklus/{donggala.cycle_id}")
        assert "1 catatan gagal diproyeksikan" in theirs.text and str(failed) in theirs.text
        health = (await client.get("/health")).json()["read_models"]
        assert health["failing_aggregates"] == 1 and health["last_error"]["aggregate_id"] == str(failed)
        assert health["projections"] == [
            {"projection": "appraisals", "position": health["head"], "head": health["head"], "behind": 0}
        ]
    store.close()


def test_a_partitioned_store_without_records_reports_no_log_and_no_checkpoint(store_url: str, tmp_path: Path) -> None:
    """Before any agency's first record: no log to verify, no checkpoint, nothing behind."""
    settings = proof_settings(store_url, tmp_path, partitioned=True)
    store = open_partitioned(event_store_env(store_url, settings), settings)
    proof = Proof(settings, store)
    assert proof.log_report() == {"verdict": "intact", "ok": True, "logs": []}
    assert proof.checkpoints() == []
    store.close()


def test_the_proof_commands_sign_issue_and_check_per_agency_log(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kinerja audit checkpoint` signs every agency's log with its own key (not the empty single log), `audit keys`
    gives each log's key, `audit receipt` issues from the record's own log with that log's proof, and
    `audit verify-receipt` checks it against that log; `audit verify` then finds each log checkpointed."""
    monkeypatch.setenv("KINERJA_DATABASE_URL", store_url)
    monkeypatch.setenv("KINERJA_PARTITIONED", "true")
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("KINERJA_WITNESSES", json.dumps([{"kind": "directory", "path": str(tmp_path / "witness")}]))
    settings_module.get_settings.cache_clear()
    runner = CliRunner()
    try:
        store = open_appraisals(settings_module.get_settings())
        palu, donggala = Scenario.new(store, agency_id=PALU), Scenario.new(store, agency_id=DONGGALA)
        palu.plan(STAFF)
        donggala.plan(HEAD)
        heads = {code: int(p.recorder.max_notification_id() or 0) for code, p in store.partitions().items()}
        logs = {code: Log.of(p) for code, p in store.partitions().items()}
        store.close()

        signed = runner.invoke(cli.app, ["audit", "checkpoint", "--reason", "akhir tahap perencanaan"])
        assert signed.exit_code == 0, signed.output
        by_agency = {p["agency_id"]: p for p in json.loads(signed.stdout)["logs"]}
        assert {code: (p["log"], p["size"]) for code, p in by_agency.items()} == {
            code: (logs[code].name, heads[code]) for code in (PALU, DONGGALA)
        }
        assert all([w["status"] for w in p["witnesses"]] == ["accepted"] for p in by_agency.values())

        keys = json.loads(runner.invoke(cli.app, ["audit", "keys"]).stdout)
        assert {k["agency_id"]: k["origin"] for k in keys["logs"]} == {
            code: f"kinerja.local/{log.name}" for code, log in logs.items()
        }
        assert all(k["log_keys"] for k in keys["logs"])

        receipt_file = tmp_path / "receipt.json"
        issued = runner.invoke(cli.app, ["audit", "receipt", str(palu.id(STAFF)), "1", "-o", str(receipt_file)])
        assert issued.exit_code == 0, issued.output
        receipt = json.loads(receipt_file.read_text(encoding="utf-8"))
        assert receipt["log"] == f"kinerja.local/{logs[PALU].name}" and receipt["proof"]["tree_size"] == heads[PALU]
        checked = runner.invoke(cli.app, ["audit", "verify-receipt", str(receipt_file)])
        assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"], checked.output
        unknown = runner.invoke(cli.app, ["audit", "receipt", str(UUID(int=7)), "1"])
        assert unknown.exit_code == 1 and "Traceback" not in unknown.output

        verified = runner.invoke(cli.app, ["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        assert all(len(r["checkpoints"]) == 1 for r in json.loads(verified.stdout)["logs"])
    finally:
        settings_module.get_settings.cache_clear()


async def test_hr_of_one_agency_verifies_its_own_agencys_log_and_reads_nothing_that_covers_every_agency(
    world: Partitioned, client: httpx.AsyncClient
) -> None:
    """Log-wide reads for HR held to one agency: the log's verification and its checkpoints are its own agency's
    log only (asked for another's: 403); the national roll-up and the read models' verification cover every
    agency and are the auditors' and the central pengelola's (403 naming why). The auditor reads them all."""
    world.project()
    checkpoint_every_log(world.store, world.settings)
    palu = await login(client, HR_PALU)
    report = await client.get("/api/v1/audit/log/verify", headers=palu)
    assert report.status_code == 200, report.text
    assert [r["agency_id"] for r in report.json()["logs"]] == [PALU]
    listed = (await client.get("/api/v1/audit/checkpoints", headers=palu)).json()
    assert {c["agency_id"] for c in listed} == {PALU}
    for other in ("/api/v1/audit/log/verify", "/api/v1/audit/checkpoints"):
        refused = await client.get(f"{other}?agency_id={DONGGALA}", headers=palu)
        assert refused.status_code == 403 and refused.json()["code"] == "role.other_agency", refused.text
    for every in ("/api/v1/audit/national", "/api/v1/audit/read-models/verify"):
        refused = await client.get(every, headers=palu)
        assert refused.status_code == 403 and refused.json()["code"] == "role.central", refused.text
    await sign_in(client, HR_PALU)
    proof = await client.get("/audit/bukti")
    assert proof.status_code == 200 and PALU in proof.text and DONGGALA not in proof.text
    auditor = await login(client, AUDITOR)
    national = await client.get("/api/v1/audit/national", headers=auditor)
    assert national.status_code == 200 and {a["agency_id"] for a in national.json()["agencies"]} == {PALU, DONGGALA}
    every_log = (await client.get("/api/v1/audit/log/verify", headers=auditor)).json()
    assert {r["agency_id"] for r in every_log["logs"]} == {PALU, DONGGALA}


async def test_on_the_single_log_hr_of_one_agency_does_not_read_the_whole_log(store_url: str, tmp_path: Path) -> None:
    """One log holds every agency's records: its verification and checkpoints are refused to HR of one agency (with
    the reason), its audit home shows no log-wide figures, and the auditor reads them as before."""
    settings = proof_settings(store_url, tmp_path, partitioned=False)
    store = Appraisals(env=event_store_env(store_url, settings))
    Scenario.new(store, agency_id=PALU).plan(HEAD)
    checkpoint_every_log(store, settings)  # the single log's checkpoint: "Checkpoint terakhir #1" on a home page
    app = build_app(settings, store, users=users_of(store), project_every_seconds=None)
    async with app.router.lifespan_context(app), api_client(app) as client:
        palu = await login(client, HR_PALU)
        for whole, code in (
            ("/api/v1/audit/log/verify", "role.whole_log"),
            ("/api/v1/audit/checkpoints", "role.whole_log"),
            ("/api/v1/audit/national", "role.central"),
        ):
            refused = await client.get(whole, headers=palu)
            assert refused.status_code == 403 and refused.json()["code"] == code, refused.text
        await sign_in(client, HR_PALU)
        home = await client.get("/audit")
        assert home.status_code == 200 and "Checkpoint terakhir" not in home.text, home.text
        assert (await client.get("/audit/bukti")).status_code == 403
        await sign_in(client, AUDITOR)
        assert "Checkpoint terakhir #1" in (await client.get("/audit")).text
        auditor = await login(client, AUDITOR)
        assert (await client.get("/api/v1/audit/log/verify", headers=auditor)).json()["verdict"] == "intact"
    store.close()
