"""The verifier reads one moment of the log: a command or a checkpoint committed while it reads is not tampering.

`kinerja audit verify` runs on a live system (tests/test_chaos.py runs it while the workers, the API
and the checkpoint workflow still run). It read the rows, their seals, the stored tree, the
checkpoints and each witness's record in separate transactions, so a write landing between two of
those reads looked like tampering: the seal of a row committed after the rows were read named that
row as gone from the log ("truncated", or a new record "deleted whole"), and a witness asked after a
checkpoint it then accepted looked "rolled back". The first publication adopting unsealed rows read
the seals and the rows apart as well, and re-sealed a row committed in between (a duplicate seal).

Each test lets a real command (and a real publication) commit at one exact point of the reading,
through a hook on the log's page read or on the witness, and expects no tampering finding; then a
second verification, after the fact, sees the new row and still finds the log intact. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ANALIS, HEAD, T
from tests.proof_world import ProofWorld, proof_world
from transparency.findings import Report
from transparency.log import Log
from transparency.publish import Publisher
from transparency.verify import LogVerifier
from transparency.wiring import log_signer
from transparency.witnesses import DirectoryWitness

ORIGIN = "kinerja.local/kinerja"


@dataclass
class World:
    p: ProofWorld
    witness: DirectoryWitness
    publisher: Publisher

    def verify(self) -> Report:
        return LogVerifier(self.p.app, ORIGIN, self.p.keys, [self.witness]).run()

    def write_and_publish(self) -> None:
        """A command commits (its row and seal), then a checkpoint of it goes to the witness."""
        self.p.s.close_window(ANALIS)
        assert self.publisher.publish("meanwhile").new


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    p = proof_world(store_url, tmp_path)  # 26 sealed rows
    witness = DirectoryWitness(tmp_path / "witness", p.keys)
    publisher = Publisher(p.log, log_signer(p.settings, p.log), [witness])
    assert publisher.publish("first").size == 26
    p.s.close_window(HEAD)  # 27 rows, the newest not yet checkpointed
    yield World(p, witness, publisher)
    p.app.close()


def once(action: Callable[[], None]) -> Callable[[], None]:
    done: list[bool] = []

    def run() -> None:
        if not done:
            done.append(True)
            action()

    return run


def after_first_page(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """`action` runs once, right after the first page of rows has been read (before their seals are)."""
    page, act = Log.page, once(action)

    def hooked(self: Log, *args: Any, **kwargs: Any) -> Any:
        found = page(self, *args, **kwargs)
        act()
        return found

    monkeypatch.setattr(Log, "page", hooked)


def before_first_page(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    page, act = Log.page, once(action)

    def hooked(self: Log, *args: Any, **kwargs: Any) -> Any:
        act()
        return page(self, *args, **kwargs)

    monkeypatch.setattr(Log, "page", hooked)


def tampering(report: Report) -> list[str]:
    return [f"{f.kind}: {f.message}" for f in report.tampering]


def test_a_command_and_checkpoint_committed_while_the_rows_are_read_are_not_tampering(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    after_first_page(monkeypatch, world.write_and_publish)
    during = world.verify()
    assert tampering(during) == []
    assert (during.events, during.ok) == (27, True)  # the log as it was when the reading began
    monkeypatch.undo()
    after = world.verify()
    assert (after.events, after.tree_size, tampering(after)) == (28, 28, [])


def test_a_new_record_written_while_the_rows_are_read_is_not_a_deleted_record(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first row of a record no one had written before (the cycle's record of running workflows):
    # its seal alone once read as a record "deleted whole".
    s = world.p.s
    after_first_page(monkeypatch, lambda: s.app.record_workflows_started(s.cycle_id, [HEAD], T["open"]))
    assert tampering(world.verify()) == []
    monkeypatch.undo()
    after = world.verify()
    assert (after.records, after.events, tampering(after)) == (5, 29, [])  # its Begun and WorkflowsStarted


def test_a_witness_that_accepts_a_checkpoint_just_after_it_was_asked_is_not_rolled_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert world.publisher.publish("second").size == 27
    latest, act = DirectoryWitness.latest, once(world.write_and_publish)

    def answers_then_accepts_more(self: DirectoryWitness, origin: str) -> str | None:
        held = latest(self, origin)
        act()  # the witness accepts size 28 right after it answered 27
        return held

    monkeypatch.setattr(DirectoryWitness, "latest", answers_then_accepts_more)
    during = world.verify()
    assert tampering(during) == []
    assert [w["held"] for w in during.witnesses] == [27]


def test_the_first_publication_does_not_seal_again_a_row_committed_while_it_looks_for_unsealed_rows(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = proof_world(store_url, tmp_path)  # 26 rows, sealed as written; no checkpoint yet
    try:
        witness = DirectoryWitness(tmp_path / "witness", p.keys)
        publisher = Publisher(p.log, log_signer(p.settings, p.log), [witness])
        before_first_page(monkeypatch, lambda: p.s.close_window(HEAD))  # commits between the seals and the rows
        first = publisher.publish("started")
        assert first.adopted == 0
        monkeypatch.undo()
        assert tampering(LogVerifier(p.app, ORIGIN, p.keys, [witness]).run()) == []
    finally:
        p.app.close()
