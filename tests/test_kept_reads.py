"""What a write reads no more than once: the cycle's facts kept current in the process, the appraisal its
authorisation loaded, the seals the integrity check verified before. Each saving is shown to keep the answer:
a change another process makes is seen, a stale load loses the optimistic save, an altered seal is named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.application import Appraisals
from domain.cycle import AppraisalCycle
from domain.cycle_commands import RemoveParticipant
from domain.errors import ConcurrencyConflict, IntegrityBroken, WrongStage
from domain.work_commands import LogDailyWork
from settings import Settings, event_store_env
from tests.factories import HEAD, HR_ACTOR, STAFF, T, actor, reach
from transparency.log import Log
from transparency.wiring import integrity_check

AT = T["check_in"]


def entry(day: str = "2024-04-04") -> LogDailyWork:
    return LogDailyWork(actor(STAFF), day, "004-1", "melayani pemohon KTP")


def test_the_kept_cycle_follows_a_change_another_process_made(store_env: dict[str, str]) -> None:
    s = reach("execution", app=Appraisals(env=store_env))
    here = s.app
    kept = here.current(AppraisalCycle, s.cycle_id, "cycle")
    assert here.current(AppraisalCycle, s.cycle_id, "cycle") is kept  # nothing new: not even decoded again
    here.execute(s.id(STAFF), entry(), at=AT, key="before")

    there = Appraisals(env=store_env)  # another API replica or worker
    there.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, STAFF, "pensiun"), at=AT)

    now = here.current(AppraisalCycle, s.cycle_id, "cycle")
    assert STAFF not in now.participants and STAFF in kept.participants  # a copy moved on; the old one stayed
    assert now.version == there.cycle(s.cycle_id).version
    with pytest.raises(WrongStage):
        here.execute(s.id(STAFF), entry("2024-04-05"), at=AT + timedelta(hours=1), key="after")


def test_a_stale_appraisal_handed_to_execute_loses_the_save_and_writes_nothing(store_env: dict[str, str]) -> None:
    s = reach("execution", app=Appraisals(env=store_env))
    loaded = s.app.appraisal(s.id(STAFF))
    s.app.execute(s.id(STAFF), entry(), at=AT, key="meanwhile")  # another request wrote first
    version = s.get(STAFF).version
    with pytest.raises(ConcurrencyConflict):
        s.app.execute(s.id(STAFF), entry("2024-04-05"), at=AT, key="stale", loaded=loaded)
    assert s.get(STAFF).version == version
    fresh = s.app.appraisal(s.id(STAFF))
    assert s.app.execute(s.id(STAFF), entry("2024-04-05"), at=AT, key="fresh", loaded=fresh).version == version + 1
    other = s.app.appraisal(s.id(HEAD))  # an appraisal of another id is never used for this one
    assert s.app.execute(s.id(STAFF), entry("2024-04-03"), at=AT, key="o", loaded=other).version == version + 2


def test_a_seal_altered_after_the_check_verified_it_is_named(store_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=store_url, log_keys_dir=str(tmp_path / "keys"))
    app = Appraisals(env=event_store_env(store_url, settings))
    s = reach("execution", app=app)
    app.integrity_check = integrity_check(settings, app)
    app.appraisal(s.id(STAFF))  # every seal verified and remembered
    app.execute(s.id(STAFF), entry(), at=AT, key="new")  # a new row: the next read checks the record again
    log = Log.of(app)
    seals = log.tables.seals
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        first = conn.execute(
            sa.select(seals.c.notification_id, seals.c.note)
            .where(seals.c.originator_id == str(s.id(STAFF)))
            .order_by(seals.c.notification_id)
        ).first()
        assert first is not None
        forged = first.note.replace("event ", "event  ", 1)  # another text: it no longer verifies
        conn.execute(seals.update().where(seals.c.notification_id == first.notification_id).values(note=forged))
    with pytest.raises(IntegrityBroken) as broken:
        app.appraisal(s.id(STAFF))
    assert "seal" in str(broken.value)
