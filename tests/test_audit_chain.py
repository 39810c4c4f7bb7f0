"""What an auditor gets from the log: a hash chain that names tampering, and the past on demand.

The tamper tests edit the stored rows with plain SQL on both backends; the
originator_id column is a native UUID on PostgreSQL and 16 bytes on SQLite,
so the id is bound with sqlalchemy-utils' UUIDType, which the recorder itself uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy_utils import UUIDType

import domain.rules
from domain.application import Appraisals
from domain.audit import Audit
from domain.errors import InvalidInput
from domain.rules import ABOVE, AS_EXPECTED, BAIK, PERMENPANRB_6_2022, SANGAT_BAIK, register_rule_set
from tests.factories import HEAD, STAFF, WITA, Rating, Scenario, T, reach, values

EVENTS_TABLE = "kinerja_events"
OID = sa.bindparam("oid", type_=UUIDType())
STATE = sa.bindparam("state", type_=sa.LargeBinary())

# --- plain SQL on the events table ---------------------------------------------------------------


class Rows:
    """Direct access to one aggregate's stored rows, as an attacker with database access has it."""

    def __init__(self, engine: sa.Engine, oid: UUID) -> None:
        self.engine, self.oid = engine, oid

    def _run(self, sql: str, *binds: Any, **params: Any) -> sa.CursorResult[Any]:
        with self.engine.begin() as connection:
            return connection.execute(sa.text(sql).bindparams(OID, *binds), {"oid": self.oid, **params})

    def get(self, version: int) -> tuple[str, bytes]:
        with self.engine.connect() as connection:
            topic, state = connection.execute(
                sa.text(
                    f"SELECT topic, state FROM {EVENTS_TABLE} WHERE originator_id = :oid AND originator_version = :v"
                ).bindparams(OID),
                {"oid": self.oid, "v": version},
            ).one()
        return topic, bytes(state)

    def versions(self) -> list[int]:
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.text(
                    f"SELECT originator_version FROM {EVENTS_TABLE} WHERE originator_id = :oid "
                    "ORDER BY originator_version"
                ).bindparams(OID),
                {"oid": self.oid},
            )
            return [v for (v,) in found]

    def set_state(self, version: int, state: bytes) -> None:
        self._run(
            f"UPDATE {EVENTS_TABLE} SET state = :state WHERE originator_id = :oid AND originator_version = :v",
            STATE,
            state=state,
            v=version,
        )

    def delete(self, version: int) -> None:
        self._run(f"DELETE FROM {EVENTS_TABLE} WHERE originator_id = :oid AND originator_version = :v", v=version)

    def insert(self, version: int, topic: str, state: bytes) -> None:
        self._run(
            f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
            "VALUES (:oid, :v, :topic, :state)",
            STATE,
            v=version,
            topic=topic,
            state=state,
        )

    def shift_up(self, from_version: int) -> None:
        """Make room at `from_version`: one row at a time, from the top, so the unique index holds."""
        for v in sorted((v for v in self.versions() if v >= from_version), reverse=True):
            self._run(
                f"UPDATE {EVENTS_TABLE} SET originator_version = :new WHERE originator_id = :oid AND "
                "originator_version = :v",
                new=v + 1,
                v=v,
            )


@pytest.fixture
def stored(store_env: dict[str, str]) -> Iterator[tuple[Scenario, Rows]]:
    """STAFF's appraisal at follow-up on the backend under test (8 events), and its rows."""
    s = reach("follow_up", app=Appraisals(env=store_env))
    engine = sa.create_engine(store_env["SQLALCHEMY_URL"])
    assert EVENTS_TABLE in sa.inspect(engine).get_table_names()
    rows = Rows(engine, s.id(STAFF))
    assert rows.versions() == list(range(1, 9))
    yield s, rows
    engine.dispose()


def verify(s: Scenario) -> Any:
    return Audit(s.app).verify(s.id(STAFF))


def test_an_untouched_log_verifies_up_to_its_head(stored: tuple[Scenario, Rows]) -> None:
    s, _ = stored
    report = verify(s)
    assert (report.ok, report.events, report.broken_at, report.problem) == (True, 8, None, "")
    assert report.head == s.get(STAFF).chain_head
    assert Audit(s.app).verify(s.cycle_id).ok is True


def _rerated(state: bytes) -> bytes:
    tampered = state.replace(b'"results_rating":"sesuai"', b'"results_rating":"di_atas"')
    assert tampered != state
    return tampered


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (_rerated, "event 6 was modified: its content no longer matches its digest"),
        (lambda state: state[:-20], "event 6 cannot be read (MapperDeserialisationError): it was modified"),
    ],
    ids=["changed-rating", "unreadable"],
)
def test_a_changed_row_is_named_as_modified(
    stored: tuple[Scenario, Rows], tamper: Callable[[bytes], bytes], problem: str
) -> None:
    s, rows = stored
    topic, state = rows.get(6)
    assert topic.endswith("Appraisal.Rated")
    rows.set_state(6, tamper(state))

    report = verify(s)

    assert (report.ok, report.broken_at, report.problem) == (False, 6, problem)


def test_a_modified_row_that_was_rehashed_breaks_the_next_link(stored: tuple[Scenario, Rows]) -> None:
    s, rows = stored
    event = s.app.mapper.to_domain_event(s.app.recorder.select_events(s.id(STAFF))[5])
    forged = dataclasses.replace(event, results_rating="di_atas", predikat="sangat_baik")  # a fresh, valid digest
    rows.set_state(6, s.app.mapper.to_stored_event(forged).state)

    assert s.get(STAFF).predikat == "sangat_baik"  # an ordinary read does not notice
    report = verify(s)
    assert (report.ok, report.broken_at) == (False, 7)
    assert report.problem == "event 7 does not follow event 6: its predecessor digest differs (inserted or replaced)"


def test_a_deleted_middle_row_is_named_as_missing(stored: tuple[Scenario, Rows]) -> None:
    s, rows = stored
    rows.delete(4)

    report = verify(s)

    assert (report.ok, report.broken_at) == (False, 4)
    assert report.problem == "event 4 is missing (deleted): the log jumps to 5"


INSERTED = "event {v} does not follow event {p}: its predecessor digest differs (inserted or replaced)"


def test_a_copied_row_appended_after_the_last_is_named_as_inserted(stored: tuple[Scenario, Rows]) -> None:
    s, rows = stored
    rows.insert(9, *rows.get(2))

    report = verify(s)

    assert (report.ok, report.events, report.broken_at) == (False, 9, 9)
    assert report.problem == INSERTED.format(v=9, p=8)


def test_a_copied_row_slipped_into_the_middle_is_named_as_inserted(stored: tuple[Scenario, Rows]) -> None:
    s, rows = stored
    rows.shift_up(4)  # 4..8 become 5..9
    rows.insert(4, *rows.get(2))

    report = verify(s)

    assert rows.versions() == list(range(1, 10))
    assert (report.ok, report.broken_at, report.problem) == (False, 4, INSERTED.format(v=4, p=3))


def test_a_forged_event_with_a_valid_digest_appended_at_the_end_is_named_as_inserted(
    stored: tuple[Scenario, Rows],
) -> None:
    s, rows = stored
    event = s.app.mapper.to_domain_event(s.app.recorder.select_events(s.id(STAFF))[1])
    forged = dataclasses.replace(event, originator_version=9)
    topic, _ = rows.get(2)
    rows.insert(9, topic, s.app.mapper.to_stored_event(forged).state)

    report = verify(s)

    assert (report.ok, report.broken_at, report.problem) == (False, 9, INSERTED.format(v=9, p=8))


# --- the past on demand (in memory) ----------------------------------------------------------------


def test_history_lists_each_event_at_its_business_time_with_its_actor() -> None:
    s = reach("follow_up")
    history = Audit(s.app).history(s.id(STAFF))
    assert [(h["version"], h["type"], h["at"], h["by"]) for h in history] == [
        (1, "Opened", T["open"].isoformat(), None),
        (2, "SkpDrafted", T["draft"].isoformat(), STAFF),
        (3, "SkpSubmitted", T["submit"].isoformat(), STAFF),
        (4, "SkpApproved", T["approve"].isoformat(), HEAD),
        (5, "ReviewOpened", T["review"].isoformat(), "system"),
        (6, "Rated", T["rate"].isoformat(), HEAD),
        (7, "ResultDelivered", T["deliver"].isoformat(), HEAD),
        (8, "KeberatanWindowClosed", T["window_closed"].isoformat(), "system"),
    ]
    assert {h["rule_set_id"] for h in history} == {"permenpanrb-6-2022"}
    assert history[5]["payload"]["predikat"] == "baik"
    assert history[5]["prev_digest"] == history[4]["digest"]


def test_state_at_a_version_and_at_a_moment() -> None:
    s = reach("follow_up")
    audit, appraisal_id = Audit(s.app), s.id(STAFF)

    at_rating = audit.state_at(appraisal_id, at=T["rate"])  # an event at exactly that moment counts
    assert at_rating == audit.state_at(appraisal_id, version=6)
    assert (at_rating["version"], at_rating["stage"], at_rating["predikat"]) == (6, "review", "baik")
    just_before = audit.state_at(appraisal_id, at=T["rate"] - timedelta(seconds=1))
    assert (just_before["version"], just_before["predikat"], just_before["rating"]) == (5, None, None)
    # The same instant written in agency time: 04:00 WITA on 21 January is the delivery.
    assert audit.state_at(appraisal_id, at=datetime(2025, 1, 21, 4, 0, tzinfo=WITA))["stage"] == "result_delivered"

    with pytest.raises(InvalidInput) as e:
        audit.state_at(appraisal_id, at=T["open"] - timedelta(seconds=1))
    assert str(e.value) == "at: the record did not exist yet at 2024-01-04T00:59:59+00:00"


def test_diff_between_two_moments_lists_changed_fields_and_the_events_between() -> None:
    s = reach("follow_up")
    diff = Audit(s.app).diff(s.id(STAFF), since=T["review"], until=T["deliver"])

    assert (diff["from_version"], diff["to_version"]) == (5, 7)
    assert [e["type"] for e in diff["events"]] == ["Rated", "ResultDelivered"]
    assert sorted(diff["changed"]) == ["delivered_at", "keberatan_deadline", "predikat", "rating", "stage", "version"]
    assert diff["changed"]["stage"] == {"before": "review", "after": "result_delivered"}
    assert diff["changed"]["predikat"] == {"before": None, "after": "baik"}
    assert diff["changed"]["keberatan_deadline"] == {"before": None, "after": "2025-02-04T15:59:59+00:00"}
    with pytest.raises(InvalidInput, match=r"^until: must not be before since$"):
        Audit(s.app).diff(s.id(STAFF), since=T["deliver"], until=T["review"])


# --- rule sets side by side ---------------------------------------------------------------------------

VARIANT = dataclasses.replace(
    PERMENPANRB_6_2022,
    id="test-variant",
    title="6/2022 with Sesuai results and Di Atas behaviour promoted to Sangat Baik",
    matrix={**PERMENPANRB_6_2022.matrix, (AS_EXPECTED, ABOVE): SANGAT_BAIK},
)


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule sets registered by a test vanish after it."""
    monkeypatch.setattr(domain.rules, "RULE_SETS", dict(domain.rules.RULE_SETS))


def test_a_new_rule_set_changes_nothing_recorded_and_applies_to_cycles_defined_with_it(own_registry: None) -> None:
    sesuai_results_atas_behaviour = Rating(AS_EXPECTED, values(ABOVE))
    app = Appraisals()
    old = reach("follow_up", app=app, ratings={STAFF: sesuai_results_atas_behaviour})

    register_rule_set(VARIANT)
    register_rule_set(VARIANT)  # the same rules again: nothing changes
    new = Scenario.new(app, rule_set_id="test-variant", agency_id="pemkab-donggala")
    new.rate(STAFF, sesuai_results_atas_behaviour)

    old_audit, new_audit = Audit(app).recompute(old.id(STAFF)), Audit(app).recompute(new.id(STAFF))

    assert (old.get(STAFF).predikat, old_audit["rule_set_id"], old_audit["all_match"]) == (
        BAIK,
        "permenpanrb-6-2022",
        True,
    )
    assert old_audit["ratings"][0]["predikat"] == {"recorded": BAIK, "recomputed": BAIK}
    assert (new.get(STAFF).predikat, new_audit["rule_set_id"], new_audit["all_match"]) == (
        SANGAT_BAIK,
        "test-variant",
        True,
    )
    with pytest.raises(InvalidInput, match=r"^rule_set_id: test-variant is already registered with other rules$"):
        register_rule_set(dataclasses.replace(VARIANT, matrix=PERMENPANRB_6_2022.matrix))
