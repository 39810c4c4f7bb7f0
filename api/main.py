"""The Kinerja app: `uvicorn api.main:app`. `create_app(...)` is the composition root.

`app` is built on first access (module `__getattr__`), so importing this module never starts
anything; building it checks the settings first (`settings.check_startup`) and refuses insecure ones.
The app serves the JSON API (api/) and the pages (web/); both call the service layer (services/).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Depends, FastAPI
from temporalio.client import Client

from api import (
    accounts,
    acting,
    audit,
    bulk,
    careers,
    cascade,
    daily_log,
    docs,
    employees,
    error_handlers,
    exports,
    feedback,
    hr,
    hr_appraisals,
    login,
    pppk,
    receipts,
    responses,
    tasks,
    transfers,
)
from api.auth import TokenVerifier
from api.health import db_check_of, health
from api.idempotency import IdempotencyMiddleware, ResponseCache
from api.ratelimit import AddressLimiter, SurveyLimiter
from domain.application import Appraisals
from domain.partitions import PartitionedAppraisals
from identity.oidc import issuer_for
from identity.stores import identity_stores
from partitioning.store import open_appraisals
from readmodels.export_outbox import receiver_from
from readmodels.wakeup import wake_on_save
from services import edge
from services.actions import AppraisalActions, CycleActions
from services.careers import Careers
from services.consistency import WrittenTokens, read_after_write
from services.daily_log import DailyLogs
from services.document_signing import DocumentSigner
from services.documents import Documents
from services.evidence import EvidenceStore
from services.exports import Exports
from services.gateway import Gateway
from services.metrics import Metrics, RequestTimer, RouteNoted, metrics_endpoint
from services.pppk import Contracts
from services.proof import Proof
from services.readside import ReadSide
from services.surveys import Surveys
from services.transfers import Transfers
from services.users import UserDirectory
from services.views import CycleViews
from settings import InsecureSettings, Settings, check_startup, evidence_dir_of, get_settings
from transparency.wiring import integrity_check
from web import pages

log = logging.getLogger(__name__)
PREFIX = "/api/v1"

DESCRIPTION = """Kinerja: yearly performance appraisal of Indonesian civil servants (PermenPANRB 6/2022).

Authenticate with `Authorization: Bearer <token>`: in the demo, get one from `POST /api/v1/auth/dev-login`;
in production, from the agency's OpenID Connect issuer. Every write accepts an `Idempotency-Key` header:
a repeat returns the first answer and changes nothing. Errors carry `error`, `message` and `field`.

Read your writes: a write answers `Kinerja-Notification-Id: <token>`. Send it back as `Kinerja-Seen: <token>`
on a read (the inbox, dashboards, lists) that must show the write: the read waits, at most a couple of seconds,
until the read models have passed it, else answers 503 `ReadModelsBehind` with `Retry-After`. Without the header
a read answers at once from the read models as they are."""


def create_app(
    settings: Settings | None = None,
    *,
    temporal_client: Client | None = None,
    appraisals: Appraisals | None = None,
    users: UserDirectory | None = None,
    readside: ReadSide | None = None,
    verifier: TokenVerifier | None = None,
    survey_limiter: SurveyLimiter | None = None,
    db_check: Callable[[], None] | None = None,
    project_every_seconds: float | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """Build the app. Anything not given is built from settings when the app starts.

    The projector runs in its own process (`kinerja projections run`), not in the API: `project_every_seconds`
    runs it as a thread of this process instead (`kinerja dev`, tests); None (the default): no projector here.

    Refuses (InsecureSettings) dev login or a weak signing secret outside development mode.
    """
    settings = check_startup(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state
        if state.temporal is None:
            # Lazy: the API starts (and /health says so) even when Temporal is down.
            state.temporal = await Client.connect(
                settings.temporal_address, namespace=settings.temporal_namespace, lazy=True
            )
        owned = state.appraisals is None
        if owned:
            state.appraisals = open_appraisals(settings)
        state.proof = Proof(settings, state.appraisals)
        if state.appraisals.integrity_check is None and settings.check_integrity_on_read:
            state.appraisals.integrity_check = integrity_check(settings, state.appraisals)
        if state.users is None:
            state.users = _users()
        if state.readside is None:
            state.readside = ReadSide.from_url(settings.database_url, state.appraisals)
        if owned and state.readside.engine is not None:  # the API's own saves wake the projector's process too
            wake_on_save(state.appraisals, state.readside.engine)
        state.readside.wait_seconds, state.readside.metrics = settings.read_wait_seconds, state.metrics
        state.metrics.watch_projections(state.readside.positions)
        if state.users.employees is None:
            state.users.employees = state.readside.employee
        if state.readside.engine is not None and state.sessions is None:
            state.sessions, state.accounts = identity_stores(settings, state.readside.engine)
        state.gateway = Gateway(
            state.temporal,
            settings.task_queue,
            state.appraisals,
            state.readside,
            state.clock,
            update_wait=settings.update_wait_seconds,
            metrics=state.metrics,
        )
        state.actions = AppraisalActions(state.appraisals, state.gateway, state.proof)
        state.cycle_actions = CycleActions(state.gateway, state.proof)
        state.transfers = Transfers(state.gateway, state.actions, state.cycle_actions)
        state.careers = Careers(state.appraisals, state.readside, state.clock)
        evidence = EvidenceStore(evidence_dir_of(settings))
        state.daily_logs = DailyLogs(state.appraisals, state.actions, evidence, state.daily_log_limiter, state.clock)
        state.cycle_views = CycleViews(state.appraisals, state.readside, state.gateway)
        state.surveys = Surveys(state.appraisals, state.readside, state.survey_limiter)
        state.documents = Documents(state.appraisals)
        state.contracts = Contracts(state.appraisals, state.temporal, settings.task_queue, state.clock)
        if state.readside.engine is not None:
            receiver = receiver_from(settings.export_url, settings.export_dir, settings.export_timeout_seconds)
            state.exports = Exports(state.appraisals, state.readside.engine, receiver, state.clock)
        # Open the event store once before the projector's first transaction: on SQLite its first
        # use switches the file to WAL, which cannot happen while the projector holds the write lock.
        await anyio.to_thread.run_sync(state.appraisals.recorder.max_notification_id)
        stop = threading.Event()
        loop = _project_in_background(state.readside, stop, project_every_seconds, state.appraisals)
        try:
            yield
        finally:
            stop.set()
            state.readside.discover.set()  # the loops' waits end now, not at their next look
            for projector in list(state.readside.projectors.values()):
                projector.wake.set()
            if loop is not None:
                await anyio.to_thread.run_sync(loop.join, 10)
            if owned:
                state.appraisals.close()

    app = FastAPI(
        title="Kinerja API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[{"name": t, "description": d} for t, d in TAGS],
        dependencies=[Depends(read_after_write)],  # a read sent with a write's notification id waits for it
    )
    app.state.settings = settings
    app.state.clock = clock or (lambda: datetime.now(timezone.utc))  # business "now"; tests pass the server's
    app.state.temporal = temporal_client
    app.state.appraisals = appraisals
    app.state.readside = readside
    app.state.users = users
    app.state.sessions = app.state.accounts = None  # identity/: built on the read side's engine at start
    app.state.issuer = issuer_for(settings)
    app.state.verifier = verifier or TokenVerifier(settings)
    app.state.survey_limiter = survey_limiter or SurveyLimiter(
        settings.survey_per_address_per_hour, settings.survey_per_employee_per_day
    )
    app.state.document_signer = DocumentSigner.from_settings(settings)  # refuses a named key it cannot use
    app.state.document_limiter = AddressLimiter(settings.document_checks_per_address_per_hour, "document-check")
    app.state.daily_log_limiter = AddressLimiter(settings.daily_log_per_hour, "daily-log")  # keyed by NIP
    app.state.db_check = db_check or db_check_of(settings.database_url)
    app.state.anonymous_prefix = f"{PREFIX}/feedback"
    app.state.idempotency_cache = ResponseCache()
    app.state.metrics = Metrics()
    # Inside the idempotency cache: a repeated write answers the notification id its first answer carried.
    app.add_middleware(RouteNoted, prefixes=(PREFIX,))  # innermost: the route template, for the request timer
    app.add_middleware(WrittenTokens)
    app.add_middleware(IdempotencyMiddleware, cache=app.state.idempotency_cache)
    edge.install(app, settings)
    app.add_middleware(RequestTimer, metrics=app.state.metrics)  # outermost: every answer is timed
    error_handlers.install(app)
    pages.install(app)
    docs.install(app)

    api = APIRouter(prefix=PREFIX)
    modules = (
        login,
        hr,
        accounts,
        hr_appraisals,
        acting,
        tasks,
        bulk,
        employees,
        cascade,
        daily_log,
        transfers,
        exports,
        pppk,
        careers,
        audit,
        receipts,
        feedback,
    )
    routers = [m.router for m in modules]
    for router in (*routers, feedback.surveys_router):
        responses.declare(router.routes)
        api.include_router(router)
    app.include_router(api)
    app.add_api_route(
        "/health",
        health,
        methods=["GET"],
        tags=["health"],
        summary="Temporal and database reachability; how far the read models are behind",
        responses={503: {"description": "Temporal or the database does not answer (the body says which)"}},
    )
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    responses.declare(app.routes)
    return app


TAGS = [
    ("auth", "Dev login and the caller's identity."),
    ("hr", "HR (pengelola kinerja): cycles, organisation predikat, calibration, dashboards, org master data."),
    ("tasks", "Supervisors: pending tasks, SKP review, check-ins, ratings, keberatan decisions."),
    ("employees", "Employees: my appraisals, SKP, progress with evidence, self-assessment, result, keberatan."),
    ("transfers", "Mutasi: HR records a transfer, the old appraiser evaluates the months served, the year combined."),
    ("careers", "Careers: the angka kredit ledger, changes of jabatan, potential assessments, the 9-box, trends."),
    ("audit", "Auditors (read-only): history, state at a moment, diffs, chain verification, recomputation."),
    ("receipts", "Receipts: every write's proof for the person who made it; anyone can check one (no login)."),
    ("feedback", "Citizens, no login: the SKM survey (scale 1-4) about a service unit or an employee."),
    ("health", "Reachability of Temporal and the database; the read models' lag, the notification outbox."),
]


def _project_in_background(
    readside: ReadSide, stop: threading.Event, every: float | None, store: Appraisals | None = None
) -> threading.Thread | None:
    """Keep the read models following the log (opening, timers: writes the API did not make); a partitioned
    store's every agency's log, each in a loop of its own (partitioning/projection.py)."""
    if every is None or readside.projector is None:
        return None
    from readmodels.projector import run  # noqa: PLC0415

    if isinstance(store, PartitionedAppraisals):
        from partitioning.projection import run_partitions  # noqa: PLC0415

        args: tuple[Any, ...] = (store, readside.engine, stop, every)
        thread = threading.Thread(
            target=run_partitions,
            args=args,
            # Their errors show in readside.status; a write wakes its log's loop, or has a new log looked for.
            kwargs={"projectors": readside.projectors, "discover": readside.discover},
            name="projectors",
            daemon=True,
        )
        thread.start()
        return thread
    thread = threading.Thread(target=run, args=(readside.projector, stop, every), name="projector", daemon=True)
    thread.start()
    return thread


def _users() -> UserDirectory:
    """The people named in KINERJA_DEV_USERS_FILE (written by the demo seed), and every employee."""
    path = os.environ.get("KINERJA_DEV_USERS_FILE", "")
    if path and Path(path).is_file():
        return UserDirectory.from_file(path)
    return UserDirectory()


def __getattr__(name: str) -> Any:
    """`api.main:app` for uvicorn: built from the environment on first access, then kept."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    built = globals().get("_app")
    if built is None:
        try:
            built = globals()["_app"] = create_app()
        except InsecureSettings as e:
            raise SystemExit(str(e)) from None
    return built
