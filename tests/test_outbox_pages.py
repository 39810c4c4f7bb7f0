"""The outbox as HR sees it: a dead letter on the dashboard and on /health, and "Kirim ulang" from the page.

The event store and the outbox share one real SQLite file; the dispatcher sends to a capturing sender
(the SMTP path itself is tests/test_outbox.py's, against aiosmtpd).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
import settings as settings_module
from activities.notifications import CapturingSender, Directory, Dispatcher
from domain.application import Appraisals
from domain.base import SYSTEM
from domain.people_commands import RecordReminder
from readmodels.outbox import Outbox
from readmodels.outbox_tables import DEAD, DELIVERED, NO_ADDRESS, PENDING
from readmodels.projector import make_engine
from settings import event_store_env
from tests.page_language import assert_indonesian
from tests.test_api_support import AUDITOR, HR_NIP, SUPERVISOR, build_app, running, seed_appraisal, settings_for
from tests.test_web_pages import post_form, sign_in
from web.mail import renderer

DUE = datetime(2030, 1, 31, 16, 59, 59, tzinfo=timezone.utc)  # 31 January 23:59:59 WIB
LATER = DUE + timedelta(days=2)


async def test_a_dead_letter_is_shown_to_hr_and_sent_again_from_the_dashboard(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    store = Appraisals(env=event_store_env(settings.database_url))
    cycle_id, appraisal_id = seed_appraisal(store)
    reminder = RecordReminder(SYSTEM, "review_skp", SUPERVISOR, DUE)
    store.execute(appraisal_id, reminder, at=DUE - timedelta(days=7), key="reminder:planning:2030-01-31:7d")
    engine = make_engine(settings.database_url)
    sender, directory = CapturingSender(), Directory(store)  # no org CSV: nobody has an address
    outbox = Outbox(store, engine)
    Dispatcher(outbox, sender, renderer("https://kinerja.test", directory.name_of), directory.address_of).tick(LATER)
    [dead] = outbox.listing([DEAD])
    assert dead["last_error"] == NO_ADDRESS and sender.sent == []

    app = build_app(settings, store)
    try:
        async with running(app) as client:
            await app.state.readside.catch_up()
            health = (await client.get("/health")).json()
            assert health["status"] == "degraded" and health["notifications"]["dead"] == 1
            assert health["notifications"]["ok"] is False

            await sign_in(client, HR_NIP)
            page = await client.get(f"/hr/siklus/{cycle_id}")
            assert page.status_code == 200, page.text
            assert "Notifikasi email" in page.text and "1 gagal permanen" in page.text
            assert "tanpa alamat email" in page.text and "Pengingat: Persetujuan SKP" in page.text
            assert "Kirim ulang</button>" in page.text
            assert_indonesian(page.text, "the HR dashboard with a dead letter")

            # Hostile: an unknown id is refused naming the field, and nothing changes.
            unknown = await post_form(client, "/hr/notifikasi/kirim-ulang", {"message_id": "digest:x:y"})
            assert unknown.status_code == 404 and "digest:x:y" in unknown.text
            # The auditor reads the same list and is offered no action; posting is refused.
            await sign_in(client, AUDITOR)
            read_only = await client.get(f"/hr/siklus/{cycle_id}")
            assert "tanpa alamat email" in read_only.text and "Kirim ulang</button>" not in read_only.text
            refused = await post_form(client, "/hr/notifikasi/kirim-ulang", {"message_id": dead["message_id"]})
            assert refused.status_code == 403
            assert outbox.message(dead["message_id"])["state"] == DEAD  # type: ignore[index]

            await sign_in(client, HR_NIP)
            sent = await post_form(
                client, "/hr/notifikasi/kirim-ulang", {"message_id": dead["message_id"]}, follow_redirects=False
            )
            assert sent.status_code == 303 and "notifikasi-dikirim-ulang" in sent.headers["location"]
            again = outbox.message(dead["message_id"])
            assert again is not None and (again["state"], again["attempts"]) == (PENDING, 0)

            # HR fixed the address (in the org CSV): the next round delivers it, and the page shows no dead letter.
            def fixed(agency: str, nip: str) -> str | None:
                return "penilai@dinas-uji.go.id" if nip == SUPERVISOR else None

            render = renderer("https://kinerja.test", directory.name_of)
            Dispatcher(Outbox(store, engine), sender, render, fixed).tick(LATER + timedelta(minutes=1))
            [mail] = sender.sent
            assert mail.to == "penilai@dinas-uji.go.id" and f"https://kinerja.test/tugas/{appraisal_id}" in mail.body
            assert outbox.message(dead["message_id"])["state"] == DELIVERED  # type: ignore[index]
            after = await client.get(f"/hr/siklus/{cycle_id}")
            assert "0 gagal permanen" in after.text and "Kirim ulang</button>" not in after.text
    finally:
        engine.dispose()
        store.close()


def test_the_operator_lists_dead_letters_and_retries_one_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'kinerja.db'}"
    monkeypatch.setenv("KINERJA_DATABASE_URL", url)
    monkeypatch.setenv("KINERJA_LOG_KEYS_DIR", str(tmp_path / "keys"))
    settings_module.get_settings.cache_clear()
    store = Appraisals(env=event_store_env(url))
    engine = make_engine(url)
    try:
        _, appraisal_id = seed_appraisal(store)
        reminder = RecordReminder(SYSTEM, "review_skp", SUPERVISOR, DUE)
        store.execute(appraisal_id, reminder, at=DUE - timedelta(days=7), key="reminder:planning:2030-01-31:7d")
        directory = Directory(store)
        outbox = Outbox(store, engine)
        Dispatcher(outbox, CapturingSender(), renderer("https://x.test", directory.name_of), directory.address_of).tick(
            LATER
        )
        [dead] = outbox.listing([DEAD])
        runner = CliRunner()

        listed = runner.invoke(cli.app, ["notifications", "list"])
        assert listed.exit_code == 0 and "0 delivered, 0 pending, 1 dead" in listed.output
        assert "tanpa alamat email" in listed.output
        unknown = runner.invoke(cli.app, ["notifications", "retry", "digest:tidak:ada"])
        assert unknown.exit_code == 1 and "no dead-lettered notification 'digest:tidak:ada'" in unknown.output
        assert "Traceback" not in unknown.output
        retried = runner.invoke(cli.app, ["notifications", "retry", dead["message_id"]])
        assert retried.exit_code == 0, retried.output
        assert outbox.message(dead["message_id"])["state"] == PENDING  # type: ignore[index]
        again = runner.invoke(cli.app, ["notifications", "retry", dead["message_id"]])
        assert again.exit_code == 1  # pending now, not dead: nothing to retry
    finally:
        engine.dispose()
        store.close()
        settings_module.get_settings.cache_clear()
