"""The tamper table: ten ways to alter the record with database access, each detected and named.

The world: the unit's three appraisals taken to follow-up by the real commands (26 rows,
every one sealed as it was written), checkpoint #1 at 26 rows, one more event, checkpoint #2
at 27 rows sent to two witnesses (a directory and the HTTP witness service with its own
key), then one more event that no checkpoint covers yet. STAFF's appraisal (events 1-8) is
the target. Each case alters the stored rows (or a checkpoint, or a witness) with plain SQL
or file operations, as someone with database or disk access would, then runs the verifier.
Every row states the verdict and the first broken thing it must name; runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from domain.chain import event_digest
from tests.factories import ANALIS, HEAD, STAFF, Scenario
from tests.proof_world import proof_world
from tests.test_audit_chain import OID, Rows
from transparency.publish import Publisher
from transparency.verify import LogVerifier
from transparency.wiring import log_signer
from transparency.witness_service import accepted
from transparency.witnesses import DirectoryWitness, HttpWitness

ORIGIN = "kinerja.local/kinerja"


@dataclass
class World:
    s: Scenario
    rows: Rows
    engine: sa.Engine
    verifier: LogVerifier
    directory: DirectoryWitness
    http: HttpWitness
    witness_engine: sa.Engine

    @property
    def staff(self) -> str:
        return str(self.s.id(STAFF))

    def event(self, version: int) -> Any:
        stored = self.s.app.recorder.select_events(self.s.id(STAFF))[version - 1]
        return self.s.app.mapper.to_domain_event(stored)

    def state_of(self, event: Any) -> bytes:
        return self.s.app.mapper.to_stored_event(event).state

    def delete_seals(self, from_version: int = 1) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.text("DELETE FROM kinerja_seals WHERE originator_id = :oid AND originator_version >= :v"),
                {"oid": self.staff, "v": from_version},
            )

    def sql(self, statement: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(statement).bindparams(OID), {"oid": self.s.id(STAFF), **params})


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    p = proof_world(store_url, tmp_path)
    directory = DirectoryWitness(tmp_path / "witness", p.keys)
    publisher = Publisher(p.log, log_signer(p.settings, p.log), [directory, p.http])
    assert publisher.publish("first").size == 26
    p.s.close_window(HEAD)
    second = publisher.publish("second")
    assert (second.size, [w.status for w in second.witnessed]) == (27, ["accepted", "accepted"])
    p.s.close_window(ANALIS)  # sealed, not yet checkpointed
    engine = sa.create_engine(store_url)
    verifier = LogVerifier(p.app, ORIGIN, p.keys, [directory, p.http])
    world = World(p.s, Rows(engine, p.s.id(STAFF)), engine, verifier, directory, p.http, p.witness_engine)
    assert world.rows.versions() == list(range(1, 9))
    yield world
    engine.dispose()
    p.app.close()


# --- the ten tamperings -----------------------------------------------------------------------------


def modify_state(w: World) -> None:
    topic, state = w.rows.get(6)
    w.rows.set_state(6, state.replace(b'"results_rating":"sesuai"', b'"results_rating":"di_atas"'))


def delete_middle_event(w: World) -> None:
    w.rows.delete(4)


def insert_forged_event(w: World) -> None:
    w.rows.shift_up(4)
    w.rows.insert(4, *w.rows.get(2))


def swap_two_versions(w: World) -> None:
    w.sql("UPDATE kinerja_events SET originator_version = 100 WHERE originator_id = :oid AND originator_version = 4")
    w.sql("UPDATE kinerja_events SET originator_version = 4 WHERE originator_id = :oid AND originator_version = 5")
    w.sql("UPDATE kinerja_events SET originator_version = 5 WHERE originator_id = :oid AND originator_version = 100")


def truncate_newest_events(w: World) -> None:  # a careful attacker removes their seals too
    for version in (7, 8):
        w.rows.delete(version)
    w.delete_seals(from_version=7)


def rewrite_and_rehash(w: World) -> None:
    forged = dataclasses.replace(w.event(6), results_rating="di_atas", predikat="sangat_baik")  # fresh digest
    later = [forged]
    for version in (7, 8):
        later.append(dataclasses.replace(w.event(version), prev_digest=later[-1].digest))  # the chain re-hashed
    for event in later:
        w.rows.set_state(event.originator_version, w.state_of(event))


def append_forged_chained_event(w: World) -> None:
    last = w.event(8)
    forged = dataclasses.replace(last, originator_version=9, prev_digest=last.digest)
    assert forged.digest == event_digest(forged)  # a correct link and a correct digest
    w.rows.insert(9, w.rows.get(8)[0], w.state_of(forged))


def delete_whole_aggregate(w: World) -> None:
    for version in range(1, 9):
        w.rows.delete(version)
    w.delete_seals()


def edit_stored_checkpoint(w: World) -> None:
    with w.engine.begin() as conn:
        note = conn.execute(sa.text("SELECT note FROM kinerja_checkpoints WHERE id = 2")).scalar_one()
        edited = note.replace("\n27\n", "\n26\n")
        assert edited != note
        conn.execute(sa.text("UPDATE kinerja_checkpoints SET note = :n, size = 26 WHERE id = 2"), {"n": edited})


def roll_witness_back(w: World) -> None:
    newest = sorted((w.directory.path / "kinerja.local%2Fkinerja").iterdir())[-1]
    newest.chmod(0o644)
    newest.unlink()


def roll_http_witness_back(w: World) -> None:
    with w.witness_engine.begin() as conn:
        conn.execute(sa.delete(accepted).where(accepted.c.size == 27))


CASES: list[tuple[str, Callable[[World], None], str, str]] = [
    # (case, tampering, kind of the first finding, its message with {id} for STAFF's appraisal)
    (
        "modify a row's state",
        modify_state,
        "chain",
        "appraisal {id}: event 6 was modified: its content no longer matches its digest",
    ),
    (
        "delete a middle event",
        delete_middle_event,
        "chain",
        "appraisal {id}: event 4 is missing (deleted): the log jumps to 5",
    ),
    (
        "insert a forged event",
        insert_forged_event,
        "chain",
        "appraisal {id}: event 4 does not follow event 3: its predecessor digest differs (inserted or replaced)",
    ),
    (
        "swap two versions",
        swap_two_versions,
        "chain",
        "appraisal {id}: event 4 does not follow event 3: its predecessor digest differs (inserted or replaced)",
    ),
    (
        "truncate the newest events",
        truncate_newest_events,
        "truncated",
        "appraisal {id}: events 7-8 are missing: the record was truncated after event 6; they were covered by "
        "checkpoint #2 (size 27)",
    ),
    (
        "rewrite and re-hash",
        rewrite_and_rehash,
        "rewritten",
        "appraisal {id} event 6 (notification {n6}) differs from what the agency sealed when it was written: it was "
        "rewritten (its hash chain may have been recomputed)",
    ),
    (
        "append a forged chained event",
        append_forged_chained_event,
        "unsealed",
        "appraisal {id} event 9 (notification {n9}) carries no seal of the agency: it was written around Kinerja "
        "(a forged event)",
    ),
    (
        "delete a whole aggregate",
        delete_whole_aggregate,
        "aggregate-deleted",
        "record {id} was deleted whole: its 8 events (versions 1-8), covered by checkpoint #2 (size 27), are all "
        "missing from the log",
    ),
    (
        "edit a stored checkpoint",
        edit_stored_checkpoint,
        "checkpoint-edited",
        "checkpoint #2 (size 26, {cp2}) does not verify with the agency's key: the signature does not verify: the "
        "note was altered after it was signed",
    ),
    (
        "roll a witness back",
        roll_witness_back,
        "witness-rolled-back",
        "witness dir:{dir} was rolled back: it holds size 26, but it accepted size 27 on {cp2}",
    ),
    (
        "roll the HTTP witness back",
        roll_http_witness_back,
        "witness-rolled-back",
        "witness inspektorat.test/witness was rolled back: it holds size 26, but it accepted size 27 on {cp2}; its "
        "cosignature of that checkpoint, kept by the log, verifies with the witness's key",
    ),
]


def test_the_untouched_world_verifies(world: World) -> None:
    report = world.verifier.run()
    assert (report.verdict, report.findings) == ("intact", [])
    assert (report.events, report.records, report.sealed, report.tree_size) == (28, 4, 28, 27)
    assert [(c["id"], c["size"], c["valid"]) for c in report.checkpoints] == [(1, 26, True), (2, 27, True)]
    assert [(x["held"], x["status"]) for x in report.witnesses] == [(27, "ok"), (27, "ok")]


@pytest.mark.parametrize(("case", "tamper", "kind", "message"), CASES, ids=[c[0] for c in CASES])
def test_every_tampering_is_detected_and_its_first_broken_thing_named(
    world: World, case: str, tamper: Callable[[World], None], kind: str, message: str
) -> None:
    with world.engine.connect() as conn:
        ids = dict(
            conn.execute(
                sa.text("SELECT originator_version, id FROM kinerja_events WHERE originator_id = :oid").bindparams(OID),
                {"oid": world.s.id(STAFF)},
            ).all()
        )
        cp2 = conn.execute(sa.text("SELECT created_at FROM kinerja_checkpoints WHERE id = 2")).scalar_one()
    tamper(world)
    with world.engine.connect() as conn:
        ids |= dict(
            conn.execute(
                sa.text("SELECT originator_version, id FROM kinerja_events WHERE originator_id = :oid").bindparams(OID),
                {"oid": world.s.id(STAFF)},
            ).all()
        )

    report = world.verifier.run()

    assert report.verdict == "tampered", case
    first = report.first
    assert first is not None
    cp2_text = (cp2 if isinstance(cp2, str) else cp2.strftime("%Y-%m-%d %H:%M"))[:16]
    expected = message.format(id=world.staff, n6=ids.get(6), n9=ids.get(9), cp2=cp2_text, dir=world.directory.path)
    assert (first.kind, first.message) == (kind, expected)
