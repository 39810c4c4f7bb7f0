"""The world the proof tests share: the unit's appraisals at follow-up in a sealing store, the log's keys,
and the Inspektorat's HTTP witness service (its own key and storage), reached in-process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from domain.application import Appraisals
from settings import Settings, WitnessConfig, event_store_env
from tests.factories import Scenario, reach
from transparency.log import Log
from transparency.note import Verifier
from transparency.wiring import log_keys
from transparency.witness_service import create_witness_app
from transparency.witnesses import HttpWitness

WITNESS = "inspektorat.test/witness"


@dataclass
class ProofWorld:
    settings: Settings
    s: Scenario
    log: Log
    keys: list[Verifier]
    http: HttpWitness
    witness_engine: sa.Engine

    @property
    def app(self) -> Appraisals:
        return self.s.app


def proof_world(store_url: str, tmp_path: Path, witnesses: list[WitnessConfig] | None = None) -> ProofWorld:
    settings = Settings(database_url=store_url, log_keys_dir=str(tmp_path / "keys"), witnesses=witnesses or [])
    s = reach("follow_up", app=Appraisals(env=event_store_env(store_url, settings)))  # 26 sealed rows
    log = Log.of(s.app)
    keys = log_keys(settings, log)
    client = TestClient(create_witness_app(tmp_path / "inspektorat", WITNESS, keys))
    http = HttpWitness("http://testserver", Verifier.parse(client.get("/").json()["key"]), client)
    return ProofWorld(settings, s, log, keys, http, client.app.state.engine)  # type: ignore[attr-defined]
