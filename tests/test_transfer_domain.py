"""A transfer (mutasi) in the domain: between agencies and within one, the months served, the old appraiser's
evaluation, RHK taken over with their lineage, the year's predikat, and every refusal. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import HR, Actor
from domain.cycle_commands import AddParticipant, DefineCycle, StartCycle
from domain.errors import DomainError, InvalidInput, NotAllowed, WrongStage
from domain.skp_lineage import carry_over
from domain.transfer import ESCALATE, REMIND, Transfer
from domain.transfer_commands import EvaluateServedPeriod, RecordTransfer
from domain.work_commands import DraftSkp
from tests.factories import AGENCY, ANALIS, HEAD, HR_ACTOR, KADIS, OUTSIDER, SEKDA, STAFF, YEAR, Scenario, actor

OTHER = "pemprov-sulteng"
JUNE = datetime(2024, 6, 3, 2, 0, tzinfo=timezone.utc)
SK = "821/123/BKD/2024"


def other_agency(app: Appraisals) -> UUID:
    """The destination agency's cycle of the same year; STAFF is not in it."""
    someone = {"nip": OUTSIDER, "name": "Pegawai Provinsi", "unit_id": "bidang-b", "appraiser_nip": SEKDA}
    definition = DefineCycle(
        HR_ACTOR, OTHER, "Pemerintah Provinsi Sulawesi Tengah", "WITA", YEAR, [{**someone, "atasan_nip": KADIS}]
    )
    cycle_id = app.define_cycle(definition, at=datetime(2024, 1, 2, tzinfo=timezone.utc))
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=datetime(2024, 1, 3, tzinfo=timezone.utc))
    return cycle_id


def move(to_agency: str = OTHER, **changes: Any) -> RecordTransfer:
    values: dict[str, Any] = {
        "by": HR_ACTOR,
        "nip": STAFF,
        "to_agency_id": to_agency,
        "to_unit_id": "bidang-b",
        "to_unit_name": "Bidang Perencanaan",
        "to_appraiser_nip": SEKDA,
        "to_atasan_nip": KADIS,
        "effective": "2024-06-01",
        "decree": SK,
        "reason": "rotasi jabatan",
    }
    return RecordTransfer(**{**values, **changes})


@pytest.fixture
def app(store_env: dict[str, str]) -> Appraisals:
    return Appraisals(env=store_env)


def test_a_transfer_between_agencies_closes_the_old_post_and_opens_the_new(app: Appraisals) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    destination = other_agency(app)
    transfer, post = app.record_transfer(s.cycle_id, move(), at=JUNE, key="k1")

    assert STAFF not in app.cycle(s.cycle_id).participants  # the old post is closed; its record stays
    assert s.get(STAFF).stage == "execution"
    assert transfer.months == {"origin": 5, "destination": 7}
    assert (transfer.origin["agency_id"], transfer.origin["appraiser_nip"], transfer.origin["unit_id"]) == (
        AGENCY,
        HEAD,
        "bidang-umum",
    )
    assert (transfer.destination["agency_id"], transfer.destination["appraiser_nip"]) == (OTHER, SEKDA)
    assert transfer.agencies == (AGENCY, OTHER)  # both agencies' HR see it
    assert transfer.combining["rule"] == "months_weighted" and "Asumsi" in transfer.combining["basis"]
    assert (post["post"], post["transfer_id"], post["name"]) == (1, str(transfer.id), "Staf Umum")

    app.execute_cycle(destination, AddParticipant(HR_ACTOR, post), at=JUNE)
    opened = app.open_appraisal(destination, STAFF, JUNE)
    assert str(opened.id) == transfer.destination["appraisal_id"]
    new = app.appraisal(opened.id)
    assert (new.appraiser_nip, new.atasan_nip, app.transfer_of(new)) == (SEKDA, KADIS, transfer)
    assert transfer.agency_id == AGENCY  # its home: the origin's log (domain/partitions.py routes it there)

    # The same request again finds the record; the same decree under another request is refused.
    again, _ = app.record_transfer(s.cycle_id, move(), at=JUNE, key="k1")
    assert again.id == transfer.id and again.version == transfer.version
    with pytest.raises(WrongStage) as twice:
        app.record_transfer(s.cycle_id, move(), at=JUNE, key="k2")
    assert twice.value.code == "transfer.decree_recorded"


def test_the_old_appraiser_evaluates_the_months_served_and_the_year_combines(app: Appraisals) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    other_agency(app)
    transfer, _ = app.record_transfer(s.cycle_id, move(), at=JUNE)
    assert app.transfer_year(transfer)["predikat"] is None  # nothing evaluated yet

    with pytest.raises(NotAllowed) as stranger:
        app.evaluate_served_period(transfer.id, EvaluateServedPeriod(actor(SEKDA), "sesuai", "sesuai"), at=JUNE)
    assert stranger.value.code == "transfer.only_old_appraiser" and stranger.value.params == {"nip": HEAD}
    with pytest.raises(InvalidInput) as bad:
        app.evaluate_served_period(transfer.id, EvaluateServedPeriod(actor(HEAD), "luar_biasa", "sesuai"), at=JUNE)
    assert bad.value.field == "results_rating"

    evaluated = app.evaluate_served_period(
        transfer.id, EvaluateServedPeriod(actor(HEAD), "sesuai", "sesuai", "Januari-Mei"), at=JUNE, key="e1"
    )
    assert evaluated.evaluation is not None and evaluated.evaluation["predikat"] == "baik"
    assert evaluated.evaluation["by"] == HEAD
    replay = app.evaluate_served_period(
        transfer.id, EvaluateServedPeriod(actor(HEAD), "sesuai", "sesuai"), at=JUNE, key="e1"
    )
    assert replay.version == evaluated.version
    with pytest.raises(WrongStage) as again:
        app.evaluate_served_period(transfer.id, EvaluateServedPeriod(actor(HEAD), "di_atas", "di_atas"), at=JUNE)
    assert again.value.code == "transfer.already_evaluated"

    year = app.transfer_year(app.transfer(transfer.id))
    assert [(p["period"], p["months"], p["predikat"]) for p in year["periods"]] == [
        ("origin", 5, "baik"),
        ("destination", 7, None),  # the new post is not rated yet
    ]
    assert year["predikat"] is None
    # 5 months Baik (100) and 7 Sangat Baik (150): 129.2 on the angka kredit scale, nearest Sangat Baik.
    assert app.transfer(transfer.id).year("sangat_baik")["predikat"] == "sangat_baik"
    assert app.transfer(transfer.id).year("butuh_perbaikan")["predikat"] == "butuh_perbaikan"  # 85.4


def test_rhk_taken_over_keep_their_lineage_and_a_made_up_lineage_is_refused(app: Appraisals) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    destination = other_agency(app)
    transfer, post = app.record_transfer(s.cycle_id, move(), at=JUNE)
    app.execute_cycle(destination, AddParticipant(HR_ACTOR, post), at=JUNE)
    new_id = app.open_appraisal(destination, STAFF, JUNE).id
    origin = s.get(STAFF)

    taken = carry_over(str(origin.id), origin.rhk, ["004-1"])
    app.execute(new_id, DraftSkp(actor(STAFF), taken), at=JUNE)
    drafted = app.appraisal(new_id).rhk
    assert drafted[0]["carried_from"] == {"appraisal_id": str(origin.id), "rhk_id": "004-1"}
    assert (drafted[0]["text"], drafted[0]["supports"]) == (origin.rhk[0]["text"], "")

    forged = [{**taken[0], "carried_from": {"appraisal_id": str(origin.id), "rhk_id": "head-1"}}]
    with pytest.raises(InvalidInput) as refused:
        app.execute(new_id, DraftSkp(actor(STAFF), forged), at=JUNE)
    assert (refused.value.field, refused.value.code) == ("rhk[0].carried_from", "skp.carried_from")
    with pytest.raises(InvalidInput) as unknown:
        carry_over(str(origin.id), origin.rhk, ["nope"])
    assert unknown.value.code == "transfer.rhk_unknown"
    # An appraisal nobody was transferred into carries nothing over.
    s.open(ANALIS)
    with pytest.raises(InvalidInput) as nothing:
        s.do(ANALIS, DraftSkp(actor(ANALIS), taken), JUNE)
    assert nothing.value.code == "skp.carried_from"


def test_a_transfer_within_the_agency_opens_a_second_appraisal_in_the_same_cycle(app: Appraisals) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    within = move(AGENCY, to_unit_id="bidang-lain", to_unit_name="Bidang Lain")
    transfer, post = app.record_transfer(s.cycle_id, within, at=JUNE)
    assert post["post"] == 2 and transfer.destination["cycle_id"] == str(s.cycle_id)
    app.execute_cycle(s.cycle_id, AddParticipant(HR_ACTOR, post), at=JUNE)
    opened = app.open_appraisal(s.cycle_id, STAFF, JUNE)

    assert opened.id == Appraisal.create_id(s.cycle_id, STAFF, {"post": 2}) != s.id(STAFF)
    assert str(opened.id) == transfer.destination["appraisal_id"]
    assert app.appraisal(opened.id).employee["unit_id"] == "bidang-lain"
    assert s.get(STAFF).stage == "execution" and s.get(STAFF).employee["unit_id"] == "bidang-umum"
    assert Appraisal.create_id(s.cycle_id, STAFF) == Appraisal.create_id(s.cycle_id, STAFF, {"post": 1})


@pytest.mark.parametrize(
    ("cmd", "error", "code"),
    [
        (move(by=actor(OUTSIDER)), NotAllowed, "transfer.who_records"),
        (move(by=Actor(STAFF, (HR,))), NotAllowed, "appraisal.own"),
        (move(to_appraiser_nip=HR_ACTOR.nip), NotAllowed, "participant.self_appointed"),
        (move(nip=OUTSIDER), InvalidInput, "transfer.not_participant"),
        (move(effective="2025-01-01"), InvalidInput, "transfer.effective_year"),
        (move(effective="2024-06-30"), InvalidInput, "transfer.not_yet_effective"),
        (move(effective="2024-13-01"), InvalidInput, "input.date"),
        (move(to_agency_id="tidak-ada"), InvalidInput, "transfer.no_destination_cycle"),
        (move(AGENCY, to_unit_id="bidang-umum"), InvalidInput, "transfer.not_a_move"),
        (move(AGENCY, to_appraiser_nip=STAFF), InvalidInput, "participant.own_appraiser"),
        (move(reason="a\x00b"), InvalidInput, "input.control"),
    ],
)
def test_what_a_transfer_refuses(app: Appraisals, cmd: RecordTransfer, error: type[DomainError], code: str) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    other_agency(app)
    same_unit = cmd.to_unit_id == "bidang-umum"
    if same_unit:
        cmd = RecordTransfer(**{**cmd.__dict__, "to_appraiser_nip": HEAD, "to_atasan_nip": SEKDA})
    with pytest.raises(error) as refused:
        app.record_transfer(s.cycle_id, cmd, at=JUNE)
    assert refused.value.code == code
    assert STAFF in app.cycle(s.cycle_id).participants  # nothing half-written
    assert app.recorder.select_notifications(1, 100, topics=[f"{get_topic(Transfer)}.Recorded"]) == []


def test_someone_already_in_the_destination_cycle_is_not_moved_into_it(app: Appraisals) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    destination = other_agency(app)
    already = {"nip": STAFF, "name": "Staf", "unit_id": "bidang-b", "appraiser_nip": SEKDA, "atasan_nip": KADIS}
    app.execute_cycle(destination, AddParticipant(HR_ACTOR, already), at=JUNE)
    with pytest.raises(InvalidInput) as refused:
        app.record_transfer(s.cycle_id, move(), at=JUNE)
    assert (refused.value.field, refused.value.code) == ("nip", "transfer.already_there")


def test_the_evaluation_is_due_two_weeks_on_reminded_then_escalated_once_and_never_after_it(app: Appraisals) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    other_agency(app)
    transfer, _ = app.record_transfer(s.cycle_id, move(), at=JUNE)
    # Recorded on 3 June: due at the end of 17 June in the origin's zone (WITA), reminded three days before.
    assert transfer.evaluation_due == datetime(2024, 6, 17, 15, 59, 59, tzinfo=timezone.utc)
    assert transfer.evaluation_reminder == datetime(2024, 6, 14, 15, 59, 59, tzinfo=timezone.utc)
    assert transfer.evaluation_pending
    with pytest.raises(NotAllowed) as by_hand:
        app.transfer(transfer.id).notify(HR_ACTOR, REMIND, JUNE)
    assert by_hand.value.code == "transfer.by_calendar"

    later = datetime(2024, 6, 15, tzinfo=timezone.utc)
    assert app.notify_transfer(transfer.id, REMIND, at=later, key="r")
    assert app.notify_transfer(transfer.id, REMIND, at=later, key="r")  # a retried activity: applied already
    assert not app.notify_transfer(transfer.id, REMIND, at=later, key="r2")  # once
    assert app.notify_transfer(transfer.id, ESCALATE, at=later, key="e")
    notices = app.transfer(transfer.id).notices
    assert notices[REMIND]["to"] == HEAD and notices[ESCALATE]["escalated_to"] == transfer.origin["atasan_nip"]
    version = app.transfer(transfer.id).version
    assert version == transfer.version + 2

    app.evaluate_served_period(transfer.id, EvaluateServedPeriod(actor(HEAD), "sesuai", "sesuai"), at=later)
    done = app.transfer(transfer.id)
    assert not done.evaluation_pending
    assert not app.notify_transfer(transfer.id, ESCALATE, at=later, key="e3")  # nothing owed: nothing recorded
    assert app.transfer(transfer.id).version == done.version


def test_a_transfer_on_the_first_of_january_leaves_nothing_to_evaluate(app: Appraisals) -> None:
    s = Scenario.new(app)
    s.plan(STAFF)
    other_agency(app)
    transfer, _ = app.record_transfer(s.cycle_id, move(effective="2024-01-01"), at=JUNE)
    assert transfer.months == {"origin": 0, "destination": 12}
    with pytest.raises(WrongStage) as refused:
        app.evaluate_served_period(transfer.id, EvaluateServedPeriod(actor(HEAD), "sesuai", "sesuai"), at=JUNE)
    assert refused.value.code == "transfer.nothing_served"
    assert not transfer.evaluation_pending  # no task for the old appraiser
    assert app.transfer(transfer.id).year("baik")["predikat"] == "baik"  # the new post's year alone


def test_the_transfer_record_is_found_by_its_decree() -> None:
    cycle = UUID(int=7)
    assert Transfer.create_id(cycle, STAFF, SK) == Transfer.create_id(cycle, STAFF, SK)
    assert Transfer.create_id(cycle, STAFF, SK) != Transfer.create_id(cycle, STAFF, "SK lain")
