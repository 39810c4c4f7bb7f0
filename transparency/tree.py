"""The stored Merkle tree of one log, grown from the log's notifications without re-reading it.

`extend` reads only the rows after the tree's position, appends their leaves to the
frontier (loaded from O(log n) stored subtree hashes) and stores every subtree they
complete, in one transaction per batch that first locks the tree's state row: builders
running at once (API replicas, workers) take turns, and a batch whose position moved is
dropped. Roots and proofs for any size read only the O(log n) stored hashes they need.

Notification ids are handed out in commit order (the event store locks its table on
insert), so a row can never appear below the tree's position.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import Notification

from domain.merkle import (
    Frontier,
    Node,
    consistency_path,
    event_leaf,
    fold,
    inclusion_path,
    leaf_hash,
    resolve,
    root_nodes,
)
from transparency.log import BATCH, Log


def insert_many(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Many rows at once, past SQLAlchemy's per-row parameter processing: COPY on PostgreSQL with
    psycopg (whose executemany sends one statement per row), the driver's executemany on SQLite."""
    if not rows:
        return
    columns = list(rows[0])
    prep = conn.dialect.identifier_preparer
    target = f"{prep.format_table(table)} ({', '.join(prep.quote(c) for c in columns)})"
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", [tuple(r[c] for c in columns) for r in rows])
        return
    raw: Any = conn.connection.dbapi_connection  # a psycopg connection: its cursors COPY
    if conn.dialect.driver != "psycopg" or raw is None:
        conn.execute(sa.insert(table), rows)
        return
    with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def row_leaf(n: Notification) -> bytes:
    oid = n.originator_id if isinstance(n.originator_id, UUID) else UUID(str(n.originator_id))
    return leaf_hash(event_leaf(n.id, oid, n.originator_version, n.topic, n.state))


class LogTree:
    """The tree of one log in its database."""

    def __init__(self, log: Log) -> None:
        self.log, self.t = log, log.tables
        self._ready = False

    def ensure_tables(self) -> None:
        if self._ready:
            return
        engine = self.log.engine
        for table in self.t.proof_tables:
            try:
                table.create(engine, checkfirst=True)
            except sa.exc.DatabaseError:  # created by a concurrent process a moment ago
                if not sa.inspect(engine).has_table(table.name, schema=table.schema):
                    raise
        with engine.begin() as conn:
            if conn.execute(sa.select(self.t.state.c.size).where(self.t.state.c.log == self.log.name)).first() is None:
                try:
                    conn.execute(sa.insert(self.t.state).values(log=self.log.name, size=0, last_notification_id=0))
                except sa.exc.IntegrityError:
                    pass
        self._ready = True

    # --- growing ------------------------------------------------------------

    def state(self, conn: sa.Connection | None = None) -> tuple[int, int]:
        """(size, last notification id) of the stored tree (as `conn` sees it, if given)."""
        self.ensure_tables()
        query = sa.select(self.t.state.c.size, self.t.state.c.last_notification_id).where(
            self.t.state.c.log == self.log.name
        )
        if conn is not None:
            row = conn.execute(query).one()
        else:
            with self.log.engine.connect() as own:
                row = own.execute(query).one()
        return int(row.size), int(row.last_notification_id)

    def size(self, conn: sa.Connection | None = None) -> int:
        return self.state(conn)[0]

    def extend(self, batch: int = BATCH) -> int:
        """Append every row written since the last call; returns the new size."""
        self.ensure_tables()
        while True:
            size, last = self.state()
            page = self.log.page(last, batch)
            if not page:
                return size
            with self.log.engine.begin() as conn:
                if not self._lock_at(conn, size, last):
                    continue  # another builder extended the tree first: read again from its position
                frontier = Frontier(size, [self._hashes(conn, root_nodes(size))[n] for n in root_nodes(size)])
                leaves, nodes = [], []
                for n in page:
                    created = frontier.append(row_leaf(n))
                    leaves.append(
                        {
                            "idx": created[0][0][1],
                            "notification_id": n.id,
                            "hash": created[0][1],
                            "originator_id": str(n.originator_id),
                            "originator_version": n.originator_version,
                        }
                    )
                    nodes += [{"level": lv, "idx": i, "hash": h} for (lv, i), h in created[1:]]
                insert_many(conn, self.t.leaves, leaves)
                insert_many(conn, self.t.nodes, nodes)
                conn.execute(
                    sa.update(self.t.state)
                    .where(self.t.state.c.log == self.log.name)
                    .values(size=frontier.size, last_notification_id=page[-1].id)
                )
            if len(page) < batch:
                return frontier.size

    def _lock_at(self, conn: sa.Connection, size: int, last: int) -> bool:
        """Take the state row's write lock; False if the tree is no longer at (size, last)."""
        s = self.t.state
        locked = conn.execute(
            sa.update(s)
            .where(s.c.log == self.log.name, s.c.size == size, s.c.last_notification_id == last)
            .values(size=s.c.size)
        )
        return locked.rowcount == 1

    # --- reading ------------------------------------------------------------

    def _hashes(self, conn: sa.Connection, nodes: Iterable[Node]) -> dict[Node, bytes]:
        wanted = set(nodes)
        found: dict[Node, bytes] = {}
        leaves = [i for lv, i in wanted if lv == 0]
        inner = [(lv, i) for lv, i in wanted if lv > 0]
        for start in range(0, len(leaves), 500):
            part = leaves[start : start + 500]
            for idx, h in conn.execute(
                sa.select(self.t.leaves.c.idx, self.t.leaves.c.hash).where(self.t.leaves.c.idx.in_(part))
            ):
                found[(0, int(idx))] = bytes(h)
        for start in range(0, len(inner), 500):
            pairs = inner[start : start + 500]
            key = sa.tuple_(self.t.nodes.c.level, self.t.nodes.c.idx)
            for lv, idx, h in conn.execute(
                sa.select(self.t.nodes.c.level, self.t.nodes.c.idx, self.t.nodes.c.hash).where(key.in_(pairs))
            ):
                found[(int(lv), int(idx))] = bytes(h)
        missing = wanted - found.keys()
        if missing:
            raise LookupError(f"the tree store of log {self.log.name} lacks subtrees {sorted(missing)[:3]}")
        return found

    def _check_size(self, *sizes: int) -> int:
        current = self.size()
        for s in sizes:
            if not 0 <= s <= current:
                raise ValueError(f"the tree of log {self.log.name} has {current} leaves, not {s}")
        return current

    def root(self, size: int | None = None) -> bytes:
        current = self._check_size(*(() if size is None else (size,)))
        size = current if size is None else size
        with self.log.engine.connect() as conn:
            hashes = self._hashes(conn, root_nodes(size))
        return fold([hashes[n] for n in root_nodes(size)])

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self._check_size(size)
        path = inclusion_path(index, size)
        with self.log.engine.connect() as conn:
            return resolve(path, self._hashes(conn, [n for element in path for n in element]))

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        self._check_size(old, new)
        path = consistency_path(old, new)
        with self.log.engine.connect() as conn:
            return resolve(path, self._hashes(conn, [n for element in path for n in element]))

    def leaf_of(self, notification_id: int) -> tuple[int, bytes] | None:
        """(leaf index, leaf hash) of a row, once the tree covers it."""
        self.ensure_tables()
        with self.log.engine.connect() as conn:
            row = conn.execute(
                sa.select(self.t.leaves.c.idx, self.t.leaves.c.hash).where(
                    self.t.leaves.c.notification_id == notification_id
                )
            ).first()
        return None if row is None else (int(row.idx), bytes(row.hash))

    def stored_leaves(self, conn: sa.Connection | None = None) -> Iterable[sa.Row[Any]]:
        """Every stored leaf in order: the tree's own copy of what each checkpoint covered (on `conn` if given)."""
        self.ensure_tables()
        after = -1
        while True:
            query = sa.select(self.t.leaves).where(self.t.leaves.c.idx > after).order_by(self.t.leaves.c.idx)
            if conn is not None:
                page = conn.execute(query.limit(BATCH)).all()
            else:
                with self.log.engine.connect() as own:
                    page = own.execute(query.limit(BATCH)).all()
            yield from page
            if len(page) < BATCH:
                return
            after = int(page[-1].idx)
