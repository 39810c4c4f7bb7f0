"""Witnesses: the HTTP witness service (c2sp.org/tlog-witness) and the directory witness.

Checkpoints here are of in-memory trees signed by a test log key; what matters is what a
witness accepts, keeps and refuses, what it answers, and that it still knows after a restart.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from domain.merkle import MemoryTree, leaf_hash
from transparency.checkpoint import Checkpoint
from transparency.note import Signer, Verifier, parse
from transparency.witness_service import create_witness_app
from transparency.witnesses import DirectoryWitness, HttpWitness
from transparency.witnessing import WitnessConflict, WitnessRefused, WitnessUnavailable, format_submission

ORIGIN = "log.test/kinerja"
LOG = Signer.generate(ORIGIN)
TREE = MemoryTree([leaf_hash(str(i).encode()) for i in range(40)])


def note(size: int, tree: MemoryTree = TREE, signer: Signer = LOG) -> str:
    return str(Checkpoint(signer.name, size, tree.root(size)).sign(signer))


def body(old: int, new: int, tree: MemoryTree = TREE, signer: Signer = LOG) -> str:
    proof = tree.consistency_proof(old, new) if old else []
    return format_submission(old, proof, note(new, tree, signer))


@pytest.fixture
def witness(tmp_path: Path) -> TestClient:
    return TestClient(create_witness_app(tmp_path / "w", "witness.test/w1", [LOG.verifier()]))


def test_the_witness_cosigns_consistent_checkpoints_and_keeps_every_one(witness: TestClient) -> None:
    key = Verifier.parse(witness.get("/").json()["key"])
    first = witness.post("/add-checkpoint", content=body(0, 10))
    assert first.status_code == 200
    cosigned = parse(note(10)).with_lines(first.text)
    assert cosigned.verified_by(key) is not None
    assert witness.post("/add-checkpoint", content=body(10, 25)).status_code == 200
    assert witness.post("/add-checkpoint", content=body(25, 25)).status_code == 200  # the same again: cosigned
    held = witness.get("/latest", params={"origin": ORIGIN})
    assert held.status_code == 200 and parse(held.text).text == note(25).split("\n\n")[0] + "\n"
    assert parse(held.text).verified_by(key) is not None
    assert [c["size"] for c in witness.get("/checkpoints", params={"origin": ORIGIN}).json()["checkpoints"]] == [10, 25]


def test_the_witness_refuses_what_is_not_consistent_with_what_it_holds(witness: TestClient) -> None:
    assert witness.post("/add-checkpoint", content=body(0, 20)).status_code == 200
    stale = witness.post("/add-checkpoint", content=body(10, 30))
    assert (stale.status_code, stale.text, stale.headers["content-type"]) == (409, "20\n", "text/x.tlog.size")
    forked = MemoryTree([leaf_hash(b"forged")] + [leaf_hash(str(i).encode()) for i in range(1, 40)])
    rewritten = witness.post(
        "/add-checkpoint", content=format_submission(20, TREE.consistency_proof(20, 30), note(30, forked))
    )
    assert rewritten.status_code == 422 and "not consistent with the checkpoint of size 20" in rewritten.text
    same_size = witness.post("/add-checkpoint", content=format_submission(20, [], note(20, forked)))
    assert same_size.status_code == 409 and "two different roots for the same size 20" in same_size.text
    shrunk = witness.post("/add-checkpoint", content=body(20, 30).replace("old 20", "old 31"))
    assert shrunk.status_code == 400
    assert witness.get("/latest", params={"origin": ORIGIN}).text.split("\n")[1] == "20"  # nothing changed


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (body(0, 5, signer=Signer.generate("other.test/log")), 404, "no signature from a trusted key"),
        (body(0, 5).replace(f"{ORIGIN}\n5\n", f"{ORIGIN}\n6\n"), 403, "the note was altered"),
        ("garbage", 400, "the body needs an old size line"),
        ("old x\n\n" + note(5), 400, "the first line must be 'old <size>'"),
        ("old 0\n!!\n\n" + note(5), 400, "not base64"),
        ("old 0\n" + "AAAA\n" * 64 + "\n" + note(5), 400, "more than 63"),
        ("old 0\n\n<script>alert(1)</script>\x00", 404, "checkpoint refused"),
        (b"old 0\n\n\xff\xfe", 400, "not UTF-8"),
        ("old 0\n\n" + "x" * 70_000, 413, "too large"),
    ],
    ids=[
        "unknown log",
        "edited checkpoint",
        "no blank line",
        "bad old line",
        "bad proof line",
        "proof flood",
        "script and NUL",
        "not utf-8",
        "huge body",
    ],
)
def test_hostile_submissions_are_refused_with_the_reason(
    witness: TestClient, content: str | bytes, status: int, says: str
) -> None:
    answer = witness.post("/add-checkpoint", content=content)
    assert (answer.status_code, says in answer.text) == (status, True), answer.text
    assert witness.get("/latest", params={"origin": ORIGIN}).status_code == 404


def test_a_restarted_witness_keeps_its_key_and_what_it_accepted(tmp_path: Path) -> None:
    first = TestClient(create_witness_app(tmp_path / "w", "witness.test/w1", [LOG.verifier()]))
    key = first.get("/").json()["key"]
    assert first.post("/add-checkpoint", content=body(0, 12)).status_code == 200
    again = TestClient(create_witness_app(tmp_path / "w", "witness.test/w1", [LOG.verifier()]))
    assert again.get("/").json()["key"] == key
    assert again.post("/add-checkpoint", content=body(0, 20)).status_code == 409  # it still holds 12
    assert again.post("/add-checkpoint", content=body(12, 20)).status_code == 200


def test_the_directory_witness_writes_each_checkpoint_once_and_refuses_a_fork(tmp_path: Path) -> None:
    directory = DirectoryWitness(tmp_path / "dir", [LOG.verifier()])
    assert directory.submit(0, [], note(8)) == ""
    directory.submit(8, TREE.consistency_proof(8, 16), note(16))
    with pytest.raises(WitnessConflict) as conflict:
        directory.submit(8, TREE.consistency_proof(8, 20), note(20))
    assert conflict.value.size == 16
    forked = MemoryTree([leaf_hash(b"forged")] + [leaf_hash(str(i).encode()) for i in range(1, 40)])
    with pytest.raises(WitnessRefused, match="not consistent with the checkpoint of size 16"):
        directory.submit(16, TREE.consistency_proof(16, 20), note(20, forked))
    assert directory.sizes(ORIGIN) == [8, 16]
    files = sorted((tmp_path / "dir" / "log.test%2Fkinerja").iterdir())
    assert [f.name for f in files] == [f"{8:020d}.checkpoint", f"{16:020d}.checkpoint"]
    assert all(f.stat().st_mode & 0o222 == 0 for f in files)  # read-only once written
    assert DirectoryWitness(tmp_path / "dir", [LOG.verifier()]).latest(ORIGIN) == note(16)  # after a restart


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The witness as it runs in production: uvicorn on a loopback port."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_witness_app(tmp_path / "srv", "witness.test/w2", [LOG.verifier()]),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # its thread starts at once on a quiet machine; a busy one may hold it
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the witness server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_the_http_witness_client_over_a_real_connection(served: str) -> None:
    key = Verifier.parse(httpx.get(served + "/").json()["key"])
    witness = HttpWitness(served, key)
    lines = witness.submit(0, [], note(10))
    assert parse(note(10)).with_lines(lines).verified_by(key) is not None
    with pytest.raises(WitnessConflict):
        witness.submit(0, [], note(20))
    assert witness.sizes(ORIGIN) == [10]
    assert parse(witness.latest(ORIGIN) or "").text.split("\n")[1] == "10"
    impostor = HttpWitness(served, Signer.generate("witness.test/w2", 0x04).verifier())
    with pytest.raises(WitnessRefused, match="without a valid cosignature of its key"):
        impostor.submit(10, TREE.consistency_proof(10, 20), note(20))
    with pytest.raises(WitnessUnavailable, match="did not answer"):
        HttpWitness(f"http://127.0.0.1:{_free_port()}", key, timeout=2).submit(0, [], note(10))
