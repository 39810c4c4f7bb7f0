"""Read-your-writes without catch-up in the request (#10), /metrics behind its token, lag in /health.

A write answers the notification id it left (`Kinerja-Notification-Id`; on pages the `kinerja_seen` cookie);
a read sent with it waits, bounded, for the projector, which runs outside the request; when it is behind the
read says so (503, Retry-After), never answers stale without saying. Hostile tokens never hang nor 500.
"""

from __future__ import annotations

import ast
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from api.main import create_app
from domain.application import Appraisals
from domain.base import Actor
from domain.cycle_commands import DefineCycle
from domain.partitions import partition_name
from domain.work_commands import ReturnSkp
from partitioning.projection import projector_for, run_partitions
from partitioning.store import open_partitioned
from readmodels.projector import Projector, make_engine, run
from readmodels.wakeup import listen, notify
from services import consistency
from services.consistency import MAX_TOKENS, Malformed, Seen, parse
from services.users import UserDirectory
from settings import event_store_env
from tests.conftest import empty_postgres, need_postgres
from tests.page_language import assert_indonesian
from tests.test_api_support import (
    ENGLISH,
    HR_NIP,
    PARTICIPANTS,
    SUPERVISOR,
    USERS,
    build_app,
    login,
    running,
    seed_appraisal,
    settings_for,
)
from tests.test_web_pages import AGENCY_CSV, post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
CYCLE = {"agency_id": "AG-RYW", "time_zone": "WIB", "year": 2031, "participants": []}


def _cycle(year: int) -> dict[str, object]:
    person = {"nip": "198503152010011001", "name": "Budi", "unit_id": "U1", "appraiser_nip": "197001012000011001"}
    return {**CYCLE, "year": year, "participants": [{**person, "atasan_nip": "196501012000011001"}]}


def test_no_request_path_catches_the_projections_up() -> None:
    """The projector runs in its own loop: no module of the API, the pages or the services calls catch_up."""
    calls = []
    for package in ("api", "web", "services"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "catch_up":
                    calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert calls == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", {"": 7}), ("kinerja_ag_1_abcdef01:12", {"kinerja_ag_1_abcdef01": 12}), ("3.a:5.9", {"": 9, "a": 5})],
)
def test_a_token_names_the_latest_id_per_log(text: str, expected: dict[str, int]) -> None:
    assert parse(text).positions == expected
    assert parse(Seen(expected).token()).positions == expected


@pytest.mark.parametrize(
    "text", ["", "-1", "abc", "1e9", "9" * 19, "Log:1", "a b:1", "1;2", ".".join(["1"] * (MAX_TOKENS + 1)), "1" * 700]
)
def test_a_malformed_token_is_refused_by_rule(text: str) -> None:
    with pytest.raises(Malformed):
        parse(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=800))
def test_parsing_any_text_either_answers_positions_or_says_malformed(text: str) -> None:
    try:
        seen = parse(text)
    except Malformed:
        return
    assert all(0 < at < 10**18 for at in seen.positions.values())  # a 0 asks for nothing


def _plain(app: object) -> httpx.AsyncClient:
    """A client that sends back nothing by itself (no Kinerja-Seen hook)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kinerja.test", headers=ENGLISH)


@pytest.fixture
def unprojected(tmp_path: Path):
    """An app without a projector of its own (as in production: the projector is another process)."""
    return build_app(settings_for(tmp_path, read_wait_seconds=0.3), project_every_seconds=None)


async def test_a_read_waits_for_the_write_it_names_and_says_so_when_the_projector_is_behind(unprojected) -> None:
    async with running(unprojected) as client:
        hr = await login(client, HR_NIP)
        written = await client.post(f"{API}/hr/cycles", json=_cycle(2031), headers={**hr, "Idempotency-Key": "k1"})
        assert written.status_code == 201, written.text
        token = written.headers["Kinerja-Notification-Id"]
        head = unprojected.state.appraisals.recorder.max_notification_id()
        assert parse(token).positions == {"": head}
        # The projector has not run: a read that must see the write says so, within the bound, with Retry-After.
        started = time.monotonic()
        behind = await client.get(f"{API}/hr/cycles", headers={**hr, "Kinerja-Seen": token})
        assert time.monotonic() - started < 10  # bounded (0.3 s here), whatever the machine's load
        assert behind.status_code == 503, behind.text
        assert behind.json()["error"] == "ReadModelsBehind" and behind.headers["Retry-After"] == "5"
        assert f"your change is {head}" in behind.json()["message"]
        # Without the header the read answers at once from the read models as they are (no promise made).
        async with _plain(unprojected) as plain:
            assert (await plain.get(f"{API}/hr/cycles", headers=hr)).json() == []
        # The projector runs (its own loop, here by hand): the same read now shows the write.
        await unprojected.state.readside.catch_up()
        seen = await client.get(f"{API}/hr/cycles", headers={**hr, "Kinerja-Seen": token})
        assert seen.status_code == 200 and [c["year"] for c in seen.json()] == [2031]
        # A repeat of the write (same Idempotency-Key) answers the same notification id, and writes nothing.
        again = await client.post(f"{API}/hr/cycles", json=_cycle(2031), headers={**hr, "Idempotency-Key": "k1"})
        assert again.headers["Kinerja-Notification-Id"] == token
        assert unprojected.state.appraisals.recorder.max_notification_id() == head
        # /health and /metrics tell the lag per projection.
        health = (await client.get("/health")).json()["read_models"]
        assert health["projections"] == [{"projection": "appraisals", "position": head, "head": head, "behind": 0}]


async def test_the_client_that_echoes_the_header_reads_its_write_with_the_projector_running(tmp_path: Path) -> None:
    """A projector loop in the process (as `kinerja dev`): the read waits the few ms it needs, never 503."""
    app = build_app(settings_for(tmp_path), project_every_seconds=0.05)
    async with running(app) as client:  # its client sends back each Kinerja-Notification-Id (ReadsOwnWrites)
        hr = await login(client, HR_NIP)
        for year in (2031, 2032, 2033):
            written = await client.post(f"{API}/hr/cycles", json=_cycle(year), headers=hr)
            assert written.status_code == 201, written.text
            listed = await client.get(f"{API}/hr/cycles", headers=hr)
            assert listed.status_code == 200 and year in [c["year"] for c in listed.json()]


@pytest.mark.parametrize(
    "value",
    ["abc", "-1", "1" * 25, "999999999", "nosuchlog:1", "1." * 300, "0x10", "<script>alert(1)</script>", " 1 2 "],
)
async def test_a_forged_seen_header_is_a_400_naming_it_never_a_wait(unprojected, value: str) -> None:
    async with running(unprojected) as client:
        hr = await login(client, HR_NIP)
        answer = await client.get(f"{API}/hr/cycles", headers={**hr, "Kinerja-Seen": value})
        assert answer.status_code == 400, answer.text  # not the 503 a wait on this projector-less app would end in
        assert answer.json()["error"] == "InvalidInput" and answer.json()["field"] == "Kinerja-Seen"


async def test_pages_keep_the_write_in_a_cookie_and_wait_for_it_in_bahasa_indonesia(unprojected) -> None:
    async with running(unprojected) as client:
        hr = await login(client, HR_NIP)
        written = await client.post(f"{API}/hr/cycles", json=_cycle(2031), headers=hr)
        assert "kinerja_seen" not in written.headers.get("set-cookie", "")  # the API answers a header, no cookie
        token = written.headers["Kinerja-Notification-Id"]
        async with _plain(unprojected) as page:
            # A forged cookie (beyond the log's head, or not a token) is ignored and cleared: the page answers.
            for forged in ("99999999", "abc", "-5", "x" * 900):
                page.cookies.set("kinerja_seen", forged)
                answer = await page.get("/masuk")
                assert answer.status_code == 200, forged
                assert "kinerja_seen=;" in answer.headers["set-cookie"] and "Max-Age=0" in answer.headers["set-cookie"]
            # The write's own cookie while the projector is behind: a page that says so, in Bahasa Indonesia.
            page.cookies.set("kinerja_seen", token)
            behind = await page.get("/masuk")
            assert behind.status_code == 503 and behind.headers["Retry-After"] == "5"
            assert "data tampilan belum memuat perubahan terakhir Anda" in behind.text
            assert_indonesian(behind.text, "the page of a read behind its write")
            await unprojected.state.readside.catch_up()
            seen = await page.get("/masuk")
            assert seen.status_code == 200 and "Max-Age=0" in seen.headers["set-cookie"]  # waited once, then forgotten


async def test_metrics_are_off_without_a_token_and_only_for_its_bearer(tmp_path: Path) -> None:
    off = build_app(settings_for(tmp_path / "off"))
    async with running(off) as client:
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/metrics", headers={"Authorization": "Bearer anything"})).status_code == 404
    token = "metrics-" + "t" * 24
    on = build_app(settings_for(tmp_path / "on", metrics_token=token))
    async with running(on) as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 32})).status_code == 401
        hr = await login(client, HR_NIP)
        assert (await client.post(f"{API}/hr/cycles", json=_cycle(2031), headers=hr)).status_code == 201
        assert (await client.get(f"{API}/hr/cycles", headers=hr)).status_code == 200
        scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {token}", **ENGLISH})
        assert scraped.status_code == 200, scraped.text
        text = scraped.text
        assert (
            'kinerja_http_request_duration_seconds_count{method="POST",route="/api/v1/hr/cycles",status="2xx"} 1.0'
            in text
        )
        assert 'kinerja_projection_lag_events{projection="appraisals"}' in text
        assert 'kinerja_projection_head{projection="appraisals"}' in text
        assert "kinerja_workflow_update_duration_seconds" in text and "kinerja_read_wait_seconds" in text
        assert 'route="/api/v1/nothing/here"' not in text  # unknown paths never become series


def test_a_short_metrics_token_is_refused_at_startup() -> None:
    from settings import InsecureSettings, Settings, check_startup  # noqa: PLC0415

    with pytest.raises(InsecureSettings, match="KINERJA_METRICS_TOKEN has 5 bytes"):
        check_startup(Settings(_env_file=None, jwt_secret="s" * 40, metrics_token="short"))


@pytest.mark.postgres
def test_on_postgresql_a_write_wakes_the_projector_process_at_once() -> None:
    """The API's pg_notify after a write reaches the projector's listener, which names the log to catch up."""
    engine = sa.create_engine(need_postgres())
    heard: list[str] = []
    arrived, stop = threading.Event(), threading.Event()

    def wake(log_name: str) -> None:
        heard.append(log_name)
        arrived.set()

    thread = listen(engine, wake, stop)
    assert thread is not None
    try:
        deadline = time.monotonic() + 60
        while not arrived.is_set() and time.monotonic() < deadline:  # the listener may not be listening yet
            notify(engine, "kinerja_ag_1_abcdef01")
            arrived.wait(0.5)
        assert "kinerja_ag_1_abcdef01" in heard
    finally:
        stop.set()
        thread.join(timeout=5)
        engine.dispose()
    assert listen(sa.create_engine("sqlite://"), wake, stop) is None  # SQLite: the poll alone wakes it


@pytest.mark.postgres
async def test_on_postgresql_the_apis_own_saves_wake_the_projector_process(tmp_path: Path) -> None:
    """The API built from settings wakes the projector's process from its own saves (a cycle defined, a progress
    report), as the worker does from its activities': nobody else announces a write the API made itself."""
    settings = settings_for(tmp_path, database_url=empty_postgres())
    app = create_app(settings, users=UserDirectory.from_mapping(USERS))  # its store and read side from settings
    heard: list[str] = []
    arrived, stop = threading.Event(), threading.Event()

    def wake(log_name: str) -> None:
        heard.append(log_name)
        arrived.set()

    engine = make_engine(settings.database_url)
    thread = listen(engine, wake, stop)
    assert thread is not None
    try:
        async with running(app) as client:
            hr = await login(client, HR_NIP)
            deadline = time.monotonic() + 60
            year = 2031
            while not arrived.is_set() and time.monotonic() < deadline:  # the listener may not be listening yet
                written = await client.post(f"{API}/hr/cycles", json=_cycle(year), headers=hr)
                assert written.status_code == 201, written.text
                arrived.wait(0.5)
                year += 1
            assert "" in heard  # the single log
    finally:
        stop.set()
        thread.join(timeout=5)
        engine.dispose()


async def test_a_partitioned_store_answers_the_agencys_log_and_waits_for_its_projection(tmp_path: Path) -> None:
    """One log per agency: the token names the agency's log, and the read waits for that agency's projector."""
    settings = settings_for(tmp_path, partitioned=True, read_wait_seconds=0.3)
    store = open_partitioned(event_store_env(settings.database_url, settings), settings)
    app = build_app(settings, store, project_every_seconds=None)
    async with running(app) as client:
        hr = await login(client, HR_NIP)
        written = await client.post(f"{API}/hr/cycles", json=_cycle(2031), headers=hr)
        assert written.status_code == 201, written.text
        log_name = partition_name("AG-RYW")
        head = store.partition("AG-RYW").recorder.max_notification_id()
        token = written.headers["Kinerja-Notification-Id"]
        assert parse(token).positions == {log_name: head}
        behind = await client.get(f"{API}/hr/cycles", headers={**hr, "Kinerja-Seen": token})
        assert behind.status_code == 503 and behind.json()["error"] == "ReadModelsBehind"
        health = (await client.get("/health", headers={"Kinerja-Seen": "0"})).json()["read_models"]
        assert {p["projection"]: p["behind"] for p in health["projections"]} == {"appraisals@AG-RYW": head}
        assert health["behind"] == head
        projector_for(store, "AG-RYW", app.state.readside.engine).catch_up()  # that agency's projector runs
        seen = await client.get(f"{API}/hr/cycles", headers={**hr, "Kinerja-Seen": token})
        assert seen.status_code == 200 and [c["year"] for c in seen.json()] == [2031]
        # The single log's token, or another log's name, is not one of this store's logs: 400.
        for forged in (str(head), f"kinerja_other_0000000a:{head}"):
            refused = await client.get(f"{API}/hr/cycles", headers={**hr, "Kinerja-Seen": forged})
            assert refused.status_code == 400, forged
    store.close()


async def test_the_apps_own_loops_project_a_new_agencys_first_write_at_once(tmp_path: Path) -> None:
    """`kinerja dev` and the tests run each agency's projector as a thread of the API, which on SQLite nothing
    but the API can wake. A write to a log none of them follows yet (the agency's first record) has them look
    for it at once: its read answers when projected, not after the loops' next look for new agencies (every
    5 s, or more: here a minute, past the read's 30 s bound, and it answered 503)."""
    settings = settings_for(tmp_path, partitioned=True)
    store = open_partitioned(event_store_env(settings.database_url, settings), settings)
    app = build_app(settings, store, project_every_seconds=60.0)
    async with running(app) as client:
        hr = await login(client, HR_NIP)
        written = await client.post(f"{API}/hr/cycles", json=_cycle(2031), headers=hr)  # AG-RYW's first record
        assert written.status_code == 201, written.text
        listed = await client.get(f"{API}/hr/cycles", headers=hr)  # sent with the write's id by the client
        assert listed.status_code == 200, listed.text
        assert [c["year"] for c in listed.json()] == [2031]
    store.close()


def test_the_every_agency_projector_is_woken_by_log_name_and_finds_a_new_agency_at_once(tmp_path: Path) -> None:
    """`kinerja projections run` on a partitioned store: each agency's projector is known by its log's name (the
    API's wake-ups name it), and a wake-up for a log without a projector yet looks for new agencies at once."""
    settings = settings_for(tmp_path, partitioned=True)
    store = open_partitioned(event_store_env(settings.database_url, settings), settings)
    seed_appraisal(store)  # agency AG-TEST
    engine = make_engine(settings.database_url)
    projectors: dict[str, Any] = {}
    stop, discover = threading.Event(), threading.Event()
    loop = threading.Thread(  # idle polls of a minute: only wake-ups can move it within the test
        target=run_partitions, args=(store, engine, stop, 60.0), kwargs={"projectors": projectors, "discover": discover}
    )
    loop.start()
    try:
        _until(lambda: partition_name("AG-TEST") in projectors)
        hr = Actor(HR_NIP, ("hr",))
        at = datetime(2030, 11, 1, tzinfo=timezone.utc)
        store.define_cycle(DefineCycle(hr, "AG-NEW", "Dinas Baru", "WIB", 2031, PARTICIPANTS), at=at)
        discover.set()  # what the listener does for a log it does not know
        _until(lambda: partition_name("AG-NEW") in projectors)
        woken = projectors[partition_name("AG-NEW")]
        head = store.partition("AG-NEW").recorder.max_notification_id()
        woken.wake.set()  # what the listener does for a known log
        _until(lambda: woken.position() == head)
    finally:
        stop.set()
        discover.set()
        for projector in projectors.values():
            projector.wake.set()
        loop.join(timeout=60)
        store.close()
    assert not loop.is_alive()


def _until(check: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def test_every_save_names_the_log_that_took_it_for_the_projectors_wake_up(tmp_path: Path) -> None:
    """The process that saves wakes the projector from the save itself (readmodels/wakeup.py wake_on_save): the hook hears the log
    ("" for a single log, the agency's log by name when partitioned), and its failure never fails the save."""
    single = Appraisals(env=event_store_env(f"sqlite:///{tmp_path / 'one.db'}", settings_for(tmp_path)))
    heard: list[str] = []
    single.on_saved = heard.append
    seed_appraisal(single)
    assert heard and set(heard) == {""}
    settings = settings_for(tmp_path / "parts", partitioned=True)
    store = open_partitioned(event_store_env(settings.database_url, settings), settings)
    store.on_saved = heard.append
    seed_appraisal(store)  # agency AG-TEST
    assert heard[-1] == partition_name("AG-TEST")

    def broken(_: str) -> None:
        raise RuntimeError("the wake-up channel is down")

    store.on_saved = broken
    hr = Actor(HR_NIP, ("hr",))
    at = datetime(2030, 11, 1, tzinfo=timezone.utc)
    cycle = store.define_cycle(DefineCycle(hr, "AG-TEST", "Dinas Uji", "WIB", 2032, PARTICIPANTS), at=at)
    assert store.cycle(cycle).year == 2032  # saved all the same
    single.close()
    store.close()


def test_a_command_answers_the_log_and_the_notification_id_of_the_event_it_wrote(tmp_path: Path) -> None:
    """The API notes a write's position from the command's outcome (no head query): the outcome names the log
    that took the event ("" for a single log, the agency's when partitioned) and the event's own id there; a
    replayed command wrote nothing and names none."""
    at = datetime(2030, 2, 1, tzinfo=timezone.utc)
    single = Appraisals(env=event_store_env(f"sqlite:///{tmp_path / 'one.db'}", settings_for(tmp_path)))
    settings = settings_for(tmp_path / "parts", partitioned=True)
    store = open_partitioned(event_store_env(settings.database_url, settings), settings)
    for app, log_name in ((single, ""), (store, partition_name("AG-TEST"))):
        _, appraisal = seed_appraisal(app)
        log = app.home(appraisal).recorder
        done = app.execute(appraisal, ReturnSkp(Actor(SUPERVISOR), "perbaiki"), at=at, key="k-return")
        assert (done.log, done.position) == (log_name, log.max_notification_id())
        assert log.select_notifications(done.position, 1)[0].originator_version == done.version
        again = app.execute(appraisal, ReturnSkp(Actor(SUPERVISOR), "perbaiki"), at=at, key="k-return")
        assert again.replayed and again.position == 0
    single.close()
    store.close()


def test_on_sqlite_the_projector_loop_catches_up_when_another_connection_commits(tmp_path: Path) -> None:
    """SQLite has no LISTEN: the loop asks the file (PRAGMA data_version) every few milliseconds whether another
    connection committed, so a write from another process is projected at once, not at the next idle poll
    (here a minute, past the test's bound), and without anyone setting the loop's wake-up."""
    settings = settings_for(tmp_path)
    store = Appraisals(env=event_store_env(settings.database_url, settings))
    writer = Appraisals(env=event_store_env(settings.database_url, settings))  # another connection, as the worker's
    projector = Projector(store, make_engine(settings.database_url))
    stop = threading.Event()
    loop = threading.Thread(target=run, args=(projector, stop, 60.0))
    loop.start()
    try:
        seed_appraisal(writer)
        head = writer.recorder.max_notification_id()
        _until(lambda: projector.position() == head, seconds=20)
        _until(lambda: not projector.wake.is_set(), seconds=20)
    finally:
        stop.set()
        projector.wake.set()
        loop.join(timeout=30)
        store.close()
        writer.close()
    assert not loop.is_alive()


async def test_a_page_form_that_writes_leaves_the_cookie_and_the_next_page_waits_for_it(unprojected) -> None:
    """HR defines a cycle on its page: the answer (a redirect) sets `kinerja_seen`; the cycle's page it leads to
    waits for the projector, says so in Bahasa Indonesia while it is behind, and clears the cookie once seen."""
    async with running(unprojected):
        store = unprojected.state.appraisals
        imported = store.import_org(
            AGENCY_CSV, by=Actor(HR_NIP, ("hr",)), at=datetime(2030, 11, 1, tzinfo=timezone.utc)
        )
        assert imported.ok, imported.problems
        await unprojected.state.readside.catch_up()
        async with _plain(unprojected) as page:
            await sign_in(page, HR_NIP)
            form = {"agency_id": "AG-TEST", "year": "2031", "period": "quarterly", "kunci": "siklus-2031"}
            made = await post_form(page, "/hr/siklus-baru", form)
            assert made.status_code == 303, made.text
            cookie = made.headers["set-cookie"]
            assert cookie.startswith("kinerja_seen=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
            assert made.headers["Kinerja-Notification-Id"] == cookie.split(";")[0].removeprefix("kinerja_seen=")
            behind = await page.get(made.headers["location"])
            assert behind.status_code == 503 and "Data belum mutakhir" in behind.text
            assert_indonesian(behind.text, "a cycle's page behind its definition")
            await unprojected.state.readside.catch_up()
            shown = await page.get(made.headers["location"])
            assert shown.status_code == 200 and "Max-Age=0" in shown.headers["set-cookie"]
            assert (await page.get(made.headers["location"])).status_code == 200  # the cookie is gone: no wait


@pytest.mark.parametrize("projected_after", [0.1, None])
async def test_a_read_model_query_in_a_request_that_wrote_waits_for_its_own_write(
    tmp_path: Path, projected_after: float | None
) -> None:
    """A page that answers its own form with a list from the read models (HR records a transfer, the page shows
    the transfers) reads what the form just wrote: the query waits, bounded, for the projector (its own loop or
    process) to pass the request's writes. Seen failing as a list without the new transfer, under load. If the
    projector does not come in time, the query answers the read models as they are, after the bound."""
    # The projector of the first case makes every read table and projects the cycle in a thread: on a loaded
    # machine that may take longer than the 1 s bound the second case waits out, so it has the longest one.
    bound = 1.0 if projected_after is None else 30.0
    app = build_app(settings_for(tmp_path, read_wait_seconds=bound), project_every_seconds=None)
    async with running(app):
        state = app.state
        at = datetime(2030, 11, 1, tzinfo=timezone.utc)
        cycle = state.appraisals.define_cycle(
            DefineCycle(Actor(HR_NIP, ("hr",)), "AG-TEST", "Dinas Uji", "WIB", 2032, PARTICIPANTS), at=at
        )
        token = consistency._NOTED.set(consistency.Noted())  # as WrittenTokens does around a request
        try:
            await state.readside.wrote(cycle)
            if projected_after is not None:
                later = threading.Timer(projected_after, state.readside.projector.catch_up)
                later.start()
            started = time.monotonic()
            listed = await state.readside.call("cycle_list")
            waited = time.monotonic() - started
        finally:
            consistency._NOTED.reset(token)
        if projected_after is not None:
            later.join()
            assert [c["cycle_id"] for c in listed] == [str(cycle)]
        else:
            assert listed == [] and waited >= 1.0  # the bound, then the tables as they are
