"""The identity tables: local accounts and page sessions (instants as aware UTC on every backend)."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from readmodels.tables import UtcDateTime

metadata = sa.MetaData()
_CREATING = threading.Lock()

accounts = sa.Table(
    "auth_accounts",
    metadata,
    sa.Column("nip", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("roles", sa.String(100), nullable=False, default=""),  # space-separated standing roles
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("must_change", sa.Boolean, nullable=False, default=True),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UtcDateTime, nullable=True),
    sa.Column("issued_by", sa.String(18), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("changed_at", UtcDateTime, nullable=True),
)

sessions = sa.Table(
    "auth_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie's secret value
    sa.Column("nip", sa.String(18), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("roles", sa.String(100), nullable=False, default=""),
    sa.Column("method", sa.String(20), nullable=False),  # dev, password, oidc
    sa.Column("must_change", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
)


def ensure(engine: sa.Engine) -> None:
    """Create the tables if missing (several processes may race: retried)."""
    with _CREATING:
        for attempt in range(5):
            try:
                metadata.create_all(engine, checkfirst=True)
                return
            except sa.exc.DatabaseError:
                if attempt == 4:
                    raise
                time.sleep(0.1)
