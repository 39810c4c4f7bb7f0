"""The stored tree of a log on both databases: the same roots and proofs as the RFC tree, grown incrementally.

A cycle of three appraisals writes 26 rows (every one sealed in its own transaction);
the stored tree is grown in batches smaller than the log, resumed after more writes, and
grown by several builders at once, and must always equal the in-memory RFC 9162 tree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from domain.application import Appraisals
from domain.merkle import MemoryTree
from domain.merkle_verify import verify_consistency, verify_inclusion
from settings import Settings, event_store_env
from tests.factories import ANALIS, HEAD, Scenario, reach
from transparency.log import Log
from transparency.tree import LogTree, row_leaf


@pytest.fixture
def scenario(store_url: str, tmp_path: Path) -> Iterator[Scenario]:
    settings = Settings(database_url=store_url, log_keys_dir=str(tmp_path / "keys"))
    app = Appraisals(env=event_store_env(store_url, settings))
    yield reach("follow_up", app=app)
    app.close()


def memory_tree(log: Log) -> MemoryTree:
    return MemoryTree([row_leaf(n) for n in log.rows()])


def test_the_stored_tree_serves_every_root_and_proof_of_the_rfc_tree(scenario: Scenario) -> None:
    log = Log.of(scenario.app)
    assert (log.name, log.tables.leaves.name, log.tables.nodes.name) == (
        "kinerja",
        "kinerja_tree_leaves",
        "kinerja_tree_nodes",
    )
    tree = LogTree(log)
    assert tree.extend(batch=7) == 26  # four batches, the last one partial
    memory = memory_tree(log)
    for size in range(1, 27):
        assert tree.root(size) == memory.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == memory.inclusion_proof(index, size)
            verify_inclusion(index, size, memory.nodes[(0, index)], proof, memory.root(size))
        for old in range(1, size + 1):
            assert tree.consistency_proof(old, size) == memory.consistency_proof(old, size)
    verify_consistency(13, 26, tree.root(13), tree.root(26), tree.consistency_proof(13, 26))
    with pytest.raises(ValueError, match="has 26 leaves, not 27"):
        tree.root(27)


def test_extending_reads_only_the_rows_after_its_position(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    log = Log.of(scenario.app)
    tree = LogTree(log)
    tree.extend()
    starts: list[int] = []
    original = Log.page

    def spy(self: Log, after: int, limit: int) -> Any:
        starts.append(after)
        return original(self, after, limit)

    monkeypatch.setattr(Log, "page", spy)
    scenario.close_window(HEAD)
    scenario.close_window(ANALIS)
    last = tree.state()[1]
    assert tree.extend() == 28
    assert starts and min(starts) == last  # never from the start of the log
    monkeypatch.undo()
    assert tree.root() == memory_tree(log).root()
    assert tree.leaf_of(last + 2) == (27, memory_tree(log).nodes[(0, 27)])


def test_builders_running_at_once_grow_one_tree(scenario: Scenario) -> None:
    log = Log.of(scenario.app)
    errors: list[BaseException] = []

    def build() -> None:
        try:
            for _ in range(5):
                LogTree(log).extend(batch=3)
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    builders = [threading.Thread(target=build) for _ in range(3)]
    for b in builders:
        b.start()
    scenario.close_window(HEAD)  # a write while they build
    for b in builders:
        b.join()
    assert errors == []
    tree = LogTree(log)
    assert tree.extend() == 27
    assert tree.root() == memory_tree(log).root()
    with log.engine.connect() as conn:
        leaves = conn.execute(sa.select(sa.func.count()).select_from(log.tables.leaves)).scalar_one()
    assert leaves == 27
