"""Receipts: an employee's proof of their action, checked offline and against the log, also from the CLI.

STAFF submits their SKP (event 3 of their appraisal). Their receipt verifies from the seal
alone, then with its inclusion proof once a checkpoint (cosigned by the HTTP witness) covers
it. After the log is truncated below that event, the receipt no longer verifies against the
log and says why, while it still proves offline that the event was recorded.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import cli
import settings as settings_module
from settings import Settings, WitnessConfig
from tests.factories import STAFF, Scenario
from tests.proof_world import proof_world
from transparency.log import Log
from transparency.note import Signer, Verifier
from transparency.publish import Publisher
from transparency.receipt_check import verify_receipt
from transparency.receipts import Receipts
from transparency.wiring import log_signer
from transparency.witnesses import DirectoryWitness


@dataclass
class World:
    s: Scenario
    log: Log
    keys: list[Verifier]
    witness_key: Verifier
    publisher: Publisher
    receipts: Receipts
    settings: Settings

    def truncate(self, from_version: int) -> None:
        """Remove the appraisal's events from `from_version` on, and their seals: a careful attacker."""
        events = self.log.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        oid = self.s.id(STAFF)
        with self.log.engine.begin() as conn:
            conn.execute(
                sa.delete(events).where(events.c.originator_id == oid, events.c.originator_version >= from_version)
            )
            seals = self.log.tables.seals
            conn.execute(
                sa.delete(seals).where(seals.c.originator_id == str(oid), seals.c.originator_version >= from_version)
            )


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    witness_dir = str(tmp_path / "witness")
    p = proof_world(store_url, tmp_path, [WitnessConfig(kind="directory", path=witness_dir)])
    witnesses = [DirectoryWitness(witness_dir, p.keys), p.http]
    publisher = Publisher(p.log, log_signer(p.settings, p.log), witnesses)  # type: ignore[arg-type]
    yield World(p.s, p.log, p.keys, p.http.key, publisher, Receipts(p.log, p.keys), p.settings)
    p.app.close()


def checks(result: Any) -> dict[str, bool]:
    return {c["check"]: c["ok"] for c in result.checks}


def test_an_employees_receipt_verifies_and_after_truncation_fails_saying_why(world: World) -> None:
    receipt = world.receipts.issue(world.s.id(STAFF), 3)
    assert (receipt["event"]["type"], receipt["event"]["by"], "proof" in receipt) == ("SkpSubmitted", STAFF, False)
    early = verify_receipt(receipt, world.keys, [world.witness_key], world.receipts)
    assert (early.ok, checks(early)) == (True, {"seal": True, "event": True, "in the log": True})

    world.publisher.publish("hourly")
    completed = world.receipts.complete(receipt)
    assert completed["proof"]["tree_size"] == 26
    offline = verify_receipt(json.loads(json.dumps(completed)), world.keys, [world.witness_key])
    assert (offline.ok, checks(offline)) == (True, {"seal": True, "event": True, "checkpoint": True, "inclusion": True})
    assert [w["witness"] for w in offline.witnessed] == ["inspektorat.test/witness"]
    online = verify_receipt(completed, world.keys, [world.witness_key], world.receipts)
    assert online.ok and checks(online)["log consistent"]

    world.truncate(from_version=3)

    after = verify_receipt(completed, world.keys, [world.witness_key], world.receipts)
    assert after.ok is False
    assert after.reason == (
        f"the event SkpSubmitted (record {world.s.id(STAFF)}, event 3, notification "
        f"{receipt['event']['notification_id']}) is no longer in the log: it was deleted (the log was truncated) "
        "after it was recorded; this receipt remains the proof that it was"
    )
    assert verify_receipt(completed, world.keys, [world.witness_key]).ok  # offline, it still proves the submission


def _altered(receipt: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(receipt))
    *parents, last = path.split(".")
    target = copy
    for p in parents:
        target = target[p]
    target[last] = value
    return copy


def test_an_altered_receipt_does_not_verify(world: World) -> None:
    world.publisher.publish("hourly")
    receipt = world.receipts.issue(world.s.id(STAFF), 3)
    state = base64.b64decode(receipt["event"]["state"]).replace(STAFF.encode(), b"199001012015031001")
    other_log = Signer.generate("kinerja.local/kinerja")
    cases = {
        "event": _altered(receipt, "event.state", base64.b64encode(state).decode()),
        "seal": _altered(receipt, "seal", receipt["seal"].replace("type SkpSubmitted", "type SkpApproved")),
        "inclusion": _altered(receipt, "proof.leaf_index", receipt["proof"]["leaf_index"] + 1),
        "checkpoint": _altered(receipt, "proof.checkpoint", receipt["proof"]["checkpoint"].replace("\n26\n", "\n25\n")),
        "format": {"format": "something else"},
    }
    for check, altered in cases.items():
        result = verify_receipt(altered, world.keys, [world.witness_key])
        assert (result.ok, checks(result).get(check)) == (False, False), check
    assert verify_receipt(receipt, [other_log.verifier()], []).reason.startswith("the agency's seal does not verify")
    assert (
        verify_receipt("<script>", world.keys, []).reason
        == "not a Kinerja receipt (format kinerja-receipt/v1 expected)"
    )


@pytest.fixture
def configured(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The CLI reads its settings from the environment, as an operator runs it."""
    monkeypatch.setenv("KINERJA_DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", world.settings.log_keys_dir)
    monkeypatch.setenv("KINERJA_WITNESSES", json.dumps([w.model_dump() for w in world.settings.witnesses or []]))
    settings_module.get_settings.cache_clear()
    yield world
    settings_module.get_settings.cache_clear()


def test_the_cli_issues_and_verifies_a_receipt_and_names_a_deleted_record_without_a_traceback(
    configured: World, tmp_path: Path
) -> None:
    runner, record = CliRunner(), str(configured.s.id(STAFF))
    assert runner.invoke(cli.app, ["audit", "checkpoint", "--reason", "test"]).exit_code == 0
    file = tmp_path / "receipt.json"
    assert runner.invoke(cli.app, ["audit", "receipt", record, "3", "-o", str(file)]).exit_code == 0
    good = runner.invoke(cli.app, ["audit", "verify-receipt", str(file)])
    assert good.exit_code == 0 and json.loads(good.stdout)["ok"] is True
    assert runner.invoke(cli.app, ["audit", "verify"]).exit_code == 0

    configured.truncate(from_version=1)  # the whole appraisal, seals included

    bad = runner.invoke(cli.app, ["audit", "verify-receipt", str(file)])
    assert bad.exit_code == 2 and "is no longer in the log" in json.loads(bad.stdout)["reason"]
    whole = runner.invoke(cli.app, ["audit", "verify"])
    assert whole.exit_code == 2 and json.loads(whole.stdout)["first"]["kind"] == "aggregate-deleted"
    one = runner.invoke(cli.app, ["audit", "verify", record])
    assert one.exit_code == 2 and json.loads(one.stdout)["first"]["message"].startswith(
        f"record {record} was deleted whole"
    )
    (tmp_path / "garbage.json").write_text("{not json")
    unreadable = runner.invoke(cli.app, ["audit", "verify-receipt", str(tmp_path / "garbage.json")])
    assert unreadable.exit_code == 1 and "Traceback" not in unreadable.output


def test_the_entry_point_turns_any_failure_into_one_sentence(
    configured: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["kinerja", "audit", "export", "00000000-0000-0000-0000-000000000001"])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "no record 00000000-0000-0000-0000-000000000001" in err and "Traceback" not in err
