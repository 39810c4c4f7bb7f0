"""A printed document whose record is altered afterwards in the database never checks as matching the log.

tests/test_integrity_reads.py's world (EMP1's SKP submitted, checkpointed) and its six ways of
altering stored rows with plain SQL, on SQLite and PostgreSQL: the SKP printed before the change
checks as matching; after it, the public page says "Tidak cocok" (404) and shows nothing of the
record. Without the record check on reads, events rewritten and re-chained in what no document prints still move the
chain head the document's digest binds, so the print does not match either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from domain.document import SKP, Reference
from services.documents import Documents
from tests.test_api_support import running
from tests.test_integrity_reads import CASES, World, built_world


@pytest.fixture
async def world(store_url: str, tmp_path: Path) -> AsyncIterator[World]:
    with built_world(store_url, tmp_path) as w:
        yield w


def printed(w: World) -> Reference:
    _, reference = Documents(w.store).current(w.store.appraisal(w.appraisal_id), SKP)
    return reference


@pytest.mark.parametrize(("tamper", "finding", "says"), CASES, ids=[c[0].__name__ for c in CASES])
async def test_a_print_of_a_record_altered_afterwards_no_longer_matches(
    world: World, tamper: Callable[[World], None], finding: str, says: str
) -> None:
    reference = printed(world)
    async with running(world.app) as client:
        before = await client.get(f"/dokumen/{reference.token}")
        assert before.status_code == 200 and "Cocok dengan catatan" in before.text
        tamper(world)
        after = await client.get(f"/dokumen/{reference.token}")
        assert after.status_code == 404 and "Tidak cocok" in after.text, finding
        assert "Budi" not in after.text and "Dinas Uji" not in after.text


def rewrite_what_no_document_states(w: World) -> None:
    """Event 1 rewritten (the appraisal's periods, which no document prints) and events 2-3 re-chained."""
    opened = dataclasses.replace(w.event(1), periods=["S1", "S2"])
    drafted = dataclasses.replace(w.event(2), prev_digest=opened.digest)
    submitted = dataclasses.replace(w.event(3), prev_digest=drafted.digest)
    for version, event in ((1, opened), (2, drafted), (3, submitted)):
        w.rows.set_state(version, w.state_of(event))


async def test_without_the_record_check_a_rehashed_rewrite_still_breaks_the_digest(world: World) -> None:
    reference = printed(world)
    async with running(world.app) as client:
        world.store.integrity_check = None  # the seals and the tree are not consulted: the digest alone
        assert "Cocok dengan catatan" in (await client.get(f"/dokumen/{reference.token}")).text
        rewrite_what_no_document_states(world)  # a valid chain, the same content, a new chain head
        altered = world.store.appraisal(world.appraisal_id)
        assert altered.periods == ["S1", "S2"] and altered.version == reference.position.version
        assert printed(world).token != reference.token  # the content is the same; only the head moved
        after = await client.get(f"/dokumen/{reference.token}")
        assert after.status_code == 404 and "Tidak cocok" in after.text
