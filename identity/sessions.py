"""Page sessions: an opaque random value in an HttpOnly cookie, its SHA-256 in the database.

A session is checked on the server at every request: it ends at its absolute expiry, after
being idle too long, or at logout (and a password change ends every other session of that
person). Nothing in the cookie is trusted but its being the preimage of a live row.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from identity import tables
from identity.tables import sessions


@dataclass(frozen=True)
class Session:
    nip: str
    name: str
    roles: tuple[str, ...]
    method: str
    must_change: bool
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime], lifetime: timedelta, idle: timedelta) -> None:
        self.engine, self.clock, self.lifetime, self.idle = engine, clock, lifetime, idle
        tables.ensure(engine)

    def start(self, nip: str, roles: tuple[str, ...], method: str, name: str = "", must_change: bool = False) -> str:
        """A new session; returns the cookie value (shown once, stored only as its hash)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                sessions.insert().values(
                    id_hash=_hash(token),
                    nip=nip,
                    name=name[:200],
                    roles=" ".join(roles),
                    method=method,
                    must_change=must_change,
                    created_at=now,
                    expires_at=now + self.lifetime,
                    last_seen_at=now,
                )
            )
        return token

    def resolve(self, token: str) -> Session | None:
        """The live session of this cookie value (and note it was seen), or None."""
        if not token or len(token) > 100:
            return None
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.id_hash == _hash(token))).mappings().first()
            if row is None or row["ended_at"] is not None or row["expires_at"] <= now:
                return None
            if row["last_seen_at"] + self.idle <= now:
                conn.execute(sessions.update().where(sessions.c.id_hash == row["id_hash"]).values(ended_at=now))
                return None
            conn.execute(sessions.update().where(sessions.c.id_hash == row["id_hash"]).values(last_seen_at=now))
        return Session(
            row["nip"], row["name"], tuple(row["roles"].split()), row["method"], row["must_change"], row["expires_at"]
        )

    def end(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sessions.update()
                .where(sessions.c.id_hash == _hash(token), sessions.c.ended_at.is_(None))
                .values(ended_at=self.clock())
            )

    def end_all(self, nip: str, keep: str = "") -> None:
        """End every session of `nip` (but `keep`): after a password change or a lockout by HR."""
        with self.engine.begin() as conn:
            conn.execute(
                sessions.update()
                .where(sessions.c.nip == nip, sessions.c.ended_at.is_(None), sessions.c.id_hash != _hash(keep))
                .values(ended_at=self.clock())
            )

    def password_changed(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.update().where(sessions.c.id_hash == _hash(token)).values(must_change=False))
