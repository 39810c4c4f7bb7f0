"""Shared pieces of the API tests: people, an app on a temp store, a logged-in httpx client.

Not a test module (it holds no tests); named test_api_* because the API tests own that prefix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from api.main import create_app
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import Actor
from domain.cycle_commands import DefineCycle, StartCycle
from domain.rules import BERAKHLAK
from domain.work_commands import DraftSkp, SubmitSkp
from services.readside import ReadSide
from services.users import UserDirectory
from settings import Settings, event_store_env

HR_NIP = "196001012000011001"
# The API answers in Bahasa Indonesia unless the caller prefers English (services/catalogue.py negotiate).
ENGLISH = {"Accept-Language": "en"}
AUDITOR = "196203032001012001"
ATASAN = "196501012000011001"  # the appraiser's superior: decides keberatan
SUPERVISOR = "197001012000011001"  # pejabat penilai of EMP1 and EMP2
EMP1 = "198503152010011001"
EMP2 = "198704202012012002"
OUTSIDER = "199001012015011003"  # an employee of the agency with no relation to anyone's appraisal
UNIT = "U1"
AS_EXPECTED = dict.fromkeys(BERAKHLAK, "sesuai")
RHK = [
    {
        "id": "R1",
        "kind": "utama",
        "text": "Layanan KTP elektronik tepat waktu",
        "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "KTP diterbitkan", "target": "1200"}],
    }
]

USERS = {
    HR_NIP: {"name": "Siti HR", "roles": ["hr"], "agency_id": "*"},  # a central pengelola: every agency
    AUDITOR: {"name": "Andi Auditor", "roles": ["auditor"]},
    ATASAN: {"name": "Bu Atasan"},
    SUPERVISOR: {"name": "Pak Penilai"},
    EMP1: {"name": "Budi"},
    EMP2: {"name": "Citra"},
    OUTSIDER: {"name": "Dedi"},
}


def participant(nip: str, name: str) -> dict[str, Any]:
    return {
        "nip": nip,
        "name": name,
        "unit_id": UNIT,
        "unit_name": "Bidang Pelayanan",
        "appraiser_nip": SUPERVISOR,
        "atasan_nip": ATASAN,
    }


PARTICIPANTS = [participant(EMP1, "Budi"), participant(EMP2, "Citra")]


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    """Development mode with dev login, as `kinerja dev` runs: the tests log people in by NIP.

    Tests of production behaviour pass mode="production", dev_login=False.

    A read that must see a write waits for the projector (a thread of the app here) up to the longest bound
    the settings allow, not production's 2 s: it returns as soon as the projection passes the write, and on a
    loaded CI machine the projector thread may need longer than 2 s (a 503, or a list without the write).
    Tests of the bound itself pass their own `read_wait_seconds`.
    """
    values = {
        "database_url": f"sqlite:///{tmp_path / 'kinerja.db'}",
        "jwt_secret": "test-secret-" + "x" * 32,
        "mode": "development",
        "dev_login": True,
        "task_queue": "kinerja-api-test",
        "temporal_address": "127.0.0.1:1",
        "read_wait_seconds": 30.0,
        **extra,
    }  # nothing listens there: tests inject a client
    return Settings(**values)


def build_app(settings: Settings, appraisals: Appraisals | None = None, **options: Any) -> FastAPI:
    appraisals = appraisals or Appraisals(env=event_store_env(settings.database_url))
    options.setdefault("readside", ReadSide.from_url(settings.database_url, appraisals))
    options.setdefault("users", UserDirectory.from_mapping(USERS, app=appraisals))
    # The projector as a thread of the app, as `kinerja dev` runs it (production: a process of its own).
    options.setdefault("project_every_seconds", 0.05)
    return create_app(settings, appraisals=appraisals, **options)


class ReadsOwnWrites:
    """What an API client does to read its own writes (services/consistency.py): the last write's
    `Kinerja-Notification-Id` goes back as `Kinerja-Seen` on each later read, which then waits for the
    projector to pass it. A read that names its own Kinerja-Seen keeps it."""

    def __init__(self) -> None:
        self.last: str | None = None

    async def request(self, request: httpx.Request) -> None:
        if self.last and request.method in ("GET", "HEAD") and "kinerja-seen" not in request.headers:
            request.headers["Kinerja-Seen"] = self.last

    async def response(self, response: httpx.Response) -> None:
        written = response.headers.get("kinerja-notification-id")
        if written:
            self.last = written

    def hooks(self) -> dict[str, Any]:
        return {"request": [self.request], "response": [self.response]}


def api_client(app: FastAPI) -> httpx.AsyncClient:
    """An httpx client on the app (no network) that reads its own writes."""
    # The API's messages are read in English here (the developer's text); tests/test_catalogue.py reads
    # the default, Bahasa Indonesia.
    transport = httpx.ASGITransport(app=app)
    hooks = ReadsOwnWrites().hooks()
    return httpx.AsyncClient(transport=transport, base_url="http://kinerja.test", headers=ENGLISH, event_hooks=hooks)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, and an httpx client on it (no network)."""
    async with app.router.lifespan_context(app), api_client(app) as client:
        yield client


async def login(client: httpx.AsyncClient, nip: str) -> dict[str, str]:
    """Dev-login as `nip`; returns the Authorization header."""
    response = await client.post("/api/v1/auth/dev-login", json={"nip": nip})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def seed_appraisal(app: Appraisals, year: int = 2030) -> tuple[UUID, UUID]:
    """A started cycle with EMP1 and EMP2 and EMP1's appraisal opened, written by the domain itself."""
    hr = Actor(HR_NIP, ("hr",))
    at = datetime(year - 1, 11, 1, tzinfo=timezone.utc)
    cycle_id = app.define_cycle(DefineCycle(hr, "AG-TEST", "Dinas Uji", "WIB", year, PARTICIPANTS), at=at)
    app.execute_cycle(cycle_id, StartCycle(hr), at=at)
    outcome = app.open_appraisal(cycle_id, EMP1, at)
    app.execute(outcome.id, DraftSkp(Actor(EMP1), RHK), at=datetime(year, 1, 5, tzinfo=timezone.utc))
    app.execute(outcome.id, SubmitSkp(Actor(EMP1)), at=datetime(year, 1, 10, tzinfo=timezone.utc))
    return cycle_id, outcome.id


def appraisal_id(cycle_id: str | UUID, nip: str) -> UUID:
    return Appraisal.create_id(UUID(str(cycle_id)), nip)
