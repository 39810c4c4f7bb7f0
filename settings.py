"""Kinerja's own settings, read from the environment (prefix KINERJA_).

Secure by default: dev login and the development signing secret exist only in the explicit
development mode that `kinerja dev` (`make run`) turns on. Every other start of the API or the
worker goes through `check_startup`, which refuses to start with dev login on or with a signing
secret that is short or a known default, naming the variable to set, and warns (without refusing)
about a public address that only this machine can open.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("kinerja.settings")
DATA_DIR = Path("data")
MIN_SECRET_BYTES = 32
MIN_METRICS_TOKEN_BYTES = 16
DEV_SECRET = "kinerja-development-mode-only-secret-do-not-deploy"
# Secrets that were ever published (this file, the README, old releases): never accepted outside dev mode.
KNOWN_SECRETS = frozenset({DEV_SECRET, "dev-only-secret-change-me", "changeme", "secret", "change-me"})


class WitnessConfig(BaseModel):
    """A witness of the log's checkpoints: a directory (e.g. write-once storage) or an HTTP witness."""

    kind: Literal["directory", "http"]
    path: str = ""  # directory
    url: str = ""  # http: the witness's URL prefix
    key: str = ""  # http: the witness's cosigning verifier key (name+id+base64)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KINERJA_", env_file=".env", extra="ignore")

    # "production" unless `kinerja dev` says otherwise: the only mode in which dev login may be on.
    mode: Literal["production", "development"] = "production"
    # One SQLAlchemy URL for the event store and the read models.
    # SQLite file by default; production: postgresql+psycopg://user@host/db
    database_url: str = f"sqlite:///{DATA_DIR / 'kinerja.db'}"
    # One event-store log per agency (partitioning/, README "Partitions"); off: one log, `kinerja_events`.
    partitioned: bool = False
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "kinerja"
    # How long a request waits for its workflow Update (no worker polling, a hand-over to a new run):
    # then 503 with Retry-After; the Update may still complete, and a retry with the same key writes once.
    update_wait_seconds: float = 30.0
    # Read-your-writes (services/consistency.py): how long a read sent with the notification id of a write
    # (header Kinerja-Seen, the pages' cookie) waits for the projector to pass it; then 503 with Retry-After.
    read_wait_seconds: Annotated[float, Field(gt=0, le=30)] = 2.0
    # The projector's own loop (`kinerja projections run`; a thread of `kinerja dev`): how long an idle loop
    # waits before it looks for new events again (a read waiting for a write is answered within about this).
    projector_every_seconds: Annotated[float, Field(gt=0, le=60)] = 0.05
    # Prometheus metrics at /metrics (services/metrics.py): off (404) unless a token is set, then only for
    # `Authorization: Bearer <token>`. At least 16 bytes outside development mode.
    metrics_token: str = ""
    # Notifications (the outbox, readmodels/outbox.py): sent through SMTP, or to the log unless a host is set.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "kinerja@localhost"
    # The pages' public address: each mail links to its task's page under it, and the QR code printed on
    # each SKP and evaluation PDF opens its verification page under it. Outside development mode a
    # loopback address here is warned about at startup (`startup_warnings`).
    public_base_url: str = "http://127.0.0.1:8000"
    # Reminders go out as one digest per person a day at this hour of the agency's zone (WIB/WITA/WIT).
    digest_hour: Annotated[int, Field(ge=0, le=23)] = 7
    # A message that fails this many times (server down, 4xx) is dead-lettered; HR sends it again.
    notify_max_attempts: Annotated[int, Field(ge=1)] = 8
    notify_every_seconds: float = 5.0  # how often the worker's dispatcher looks for work
    # Where HR's notices (escalations to the pengelola kinerja) go; empty: dead-lettered "tanpa alamat email".
    hr_email: str = ""
    # The national export (#14, readmodels/export_outbox.py): each final result POSTed as JSON to this URL
    # (Idempotency-Key: the record's id), or written as a file into this directory; neither set: nothing leaves.
    export_url: str = ""
    export_dir: str = ""
    export_timeout_seconds: float = 20.0
    # Signs dev tokens (development mode), the sign-in state cookie and CSRF tokens: at least 32 bytes.
    jwt_secret: str = ""
    # API bearer tokens of the agency's OpenID Connect issuer (RS256, its JWKS).
    oidc_issuer: str = ""
    oidc_jwks_url: str = ""
    oidc_audience: str = "kinerja"
    # Page sign-in at the issuer (authorization code + PKCE); empty client id: no single sign-on button.
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_nip_claim: str = "nip"
    oidc_scope: str = "openid profile nip"
    dev_login: bool = False
    # Page sessions and local accounts.
    session_hours: float = 8.0
    session_idle_minutes: float = 60.0
    login_max_failures: int = 5
    login_lockout_minutes: float = 15.0
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For/-Proto are believed.
    # Empty: none; the TCP peer is the client. "*" trusts every peer (only behind a private network).
    trusted_proxies: str = ""
    # Citizen surveys: per client address per hour, per rated employee per day.
    survey_per_address_per_hour: int = 10
    survey_per_employee_per_day: int = 50
    # Documents (the SKP and evaluation PDFs, web/pdf.py): the place printed before the signature date
    # (e.g. "Palu"; empty: a dotted line to fill in by hand), and how many checks of a document one
    # client address may ask for per hour on the public verification page (/dokumen).
    document_place: str = ""
    document_checks_per_address_per_hour: Annotated[int, Field(ge=1)] = 60
    # The agency's electronic signature on the PDFs (PAdES, services/document_signing.py): its PKCS#12
    # file (key, certificate, chain) and passphrase. Empty: the PDFs are not signed electronically.
    document_signing_p12: str = ""
    document_signing_passphrase: str = ""
    # Evidence files of the daily log (services/evidence.py), stored by their SHA-256; empty: an "evidence"
    # folder beside the SQLite file, else data/evidence. Daily log entries per employee per hour (429 past it).
    evidence_dir: str = ""
    # The largest request body the API and pages take (HTTP 413 past it, before it is read or buffered): the
    # daily log's three 5 MB files and their form fit; nothing else needs as much.
    max_request_bytes: Annotated[int, Field(ge=64 * 1024)] = 16 * 1024 * 1024
    daily_log_per_hour: Annotated[int, Field(ge=1)] = 60
    # Proof of the record (transparency/, docs/proof.md). Each log (event-store partition) signs its
    # seals and checkpoints with the Ed25519 key <log_keys_dir>/<log>.key, created on first use;
    # empty: a "keys" folder beside the SQLite file, else data/keys.
    log_keys_dir: str = ""
    log_origin_prefix: str = "kinerja.local"  # checkpoints name the log <prefix>/<log>, e.g. kinerja.local/kinerja
    trusted_log_keys: list[str] = []  # verifier keys of earlier (rotated) log keys, still trusted for old seals
    checkpoint_interval_seconds: int = 3600
    # Every read of a record first checks its chain, seals and tree (transparency/integrity.py): an
    # altered record answers 409 IntegrityBroken (the page "integritas rusak"), never its altered state.
    check_integrity_on_read: bool = True
    # Witnesses; unset: one directory witness, a "witness" folder beside the SQLite file (else data/witness).
    witnesses: list[WitnessConfig] | None = None
    tsa_url: str = ""  # an RFC 3161 time-stamping authority, optional
    tsa_certificate: str = ""  # PEM file: the TSA's certificate, then the chain up to its root

    @property
    def development(self) -> bool:
        return self.mode == "development"


class InsecureSettings(RuntimeError):
    """The settings would run Kinerja open to anyone: the process refuses to start."""


def check_startup(settings: Settings) -> Settings:
    """Refuse insecure settings outside development mode, naming the variable; returns the settings."""
    if settings.development:
        return settings
    problems = []
    if settings.dev_login:
        problems.append(
            "KINERJA_DEV_LOGIN is on, which lets anyone sign in as anyone: set KINERJA_DEV_LOGIN=false "
            "(dev login exists only in `kinerja dev`)"
        )
    secret = settings.jwt_secret
    if not secret:
        problems.append(
            f"KINERJA_JWT_SECRET is not set: give it a random value of at least {MIN_SECRET_BYTES} bytes "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    elif secret in KNOWN_SECRETS:
        problems.append("KINERJA_JWT_SECRET is a published default: give it a random value of your own")
    elif len(secret.encode()) < MIN_SECRET_BYTES:
        problems.append(f"KINERJA_JWT_SECRET has {len(secret.encode())} bytes: it needs at least {MIN_SECRET_BYTES}")
    if settings.metrics_token and len(settings.metrics_token.encode()) < MIN_METRICS_TOKEN_BYTES:
        problems.append(
            f"KINERJA_METRICS_TOKEN has {len(settings.metrics_token.encode())} bytes: it needs at least "
            f"{MIN_METRICS_TOKEN_BYTES} (or leave it empty: /metrics is then off)"
        )
    if problems:
        raise InsecureSettings("Kinerja refuses to start: " + "; ".join(problems))
    for warning in startup_warnings(settings):
        log.warning("Kinerja starts with a setting to fix: %s", warning)
    return settings


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == ""  # no host at all: nothing outside this machine can open it either


def startup_warnings(settings: Settings) -> list[str]:
    """Settings that are not unsafe but would mislead people outside development mode, naming the variable.

    A loopback KINERJA_PUBLIC_BASE_URL (the default) makes every mail link and every QR code printed on a
    document point at the reader's own machine: the process starts (a trial on one machine is legitimate),
    and says so at startup."""
    if settings.development or not _is_loopback(settings.public_base_url):
        return []
    return [
        f"KINERJA_PUBLIC_BASE_URL is {settings.public_base_url!r}, an address of this machine only: the links "
        "in mails and the QR codes printed on SKP and evaluation documents will not open for anyone else; "
        "set it to the pages' public address (e.g. https://kinerja.example.go.id)"
    ]


def development_settings(**overrides: object) -> Settings:
    """`kinerja dev`: development mode, dev login on, the development secret unless one is set."""
    base = Settings()
    values = {"mode": "development", "dev_login": True, "jwt_secret": base.jwt_secret or DEV_SECRET, **overrides}
    return base.model_copy(update=values)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def evidence_dir_of(settings: Settings) -> Path:
    """Where the daily log's evidence files are stored (settings.evidence_dir, else beside the data)."""
    return Path(settings.evidence_dir) if settings.evidence_dir else data_dir_of(settings.database_url) / "evidence"


def data_dir_of(database_url: str) -> Path:
    """Where local files of a deployment live: beside its SQLite file, else data/."""
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///")).parent
    return DATA_DIR


def log_keys_dir(settings: Settings) -> Path:
    return Path(settings.log_keys_dir) if settings.log_keys_dir else data_dir_of(settings.database_url) / "keys"


def witness_configs(settings: Settings) -> list[WitnessConfig]:
    if settings.witnesses is not None:
        return settings.witnesses
    return [WitnessConfig(kind="directory", path=str(data_dir_of(settings.database_url) / "witness"))]


def event_store_env(database_url: str, settings: Settings | None = None) -> dict[str, str]:
    """The eventsourcing library's own configuration for a SQLAlchemy URL, with sealing.

    Every event row is sealed (signed) in the transaction that writes it (transparency/persistence.py),
    with the log's key from the settings' key folder (for a SQLite file: the one beside it).
    """
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    settings = (settings or get_settings()).model_copy(update={"database_url": database_url})
    return {
        "PERSISTENCE_MODULE": "transparency.persistence:SealingFactory",
        "SQLALCHEMY_URL": database_url,
        "SEAL_KEYS_DIR": str(log_keys_dir(settings)),
        "SEAL_ORIGIN_PREFIX": settings.log_origin_prefix,
    }
