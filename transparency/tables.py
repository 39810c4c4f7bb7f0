"""The tables of one log's proof, beside its events table (same database, same schema).

For events table `kinerja_events`: `kinerja_seals` (one signed seal per row, written with it),
`kinerja_tree_leaves` and `kinerja_tree_nodes` (the Merkle tree's leaf hashes and every
complete perfect subtree, so proofs and roots never re-read the log), `kinerja_tree_state`
(size and position, the builders' lock row), `kinerja_checkpoints` (every signed checkpoint)
and `kinerja_witnessed` (each witness's answer to each checkpoint).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

import sqlalchemy as sa

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@dataclass(frozen=True)
class LogTables:
    prefix: str
    metadata: sa.MetaData
    seals: sa.Table
    leaves: sa.Table
    nodes: sa.Table
    state: sa.Table
    checkpoints: sa.Table
    witnessed: sa.Table

    @property
    def proof_tables(self) -> list[sa.Table]:
        """Everything the tree builder and the publisher own (the seals belong to the recorder)."""
        return [self.leaves, self.nodes, self.state, self.checkpoints, self.witnessed]


def table_prefix(events_table_name: str) -> str:
    return events_table_name.removesuffix("_events")


@cache
def log_tables(events_table_name: str, schema: str | None = None) -> LogTables:
    p = table_prefix(events_table_name)
    md = sa.MetaData(schema=schema)
    seals = sa.Table(
        f"{p}_seals",
        md,
        sa.Column("notification_id", BIG, primary_key=True, autoincrement=False),
        sa.Column("originator_id", sa.String(36), nullable=False),
        sa.Column("originator_version", BIG, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        # A record's seals, read by the integrity check before every read and every action's authorisation:
        # without it each check scanned every seal of the log (SealingRecorder.create_table adds it to a log
        # sealed before it existed).
        sa.Index(f"{p}_seals_record", "originator_id", "originator_version"),
    )
    leaves = sa.Table(
        f"{p}_tree_leaves",
        md,
        sa.Column("idx", BIG, primary_key=True, autoincrement=False),
        sa.Column("notification_id", BIG, nullable=False, unique=True),
        sa.Column("originator_id", sa.String(36), nullable=False),
        sa.Column("originator_version", BIG, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Index(f"{p}_tree_leaves_event", "originator_id", "originator_version"),
    )
    nodes = sa.Table(
        f"{p}_tree_nodes",
        md,
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("idx", BIG, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    state = sa.Table(
        f"{p}_tree_state",
        md,
        sa.Column("log", sa.String(200), primary_key=True),
        sa.Column("size", BIG, nullable=False),
        sa.Column("last_notification_id", BIG, nullable=False),
    )
    checkpoints = sa.Table(
        f"{p}_checkpoints",
        md,
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("size", BIG, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=True),
        sa.Column("timestamp_note", sa.Text(), nullable=False, server_default=""),
    )
    witnessed = sa.Table(
        f"{p}_witnessed",
        md,
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("checkpoint_id", BIG, nullable=False, index=True),
        sa.Column("witness", sa.String(300), nullable=False),
        sa.Column("size", BIG, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),  # accepted | refused | unreachable
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("cosignatures", sa.Text(), nullable=False),  # the witness's signature lines, if any
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    return LogTables(p, md, seals, leaves, nodes, state, checkpoints, witnessed)


def utc_iso(moment: datetime) -> str:
    """A stored instant in ISO form with its zone: SQLite hands back the UTC it was given, without one."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()
