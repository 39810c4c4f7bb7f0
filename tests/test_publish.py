"""Publishing checkpoints: witnesses that were down catch up, nothing new signs nothing, old rows are
adopted once, and checkpoints are time-stamped by a local RFC 3161 TSA (OpenSSL's `ts`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.application import Appraisals
from settings import Settings, event_store_env
from tests.factories import HEAD, Scenario, reach
from tests.local_tsa import LocalTsa, local_tsa_fixture  # noqa: F401 - the fixture `local_tsa`
from tests.proof_world import proof_world
from transparency.checkpoint import Checkpoint
from transparency.log import Log
from transparency.note import Verifier
from transparency.publish import Publisher
from transparency.timestamps import TimeStamper, TimestampError, check, load_chain
from transparency.verify import LogVerifier
from transparency.wiring import log_keys, log_signer
from transparency.witnesses import DirectoryWitness, HttpWitness
from transparency.witnessing import WitnessUnavailable


class Flaky:
    """A witness that can be switched off, as a network outage does."""

    def __init__(self, inner: HttpWitness) -> None:
        self.inner, self.name, self.key, self.down = inner, inner.name, inner.key, False

    def submit(self, old_size: int, proof: list[bytes], note: str) -> str:
        if self.down:
            raise WitnessUnavailable("connection refused")
        return self.inner.submit(old_size, proof, note)

    def latest(self, origin: str) -> str | None:
        return self.inner.latest(origin)

    def sizes(self, origin: str) -> list[int]:
        return self.inner.sizes(origin)


@dataclass
class World:
    s: Scenario
    settings: Settings
    log: Log
    keys: list[Verifier]
    witness: Flaky
    tmp: Path

    def publisher(self, *witnesses: object, stamper: TimeStamper | None = None) -> Publisher:
        return Publisher(self.log, log_signer(self.settings, self.log), list(witnesses or [self.witness]), stamper)  # type: ignore[arg-type]


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    p = proof_world(store_url, tmp_path)
    yield World(p.s, p.settings, p.log, p.keys, Flaky(p.http), tmp_path)
    p.app.close()


def test_a_witness_that_was_down_catches_up_from_the_size_it_holds(world: World) -> None:
    publisher = world.publisher()
    assert [w.status for w in publisher.publish("first").witnessed] == ["accepted"]
    world.s.close_window(HEAD)
    world.witness.down = True
    second = publisher.publish("second")
    assert (second.size, second.witnessed[0].status, second.witnessed[0].detail) == (
        27,
        "unreachable",
        "connection refused",
    )
    assert world.witness.sizes("kinerja.local/kinerja") == [26]
    world.witness.down = False
    again = publisher.publish("interval")  # nothing new, but the witness is behind: it is offered #2 again
    assert (again.new, again.checkpoint_id, [(w.status, w.detail) for w in again.witnessed]) == (
        False,
        second.checkpoint_id,
        [("accepted", "consistent with size 26")],
    )
    assert world.witness.sizes("kinerja.local/kinerja") == [26, 27]
    quiet = publisher.publish("interval")
    assert (quiet.new, quiet.witnessed) == (False, [])  # nothing new and nobody behind: nothing sent


def test_a_witness_holding_more_than_the_log_recorded_says_so_and_gets_a_proof_from_there(world: World) -> None:
    publisher = world.publisher()
    publisher.publish("first")
    with world.log.engine.begin() as conn:  # the log lost its record of the witness's answer
        conn.execute(sa.delete(world.log.tables.witnessed))
    world.s.close_window(HEAD)
    second = publisher.publish("second")
    assert [(w.status, w.detail) for w in second.witnessed] == [("accepted", "consistent with size 26")]


def test_rows_written_before_sealing_are_adopted_by_the_first_checkpoint_only(store_url: str, tmp_path: Path) -> None:
    unsealed = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": store_url})
    s = reach("follow_up", app=unsealed)  # 26 rows from before this feature
    settings = Settings(database_url=store_url, log_keys_dir=str(tmp_path / "keys"), witnesses=[])
    app = Appraisals(env=event_store_env(store_url, settings))
    log = Log.of(app)
    keys = log_keys(settings, log)
    directory = DirectoryWitness(tmp_path / "witness", keys)
    published = Publisher(log, log_signer(settings, log), [directory]).publish("first")
    assert (published.adopted, published.size) == (26, 26)
    verifier = LogVerifier(app, "kinerja.local/kinerja", keys, [directory])
    assert verifier.run().verdict == "intact"
    s.close_window(HEAD)  # written around the sealing store after the first checkpoint
    assert Publisher(log, log_signer(settings, log), [directory]).publish("second").adopted == 0
    report = verifier.run()
    assert (report.verdict, report.first.kind if report.first else None) == ("tampered", "unsealed")


def test_checkpoints_are_time_stamped_by_the_configured_tsa(world: World, local_tsa: LocalTsa) -> None:
    chain = load_chain(local_tsa.chain_file)
    published = world.publisher(stamper=TimeStamper(local_tsa.url, chain)).publish("stamped")
    with world.log.engine.connect() as conn:
        row = conn.execute(sa.select(world.log.tables.checkpoints)).one()
    body = Checkpoint("kinerja.local/kinerja", published.size, published.root).body().encode()
    stamp = check(bytes(row.timestamp_token), body, chain)
    assert row.timestamp_note == stamp.time.isoformat() and len(local_tsa.answered) == 1
    with pytest.raises(TimestampError, match="does not verify"):
        check(bytes(row.timestamp_token), body.replace(b"\n26\n", b"\n25\n"), chain)
    report = LogVerifier(world.s.app, "kinerja.local/kinerja", world.keys, [world.witness], tsa_chain=chain).run()
    assert report.verdict == "intact" and report.checkpoints[0]["time_stamp_verified"] is True


def test_a_checkpoint_is_still_published_when_the_tsa_is_down(world: World, local_tsa: LocalTsa) -> None:
    chain = load_chain(local_tsa.chain_file)
    published = world.publisher(stamper=TimeStamper("http://127.0.0.1:9/tsa", chain)).publish("unstamped")
    with world.log.engine.connect() as conn:
        row = conn.execute(sa.select(world.log.tables.checkpoints)).one()
    assert (published.size, row.timestamp_token) == (26, None)
    assert row.timestamp_note.startswith("no time-stamp: the TSA http://127.0.0.1:9/tsa did not answer")
