"""Kinerja's own settings, read from the environment (prefix KINERJA_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path("data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KINERJA_", env_file=".env", extra="ignore")

    # One SQLAlchemy URL for the event store and the read models.
    # SQLite file by default; production: postgresql+psycopg://user@host/db
    database_url: str = f"sqlite:///{DATA_DIR / 'kinerja.db'}"
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "kinerja"
    # Notifications: a log sink unless an SMTP host is set.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "kinerja@localhost"
    # Authentication: dev tokens are signed with this secret; production verifies an OIDC issuer's JWKS.
    jwt_secret: str = "dev-only-secret-change-me"
    oidc_issuer: str = ""
    oidc_jwks_url: str = ""
    oidc_audience: str = "kinerja"
    dev_login: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()


def event_store_env(database_url: str) -> dict[str, str]:
    """The eventsourcing library's own configuration for a SQLAlchemy URL."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": database_url}
