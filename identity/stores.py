"""The identity stores of one app, on the read side's database engine, configured from settings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from identity.accounts import Accounts
from identity.sessions import Sessions
from settings import Settings


def wall_clock() -> datetime:
    """Sessions and lockouts run on real time, never on the business clock tests may move."""
    return datetime.now(timezone.utc)


def identity_stores(settings: Settings, engine: sa.Engine) -> tuple[Sessions, Accounts]:
    sessions = Sessions(
        engine, wall_clock, timedelta(hours=settings.session_hours), timedelta(minutes=settings.session_idle_minutes)
    )
    accounts = Accounts(
        engine, wall_clock, settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes)
    )
    return sessions, accounts
