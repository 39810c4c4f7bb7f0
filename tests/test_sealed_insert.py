"""A sealed save, on SQLite and PostgreSQL (where it is transparency/pipeline.py's two queries).

Every row is stored with the seal `Sealer` makes of it, in the order given; a lost race or a failure
between the rows and their seals leaves neither, and releases the log's lock; on PostgreSQL a
connection the server dropped fails one save, and the next reconnects.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from eventsourcing.domain import event
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from domain.application import Appraisals
from domain.chain import ChainedAggregate
from settings import Settings, event_store_env
from tests.conftest import empty_postgres
from transparency.persistence import Sealer, SealingRecorder, open_seal
from transparency.pipeline import SealedInsert

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Memo(ChainedAggregate):
    @event("Opened")
    def __init__(self, title: str, timestamp: datetime) -> None:
        self.title = title

    @event("Noted")
    def note(self, text: str, timestamp: datetime) -> None:
        self.text = text


def sealing_store(url: str, keys: Path) -> Appraisals:
    return Appraisals(env=event_store_env(url, Settings(database_url=url, log_keys_dir=str(keys))))


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Appraisals]:
    app = sealing_store(store_url, tmp_path / "keys")
    yield app
    app.close()


def recorder_of(store: Appraisals) -> SealingRecorder:
    assert isinstance(store.recorder, SealingRecorder)
    return store.recorder


def stored(store: Appraisals) -> tuple[list[tuple[int, StoredEvent]], dict[int, tuple[Any, ...]]]:
    """The log's rows (notification id, row) and its seals by notification id."""
    recorder = recorder_of(store)
    rows = [(n.id, n) for n in recorder.select_notifications(1, 1000)]
    seals = recorder.log_tables.seals
    with store.factory.datastore.engine.connect() as conn:  # type: ignore[attr-defined]
        found = {int(r[0]): tuple(r) for r in conn.execute(sa.select(seals).order_by(seals.c.notification_id))}
    return rows, found


def test_each_row_is_stored_with_the_seal_the_sealer_makes_of_it_in_the_order_given(
    store: Appraisals, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    two_queries = SealedInsert.__call__

    def counted(self: SealedInsert, engine: sa.Engine, events: Any, sealer: Any) -> list[int]:
        calls.append(len(events))
        return two_queries(self, engine, events, sealer)

    monkeypatch.setattr(SealedInsert, "__call__", counted)
    memos = [Memo(title=f"memo {k}", timestamp=AT) for k in range(3)]
    for k, memo in enumerate(memos):
        memo.note(text=f"first line of memo {k}", timestamp=AT)
    store.save(*memos)  # six rows in one transaction
    memos[1].note(text="a second line", timestamp=AT)
    store.save(memos[1])
    postgres = store.factory.datastore.engine.dialect.name == "postgresql"  # type: ignore[attr-defined]
    assert calls == ([6, 1] if postgres else [])  # PostgreSQL's two queries; SQLite's the library's insert

    rows, seals = stored(store)
    order = [(m.id, v) for m in memos for v in (1, 2)] + [(memos[1].id, 3)]
    assert [(row.originator_id, row.originator_version) for _, row in rows] == order
    assert [i for i, _ in rows] == sorted(i for i, _ in rows)
    sealer = recorder_of(store).sealer
    assert sealer is not None
    assert set(seals) == {i for i, _ in rows}
    for i, row in rows:
        expected = sealer.seal(i, row)
        assert dict(zip(expected, seals[i], strict=True)) == expected
        sealed, _ = open_seal(expected["note"], [sealer.signer.verifier()])
        assert (sealed.notification_id, sealed.originator_id, sealed.version) == (
            i,
            row.originator_id,
            row.originator_version,
        )


def test_a_lost_race_stores_nothing_and_the_winner_goes_on(store: Appraisals) -> None:
    memo = Memo(title="memo", timestamp=AT)
    store.save(memo)
    other = Appraisals(env=store.env)
    rival = other.repository.get(memo.id)
    memo.note(text="the winner's", timestamp=AT)
    rival.note(text="the loser's", timestamp=AT)
    store.save(memo)
    with pytest.raises(IntegrityError):
        other.save(rival)
    other.close()

    memo.note(text="and the next", timestamp=AT)
    store.save(memo)
    rows, seals = stored(store)
    assert [row.originator_version for _, row in rows] == [1, 2, 3]
    assert sorted(seals) == [i for i, _ in rows]


def test_a_failure_between_the_rows_and_their_seals_stores_neither_and_releases_the_lock(
    store: Appraisals, monkeypatch: pytest.MonkeyPatch
) -> None:
    memo = Memo(title="memo", timestamp=AT)
    store.save(memo)

    def broken(*_: Any) -> Any:
        raise RuntimeError("the signing key is gone")

    with monkeypatch.context() as patch:
        patch.setattr(Sealer, "seal_row", broken)
        patch.setattr(Sealer, "seal", broken)
        memo.note(text="never stored", timestamp=AT)
        with pytest.raises(RuntimeError, match="signing key"):
            store.save(memo)

    engine: sa.Engine = store.factory.datastore.engine  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":  # another connection takes the lock at once: it was released
        with engine.connect() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            conn.execute(sa.text(f"LOCK TABLE {recorder_of(store).events_table_name} IN EXCLUSIVE MODE"))
            conn.rollback()
    again = Appraisals(env=store.env)
    fresh = again.repository.get(memo.id)
    fresh.note(text="stored", timestamp=AT)
    again.save(fresh)
    again.close()
    rows, seals = stored(store)
    assert [row.originator_version for _, row in rows] == [1, 2]
    assert sorted(seals) == [i for i, _ in rows]
    store.close()


@pytest.mark.postgres
def test_on_postgresql_a_connection_the_server_dropped_fails_one_save_and_the_next_reconnects(tmp_path: Path) -> None:
    store_url = empty_postgres()
    store = sealing_store(store_url, tmp_path / "keys")
    memo = Memo(title="memo", timestamp=AT)
    store.save(memo)
    assert isinstance(recorder_of(store).sealed_insert, SealedInsert)
    engine: sa.Engine = store.factory.datastore.engine  # type: ignore[attr-defined]
    idle = [engine.raw_connection() for _ in range(3)]  # the pool keeps three connections, all to be dropped
    for connection in idle:
        connection.close()
    admin = sa.create_engine(store_url)
    with admin.connect() as conn:  # every other connection to this database, the store's pool among them
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()

    memo.note(text="lost with the connection", timestamp=AT)
    with pytest.raises(OperationalError):
        store.save(memo)
    memo = Appraisals(env=store.env).repository.get(memo.id)  # the aggregate as stored
    memo.note(text="stored", timestamp=AT)
    store.save(memo)
    rows, seals = stored(store)
    assert [row.originator_version for _, row in rows] == [1, 2]
    assert sorted(seals) == [i for i, _ in rows]
    store.close()
