"""Snapshots are a cache of replay: they change no answer, and the audit never reads them (domain/snapshots.py).

The property: for a random history (daily entries, progress, the review opening, business times that
need not grow) and a random snapshot interval, the state at every version and at every moment equals
eventsourcing's own full replay from the first event. The tamper tests edit the snapshot rows with plain
SQL, as an attacker with database access can, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy_utils import UUIDType

from domain.application import Appraisals
from domain.audit import HIDDEN_STATE, Audit, jsonable
from domain.base import SYSTEM
from domain.calendar import as_utc
from domain.cycle import AppraisalCycle
from domain.partitions import PartitionedAppraisals
from domain.result_commands import OpenReview
from domain.snapshots import MAC_BYTES, Snapshots, restore
from domain.work_commands import LogDailyWork, ReportProgress
from partitioning.store import open_appraisals
from settings import Settings
from tests.factories import HEAD, STAFF, Scenario, actor, reach

SNAPSHOTS_TABLE = "kinerja_snapshots"
OID = sa.bindparam("oid", type_=UUIDType())
STATE = sa.bindparam("state", type_=sa.LargeBinary())
START = datetime(2024, 2, 1, 1, 0, tzinfo=UTC)


def keyed(every: int, env: dict[str, str] | None = None) -> Appraisals:
    return Appraisals(env={**(env or {}), "SNAPSHOT_KEY": "test snapshot key", "SNAPSHOT_EVERY": str(every)})


def write(s: Scenario, steps: list[tuple[str, int]], who: str = STAFF) -> None:
    """A history after the SKP: ("daily" | "progress" | "review", hours from the previous step, may be < 0)."""
    if not s.exists(who) or s.get(who).stage == "planning":
        s.plan(who)
    rhk_id = s.get(who).rhk[0]["id"]
    at = START
    for n, (kind, hours) in enumerate(steps):
        at = min(max(at + timedelta(hours=hours), START), datetime(2024, 11, 30, tzinfo=UTC))
        if kind == "review":
            if s.get(who).stage == "execution":
                s.do(who, OpenReview(SYSTEM), at)
        elif kind == "progress":
            s.do(who, ReportProgress(actor(who), "Q1", rhk_id, f"laporan {n}"), at)
        else:
            s.do(
                who, LogDailyWork(actor(who), (at + timedelta(hours=8)).date().isoformat(), rhk_id, f"kegiatan {n}"), at
            )


def full_replay(app: Appraisals, record_id: UUID, version: int) -> dict[str, Any]:
    """eventsourcing's own replay from the first event (its repository has no snapshot store)."""
    aggregate: Any = app.repository.get(record_id, version=version)
    state = {k.lstrip("_"): v for k, v in vars(aggregate).items() if k not in HIDDEN_STATE}
    found: dict[str, Any] = jsonable({"id": aggregate.id, "version": aggregate.version, **state})
    return found


STEPS = st.lists(
    st.tuples(st.sampled_from(["daily", "daily", "daily", "progress", "review"]), st.integers(-30, 72)),
    min_size=1,
    max_size=45,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, every=st.integers(2, 9))
def test_state_at_every_version_and_moment_equals_the_full_replay(steps: list[tuple[str, int]], every: int) -> None:
    app = keyed(every)
    s = Scenario.new(app)
    write(s, steps)
    record_id, audit = s.id(STAFF), Audit(app)
    last = s.get(STAFF).version
    kept = app.snapshots_kept
    assert kept is not None
    assert len(kept.recorder.select_events(record_id)) == last // every  # one per multiple crossed: they are used
    for version in range(1, last + 1):
        assert audit.state_at(record_id, version=version) == full_replay(app, record_id, version)
    times = [as_utc(app.mapper.to_domain_event(r).timestamp) for r in app.recorder.select_events(record_id)]
    for moment in {t + d for t in times for d in (timedelta(0), timedelta(seconds=-1))}:
        earlier = [v for v, t in enumerate(times, start=1) if t <= moment]
        if earlier:  # the highest version at or before the moment: times need not grow with versions
            assert audit.state_at(record_id, at=moment) == full_replay(app, record_id, max(earlier))
    assert app.appraisal(record_id).__dict__ == app.repository.get(record_id).__dict__


def test_a_snapshot_starts_the_replay_where_it_was_taken() -> None:
    """Not a dead cache: the rebuild reads only the events from the snapshot's version on."""
    app = keyed(10)
    s = Scenario.new(app)
    write(s, [("daily", 5)] * 30)  # 3 events of the SKP and the opening, then 30
    record_id = s.id(STAFF)
    asked: list[tuple[int | None, int | None]] = []
    select = app.recorder.select_events

    def spy(originator_id: Any, **kw: Any) -> Any:
        asked.append((kw.get("gt"), kw.get("lte")))
        return select(originator_id, **kw)

    app.recorder.select_events = spy  # type: ignore[method-assign]
    assert app.appraisal(record_id).version == 34
    assert app.appraisal(record_id, version=25).version == 25
    assert asked == [(29, None), (19, 25)]


def test_without_a_key_nothing_is_snapshotted() -> None:
    app = Appraisals()
    s = Scenario.new(app)
    write(s, [("daily", 5)] * 12)
    assert app.snapshots_kept is None
    assert Audit(app).state_at(s.id(STAFF), version=14) == full_replay(app, s.id(STAFF), 14)


# --- tampering, on both databases ---------------------------------------------------------------


class SnapshotRows:
    """The snapshot table as an attacker with database access has it."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)

    def get(self, oid: UUID, version: int) -> tuple[str, bytes]:
        sql = f"SELECT topic, state FROM {SNAPSHOTS_TABLE} WHERE originator_id = :oid AND originator_version = :v"
        with self.engine.connect() as conn:
            topic, state = conn.execute(sa.text(sql).bindparams(OID), {"oid": oid, "v": version}).one()
        return topic, bytes(state)

    def put(self, oid: UUID, version: int, topic: str, state: bytes) -> None:
        with self.engine.begin() as conn:
            delete = f"DELETE FROM {SNAPSHOTS_TABLE} WHERE originator_id = :oid AND originator_version = :v"
            conn.execute(sa.text(delete).bindparams(OID), {"oid": oid, "v": version})
            insert = f"INSERT INTO {SNAPSHOTS_TABLE} (originator_id, originator_version, topic, state) VALUES (:oid, :v, :t, :state)"
            conn.execute(sa.text(insert).bindparams(OID, STATE), {"oid": oid, "v": version, "t": topic, "state": state})


def _edited(state: bytes, name: str) -> bytes:
    """The snapshot's JSON with the employee's name changed (the MAC left as it was)."""
    body = json.loads(state[MAC_BYTES:])
    body["state"]["employee"]["name"] = name
    return state[:MAC_BYTES] + json.dumps(body).encode()


@pytest.mark.parametrize(
    "attack", ["edited", "mac-recomputed-with-another-key", "copied-from-another-record", "foreign-chain"]
)
def test_a_tampered_snapshot_changes_neither_verify_nor_any_state(
    store_env: dict[str, str], store_url: str, attack: str
) -> None:
    app = keyed(10, store_env)
    s = Scenario.new(app)
    write(s, [("daily", 5)] * 30)
    write(s, [("daily", 7)] * 27, who=HEAD)
    record_id, audit = s.id(STAFF), Audit(app)
    versions = range(1, 35)
    honest = [audit.state_at(record_id, version=v) for v in versions]
    verified = audit.verify(record_id)
    assert verified.ok
    rows = SnapshotRows(store_url)
    topic, state = rows.get(record_id, 30)
    kept = app.snapshots_kept
    assert kept is not None
    if attack == "edited":
        forged = _edited(state, "Orang Lain")
    elif attack == "mac-recomputed-with-another-key":
        body = _edited(state, "Orang Lain")[MAC_BYTES:]
        other = Snapshots(app.mapper, kept.recorder, b"a key the attacker made up".ljust(32, b"!"))
        forged = other._mac(record_id, 30, topic, body) + body
    elif attack == "copied-from-another-record":
        forged = rows.get(s.id(HEAD), 30)[1]
    else:  # a snapshot the MAC accepts, but not of this log: its chain head is another event's digest
        body = json.loads(state[MAC_BYTES:])
        body["state"]["chain_head"] = "0" * 64
        raw = json.dumps(body).encode()
        forged = kept._mac(record_id, 30, topic, raw) + raw
    rows.put(record_id, 30, topic, forged)
    # Meaningful: taken as it is (eventsourcing's own snapshot loading), the forgery would change the record.
    naive = restore(app.mapper.to_domain_event(StoredEvent(record_id, 30, topic, forged[MAC_BYTES:])))
    changed = {
        "edited": naive.employee["name"] == "Orang Lain",
        "mac-recomputed-with-another-key": naive.employee["name"] == "Orang Lain",
        "copied-from-another-record": naive.employee_nip == HEAD,
        "foreign-chain": naive.chain_head == "0" * 64,
    }
    assert changed[attack]
    assert audit.verify(record_id) == verified
    assert [audit.state_at(record_id, version=v) for v in versions] == honest
    assert app.appraisal(record_id).employee["name"] == honest[-1]["employee"]["name"] != "Orang Lain"
    if attack == "foreign-chain":  # its MAC holds: the chain head it carries is what gives it away
        assert kept.latest(record_id, None) is not None
    else:
        assert kept.latest(record_id, None) is None


def test_a_lost_snapshot_table_costs_only_time(store_env: dict[str, str], store_url: str) -> None:
    app = keyed(10, store_env)
    s = Scenario.new(app)
    write(s, [("daily", 5)] * 25)
    record_id = s.id(STAFF)
    before = Audit(app).state_at(record_id)
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {SNAPSHOTS_TABLE}"))
    assert Audit(app).state_at(record_id) == before
    assert Audit(app).verify(record_id).ok


def test_every_kind_of_record_restores_from_a_snapshot_at_every_version() -> None:
    """A snapshot at each version of a whole year (the cycle, appraisals up to finalised): restored, each
    equals eventsourcing's replay, so no state of any record is lost in the snapshot's transcoding."""
    app = keyed(1)
    s = reach("finalised", app=app)
    records = [s.cycle_id, *(s.id(who) for who in (HEAD, STAFF))]
    kept = app.snapshots_kept
    assert kept is not None
    for record_id in records:
        last = app.record(record_id).version
        assert len(kept.recorder.select_events(record_id)) == last
        for version in range(1, last + 1):
            snapshot = kept.latest(record_id, version)
            assert snapshot is not None and snapshot.originator_version == version
            assert restore(snapshot).__dict__ == app.repository.get(record_id, version=version).__dict__


def test_on_a_partitioned_store_each_agency_s_log_keeps_its_records_snapshots(store_url: str, tmp_path: Path) -> None:
    """The snapshots and the kept cycle live with the record's own log (its agency's partition)."""
    settings = Settings(database_url=store_url, log_keys_dir=str(tmp_path / "keys"), partitioned=True)
    app = open_appraisals(settings)
    assert isinstance(app, PartitionedAppraisals)
    s = Scenario.new(app, agency_id="pemkot-palu")
    write(s, [("daily", 5)] * 50)  # 4 events of the SKP and the opening, then 50: one snapshot, at 50
    record_id, home = s.id(STAFF), app.home(s.id(STAFF))
    assert home is not app
    kept = home.snapshots_kept
    assert kept is not None and [r.originator_version for r in kept.recorder.select_events(record_id)] == [50]
    assert app.snapshots_kept is None or not app.snapshots_kept.recorder.select_events(record_id)
    audit = Audit(app)
    for version in (1, 49, 50, 54):
        assert audit.state_at(record_id, version=version) == full_replay(home, record_id, version)
    assert app.current(AppraisalCycle, s.cycle_id, "cycle") is home.current(AppraisalCycle, s.cycle_id, "cycle")
    app.close()
