"""What each command writes into the log (who, when, what), and the small readers around the log.

A mutant that records the wrong actor, drops a reason, or misdates an event must fail here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from domain.appraisal import EXECUTION
from domain.audit import Audit, history_csv
from domain.base import SYSTEM, Actor
from domain.chain import ChainReport
from domain.cycle_commands import CloseCycle, RemoveParticipant
from domain.errors import InvalidInput, NotAllowed, WrongStage
from domain.outcome import Outcome
from domain.people_commands import ChangeSupervisor, RecordReminder
from domain.schedule import review_opens_at
from domain.skm import classify
from domain.tasks import tasks_bounded_by
from tests.factories import ANALIS, HEAD, HR_ACTOR, KADIS, SEKDA, STAFF, UTC, Scenario, T, reach


def last(app: object, record: UUID) -> dict[str, object]:
    return Audit(app).history(record)[-1]  # type: ignore[arg-type]


def test_a_removed_participant_a_changed_supervisor_and_a_closed_cycle_are_recorded_with_who_and_when() -> None:
    s = reach(EXECUTION)
    s.app.execute_cycle(s.cycle_id, RemoveParticipant(HR_ACTOR, ANALIS, " pensiun "), at=T["check_in"])
    removed = last(s.app, s.cycle_id)
    assert (removed["type"], removed["by"], removed["at"]) == (
        "ParticipantRemoved",
        HR_ACTOR.nip,
        T["check_in"].isoformat(),
    )
    assert removed["payload"] == {"by": HR_ACTOR.nip, "nip": ANALIS, "reason": "pensiun"}

    change = ChangeSupervisor(HR_ACTOR, SEKDA, KADIS, "mutasi")
    s.app.change_supervisor(s.cycle_id, STAFF, change, at=T["check_in"] + timedelta(hours=1))
    changed = last(s.app, s.cycle_id)
    assert changed["at"] == (T["check_in"] + timedelta(hours=1)).isoformat()
    assert changed["payload"] == {
        "by": HR_ACTOR.nip,
        "nip": STAFF,
        "appraiser_nip": SEKDA,
        "atasan_nip": KADIS,
        "reason": "mutasi",
    }
    with pytest.raises(InvalidInput, match=f"^nip: {ANALIS} does not take part in this cycle$") as refused:
        s.app.cycle(s.cycle_id).change_supervisor(change, ANALIS, T["check_in"])
    assert refused.value.field == "nip"
    with pytest.raises(
        InvalidInput, match="^participant.appraiser_nip: an employee cannot be their own pejabat penilai$"
    ):
        s.app.change_supervisor(s.cycle_id, HEAD, ChangeSupervisor(HR_ACTOR, HEAD, KADIS, "x"), at=T["check_in"])
    with pytest.raises(InvalidInput, match="^participant.atasan_nip: a NIP has exactly 18 digits"):
        s.app.change_supervisor(s.cycle_id, HEAD, ChangeSupervisor(HR_ACTOR, SEKDA, "1", "x"), at=T["check_in"])

    left_open = dict.fromkeys(s.app.cycle(s.cycle_id).participants, "dinilai setelah mutasi selesai")
    s.app.close_cycle(s.cycle_id, CloseCycle(HR_ACTOR, left_open), at=T["finalise"])
    closed = last(s.app, s.cycle_id)
    assert (closed["type"], closed["by"], closed["at"]) == ("Closed", HR_ACTOR.nip, T["finalise"].isoformat())
    assert closed["payload"] == {"by": HR_ACTOR.nip, "exceptions": left_open}


def test_a_reminder_is_recorded_by_the_calendar_at_its_time() -> None:
    s = reach(EXECUTION)
    due = datetime(2024, 4, 30, tzinfo=UTC)
    s.do(STAFF, RecordReminder(SYSTEM, "check_in", HEAD, due), T["check_in"])
    sent = last(s.app, s.id(STAFF))
    assert (sent["type"], sent["by"], sent["at"]) == ("ReminderSent", "system", T["check_in"].isoformat())
    assert sent["payload"] == {"by": "system", "task": "check_in", "to": HEAD, "due": due.isoformat()}


def test_the_history_csv_writes_blanks_for_missing_fields_and_keeps_the_payload_readable() -> None:
    history = [
        {
            "version": 1,
            "type": "X",
            "at": "t",
            "by": None,
            "rule_set_id": None,
            "payload": {"z": 1, "a": "Dinas Kependudukan — Palu"},
            "digest": "d",
            "prev_digest": "p",
        },
    ]
    row = history_csv(history).splitlines()[1]
    assert row == '1,X,t,,,"{""a"": ""Dinas Kependudukan — Palu"", ""z"": 1}",d,p'
    assert json.loads(row.split(",", 5)[5].rsplit(",", 2)[0].strip('"').replace('""', '"')) == history[0]["payload"]


def test_a_diff_between_one_moment_and_itself_changes_nothing() -> None:
    s = reach(EXECUTION)
    audit = Audit(s.app)
    same = audit.diff(s.id(STAFF), T["approve"], T["approve"])
    assert (same["changed"], same["events"]) == ({}, [])
    with pytest.raises(InvalidInput, match="^until: must not be before since$"):
        audit.diff(s.id(STAFF), T["approve"], T["approve"] - timedelta(seconds=1))
    grown = audit.diff(s.id(STAFF), T["open"], T["approve"])
    assert grown["changed"]["skp_status"] == {"before": "empty", "after": "approved"}


def test_small_readers_answer_plain_data() -> None:
    assert ChainReport(False, 3, "h", 2, "gap").as_dict() == {
        "ok": False,
        "events": 3,
        "head": "h",
        "broken_at": 2,
        "problem": "gap",
    }
    outcome = Outcome(UUID(int=7), 2, "planning", None, None)
    assert outcome.as_dict() == {
        "id": str(UUID(int=7)),
        "version": 2,
        "stage": "planning",
        "pending": None,
        "predikat": None,
        "replayed": False,
        "log": "",
        "position": 0,
    }
    assert tasks_bounded_by("planning") == ["draft_skp", "review_skp"]
    assert tasks_bounded_by("review") == ["rate", "deliver_result"]
    with pytest.raises(ValueError, match=r"^NI 0\.5 is below 1$"):
        classify(0.5)


def test_a_review_opening_that_is_no_day_is_refused_naming_the_field() -> None:
    s = Scenario.new()
    with pytest.raises(InvalidInput, match="^review_opens: must be a date YYYY-MM-DD, got '2024-02-30'$"):
        review_opens_at(s.app.cycle(s.cycle_id), "02-30")


def test_several_appraisals_open_with_one_load_of_the_cycle() -> None:
    s = Scenario.new()
    outcomes = s.app.open_appraisals(s.cycle_id, [HEAD, STAFF], T["open"])
    assert [(o.id, o.stage, o.replayed) for o in outcomes] == [
        (s.id(HEAD), "planning", False),
        (s.id(STAFF), "planning", False),
    ]
    again = s.app.open_appraisals(s.cycle_id, [STAFF], T["open"])
    assert [(o.id, o.replayed) for o in again] == [(s.id(STAFF), True)]


# --- a change of supervisor, rule by rule on the appraisal itself ---------------------------------------


@pytest.mark.parametrize(
    ("cmd", "stage", "error", "message"),
    [
        (
            ChangeSupervisor(Actor(HEAD), SEKDA, KADIS, "x"),
            EXECUTION,
            NotAllowed,
            "only HR records a change of supervisor",
        ),
        (ChangeSupervisor(HR_ACTOR, SEKDA, KADIS, "x"), "finalised", WrongStage, "the appraisal is finalised"),
        (
            ChangeSupervisor(HR_ACTOR, STAFF, KADIS, "x"),
            EXECUTION,
            NotAllowed,
            "an employee cannot appraise themselves",
        ),
        (
            ChangeSupervisor(HR_ACTOR, HEAD, SEKDA, "x"),
            EXECUTION,
            InvalidInput,
            "appraiser_nip: this is already the employee's appraiser",
        ),
        (
            ChangeSupervisor(HR_ACTOR, HEAD, KADIS, " "),
            EXECUTION,
            InvalidInput,
            "reason: is required and must be non-empty text",
        ),
    ],
)
def test_the_appraisal_refuses_a_change_of_supervisor_naming_the_rule(
    cmd: ChangeSupervisor, stage: str, error: type[Exception], message: str
) -> None:
    appraisal = reach(stage).get(STAFF)
    with pytest.raises(error) as refused:
        appraisal.reassign_supervisor(cmd, T["finalise"])
    assert str(refused.value) == message
    assert appraisal.pending_events == []


@pytest.mark.parametrize(("appraiser", "atasan"), [(HEAD, KADIS), (SEKDA, SEKDA)])
def test_changing_only_the_atasan_or_only_the_appraiser_is_a_change(appraiser: str, atasan: str) -> None:
    appraisal = reach(EXECUTION).get(STAFF)
    appraisal.reassign_supervisor(ChangeSupervisor(HR_ACTOR, appraiser, atasan, " mutasi "), T["check_in"])
    assert (appraisal.appraiser_nip, appraisal.atasan_nip) == (appraiser, atasan)
    assert appraisal.pending_events[-1].reason == "mutasi"
    assert appraisal.pending_events[-1].timestamp == T["check_in"]


def test_a_repeated_change_of_supervisor_replays_its_first_outcome() -> None:
    s = reach(EXECUTION)
    change = ChangeSupervisor(HR_ACTOR, SEKDA, KADIS, "mutasi")
    first = s.app.change_supervisor(s.cycle_id, STAFF, change, at=T["check_in"], key="mutasi-1")
    again = s.app.change_supervisor(s.cycle_id, STAFF, change, at=T["check_in"], key="mutasi-1")
    assert (again.version, again.replayed, first.replayed) == (first.version, True, False)
    assert s.get(STAFF).version == first.version


def test_the_recomputation_report_names_each_rating_event_and_its_numbers() -> None:
    s = reach("follow_up")
    report = Audit(s.app).recompute(s.id(STAFF))
    rated = next(r for r in report["ratings"] if r["event"] == "Rated")
    assert report["appraisal_id"] == str(s.id(STAFF))
    assert report["rule_set_title"].startswith("PermenPANRB 6/2022")
    assert rated == {
        "version": rated["version"],
        "event": "Rated",
        "results_rating": "sesuai",
        "behaviour_rating": {"recorded": "sesuai", "recomputed": "sesuai"},
        "predikat": {"recorded": "baik", "recomputed": "baik"},
        "match": True,
    }
    assert isinstance(rated["version"], int) and rated["version"] > 1
