"""Reads of an altered record answer 409 IntegrityBroken naming the first broken thing, never a 500.

The world: EMP1's appraisal (opened, SKP drafted, SKP submitted: versions 1-3), written by the
domain through the sealing store, then a checkpoint (so the log's tree covers it). Each case
alters the stored rows with plain SQL, as someone with database access would, on SQLite and
PostgreSQL; then the employee's API read, the auditor's history and export (JSON and CSV) and
the employee's page must each refuse the record and name what broke. The record check
(transparency/integrity.py) runs before every read; the untouched record reads as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from domain.application import Appraisals
from domain.chain import event_digest
from services.labels import label
from settings import event_store_env
from tests.page_language import assert_indonesian
from tests.test_api_support import AUDITOR, EMP1, OUTSIDER, build_app, login, running, seed_appraisal, settings_for
from tests.test_audit_chain import Rows
from tests.test_web_pages import sign_in
from transparency.log import Log
from transparency.publish import Publisher
from transparency.wiring import log_signer


@dataclass
class World:
    app: FastAPI
    store: Appraisals
    rows: Rows
    engine: sa.Engine
    appraisal_id: UUID

    def event(self, version: int) -> Any:
        return self.store.mapper.to_domain_event(self.store.recorder.select_events(self.appraisal_id)[version - 1])

    def state_of(self, event: Any) -> bytes:
        return self.store.mapper.to_stored_event(event).state

    def delete_seals(self, from_version: int = 1) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.text("DELETE FROM kinerja_seals WHERE originator_id = :oid AND originator_version >= :v"),
                {"oid": str(self.appraisal_id), "v": from_version},
            )


@contextmanager
def built_world(store_url: str, tmp_path: Path) -> Iterator[World]:
    """EMP1's appraisal at version 3 on the store at `store_url`, checkpointed, with the app over it."""
    settings = settings_for(tmp_path, database_url=store_url, log_keys_dir=str(tmp_path / "keys"))
    store = Appraisals(env=event_store_env(store_url, settings))
    _, appraisal_id = seed_appraisal(store)
    log = Log.of(store)
    assert Publisher(log, log_signer(settings, log), []).publish("test").size > 3
    engine = sa.create_engine(store_url)
    yield World(build_app(settings, store), store, Rows(engine, appraisal_id), engine, appraisal_id)
    engine.dispose()
    store.close()


@pytest.fixture
async def world(store_url: str, tmp_path: Path) -> AsyncIterator[World]:
    with built_world(store_url, tmp_path) as w:
        yield w


def modify_state(w: World) -> None:
    _, state = w.rows.get(2)
    w.rows.set_state(2, state.replace(b"KTP diterbitkan", b"KTP diterbitkn"))


def delete_middle_event(w: World) -> None:
    w.rows.delete(2)


def truncate_newest_event(w: World) -> None:
    w.rows.delete(3)
    w.delete_seals(from_version=3)


def rewrite_and_rehash(w: World) -> None:
    forged = dataclasses.replace(w.event(2), rhk=[])
    submitted = dataclasses.replace(w.event(3), prev_digest=forged.digest)
    assert submitted.digest == event_digest(submitted)
    w.rows.set_state(2, w.state_of(forged))
    w.rows.set_state(3, w.state_of(submitted))


def append_forged_chained_event(w: World) -> None:
    last = w.event(3)
    forged = dataclasses.replace(last, originator_version=4, prev_digest=last.digest)
    w.rows.insert(4, w.rows.get(3)[0], w.state_of(forged))


def delete_whole_record(w: World) -> None:
    for version in (1, 2, 3):
        w.rows.delete(version)
    w.delete_seals()


CASES: list[tuple[Callable[[World], None], str, str]] = [
    (modify_state, "chain", "event 2 was modified: its content no longer matches its digest"),
    (delete_middle_event, "chain", "event 2 is missing (deleted): the log jumps to 3"),
    (truncate_newest_event, "truncated", "the record was truncated after event 2"),
    (rewrite_and_rehash, "rewritten", "differs from what the agency sealed when it was written"),
    (append_forged_chained_event, "unsealed", "carries no seal of the agency"),
    (delete_whole_record, "aggregate-deleted", "was deleted whole: its 3 events"),
]


async def test_an_intact_record_reads_as_before_and_is_checked_again_after_a_change(world: World) -> None:
    async with running(world.app) as client:
        employee = await client.get(
            f"/api/v1/employees/appraisals/{world.appraisal_id}", headers=await login(client, EMP1)
        )
        assert employee.status_code == 200 and employee.json()["id"] == str(world.appraisal_id)
        auditor = await login(client, AUDITOR)
        export = await client.get(f"/api/v1/audit/records/{world.appraisal_id}/export", headers=auditor)
        assert export.status_code == 200 and export.json()["verification"]["ok"] is True
        # Found intact once, then re-hashed by hand: the next read looks again and refuses it.
        rewrite_and_rehash(world)
        again = await client.get(
            f"/api/v1/employees/appraisals/{world.appraisal_id}", headers=await login(client, EMP1)
        )
        assert (again.status_code, again.json()["finding"]) == (409, "rewritten")


@pytest.mark.parametrize(("tamper", "finding", "says"), CASES, ids=[c[0].__name__ for c in CASES])
async def test_a_read_of_an_altered_record_names_what_broke(
    world: World, tamper: Callable[[World], None], finding: str, says: str
) -> None:
    tamper(world)
    record, gone = str(world.appraisal_id), tamper is delete_whole_record
    async with running(world.app) as client:
        stranger = await client.get(f"/api/v1/employees/appraisals/{record}", headers=await login(client, OUTSIDER))
        assert (stranger.status_code, stranger.json()["error"]) == (404, "NotFound")  # learns nothing of it
        # Told it is broken: the people it names; with nothing left that names them, HR and auditors.
        reader, page_path = (AUDITOR, f"/audit/penilaian/{record}") if gone else (EMP1, f"/saya/{record}")
        if gone:
            employee = await client.get(f"/api/v1/employees/appraisals/{record}", headers=await login(client, EMP1))
            assert employee.status_code == 404  # their receipts remain their proof (tests/test_receipts_http.py)
        read = await client.get(f"/api/v1/employees/appraisals/{record}", headers=await login(client, reader))
        assert read.status_code == 409, read.text
        answer = read.json()
        assert (answer["error"], answer["record_id"], answer["finding"]) == ("IntegrityBroken", record, finding)
        assert (
            answer["message"].startswith(f"the record {record} failed its integrity check: ")
            and says in answer["message"]
        )
        auditor = await login(client, AUDITOR)
        for path in ("history", "export", "export?format=csv", "state?version=1"):
            read = await client.get(f"/api/v1/audit/records/{record}/{path}", headers=auditor)
            assert (read.status_code, read.json()["finding"]) == (409, finding), path
        page_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://kinerja.test")
        async with page_client:
            await sign_in(page_client, reader)
            page = await page_client.get(page_path)
        # The page says it in Bahasa Indonesia: the kind of break by the auditor's own names for it.
        assert page.status_code == 409 and "Integritas rusak" in page.text and label(finding, "finding") in page.text
        assert_indonesian(page.text, page_path)
        # The check reports rather than refuses: the auditor still learns what broke.
        chain = await client.get(f"/api/v1/audit/records/{record}/integrity", headers=auditor)
        assert chain.status_code == 200 and (chain.json()["ok"], chain.json()["first"]["kind"]) == (False, finding)


def test_a_log_sealed_before_the_seals_index_gets_it_when_its_store_opens(store_url: str, tmp_path: Path) -> None:
    """The integrity check before every read finds a record's seals by its id: a log sealed before the index
    existed (every seal scanned at each read) has it created when its store opens, and reads as before."""
    settings = settings_for(tmp_path)
    store = Appraisals(env=event_store_env(store_url, settings))
    _, appraisal_id = seed_appraisal(store)
    seals = Log.of(store).tables.seals
    (index,) = seals.indexes
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        index.drop(conn)  # the log as an older Kinerja left it
    assert not sa.inspect(engine).has_index(seals.name, str(index.name))
    store.close()
    reopened = Appraisals(env=event_store_env(store_url, settings))
    assert sa.inspect(engine).has_index(seals.name, str(index.name))
    assert reopened.appraisal(appraisal_id).version == 3  # opened, drafted, submitted: intact and readable
    reopened.close()
    engine.dispose()
