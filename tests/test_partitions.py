"""The event store partitioned by agency (domain/partitions.py, partitioning/), on SQLite and PostgreSQL.

Two agencies run the same unit's cycle; each one's records land in its own log (events table,
notification sequence, seals, tree), found by agency code or by record id, and each log verifies
on its own (chains, seals, checkpoints, witnesses).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from uuid import UUID

import anyio
import pytest
import sqlalchemy as sa
from eventsourcing.utils import get_topic
from typer.testing import CliRunner

import cli
import settings as settings_module
from domain.application import Appraisals
from domain.audit import Audit
from domain.base import SYSTEM
from domain.cycle_commands import AddParticipant, DefineCycle, StartCycle
from domain.errors import NotFound
from domain.partitions import PartitionedAppraisals, partition_name
from domain.people_commands import RecordReminder
from domain.transfer import Transfer
from domain.transfer_commands import EvaluateServedPeriod, RecordTransfer
from domain.work_commands import ReportProgress
from partitioning import move as move_module
from partitioning.move import Move, MoveRefused
from partitioning.outbox import PartitionedOutbox, feed_name, outbox_for, sent_before_the_move
from partitioning.projection import positions, projector_for, rebuild_all, tracking_name
from partitioning.store import open_appraisals, open_partitioned
from readmodels.national import national_rollup
from readmodels.projector import make_engine
from readmodels.tables import READ_TABLES, appraisals, projection_tracking
from readmodels.transfer_rows import evaluation_tasks, transfer_ids
from readmodels.verify import compare, verify_read_models
from services.proof import Proof
from settings import Settings, WitnessConfig, event_store_env
from tests.factories import ANALIS, HEAD, HR_ACTOR, KADIS, OUTSIDER, SEKDA, STAFF, UTC, Scenario, T, actor
from tests.test_api_support import AUDITOR, EMP1, build_app, login, running, seed_appraisal
from tests.test_api_support import settings_for as api_settings
from transparency.log import Log
from transparency.verify import LogVerifier
from transparency.wiring import log_keys, origin_of, publisher, witnesses

PALU, DONGGALA, SULTENG = "pemkot-palu", "pemkab-donggala", "pemprov-sulteng"


def settings_for(store_url: str, tmp_path: Path, **more: object) -> Settings:
    witness = [WitnessConfig(kind="directory", path=str(tmp_path / "witness"))]
    return Settings(database_url=store_url, log_keys_dir=str(tmp_path / "keys"), witnesses=witness, **more)


def two_agencies(
    store_url: str, tmp_path: Path, settings: Settings | None = None
) -> tuple[PartitionedAppraisals, Settings, Scenario, Scenario]:
    """Palu (its head and staff planned) and Donggala (its head) in a partitioned store, each in its own log."""
    settings = settings or settings_for(store_url, tmp_path, partitioned=True)
    app = open_appraisals(settings)
    assert isinstance(app, PartitionedAppraisals)
    palu, donggala = Scenario.new(app, agency_id=PALU), Scenario.new(app, agency_id=DONGGALA)
    palu.plan(HEAD)
    palu.plan(STAFF)
    donggala.plan(HEAD)
    return app, settings, palu, donggala


def notification_ids(app: Appraisals) -> list[int]:
    return [n.id for n in app.recorder.select_notifications(1, 1000)]


def test_partition_names_are_table_safe_distinct_and_short() -> None:
    assert partition_name("pemkot-palu") == partition_name("pemkot-palu")
    assert partition_name("Pemkot Palu") != partition_name("pemkot-palu")  # the hash keeps look-alikes apart
    long = partition_name("x" * 100 + "'; DROP TABLE kinerja_events; --")
    assert len(long) <= 41 and long.replace("_", "").isalnum()


def test_without_partitioning_the_store_is_the_one_log_it_was(store_url: str, tmp_path: Path) -> None:
    app = open_appraisals(settings_for(store_url, tmp_path))
    assert type(app) is Appraisals and Log.of(app).name == "kinerja"
    app.close()


def test_each_agency_has_its_own_log_sequence_and_directory_entries(store_url: str, tmp_path: Path) -> None:
    app, _, palu, donggala = two_agencies(store_url, tmp_path)
    parts = app.partitions()
    assert sorted(parts) == [DONGGALA, PALU]
    assert {Log.of(p).name for p in parts.values()} == {partition_name(PALU), partition_name(DONGGALA)}
    # Each log numbers its own notifications from 1, without gaps; nothing is written to the single log.
    palu_ids, donggala_ids = notification_ids(parts[PALU]), notification_ids(parts[DONGGALA])
    assert palu_ids == list(range(1, len(palu_ids) + 1)) and donggala_ids == list(range(1, len(donggala_ids) + 1))
    assert len(palu_ids) > len(donggala_ids) > 0
    assert notification_ids(app) == []
    # Found by record id (through the directory) and by agency code, also from another process's store.
    settings = settings_for(store_url, tmp_path)
    other = open_partitioned(event_store_env(store_url, settings), settings, check_reads=True)
    assert other.appraisal(palu.id(STAFF)).employee_nip == STAFF
    assert other.agency_of_record(donggala.id(HEAD)) == DONGGALA
    assert other.partition(PALU).appraisal(palu.id(STAFF)).version == palu.get(STAFF).version
    with pytest.raises(NotFound):
        other.partition(DONGGALA).appraisal(palu.id(STAFF))  # not in another agency's log
    # Writes after a reopening go to the same log; the audit reads the record's own log.
    other.execute(palu.id(STAFF), ReportProgress(actor(STAFF), "Q1", f"{STAFF[-3:]}-1", "312 surat"), at=T["approve"])
    assert Audit(other).history(palu.id(STAFF))[-1]["type"] == "ProgressReported"
    assert len(notification_ids(other.partition(PALU))) == len(palu_ids) + 1
    assert len(notification_ids(other.partition(DONGGALA))) == len(donggala_ids)
    other.close()
    app.close()


def test_unknown_records_are_not_found_and_a_record_never_changes_agency(store_url: str, tmp_path: Path) -> None:
    app, _, palu, _ = two_agencies(store_url, tmp_path)
    with pytest.raises(NotFound):
        app.appraisal(Scenario(app, app.partition(PALU).cycle(palu.cycle_id).id).id("199001012015031999"))
    with pytest.raises(ValueError, match="another agency"):
        app.directory.register({palu.id(STAFF): DONGGALA})
    assert app.agency_of_record(palu.id(STAFF)) == PALU
    app.close()


def test_every_partition_verifies_on_its_own(store_url: str, tmp_path: Path) -> None:
    """Chains, seals, the Merkle tree and the witnesses' checkpoints, per log; a change in one names that log only."""
    app, settings, palu, _ = two_agencies(store_url, tmp_path)
    for part in app.partitions().values():
        publisher(settings, part).publish("test")
    reports = {}
    for code, part in app.partitions().items():
        log = Log.of(part)
        keys = log_keys(settings, log)
        reports[code] = LogVerifier(part, origin_of(settings, log), keys, witnesses(settings, keys)).run()
    assert all(r.ok for r in reports.values()), {c: r.as_dict() for c, r in reports.items()}
    assert reports[PALU].events > reports[DONGGALA].events > 0
    # A row of Palu's log altered by hand: Palu's log says so, Donggala's still verifies.
    palu_log = Log.of(app.partition(PALU))
    with palu_log.engine.begin() as conn:
        table = sa.table(f"{palu_log.name}_events", sa.column("id"), sa.column("state"))
        state = conn.execute(sa.select(table.c.state).where(table.c.id == 3)).scalar_one()
        conn.execute(table.update().where(table.c.id == 3).values(state=state.replace(b"2024", b"2023", 1)))
    for code, part in app.partitions().items():
        log = Log.of(part)
        keys = log_keys(settings, log)
        ok = LogVerifier(part, origin_of(settings, log), keys, witnesses(settings, keys)).run().ok
        assert ok is (code != PALU)
    app.close()


def test_receipts_come_from_and_are_checked_against_the_records_own_log(store_url: str, tmp_path: Path) -> None:
    """services/proof.py: an event's receipt is sealed by its agency's log and proved by that log's checkpoint;
    checking it uses that log's keys; a receipt of one agency's record does not pass as another's."""
    app, settings, palu, donggala = two_agencies(store_url, tmp_path)
    proof = Proof(settings, app)
    assert proof.sealed
    staff, head = palu.id(STAFF), donggala.id(HEAD)
    receipt = proof.receipt(staff, 1)
    palu_origin = origin_of(settings, Log.of(app.partition(PALU)))
    assert receipt["log"] == palu_origin and "proof" not in receipt  # no checkpoint of Palu's log yet
    for part in app.partitions().values():
        publisher(settings, part).publish("test")
    proved = proof.receipt(staff, 1)
    assert proved["proof"]["tree_size"] == len(notification_ids(app.partition(PALU)))
    checked = proof.verify(proved)
    assert checked["ok"] and checked["origin"] == palu_origin, checked
    assert proof.verify(proof.receipt(head, 1))["ok"]  # Donggala's from Donggala's log
    # Palu's seal on an event claimed to be Donggala's record: checked against Donggala's keys, it fails.
    forged = json.loads(json.dumps(proved))
    forged["event"]["record_id"] = str(head)
    assert not proof.verify(forged)["ok"]
    assert proof.record_report(staff)["ok"]
    with pytest.raises(NotFound):
        proof.receipt(UUID(int=7), 1)
    app.close()


def single_log_of_two_agencies(store_url: str, tmp_path: Path) -> tuple[Settings, Scenario, Scenario]:
    """The store as it was before partitions: both agencies' records interleaved in one log."""
    settings = settings_for(store_url, tmp_path)
    app = open_appraisals(settings)
    palu, donggala = Scenario.new(app, agency_id=PALU), Scenario.new(app, agency_id=DONGGALA)
    palu.plan(HEAD)
    donggala.plan(HEAD)
    palu.plan(STAFF)
    return settings, palu, donggala


def test_moving_the_single_log_keeps_every_row_and_order_per_agency_and_verifies(
    store_url: str, tmp_path: Path
) -> None:
    settings, palu, donggala = single_log_of_two_agencies(store_url, tmp_path)
    single = [(n.originator_id, n.originator_version, n.topic, n.state) for n in Log.of(palu.app).rows()]
    store = open_partitioned(event_store_env(store_url, settings), settings, check_reads=True)
    published: list[str] = []
    report = Move(store).run(publish=lambda part: published.append(publisher(settings, part).publish("moved").size))
    assert report.ok and not report.already_done and report.source_rows == len(single)
    assert sorted(report.rows) == [DONGGALA, PALU] and sum(report.rows.values()) == len(single)
    for code, part in store.partitions().items():
        mine = [row for row in single if store.agency_of_record(row[0]) == code]
        moved = [(n.originator_id, n.originator_version, n.topic, n.state) for n in Log.of(part).rows()]
        assert moved == mine  # same ids, versions and bytes (so the same chains), in the single log's order
        assert notification_ids(part) == list(range(1, len(mine) + 1))
        log = Log.of(part)
        keys = log_keys(settings, log)
        verified = LogVerifier(part, origin_of(settings, log), keys, witnesses(settings, keys)).run()
        assert verified.ok and verified.events == len(mine), verified.as_dict()
    assert len(published) == 2
    # The moved store answers as the single one did, by record id.
    assert store.appraisal(palu.id(STAFF)).version == palu.get(STAFF).version
    assert store.appraisal(donggala.id(HEAD)).stage == donggala.get(HEAD).stage
    # Again: nothing copied, said so.
    again = Move(store).run()
    assert again.ok and again.already_done and again.copied == {PALU: 0, DONGGALA: 0}
    assert sum(_rows_of(store).values()) == len(single)
    store.close()


def _rows_of(store: PartitionedAppraisals) -> dict[str, int]:
    return {code: len(notification_ids(part)) for code, part in store.partitions().items()}


def test_a_move_stopped_half_way_is_refused_until_resumed_and_then_copies_nothing_twice(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, palu, _ = single_log_of_two_agencies(store_url, tmp_path)
    total = len(notification_ids(palu.app))
    store = open_partitioned(event_store_env(store_url, settings), settings, check_reads=False)
    monkeypatch.setattr(move_module, "BATCH", 5)
    inserted = {"batches": 0}
    real_insert = Move._insert

    def dies_after_two_batches(target: Appraisals, batch: list[object]) -> int:
        if inserted["batches"] == 2:
            raise KeyboardInterrupt("the operator's ^C")
        inserted["batches"] += 1
        return real_insert(target, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(Move, "_insert", staticmethod(dies_after_two_batches))
    with pytest.raises(KeyboardInterrupt):
        Move(store).run()
    monkeypatch.setattr(Move, "_insert", staticmethod(real_insert))
    half = sum(_rows_of(store).values())
    assert 0 < half < total  # two whole batches, nothing of the third
    with pytest.raises(MoveRefused, match="did not finish.*--resume"):
        Move(store).run()
    assert sum(_rows_of(store).values()) == half  # the refusal wrote nothing
    report = Move(store).run(resume=True)
    assert report.ok and report.resumed and sum(report.copied.values()) == total - half
    assert sum(_rows_of(store).values()) == total
    store.close()


def test_a_move_into_logs_that_already_hold_rows_is_refused(store_url: str, tmp_path: Path) -> None:
    app, settings, _, _ = two_agencies(store_url, tmp_path)  # written partitioned from the start
    single = open_appraisals(settings.model_copy(update={"partitioned": False}))
    Scenario.new(single, agency_id="pemkab-sigi")
    with pytest.raises(MoveRefused, match="already hold rows"):
        Move(app).run()
    single.close()
    app.close()


def test_each_agency_is_projected_from_its_own_position_and_rolled_up_nationally(
    store_url: str, tmp_path: Path
) -> None:
    app, _, palu, donggala = two_agencies(store_url, tmp_path)
    engine = make_engine(store_url)
    projectors = {code: projector_for(app, code, engine) for code in app.partitions()}
    for p in projectors.values():
        p.catch_up()
    heads = {code: part.recorder.max_notification_id() for code, part in app.partitions().items()}
    assert positions(engine) == heads  # each its own position, in its own log
    rolled = national_rollup(engine, 2024)
    by_agency = {a["agency_id"]: a for a in rolled["agencies"]}
    assert sorted(by_agency) == [DONGGALA, PALU]
    assert by_agency[PALU]["appraisals"] == 2 and by_agency[DONGGALA]["appraisals"] == 1
    assert rolled["national"]["appraisals"] == 3 and rolled["national"]["by_stage"] == {"execution": 3}
    # One agency writes on: only its projector moves; a rebuild from zero gives the same tables.
    donggala.plan(STAFF)
    assert projectors[PALU].catch_up() == 0 and projectors[DONGGALA].catch_up() > 0
    incremental = projectors[PALU].snapshot(READ_TABLES)[1]
    rebuilt_count = rebuild_all(app, engine)
    assert rebuilt_count == sum(part.recorder.max_notification_id() for part in app.partitions().values())
    rebuilt = projectors[PALU].snapshot(READ_TABLES)[1]
    assert [d for t in READ_TABLES for d in compare(t, incremental[t.name], rebuilt[t.name])] == []
    assert sum(len(rows) for rows in rebuilt.values()) > 10
    assert national_rollup(engine)["national"]["appraisals"] == 4
    # `audit verify --read-models` rebuilds every agency's log up to its own position: all agree...
    report = verify_read_models(app, engine)
    assert report.ok and report.positions == {
        tracking_name(code): part.recorder.max_notification_id() for code, part in app.partitions().items()
    }, report.as_dict()
    assert report.rows["rm_appraisals"] == 4
    # ...and a row changed by hand in one agency's rows is named.
    with engine.begin() as conn:
        conn.execute(appraisals.update().where(appraisals.c.appraisal_id == str(palu.id(STAFF))).values(stage="closed"))
    found = verify_read_models(app, engine)
    assert not found.ok and [(d.table, d.kind, list(d.columns)) for d in found.differences] == [
        ("rm_appraisals", "changed", ["stage"])
    ]
    engine.dispose()
    app.close()


def test_the_commands_move_verify_each_log_rebuild_and_roll_up(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kinerja partitions move`, then with KINERJA_PARTITIONED: `audit verify` per log, `projections rebuild`,
    `partitions list` and `partitions rollup`; a second move says it is done."""
    settings, palu, _ = single_log_of_two_agencies(store_url, tmp_path)
    palu.app.close()
    monkeypatch.setenv("KINERJA_DATABASE_URL", store_url)
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("KINERJA_WITNESSES", json.dumps([{"kind": "directory", "path": str(tmp_path / "witness")}]))
    settings_module.get_settings.cache_clear()
    runner = CliRunner()
    try:
        moved = runner.invoke(cli.app, ["partitions", "move"])
        assert moved.exit_code == 0 and "verified" in moved.output, moved.output
        again = runner.invoke(cli.app, ["partitions", "move"])
        assert again.exit_code == 0 and "already moved" in again.output and "(0 copied now)" in again.output
        monkeypatch.setenv("KINERJA_PARTITIONED", "true")
        settings_module.get_settings.cache_clear()
        verified = runner.invoke(cli.app, ["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        logs = json.loads(verified.stdout)["logs"]
        assert sorted(r["log"] for r in logs) == sorted([partition_name(PALU), partition_name(DONGGALA)])
        one = runner.invoke(cli.app, ["audit", "verify", str(palu.id(STAFF))])
        assert one.exit_code == 0, one.output
        rebuilt = runner.invoke(cli.app, ["projections", "rebuild"])
        assert rebuilt.exit_code == 0 and "every agency's log" in rebuilt.output, rebuilt.output
        listed = runner.invoke(cli.app, ["partitions", "list"])
        assert listed.exit_code == 0 and PALU in listed.output and "projected 0" not in listed.output
        rolled = json.loads(runner.invoke(cli.app, ["partitions", "rollup", "--year", "2024"]).stdout)
        assert rolled["national"]["appraisals"] == 3
    finally:
        settings_module.get_settings.cache_clear()


def test_the_outbox_follows_every_agencys_log_from_its_own_position(store_url: str, tmp_path: Path) -> None:
    app, _, palu, donggala = two_agencies(store_url, tmp_path)
    engine = make_engine(store_url)
    for scenario in (palu, donggala):
        scenario.open(ANALIS)
        due = datetime(2024, 1, 31, 16, tzinfo=UTC)
        scenario.do(ANALIS, RecordReminder(SYSTEM, "review_skp", HEAD, due), at=T["draft"], key="reminder:1")
    outbox = outbox_for(app, engine, start_at_head=True)
    assert isinstance(outbox, PartitionedOutbox)
    assert outbox.catch_up() == 2 and outbox.catch_up() == 0
    with engine.connect() as conn:
        tracked = dict(
            conn.execute(sa.select(projection_tracking.c.projection, projection_tracking.c.last_notification_id)).all()
        )
    for code, part in app.partitions().items():
        assert tracked[feed_name(code)] == part.recorder.max_notification_id()
    # After a move the feeds start after the moved rows: a fresh dispatcher adds nothing the single log's sent.
    with engine.begin() as conn:
        conn.execute(projection_tracking.delete().where(projection_tracking.c.projection.startswith("outbox@")))
    sent_before_the_move(engine, {code: p.recorder.max_notification_id() or 0 for code, p in app.partitions().items()})
    assert outbox_for(app, engine, start_at_head=True).catch_up() == 0
    engine.dispose()
    app.close()


async def test_the_api_writes_each_agencys_log_projects_it_in_the_background_and_rolls_up(
    store_url: str, tmp_path: Path
) -> None:
    """The API on a partitioned store: its background loop projects each agency's log (one thread each), and
    an auditor reads the national roll-up (counts only); an employee may not."""
    settings = api_settings(tmp_path, database_url=store_url, partitioned=True)
    store = open_partitioned(event_store_env(store_url, settings), settings)
    _, appraisal = seed_appraisal(store)  # agency AG-TEST
    Scenario.new(store, agency_id=PALU).plan(HEAD)
    async with running(build_app(settings, store, project_every_seconds=0.1)) as client:
        auditor = await login(client, AUDITOR)
        # Until both agencies' projectors have run: a minute, not a hundred polls (10 s), which a loaded CI
        # machine may take before the loops (threads of this process) have made the tables and caught up.
        deadline = anyio.current_time() + 60
        while True:
            got = await client.get("/api/v1/audit/national", headers=auditor)
            assert got.status_code == 200, got.text
            rolled = got.json()
            if rolled["national"]["appraisals"] == 2 or anyio.current_time() > deadline:
                break
            await anyio.sleep(0.1)
        assert {a["agency_id"]: a["appraisals"] for a in rolled["agencies"]} == {"AG-TEST": 1, PALU: 1}
        assert set(rolled["positions"]) >= {"appraisals@AG-TEST", f"appraisals@{PALU}"}
        mine = await client.get(f"/api/v1/employees/appraisals/{appraisal}", headers=await login(client, EMP1))
        assert mine.status_code == 200, mine.text  # read through the directory, from AG-TEST's log
        employee = await client.get("/api/v1/audit/national", headers=await login(client, EMP1))
        assert employee.status_code == 403
        assert (await client.get("/api/v1/audit/national?year=1999", headers=auditor)).status_code == 422
    store.close()


async def test_the_national_roll_up_answers_while_the_projector_is_still_making_its_tables(
    store_url: str, tmp_path: Path
) -> None:
    """An auditor's first request may come while the projector (its own process or loop) is halfway through
    creating the read tables: `rm_appraisals` exists, `rm_projection_tracking` not yet. The roll-up makes what
    is missing and answers what is projected so far (nothing), never 503 (a CI run once met this race)."""
    settings = api_settings(tmp_path, database_url=store_url, partitioned=True)
    store = open_partitioned(event_store_env(store_url, settings), settings)
    seed_appraisal(store)
    app = build_app(settings, store, project_every_seconds=None)
    engine = app.state.readside.engine
    appraisals.create(engine, checkfirst=True)
    assert not sa.inspect(engine).has_table(projection_tracking.name)
    async with running(app) as client:
        got = await client.get("/api/v1/audit/national", headers=await login(client, AUDITOR))
        assert got.status_code == 200, got.text
        assert got.json()["national"]["appraisals"] == 0
    store.close()


def test_the_roll_up_command_answers_while_a_projector_process_is_still_making_its_tables(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kinerja partitions rollup` reads the read tables without the API (readmodels/national.py): it meets the
    same halfway state (`rm_appraisals` made by a projector process, `rm_projection_tracking` not yet) and
    answers nothing projected, instead of failing on the missing table."""
    monkeypatch.setenv("KINERJA_DATABASE_URL", store_url)
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", str(tmp_path / "keys"))
    settings_module.get_settings.cache_clear()
    engine = make_engine(store_url)
    try:
        appraisals.create(engine, checkfirst=True)
        assert not sa.inspect(engine).has_table(projection_tracking.name)
        answer = CliRunner().invoke(cli.app, ["partitions", "rollup"])
        assert answer.exit_code == 0, answer.output
        assert json.loads(answer.stdout)["national"]["appraisals"] == 0
        assert national_rollup(engine, 2024)["agencies"] == []
    finally:
        engine.dispose()
        settings_module.get_settings.cache_clear()


def test_a_transfer_between_agencies_lands_in_each_agencys_log_and_both_agencies_list_it(
    store_url: str, tmp_path: Path
) -> None:
    """#15: the Transfer's home is the origin's log (beside the cycle it closes, one transaction); the new post's
    appraisal opens in the destination's log; each log is projected on its own, and the read model lists the
    transfer for both agencies' HR and gives the old appraiser the evaluation task."""
    app, _, palu, _ = two_agencies(store_url, tmp_path)
    june = datetime(2024, 6, 3, 2, 0, tzinfo=UTC)
    someone = {"nip": OUTSIDER, "name": "Pegawai Provinsi", "unit_id": "bidang-b", "appraiser_nip": SEKDA}
    definition = DefineCycle(HR_ACTOR, SULTENG, "Pemprov Sulteng", "WITA", 2024, [{**someone, "atasan_nip": KADIS}])
    sulteng = app.define_cycle(definition, at=T["open"])
    app.execute_cycle(sulteng, StartCycle(HR_ACTOR), at=T["open"])
    move = RecordTransfer(
        HR_ACTOR, STAFF, SULTENG, "bidang-b", "Bidang Perencanaan", SEKDA, KADIS, "2024-06-01", "821/9/BKD", "mutasi"
    )
    transfer, post = app.record_transfer(palu.cycle_id, move, at=june, key="t1")
    assert app.agency_of_record(transfer.id) == PALU and transfer.agency_id == PALU
    recorded = f"{get_topic(Transfer)}.Recorded"
    parts = app.partitions()
    assert [n.originator_id for n in parts[PALU].recorder.select_notifications(1, 100, topics=[recorded])] == [
        transfer.id
    ]
    assert parts[SULTENG].recorder.select_notifications(1, 100, topics=[recorded]) == []
    assert STAFF not in app.cycle(palu.cycle_id).participants  # closed in the same transaction, same log
    again, _ = app.record_transfer(palu.cycle_id, move, at=june, key="t1")
    assert again.version == transfer.version  # a retry writes nothing

    app.execute_cycle(sulteng, AddParticipant(HR_ACTOR, post), at=june)
    opened = app.open_appraisal(sulteng, STAFF, june)
    new_id = UUID(transfer.destination["appraisal_id"])
    assert opened.id == new_id and app.agency_of_record(new_id) == SULTENG
    assert app.partition(SULTENG).appraisal(new_id).employee_nip == STAFF
    with pytest.raises(NotFound):
        app.partition(SULTENG).transfer(transfer.id)  # read through the directory, from the origin's log

    engine = make_engine(store_url)
    for code in app.partitions():
        projector_for(app, code, engine).catch_up()
    assert transfer_ids(engine, agency_id=PALU) == transfer_ids(engine, agency_id=SULTENG) == [str(transfer.id)]
    assert transfer_ids(engine, nip=STAFF) == [str(transfer.id)]
    owed = evaluation_tasks(engine, str(transfer.origin["appraiser_nip"]), june)
    assert [(t["transfer_id"], t["task"], t["overdue"]) for t in owed] == [
        (str(transfer.id), "evaluate_served_period", False)
    ]
    app.evaluate_served_period(
        transfer.id, EvaluateServedPeriod(actor(str(transfer.origin["appraiser_nip"])), "sesuai", "sesuai"), at=june
    )
    projector_for(app, PALU, engine).catch_up()
    assert evaluation_tasks(engine, str(transfer.origin["appraiser_nip"]), june) == []
    engine.dispose()
    app.close()
