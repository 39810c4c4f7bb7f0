"""The event store behaves the same on SQLite and PostgreSQL: round trip and optimistic concurrency."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError


class Counter(Aggregate):
    @event("Opened")
    def __init__(self, name: str) -> None:
        self.name = name
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


class Counters(Application):
    pass


def test_saved_aggregate_reloads_with_its_state(store_env: dict[str, str]) -> None:
    app = Counters(env=store_env)
    counter = Counter("kinerja")
    counter.note("first")
    app.save(counter)

    # A second application on the same database sees what the first one stored.
    other = Counters(env=store_env)
    reloaded = other.repository.get(counter.id)
    other.close()
    app.close()
    assert reloaded.name == "kinerja"
    assert reloaded.notes == ["first"]
    assert reloaded.version == 2


def test_concurrent_save_of_the_same_version_is_rejected(store_env: dict[str, str]) -> None:
    app = Counters(env=store_env)
    counter = Counter("kinerja")
    app.save(counter)

    # Two writers load the aggregate at the same version and both change it.
    first = app.repository.get(counter.id)
    second = app.repository.get(counter.id)
    first.note("from the first writer")
    second.note("from the second writer")

    app.save(first)
    with pytest.raises(IntegrityError):
        app.save(second)

    # The log holds exactly the first writer's change, after the creation event.
    stored = app.recorder.select_events(counter.id)
    assert [e.originator_version for e in stored] == [1, 2]
    assert app.repository.get(counter.id).notes == ["from the first writer"]
    app.close()


@pytest.fixture
def sealed_env(store_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The production recorder (transparency/persistence.py: Core inserts, on PostgreSQL pipelined, and seals)."""
    return {
        **store_env,
        "PERSISTENCE_MODULE": "transparency.persistence:SealingFactory",
        "SEAL_KEYS_DIR": str(tmp_path),
    }


def test_the_sealing_store_rejects_a_concurrent_save_as_the_library_does(sealed_env: dict[str, str]) -> None:
    app = Counters(env=sealed_env)
    counter = Counter("kinerja")
    app.save(counter)
    first, second = app.repository.get(counter.id), app.repository.get(counter.id)
    first.note("from the first writer")
    second.note("from the second writer")
    app.save(first)
    with pytest.raises(IntegrityError):  # eventsourcing's own error, whatever the driver raised
        app.save(second)
    assert [e.originator_version for e in app.recorder.select_events(counter.id)] == [1, 2]
    # The store goes on after the failed transaction: the next save takes the next id and its seal.
    first.note("again")
    app.save(first)
    app.close()


def test_the_sealing_store_hands_out_ids_in_the_order_of_the_events_and_seals_each(
    sealed_env: dict[str, str],
) -> None:
    app = Counters(env=sealed_env)
    counters = [Counter(f"c{k}") for k in range(3)]
    for k, c in enumerate(counters):
        for n in range(k + 2):
            c.note(f"note {n}")
    app.save(*counters)  # one transaction of 2 + 3 + 4 + 3 creations = 12 events
    notifications = app.recorder.select_notifications(1, 100)
    assert [n.id for n in notifications] == sorted(n.id for n in notifications)
    assert len(notifications) == 12
    for c in counters:
        versions = [n.originator_version for n in notifications if n.originator_id == c.id]
        assert versions == list(range(1, c.version + 1))
    seals = app.recorder.log_tables.seals  # type: ignore[attr-defined]
    engine = sa.create_engine(sealed_env["SQLALCHEMY_URL"])
    with engine.connect() as conn:
        sealed = {(r.notification_id, r.originator_id, r.originator_version) for r in conn.execute(sa.select(seals))}
    engine.dispose()
    assert sealed == {(n.id, str(n.originator_id), n.originator_version) for n in notifications}
    app.close()
