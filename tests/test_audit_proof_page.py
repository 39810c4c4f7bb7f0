"""The auditor's page of the log's proof: the verifier's verdict, the witnesses, every checkpoint.

EMP1's appraisal is written through the sealing store and covered by a checkpoint that a
directory witness accepted. The auditor's page says "UTUH" with the witness and the checkpoint;
after the newest event is cut from the log (its seal too), it says "DIRUSAK" and names the
truncation first. An employee may not open it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from domain.application import Appraisals
from settings import WitnessConfig, event_store_env
from tests.test_api_support import AUDITOR, EMP1, build_app, running, seed_appraisal, settings_for
from tests.test_audit_chain import Rows
from tests.test_web_pages import sign_in
from transparency.wiring import publisher


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[tuple[FastAPI, Rows]]:
    witness = WitnessConfig(kind="directory", path=str(tmp_path / "witness"))
    settings = settings_for(tmp_path, database_url=store_url, log_keys_dir=str(tmp_path / "keys"), witnesses=[witness])
    store = Appraisals(env=event_store_env(store_url, settings))
    _, appraisal_id = seed_appraisal(store)
    published = publisher(settings, store).publish("phase close: planning of cycle test")
    assert [w.status for w in published.witnessed] == ["accepted"]
    engine = sa.create_engine(store_url)
    yield build_app(settings, store), Rows(engine, appraisal_id)
    engine.dispose()
    store.close()


async def test_the_auditor_sees_checkpoints_witnesses_and_the_verdict(world: tuple[FastAPI, Rows]) -> None:
    app, rows = world
    async with running(app) as client:
        await app.state.readside.catch_up()  # the read models exist before the cycle list is read
        await sign_in(client, AUDITOR)
        home = await client.get("/audit")
        assert home.status_code == 200, home.text
        assert "Checkpoint terakhir #1" in home.text and "diterima" in home.text
        intact = await client.get("/audit/bukti")
        assert intact.status_code == 200 and "Putusan: UTUH" in intact.text
        assert "dir:" in intact.text and "phase close: planning of cycle test" in intact.text

        rows.delete(3)
        with rows.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM kinerja_seals WHERE originator_version = 3"))
        broken = await client.get("/audit/bukti")
        assert broken.status_code == 200 and "Putusan: DIRUSAK" in broken.text
        assert "Kerusakan pertama:</strong> Peristiwa terbaru sebuah catatan hilang (dipotong)" in broken.text

    async with running(app) as client:
        await sign_in(client, EMP1)
        assert (await client.get("/audit/bukti")).status_code == 403
