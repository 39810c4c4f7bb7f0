"""Local accounts for agencies without single sign-on: issued by HR, Argon2id, lockout, forced change.

HR issues an account and is shown its initial password once; the holder must change it at the
first sign-in. After `max_failures` wrong passwords in a row the account is locked for
`lockout`; while locked, even the right password is refused (and does not reveal itself).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import Refusal, refusal
from identity import tables
from identity.tables import accounts

MIN_PASSWORD = 12
MAX_PASSWORD = 200
_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile
# A hash to verify against when the NIP has no account, so both answers take the same time.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


class SignInRefused(Exception):
    """Wrong NIP or password, or a locked account: the message is safe to show."""


class PasswordRejected(ValueError):
    """A new password that breaks the policy: the rule's code and figures, said through the message catalogue."""

    def __init__(self, said: Refusal, /, **params: object) -> None:
        super().__init__(f"new_password: {said.say(params)}")
        self.code, self.params = said.code, params


PASSWORD_SHORT = refusal("password.short", "at least {limit} characters")
PASSWORD_LONG = refusal("password.long", "at most {limit} characters")
PASSWORD_CONTROL = refusal("password.control", "control characters are not allowed")
PASSWORD_HAS_NIP = refusal("password.nip", "must not contain the NIP")
PASSWORD_SAME = refusal("password.same", "must differ from the current password")


@dataclass(frozen=True)
class Account:
    nip: str
    name: str
    roles: tuple[str, ...]
    must_change: bool


def check_password_policy(nip: str, password: str, old: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected(PASSWORD_SHORT, limit=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise PasswordRejected(PASSWORD_LONG, limit=MAX_PASSWORD)
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise PasswordRejected(PASSWORD_CONTROL)
    if nip and nip in password:
        raise PasswordRejected(PASSWORD_HAS_NIP)
    if old and password == old:
        raise PasswordRejected(PASSWORD_SAME)


class Accounts:
    def __init__(
        self,
        engine: sa.Engine,
        clock: Callable[[], datetime],
        max_failures: int = 5,
        lockout: timedelta = timedelta(minutes=15),
    ) -> None:
        self.engine, self.clock, self.max_failures, self.lockout = engine, clock, max_failures, lockout
        tables.ensure(engine)

    def issue(self, nip: str, name: str, roles: tuple[str, ...], by: str) -> str:
        """Create (or reset) the account of `nip`; returns the initial password, to be changed at first sign-in."""
        initial = secrets.token_urlsafe(12)
        values = {
            "name": name[:200],
            "roles": " ".join(roles),
            "password_hash": _HASHER.hash(initial),
            "must_change": True,
            "failures": 0,
            "locked_until": None,
            "issued_by": by,
            "issued_at": self.clock(),
            "changed_at": None,
        }
        with self.engine.begin() as conn:
            if conn.execute(accounts.update().where(accounts.c.nip == nip).values(**values)).rowcount == 0:
                conn.execute(accounts.insert().values(nip=nip, **values))
        return initial

    def get(self, nip: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.nip == nip)).mappings().first()
        return (
            None if row is None else Account(row["nip"], row["name"], tuple(row["roles"].split()), row["must_change"])
        )

    def verify(self, nip: str, password: str) -> Account:
        """The account if the password is right and the account not locked; else SignInRefused.

        The failure count is committed before the refusal is raised (a rollback would forget it).
        """
        now = self.clock()
        refusal = ""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.nip == nip)).mappings().first()
            if row is None:
                _verify(_DUMMY, password)
                refusal = "NIP atau kata sandi salah"
            elif row["locked_until"] is not None and row["locked_until"] > now:
                # Minutes left rather than a clock time: no zone to get wrong (the lock is stored in UTC).
                minutes = max(1, math.ceil((row["locked_until"] - now).total_seconds() / 60))
                refusal = f"akun terkunci karena terlalu banyak percobaan gagal; coba lagi dalam {minutes} menit"
            elif not _verify(row["password_hash"], password):
                failures = row["failures"] + 1
                locked = now + self.lockout if failures >= self.max_failures else None
                conn.execute(
                    accounts.update()
                    .where(accounts.c.nip == nip)
                    .values(failures=0 if locked else failures, locked_until=locked)
                )
                refusal = (
                    f"akun terkunci selama {int(self.lockout.total_seconds() // 60)} menit setelah "
                    f"{self.max_failures} percobaan gagal"
                    if locked
                    else "NIP atau kata sandi salah"
                )
            else:
                changes: dict[str, object] = {"failures": 0, "locked_until": None}
                if _HASHER.check_needs_rehash(row["password_hash"]):
                    changes["password_hash"] = _HASHER.hash(password)
                conn.execute(accounts.update().where(accounts.c.nip == nip).values(**changes))
        if refusal or row is None:
            raise SignInRefused(refusal)
        return Account(row["nip"], row["name"], tuple(row["roles"].split()), row["must_change"])

    def change_password(self, nip: str, current: str, new: str) -> None:
        """The holder's own change (also the forced one at first sign-in)."""
        self.verify(nip, current)
        check_password_policy(nip, new, current)
        with self.engine.begin() as conn:
            conn.execute(
                accounts.update()
                .where(accounts.c.nip == nip)
                .values(password_hash=_HASHER.hash(new), must_change=False, changed_at=self.clock())
            )


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
