"""From the appraisal workflow's timers to a mail on a real SMTP server: the time-skipping Temporal test
server records the reminders and escalations, the outbox's dispatcher delivers them to aiosmtpd on
loopback (refusing the first attempt), one digest per supervisor and each escalation at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from activities.notifications import Directory, Dispatcher, SmtpSender
from domain.application import Appraisals
from domain.base import Actor
from domain.work_commands import DraftSkp, SubmitSkp
from readmodels.outbox import Outbox
from readmodels.outbox_tables import DELIVERED
from readmodels.projector import make_engine
from tests.test_outbox import Relay, free_port
from tests.workflow_kit import (
    APPRAISER,
    ATASAN,
    COLLEAGUE,
    EMPLOYEE,
    HR,
    RHK,
    act,
    eventually,
    kit,
    local,
    participant,
    time_skipping,
)
from web.mail import renderer
from workflows.appraisal import AppraisalWorkflow as W

AGENCY = "dukcapil-palu"
BASE = "https://kinerja.palukota.go.id"
MAILS = {APPRAISER: "penilai@palukota.go.id", ATASAN: "atasan@palukota.go.id"}


def org_csv() -> str:
    head = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head,email"
    rows = [
        (ATASAN, "Sekretaris Dinas", "", "ya"),
        (APPRAISER, "Kepala Bidang Pelayanan", ATASAN, ""),
        (EMPLOYEE, "Pegawai 001", APPRAISER, ""),
        (COLLEAGUE, "Pegawai 002", APPRAISER, ""),
    ]
    lines = [
        f"{AGENCY},Dinas Dukcapil,WIB,U1,Bidang Pelayanan,{n},{name},{s},{h},{MAILS.get(n, '')}"
        for n, name, s, h in rows
    ]
    return "\n".join([head, *lines])


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping() as environment:
        yield environment


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay("451 4.3.0 Server sibuk, coba lagi"), free_port()
    # aiosmtpd gives its thread 5 s to start and answer by default, "if the system is too busy" not enough.
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=60)
    controller.start()
    yield handler, port
    controller.stop()


async def test_the_workflow_s_reminders_arrive_as_one_digest_and_its_escalations_at_once(
    env: WorkflowEnvironment, tmp_path: Path, relay: tuple[Relay, int]
) -> None:
    server, port = relay
    url = f"sqlite:///{tmp_path / 'kinerja.db'}"
    store = {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url}
    app = Appraisals(env=store)
    assert app.import_org(org_csv(), by=HR, at=await env.get_current_time()).ok
    engine = make_engine(url)
    directory = Directory(app)
    outbox = Outbox(app, engine)
    sender = SmtpSender("127.0.0.1", port, "kinerja@palukota.go.id", timeout=30)
    dispatcher = Dispatcher(outbox, sender, renderer(BASE, directory.name_of), directory.address_of)
    async with kit(env, store, app=app) as k:
        await k.launch([participant(EMPLOYEE), participant(COLLEAGUE)], agency=AGENCY)
        for nip in (EMPLOYEE, COLLEAGUE):
            await act(k.appraisal(nip), W.draft_skp, DraftSkp(Actor(nip), rhk=RHK))
            await act(k.appraisal(nip), W.submit_skp, SubmitSkp(Actor(nip)))
        # The 7-day reminders of the planning deadline (31 January 23:59:59 WIB) ring on the 24th at 23:59:59.
        await k.sleep_until(local(f"{k.year}-01-25", "06:00:00"))
        for nip in (EMPLOYEE, COLLEAGUE):
            await eventually(lambda n=nip: asyncio.to_thread(k.events, n), lambda e: "ReminderSent" in e)

        digest = local(f"{k.year}-01-25", "07:00:00")
        assert dispatcher.tick(digest - timedelta(seconds=1))["composed"] == 0  # they wait for the digest
        assert dispatcher.tick(digest)["failed"] == 1  # 451: kept, retried
        assert dispatcher.tick(digest + timedelta(seconds=30))["delivered"] == 1
        [(to, mail)] = server.received
        assert to == [MAILS[APPRAISER]] and mail["Subject"] == "Pengingat: 2 tugas penilaian kinerja menunggu Anda"
        body = mail.get_content().replace("\r\n", "\n")
        assert body.startswith("Yth. Kepala Bidang Pelayanan,")
        for nip, name in ((EMPLOYEE, "Pegawai 001"), (COLLEAGUE, "Pegawai 002")):
            assert (
                f"- Persetujuan SKP: {name} (NIP {nip}), batas waktu 31 Januari {k.year} 23.59 WIB\n"
                f"  {BASE}/tugas/{k.appraisal_id(nip)}"
            ) in body

        # The 1-day reminders (30 January 23:59:59) make the next morning's digest: again one mail for both.
        await k.sleep_until(local(f"{k.year}-01-31", "06:00:00"))
        for nip in (EMPLOYEE, COLLEAGUE):
            await eventually(lambda n=nip: asyncio.to_thread(k.events, n), lambda e: e.count("ReminderSent") == 2)
        assert dispatcher.tick(local(f"{k.year}-01-31", "07:00:00"))["delivered"] == 1
        assert [to for to, _ in server.received] == [[MAILS[APPRAISER]]] * 2

        # Nobody approved: each overdue review escalates to the atasan at once, one mail per appraisal.
        overdue = local(f"{k.year}-02-01", "00:00:30")
        await k.sleep_until(overdue)
        for nip in (EMPLOYEE, COLLEAGUE):
            await eventually(lambda n=nip: asyncio.to_thread(k.events, n), lambda e: "DeadlineMissed" in e)
        sent = dispatcher.tick(overdue)
        assert (sent["composed"], sent["delivered"]) == (2, 2)
        escalations = [mail for to, mail in server.received[2:] if to == [MAILS[ATASAN]]]
        assert sorted(m["Subject"] for m in escalations) == [
            f"Terlambat: Persetujuan SKP - Pegawai 001 (batas waktu 31 Januari {k.year} 23.59 WIB)",
            f"Terlambat: Persetujuan SKP - Pegawai 002 (batas waktu 31 Januari {k.year} 23.59 WIB)",
        ]
        # After-effect: a restarted dispatcher on the same outbox sends nothing again.
        again = Dispatcher(Outbox(app, engine), sender, renderer(BASE, directory.name_of), directory.address_of)
        assert again.tick(overdue + timedelta(days=1)) == {"added": 0, "composed": 0, "delivered": 0, "failed": 0}
        assert len(server.received) == 4 and len(outbox.listing([DELIVERED])) == 4
    engine.dispose()
