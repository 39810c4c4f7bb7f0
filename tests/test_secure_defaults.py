"""Finding 1 (open by default): outside `kinerja dev`, insecure settings refuse to start.

The API (`uvicorn api.main:app`) and the worker (`python worker.py`) are started as the image
starts them, as separate processes with no KINERJA_ variable, and must exit naming the setting.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from api.main import create_app
from settings import DEV_SECRET, InsecureSettings, Settings, check_startup, development_settings, startup_warnings
from tests.test_api_support import EMP1, build_app, running, settings_for

ROOT = Path(__file__).resolve().parent.parent
STRONG = "s" * 48
PUBLISHED = "dev-only-secret-change-me"  # the default of every release before this one


def _start(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KINERJA_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(command, cwd=tmp_path, env={**clean, **env}, capture_output=True, text=True, timeout=60)


UVICORN = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", "0"]
WORKER = [sys.executable, str(ROOT / "worker.py")]


@pytest.mark.parametrize("command", [UVICORN, WORKER], ids=["api", "worker"])
def test_no_environment_refuses_to_start_naming_the_secret(command: list[str], tmp_path: Path) -> None:
    started = _start(command, tmp_path)
    assert started.returncode != 0
    assert "KINERJA_JWT_SECRET" in started.stderr, started.stderr


@pytest.mark.parametrize("command", [UVICORN, WORKER], ids=["api", "worker"])
def test_dev_login_outside_development_mode_refuses_to_start(command: list[str], tmp_path: Path) -> None:
    started = _start(command, tmp_path, KINERJA_DEV_LOGIN="true", KINERJA_JWT_SECRET=STRONG)
    assert started.returncode != 0
    assert "KINERJA_DEV_LOGIN" in started.stderr, started.stderr


@pytest.mark.parametrize("secret", ["", "short-secret-of-25-bytes!", PUBLISHED, DEV_SECRET])
def test_weak_or_published_secrets_are_refused(secret: str) -> None:
    with pytest.raises(InsecureSettings, match="KINERJA_JWT_SECRET"):
        check_startup(Settings(_env_file=None, jwt_secret=secret))
    with pytest.raises(InsecureSettings, match="KINERJA_JWT_SECRET"):
        create_app(Settings(_env_file=None, jwt_secret=secret))


def test_defaults_are_production_without_dev_login(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("KINERJA_")]:
        monkeypatch.delenv(name)
    settings = Settings(_env_file=None)
    assert (settings.mode, settings.dev_login, settings.jwt_secret) == ("production", False, "")
    assert check_startup(Settings(_env_file=None, jwt_secret=STRONG)).dev_login is False
    dev = development_settings()
    assert (dev.mode, dev.dev_login) == ("development", True)
    check_startup(dev)  # the one place where the dev secret and dev login are allowed


@pytest.mark.parametrize(
    "address", ["http://127.0.0.1:8000", "http://localhost:8000/", "https://[::1]/", "http://127.0.1.1", "http:///"]
)
def test_a_public_address_only_this_machine_opens_is_warned_about_in_production(
    address: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Every QR code printed on a document (and every mail link) points under KINERJA_PUBLIC_BASE_URL: left at
    its loopback default, a printed SKP's code opens 127.0.0.1 on the reader's phone. Not open to anyone, so
    the process starts (a trial on one machine is legitimate), but it says so, naming the variable."""
    settings = Settings(_env_file=None, jwt_secret=STRONG, public_base_url=address)
    with caplog.at_level(logging.WARNING, logger="kinerja.settings"):
        assert check_startup(settings) is settings
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "KINERJA_PUBLIC_BASE_URL" in caplog.text and "QR" in caplog.text


def test_the_default_public_address_is_loopback_and_a_real_one_or_development_mode_is_not_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("KINERJA_PUBLIC_BASE_URL", raising=False)
    assert startup_warnings(Settings(_env_file=None, jwt_secret=STRONG))  # the default itself is warned about
    with caplog.at_level(logging.WARNING, logger="kinerja.settings"):
        for settings in (
            Settings(_env_file=None, jwt_secret=STRONG, public_base_url="https://kinerja.palukota.go.id"),
            Settings(_env_file=None, jwt_secret=STRONG, public_base_url="http://10.1.2.3:8000"),  # an intranet
            Settings(_env_file=None, jwt_secret=STRONG, public_base_url="https://localhost.example.go.id"),
            development_settings(),  # `kinerja dev` runs on this machine on purpose
        ):
            assert startup_warnings(settings) == []
            check_startup(settings)
    assert caplog.records == []


async def test_the_api_warns_at_startup_about_a_loopback_public_address(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, mode="production", dev_login=False, jwt_secret=STRONG)
    with caplog.at_level(logging.WARNING, logger="kinerja.settings"):
        async with running(build_app(settings)) as client:
            assert (await client.get("/masuk")).status_code == 200  # it starts and serves
    assert "KINERJA_PUBLIC_BASE_URL is 'http://127.0.0.1:8000'" in caplog.text


async def test_a_token_forged_with_the_published_secret_is_refused(tmp_path: Path) -> None:
    """The attack of the finding: HS256 with the old default secret, a NIP in no agency, roles hr+auditor."""
    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": "kinerja-dev",
            "sub": "199912312020121001",
            "nip": "199912312020121001",
            "roles": ["hr", "auditor"],
            "iat": now,
            "exp": now + 600,
        },
        PUBLISHED,
        "HS256",
    )
    settings = settings_for(tmp_path, mode="production", dev_login=False, jwt_secret=STRONG)
    async with running(build_app(settings)) as client:
        for path in ("/api/v1/auth/me", "/api/v1/hr/cycles", "/api/v1/tasks/me", "/api/v1/employees/me/appraisals"):
            answer = await client.get(path, headers={"Authorization": f"Bearer {forged}"})
            assert answer.status_code == 401, (path, answer.text)
        answer = await client.post("/api/v1/auth/dev-login", json={"nip": EMP1})
        assert answer.status_code == 404


def test_image_and_compose_inherit_the_secure_defaults() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    for text in (dockerfile, compose):
        assert "KINERJA_MODE" not in text and 'KINERJA_DEV_LOGIN: "true"' not in text
    assert "KINERJA_JWT_SECRET: ${KINERJA_JWT_SECRET:?" in compose  # compose itself refuses an unset secret
    assert "--no-proxy-headers" in dockerfile and compose.count("--no-proxy-headers") == 1
