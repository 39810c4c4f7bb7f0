"""A sealed save on PostgreSQL in two round trips, the log's lock held for as little as it can be.

eventsourcing-sqlalchemy takes `LOCK TABLE <log>_events IN EXCLUSIVE MODE` in every insert (notification
ids in commit order), so a log takes one save at a time, from that statement to its COMMIT. Here:

1. before the lock, everything that does not depend on the notification ids: each seal but its id, leaf
   hash and signature (`Sealer.prepare`: the row's summary and leaf bytes);
2. `BEGIN; LOCK TABLE ...; INSERT ... RETURNING id` (one per row, so the ids come back in the rows'
   order) as one query: one round trip;
3. each seal finished and signed with its id, then `INSERT INTO <log>_seals ...; COMMIT` as one query.

The same statements, lock and transaction as the library's insert; the values are bound by psycopg on
the client (`ClientCursor`: escaped by libpq), since only the simple query protocol takes several
statements at once. psycopg's pipeline mode, used before, waited for its BEGIN, its flush and each Sync:
five round trips a save (strace), the lock held across the last three. No ORM session either (its
begin, the seal INSERT's compilation and its commit): a connection from the engine's pool, and its
psycopg connection in autocommit (the BEGIN is ours) until the COMMIT. A failure is rolled back and
raised as the library's transaction raises it (a version conflict: eventsourcing's IntegrityError); a
connection the server dropped is discarded with the pool's idle ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import eventsourcing.persistence as es
import psycopg
import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

if TYPE_CHECKING:
    from transparency.persistence import Sealer

# eventsourcing-sqlalchemy's mapping of SQLAlchemy's errors to eventsourcing's (datastore.Transaction), in its order
ERRORS: list[tuple[type[Exception], type[es.PersistenceError]]] = [
    (sa.exc.InterfaceError, es.InterfaceError),
    (sa.exc.DataError, es.DataError),
    (sa.exc.OperationalError, es.OperationalError),
    (sa.exc.IntegrityError, es.IntegrityError),
    (sa.exc.InternalError, es.InternalError),
    (sa.exc.ProgrammingError, es.ProgrammingError),
    (sa.exc.NotSupportedError, es.NotSupportedError),
    (sa.exc.DatabaseError, es.DatabaseError),
    (sa.exc.SQLAlchemyError, es.PersistenceError),
]


def persistence_error(error: sa.exc.SQLAlchemyError) -> es.PersistenceError:
    return next(ours(error) for theirs, ours in ERRORS if isinstance(error, theirs))


class SealedInsert:
    """The statements of one log's sealed insert, written once."""

    def __init__(self, events_table: str, seals_table: str) -> None:
        self.lock = f"BEGIN; LOCK TABLE {events_table} IN EXCLUSIVE MODE"
        self.row = (
            f"INSERT INTO {events_table} (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s) RETURNING id"
        )
        self.seals = f"INSERT INTO {seals_table} (notification_id, originator_id, originator_version, leaf_hash, note) "
        self.seal = "(%s, %s, %s, %s, %s)"

    def __call__(self, engine: sa.Engine, stored_events: Sequence[StoredEvent], sealer: Sealer | None) -> list[int]:
        """Insert and seal the rows in one transaction; their notification ids, in the order given."""
        rows = [(e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events]
        params = [value for row in rows for value in row]
        insert = "; ".join([self.lock] + [self.row] * len(rows))
        pending = [sealer.prepare(e) for e in stored_events] if sealer is not None else []
        pooled = engine.raw_connection()  # no SQLAlchemy Connection: its isolation level's set and reset cost more
        driver: Any = pooled.driver_connection
        try:
            driver.autocommit = True  # the BEGIN is ours, in the first query: psycopg's would be a round trip
            with psycopg.ClientCursor(driver) as cursor:
                cursor.execute(insert, params)
                ids = returned_ids(cursor, len(rows))
                if sealer is None:
                    cursor.execute("COMMIT")
                else:
                    seals = [sealer.seal_row(i, p) for i, p in zip(ids, pending, strict=True)]
                    values = ", ".join([self.seal] * len(seals))
                    cursor.execute(f"{self.seals}VALUES {values}; COMMIT", [v for s in seals for v in s])
            driver.autocommit = False
        except BaseException as e:
            abandon(engine, pooled, driver, e)
            if isinstance(e, psycopg.Error):
                raise persistence_error(sa.exc.DBAPIError.instance(insert, params, e, psycopg.Error)) from e
            raise
        finally:
            pooled.close()
        return ids


def returned_ids(cursor: Any, rows: int) -> list[int]:
    """The ids of the INSERTs' RETURNING, after the BEGIN's and the LOCK's results."""
    ids: list[int] = []
    for _ in range(2):
        cursor.nextset()
    for _ in range(rows):
        ids.append(int(cursor.fetchone()[0]))
        cursor.nextset()
    return ids


def abandon(engine: sa.Engine, pooled: Any, driver: Any, error: BaseException) -> None:
    """After a failure: roll the transaction back, or drop the connection (and the pool's idle ones, as
    SQLAlchemy does) if the server went away."""
    if not driver.broken and not driver.closed:
        try:
            driver.rollback()
            driver.autocommit = False
            return
        except psycopg.Error:
            pass
    pooled.invalidate(error if isinstance(error, Exception) else None)
    engine.pool.dispose()
