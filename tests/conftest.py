"""Shared persistence fixtures: every store test runs on SQLite and on PostgreSQL.

`store_url` is parametrised with two ids, `sqlite` (a fresh file per test) and
`postgres` (the server named by KINERJA_TEST_POSTGRES_URL, emptied before each
test). Without a reachable PostgreSQL the `postgres` runs are skipped locally
and fail on CI (CI=true), so a green CI run always means both backends ran.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.needs import need, on_ci

POSTGRES_URL_VAR = "KINERJA_TEST_POSTGRES_URL"
# Every browser test's screenshots, named by the test that takes them (test-artifacts/screenshots/<name>.png).
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test` runs two workers), each worker gets its own PostgreSQL database, since
    the PostgreSQL tests empty the whole database before each test; set in the environment, so the processes a
    test starts (chaos, topology) use it too. The screenshots folder is emptied once, by the controller (or the
    only process), before any worker writes to it."""
    if _is_xdist_worker(config):
        worker = config.workerinput["workerid"]  # type: ignore[attr-defined]
        url = os.environ.get(POSTGRES_URL_VAR)
        if url and _postgres_problem(url) is None:
            os.environ[POSTGRES_URL_VAR] = _worker_database(url, worker)
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()


def _scope(nodeid: str) -> str:
    """The unit one xdist worker runs whole: a file, or every browser test (`*browser*.py`) together."""
    module = nodeid.split("::", 1)[0]
    return "browser" if "browser" in module else module


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The order the workers take the units in (`pytest_xdist_make_scheduler` keeps it): the browser tests
    first, so one worker runs them one after the other from the start while the other takes the rest (two
    chromiums and their servers never share the two cores, and the longest unit never starts last), then the
    files with the most tests first, as xdist's own reordering would."""
    sizes = Counter(_scope(item.nodeid) for item in items)
    items.sort(key=lambda item: (_scope(item.nodeid) != "browser", -sizes[_scope(item.nodeid)]))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`make test`'s scheduler (`-n 2 --dist loadfile`): xdist's scope scheduling, its units from `_scope`, in
    the collection's order. (xdist's own `loadgroup` cannot be used: on pytest 9.2 the group it appends to a
    test's id is lost.)"""
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415 - only with xdist

    class Units(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    config.option.loadscopereorder = False
    return Units(config, log)


def _worker_database(url: str, worker: str) -> str:
    """`url` with the database `<name>_<worker>`, created on the same server when it does not exist yet."""
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists is None:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The screenshots folder, emptied once per run by `pytest_configure` before the first browser test writes
    to it, so that every browser test's shots of this run survive the run (a test emptying it would lose those
    taken before, and under xdist a worker emptying it would lose the other worker's)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def _postgres_problem(url: str | None) -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    if not url:
        return f"PostgreSQL not configured ({POSTGRES_URL_VAR} is not set)"
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not usable"
        cause = getattr(error, "orig", None) or error
        return f"PostgreSQL not reachable at {url} ({type(cause).__name__}: {str(cause).strip()[:200]})"
    return None


_POSTGRES_STATUS: dict[str, str | None] = {}


def _postgres_status() -> str | None:
    # Probe once per session: the answer is the same for every test.
    if "problem" not in _POSTGRES_STATUS:
        _POSTGRES_STATUS["problem"] = _postgres_problem(os.environ.get(POSTGRES_URL_VAR))
    return _POSTGRES_STATUS["problem"]


def _reset_public_schema(url: str) -> None:
    # Each process has its own database (xdist workers: `pytest_configure`), so emptying it is the simplest isolation.
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL to an empty event store database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.db'}"
        return
    yield empty_postgres()


def need_postgres() -> str:
    """The test PostgreSQL's URL; skipped without one locally, failed without one on CI."""
    need(
        _postgres_status(),
        on_ci_say="CI=true requires the PostgreSQL runs (see scripts/ensure-postgres.sh)",
        locally_say="start it or run make test",
    )
    return os.environ[POSTGRES_URL_VAR]


def empty_postgres() -> str:
    """The test PostgreSQL's URL, emptied; skipped without one locally, failed without one on CI."""
    url = need_postgres()
    _reset_public_schema(url)
    return url


@pytest.fixture
def store_env(store_url: str) -> dict[str, str]:
    """The eventsourcing environment for an Application on `store_url`."""
    return {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": store_url}


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    """The eventsourcing environment for an Application on a fresh SQLite file (the workflow tests' store)."""
    return {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": f"sqlite:///{tmp_path / 'events.db'}"}


def pytest_report_header(config: pytest.Config) -> str:
    problem = _postgres_status()
    if problem is None:
        return f"PostgreSQL store tests: ENABLED ({os.environ[POSTGRES_URL_VAR]})"
    then = "will FAIL (CI=true)" if on_ci() else "will be SKIPPED"
    return f"PostgreSQL store tests: DISABLED, {then}: {problem}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            if "postgres" in getattr(report, "keywords", {}):
                counts[outcome] += 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
    problem = _postgres_status()
    state = "ENABLED" if problem is None else f"DISABLED ({problem})"
    terminalreporter.write_sep("=", f"PostgreSQL backend {state}: {summary or 'no postgres tests'}")
