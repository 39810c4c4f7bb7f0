"""One consistent read of the database: every query a verifier makes sees the log as of one moment.

A verifier reads the rows, their seals, the stored tree and the checkpoints in several queries.
Each in its own transaction (READ COMMITTED on PostgreSQL, autocommit reads on SQLite), a
command or a checkpoint committed between two of them looks like tampering: the seals of rows
written after the rows were read look like rows gone from the log ("truncated", "deleted
whole"), and a checkpoint published after the checkpoints were read, which a witness already
holds, looks deleted. Inside `read_snapshot` they all see one moment instead: a REPEATABLE READ,
READ ONLY transaction on PostgreSQL (its snapshot is taken at the first query), an explicit
BEGIN on SQLite (in WAL mode, which the event store sets, the first read fixes what the
transaction sees, and writers go on meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def read_snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection in one read-only transaction; nothing it reads changes until the block ends."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # pysqlite opens no transaction for a SELECT: each read would see the latest commit.
            conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.rollback()
            return
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as transaction:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn
            transaction.rollback()
