"""The event store behaves the same on SQLite and PostgreSQL: round trip and optimistic concurrency."""

from __future__ import annotations

import pytest
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
