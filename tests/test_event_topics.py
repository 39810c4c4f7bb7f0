"""The Appraisal's events keep the topics they were stored under, wherever their rules move.

A stored event is found again by its topic (module:qualname) and chained by its qualname
(domain/chain.py): these are the 23 topics rows already hold, written out, not read from the code.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic, resolve_topic

from domain.appraisal import Appraisal

STORED = {
    f"domain.appraisal:Appraisal.{name}"
    for name in (
        "Opened",
        "SkpDrafted",
        "SkpSubmitted",
        "SkpReturned",
        "SkpApproved",
        "ProgressReported",
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
    declared = {get_topic(cls) for cls in _event_classes().values()} - {get_topic(Appraisal.Created)}
    assert declared == STORED
