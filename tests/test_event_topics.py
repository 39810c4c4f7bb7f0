"""The Appraisal's and the Agency's events keep the topics they were stored under, wherever their rules move.

A stored event is found again by its topic (module:qualname) and chained by its qualname
(domain/chain.py): these are the 24 topics rows already hold, written out, not read from the code.
"""

from __future__ import annotations

from datetime import datetime, timezone

from eventsourcing.utils import get_topic, resolve_topic

from domain.acting_facts import ActingFacts
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.appraisal_events import TOPICS
from domain.base import KinerjaAggregate
from domain.organisation import Agency
from tests.factories import HR_ACTOR, KADIS, SEKDA, STAFF
from transparency.rows import record_label

STORED = {
    f"domain.appraisal:Appraisal.{name}"
    for name in (
        "Opened",
        "SkpDrafted",
        "SkpSubmitted",
        "SkpReturned",
        "SkpApproved",
        "ProgressReported",
        "DailyLogged",
        "FeedbackGiven",
        "CheckInHeld",
        "ReviewOpened",
        "SelfAssessed",
        "Rated",
        "ResultDelivered",
        "KeberatanFiled",
        "KeberatanWindowClosed",
        "KeberatanDecided",
        "KeberatanEscalated",
        "KeberatanDeciderReassigned",
        "FollowUpDecided",
        "Finalised",
        "SupervisorReassigned",
        "TaskDelegated",
        "ReminderSent",
        "DeadlineMissed",
    )
}


def _event_classes() -> dict[str, type]:
    return {
        name: value
        for name, value in vars(Appraisal).items()
        if isinstance(value, type) and issubclass(value, Appraisal.Event) and value is not Appraisal.Event
    }


def test_every_stored_topic_resolves_to_an_appraisal_event() -> None:
    for topic in STORED:
        cls = resolve_topic(topic)
        assert issubclass(cls, Appraisal.Event), topic
        assert get_topic(cls) == topic


def test_the_aggregate_declares_exactly_the_stored_events() -> None:
    own = {name: cls for name, cls in _event_classes().items() if name not in vars(ActingFacts)}
    declared = {get_topic(cls) for cls in own.values()} - {get_topic(Appraisal.Created)}
    assert declared == STORED


# The acting heads' events (issue 15) live on Appraisal's base ActingFacts, in their own module: their stored
# topics name it, and a decorated method of Appraisal records them under those topics.
ACTING_STORED = {"domain.acting_facts:ActingFacts.ActingBegan", "domain.acting_facts:ActingFacts.ActingEnded"}


def test_the_acting_heads_events_are_stored_under_their_own_module() -> None:
    declared = {
        get_topic(value)
        for name, value in vars(ActingFacts).items()
        if isinstance(value, type) and issubclass(value, ActingFacts.Event) and name not in ("Event", "Created")
    }
    assert declared == ACTING_STORED
    for topic in ACTING_STORED:
        assert issubclass(resolve_topic(topic), KinerjaAggregate.Event)


# The Agency's events stay on Agency in domain/organisation.py while its reading moved to domain/org_chart.py.
AGENCY_STORED = {
    f"domain.organisation:Agency.{name}"
    for name in (
        "Registered",
        "Updated",
        "UnitRegistered",
        "UnitUpdated",
        "EmployeeRegistered",
        "EmployeeUpdated",
        "SupervisorChanged",
        "JabatanChanged",  # #14: a change of jabatan by decree (domain/career.py)
        "PotentialAssessed",  # #14: HR's potential assessment (domain/talent.py)
    )
}


def test_the_agency_declares_exactly_its_stored_events() -> None:
    declared = {
        get_topic(value)
        for value in vars(Agency).values()
        if isinstance(value, type) and issubclass(value, Agency.Event) and value is not Agency.Event
    } - {get_topic(Agency.Created)}
    assert declared == AGENCY_STORED
    assert {get_topic(resolve_topic(topic)) for topic in AGENCY_STORED} == AGENCY_STORED


def test_an_agency_stored_under_the_pinned_topics_loads_again() -> None:
    at = datetime(2024, 1, 2, 1, 0, tzinfo=timezone.utc)
    app = Appraisals()
    csv = (
        "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,rank,supervisor_nip,unit_head\n"
        f"pemkot-palu,Pemerintah Kota Palu,WITA,kantor,Kantor Walikota,{KADIS},Kadis,IV/c,,ya\n"
        f"pemkot-palu,Pemerintah Kota Palu,WITA,kantor,Kantor Walikota,{SEKDA},Sekda,IV/b,{KADIS},\n"
        f"pemkot-palu,Pemerintah Kota Palu,WITA,kantor,Kantor Walikota,{STAFF},Staf,III/a,{SEKDA},\n"
    )
    assert app.import_org(csv, by=HR_ACTOR, at=at).ok
    app.change_org_supervisor("pemkot-palu", STAFF, KADIS, by=HR_ACTOR, at=at, reason="mutasi", effective=at.date())
    agency_id = Agency.create_id("pemkot-palu")
    rows = app.recorder.select_events(agency_id)
    assert [row.topic for row in rows] == [
        "domain.organisation:Agency.Registered",
        "domain.organisation:Agency.UnitRegistered",
        "domain.organisation:Agency.EmployeeRegistered",
        "domain.organisation:Agency.EmployeeRegistered",
        "domain.organisation:Agency.EmployeeRegistered",
        "domain.organisation:Agency.SupervisorChanged",
    ]
    # A second application over the same rows (a restart) rebuilds the agency from them alone.
    again = Appraisals(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    again.recorder.insert_events(list(rows))
    loaded = again.repository.get(agency_id)
    assert isinstance(loaded, Agency)
    assert loaded.reporting_line(STAFF) == (KADIS, None)
    assert loaded.supervisor_history[0]["reason"] == "mutasi"


# #15 on: the appraisal's newer events are classes of their rules' modules, found by these topics.
ELSEWHERE_STORED = {
    "domain.cascade:RhkLinked",
    "domain.supervisor_flag:SupervisorFlagged",
    "domain.supervisor_flag:SupervisorFlagResolved",
    "domain.acting_facts:ActingFacts.ActingBegan",
    "domain.acting_facts:ActingFacts.ActingEnded",
    "domain.rule_migration:RuleSetMigrated",  # #14: HR moves an in-flight appraisal to another rule set
}


def test_the_appraisal_events_declared_elsewhere_keep_their_topics_and_are_projected() -> None:
    assert set(TOPICS) == ELSEWHERE_STORED
    for topic in ELSEWHERE_STORED:
        assert get_topic(resolve_topic(topic)) == topic
        assert record_label(topic) == "appraisal"
