"""The notification outbox against a real SMTP server on loopback (aiosmtpd), on SQLite and PostgreSQL.

The log records reminders and escalations (as the workflow's activities do: RecordReminder and
RecordDeadlineMissed with their keys); the dispatcher follows it, composes one digest per person at the
agency's digest hour and each escalation at once, and sends until the server accepts or the message is
dead-lettered. The relay refuses first (451), then accepts: the message arrives exactly once.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from activities.notifications import Directory, Dispatcher, SmtpSender
from domain.application import Appraisals
from domain.base import SYSTEM
from domain.calendar import next_local_hour
from domain.people_commands import RecordDeadlineMissed, RecordReminder
from domain.transfer import ESCALATE, REMIND
from domain.transfer_commands import RecordTransfer
from readmodels.outbox import Outbox
from readmodels.outbox_tables import DEAD, DELIVERED, NO_ADDRESS, PENDING, Policy
from readmodels.projector import make_engine
from tests.factories import AGENCY, ANALIS, HEAD, HR_ACTOR, KADIS, SEKDA, STAFF, Scenario, T
from web.mail import renderer

BASE = "https://kinerja.palukota.go.id"
WITA = timezone(timedelta(hours=8))
DUE = datetime(2024, 1, 31, 23, 59, 59, tzinfo=WITA)  # the planning deadline, end of its day in WITA
REMINDED = DUE - timedelta(days=7)  # 24 January 23:59:59 WITA
DIGEST = datetime(2024, 1, 25, 7, 0, tzinfo=WITA)  # the next 07:00 WITA
HEAD_MAIL, SEKDA_MAIL = "kabid.umum@palukota.go.id", "sekda@palukota.go.id"
ORG = "\n".join(
    [
        "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,unit_head,email",
        f"{AGENCY},Pemerintah Kota Palu,WITA,setda,Sekretariat Daerah,{SEKDA},Sekretaris Daerah,,ya,{SEKDA_MAIL}",
        f"{AGENCY},Pemerintah Kota Palu,WITA,setda,Sekretariat Daerah,{KADIS},Kepala Dinas,{SEKDA},,",
        f"{AGENCY},Pemerintah Kota Palu,WITA,bidang-umum,Bidang Umum,{HEAD},Rina Kartika,{SEKDA},ya,{HEAD_MAIL}",
        f"{AGENCY},Pemerintah Kota Palu,WITA,bidang-umum,Bidang Umum,{STAFF},Staf Umum,{HEAD},,",
        f"{AGENCY},Pemerintah Kota Palu,WITA,bidang-umum,Bidang Umum,{ANALIS},Analis Kebijakan,{HEAD},,",
    ]
)


class Relay:
    """An aiosmtpd handler: answers `refusals` (e.g. 451) to the first DATA commands, then accepts and keeps."""

    def __init__(self, *refusals: str) -> None:
        self.refusals = list(refusals)
        self.attempts = 0
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.refusals:
            return self.refusals.pop(0)
        mail = cast(EmailMessage, message_from_bytes(envelope.original_content, policy=policy.default))
        self.received.append((list(envelope.rcpt_tos), mail))
        return "250 2.0.0 OK diterima"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay(), free_port()
    # aiosmtpd gives its thread 5 s to start and answer by default, "if the system is too busy" not enough.
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=60)
    controller.start()
    yield handler, port
    controller.stop()


class World:
    """An agency with addresses in its org CSV, a started cycle, and the outbox on the same database."""

    def __init__(self, url: str, port: int, max_attempts: int = 8, hr_email: str = "") -> None:
        self.app = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url})
        assert self.app.import_org(ORG, by=HR_ACTOR, at=T["define"]).ok
        self.scenario = Scenario.new(self.app)
        self.scenario.plan(HEAD)  # the head's SKP first: the staff's cascade from it
        for who in (STAFF, ANALIS):
            self.scenario.open(who)
        self.engine = make_engine(url)
        self.port, self.max_attempts, self.hr_email = port, max_attempts, hr_email
        self.dispatcher = self.restart()

    def restart(self) -> Dispatcher:
        """A new dispatcher on the same database, as after a worker restart."""
        directory = Directory(self.app, self.hr_email)
        outbox = Outbox(self.app, self.engine, Policy(max_attempts=self.max_attempts))
        sender = SmtpSender("127.0.0.1", self.port, "kinerja@palukota.go.id", timeout=30)
        self.dispatcher = Dispatcher(outbox, sender, renderer(BASE, directory.name_of), directory.address_of)
        return self.dispatcher

    @property
    def outbox(self) -> Outbox:
        return self.dispatcher.outbox

    def remind(self, who: str, task: str, to: str, at: datetime = REMINDED, due: datetime = DUE) -> None:
        key = f"reminder:planning:{due.isoformat()}:{(due - at).days}d"
        self.scenario.do(who, RecordReminder(SYSTEM, task, to, due), at=at, key=key)

    def miss(self, who: str, task: str, at: datetime) -> None:
        self.scenario.do(who, RecordDeadlineMissed(SYSTEM, task, DUE), at=at, key=f"missed:planning:{DUE.isoformat()}")

    def close(self) -> None:
        self.engine.dispose()
        self.app.close()


@pytest.fixture
def world(store_url: str, relay: tuple[Relay, int]) -> Iterator[World]:
    found = World(store_url, relay[1])
    yield found
    found.close()


def test_the_digest_hour_is_the_next_one_in_the_agency_s_zone() -> None:
    assert next_local_hour(REMINDED, 7, "WITA") == DIGEST
    assert next_local_hour(DIGEST, 7, "WITA") == DIGEST + timedelta(days=1)  # at the hour: the next day's
    early = DIGEST - timedelta(seconds=1)  # 06:59:59 WITA = 07:59:59 WIT = 05:59:59 WIB
    assert next_local_hour(early, 7, "WIT") == datetime(2024, 1, 26, 7, tzinfo=timezone(timedelta(hours=9)))
    assert next_local_hour(early, 7, "WIB") == datetime(2024, 1, 25, 7, tzinfo=timezone(timedelta(hours=7)))


def test_a_refused_first_attempt_then_one_digest_arrives_once_in_bahasa_indonesia(
    world: World, relay: tuple[Relay, int]
) -> None:
    server, _ = relay
    server.refusals = ["451 4.3.0 Server sibuk, coba lagi"]
    world.remind(STAFF, "review_skp", HEAD)
    world.remind(ANALIS, "review_skp", HEAD)

    assert world.dispatcher.tick(DIGEST - timedelta(seconds=1)) == {
        "added": 2,
        "composed": 0,
        "delivered": 0,
        "failed": 0,
    }
    assert server.attempts == 0  # both reminders wait for the morning's digest
    assert world.dispatcher.tick(DIGEST) == {"added": 0, "composed": 1, "delivered": 0, "failed": 1}
    [message] = world.outbox.listing()
    assert (message["state"], message["attempts"], message["address"]) == (PENDING, 1, HEAD_MAIL)
    assert "451" in message["last_error"] and message["next_attempt_at"] == DIGEST + timedelta(seconds=30)
    assert world.dispatcher.tick(DIGEST + timedelta(seconds=29))["delivered"] == 0  # backing off
    failing = world.outbox.status(DIGEST + timedelta(seconds=29))
    assert (failing["ok"], failing["failing"], failing["pending"], failing["oldest_pending_seconds"]) == (
        False,
        1,
        1,
        29,
    )

    assert world.dispatcher.tick(DIGEST + timedelta(seconds=30))["delivered"] == 1
    [(to, mail)] = server.received
    assert to == [HEAD_MAIL] and server.attempts == 2
    assert mail["Subject"] == "Pengingat: 2 tugas penilaian kinerja menunggu Anda"
    body = mail.get_content().replace("\r\n", "\n")
    assert body.startswith("Yth. Rina Kartika,")
    staff, analis = world.scenario.id(STAFF), world.scenario.id(ANALIS)
    assert (
        f"- Persetujuan SKP: Staf Umum (NIP {STAFF}), batas waktu 31 Januari 2024 23.59 WITA\n  {BASE}/tugas/{staff}"
    ) in body
    assert f"- Persetujuan SKP: Analis Kebijakan (NIP {ANALIS}), batas waktu 31 Januari 2024 23.59 WITA" in body
    assert f"{BASE}/tugas/{analis}" in body and "Reminder" not in body and "+00:00" not in body
    sent = world.outbox.message(message["message_id"])
    assert sent is not None and (sent["state"], sent["attempts"], sent["delivered_at"]) == (
        DELIVERED,
        2,
        DIGEST + timedelta(seconds=30),
    )
    assert mail["Message-ID"].startswith("<digest.")

    # After-effect: later rounds, and a new dispatcher after a worker restart, send nothing again.
    world.dispatcher.tick(DIGEST + timedelta(hours=2))
    world.restart().tick(DIGEST + timedelta(days=1))
    assert len(server.received) == 1 and server.attempts == 2
    healthy = world.outbox.status(DIGEST + timedelta(days=1))
    assert (healthy["ok"], healthy["delivered"], healthy["failing"], healthy["pending"]) == (True, 1, 0, 0)


def test_an_escalation_goes_at_once_alone_while_reminders_wait_for_the_digest(
    world: World, relay: tuple[Relay, int]
) -> None:
    server, _ = relay
    world.remind(ANALIS, "review_skp", HEAD)
    world.scenario.submit(STAFF)  # the SKP waits on its pejabat penilai
    overdue = DUE + timedelta(seconds=1)
    world.miss(STAFF, "review_skp", overdue)  # the pejabat penilai's task: up to the atasan (SEKDA)

    assert world.dispatcher.tick(overdue) == {"added": 2, "composed": 2, "delivered": 2, "failed": 0}
    # The reminder was recorded on the 24th: its digest (25 January 07:00) has long come; the escalation
    # goes at once.
    sent = {tuple(to): mail for to, mail in server.received}
    escalation = sent[(SEKDA_MAIL,)]
    assert escalation["Subject"] == "Terlambat: Persetujuan SKP - Staf Umum (batas waktu 31 Januari 2024 23.59 WITA)"
    body = escalation.get_content().replace("\r\n", "\n")
    assert body.startswith("Yth. Sekretaris Daerah,")
    assert f"yang menjadi tugas Rina Kartika (NIP {HEAD})" in body and "dieskalasi kepada Anda" in body
    assert f"{BASE}/tugas/{world.scenario.id(STAFF)}" in body
    assert sent[(HEAD_MAIL,)]["Subject"] == "Pengingat: Persetujuan SKP - batas waktu 31 Januari 2024 23.59 WITA"


def test_one_digest_per_person_and_day_whatever_the_number_of_appraisals(
    world: World, relay: tuple[Relay, int]
) -> None:
    server, _ = relay
    world.remind(STAFF, "review_skp", HEAD)
    world.remind(ANALIS, "review_skp", HEAD, at=REMINDED - timedelta(hours=10))  # same digest: 24 Jan 07:00 passed
    world.remind(STAFF, "review_skp", HEAD, at=DUE - timedelta(days=1), due=DUE)  # the 1-day reminder: next digest
    world.dispatcher.tick(DIGEST + timedelta(days=7))
    subjects = sorted(mail["Subject"] for _, mail in server.received)
    assert subjects == [
        "Pengingat: 2 tugas penilaian kinerja menunggu Anda",
        "Pengingat: Persetujuan SKP - batas waktu 31 Januari 2024 23.59 WITA",
    ]
    assert [m["items"] for m in world.outbox.listing([DELIVERED])] in ([2, 1], [1, 2])


def test_a_mail_that_keeps_failing_is_dead_lettered_shown_and_sent_again_on_request(
    store_url: str, relay: tuple[Relay, int]
) -> None:
    server, port = relay
    world = World(store_url, port, max_attempts=3)
    try:
        server.refusals = ["421 4.3.2 Layanan tidak tersedia"] * 3
        world.remind(STAFF, "review_skp", HEAD)
        world.remind(STAFF, "draft_skp", STAFF, at=REMINDED + timedelta(hours=1))  # no address in the org CSV
        now = DIGEST
        for _ in range(4):
            world.dispatcher.tick(now)
            now += timedelta(hours=1)
        dead = {m["recipient"]: m for m in world.outbox.listing([DEAD])}
        assert dead[HEAD]["attempts"] == 3 and "421" in dead[HEAD]["last_error"]
        assert (
            dead[STAFF]["attempts"] == 1 and dead[STAFF]["last_error"] == NO_ADDRESS and dead[STAFF]["address"] is None
        )
        status = world.outbox.status(now)
        assert (status["ok"], status["dead"], status["pending"]) == (False, 2, 0)
        assert server.received == [] and server.attempts == 3

        assert world.outbox.retry(dead[HEAD]["message_id"], now) is True
        assert world.outbox.retry(dead[HEAD]["message_id"], now) is False  # pending again, not dead
        world.restart().tick(now)
        assert [to for to, _ in server.received] == [[HEAD_MAIL]]
        assert world.outbox.status(now)["dead"] == 1  # the one without an address stays visible
    finally:
        world.close()


def test_the_outbox_has_one_item_per_recorded_notice_even_when_two_dispatchers_race(
    world: World, relay: tuple[Relay, int]
) -> None:
    server, _ = relay
    world.remind(STAFF, "review_skp", HEAD)
    world.remind(STAFF, "review_skp", HEAD)  # the activity retried: the same key writes nothing twice
    other = Outbox(world.app, world.engine)
    assert world.outbox.catch_up() + other.catch_up() == 1
    world.dispatcher.tick(DIGEST)
    assert other.compose(DIGEST, lambda items: ("x", "y")) == 0 and other.claim(DIGEST) == []
    assert len(server.received) == 1
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ops_outbox_messages")).scalar_one() == 1


def test_a_transfer_evaluation_reminds_the_old_appraiser_and_escalates_to_the_old_atasan_by_mail(
    world: World, relay: tuple[Relay, int]
) -> None:
    """#15: the transfer's evaluation calendar records its notices on the Transfer; the outbox mails them like an
    appraisal's, linking the transfer's own task page."""
    server, _ = relay
    recorded_at = datetime(2024, 2, 3, 9, 0, tzinfo=WITA)
    move = RecordTransfer(
        HR_ACTOR, STAFF, AGENCY, "bidang-b", "Bidang Perencanaan", SEKDA, KADIS, "2024-02-01", "800/5/BKD", "rotasi"
    )
    transfer, _ = world.app.record_transfer(world.scenario.cycle_id, move, at=recorded_at)
    assert (transfer.origin["appraiser_nip"], transfer.origin["atasan_nip"]) == (HEAD, SEKDA)
    due = transfer.evaluation_due  # 17 February 23:59:59 WITA
    assert world.app.notify_transfer(transfer.id, REMIND, at=transfer.evaluation_reminder, key="r")
    assert world.app.notify_transfer(transfer.id, ESCALATE, at=due, key="e")

    later = due + timedelta(days=1)
    assert world.dispatcher.tick(later)["delivered"] == 2
    sent = {tuple(to): mail for to, mail in server.received}
    reminder, escalation = sent[(HEAD_MAIL,)], sent[(SEKDA_MAIL,)]
    name = "Penilaian masa kerja di jabatan lama (mutasi)"
    assert reminder["Subject"] == f"Pengingat: {name} - batas waktu 17 Februari 2024 23.59 WITA"
    assert escalation["Subject"] == f"Terlambat: {name} - Staf Umum (batas waktu 17 Februari 2024 23.59 WITA)"
    for mail in (reminder, escalation):
        assert f"{BASE}/tugas/mutasi/{transfer.id}" in mail.get_content()
    assert f"Rina Kartika (NIP {HEAD})" in escalation.get_content()
    assert world.dispatcher.tick(later + timedelta(days=1))["delivered"] == 0  # each notice once
