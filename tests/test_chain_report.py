"""The hash chain's report, field by field, for each way a stored log can be broken.

verify_chain's contract (domain/chain.py): it walks the stored versions in order and names the
first broken link; `events` counts the records read up to and including that one, `head` is the
digest of the last event that verified, `broken_at` is the version where the log stopped being
intact. The expected digests are read from the events as they were recorded, not recomputed.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from eventsourcing.domain import event

from domain.chain import GENESIS, ChainedAggregate, ChainReport, verify_chain


class Note(ChainedAggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Rewritten")
    def rewrite(self, text: str) -> None:
        self.text = text


def recorded() -> list[Any]:
    note = Note("a")
    note.rewrite("b")
    note.rewrite("c")
    return list(note.collect_events())


def digest(e: Any) -> str:
    return str(vars(e)["digest"])


def test_an_intact_log_reports_its_head_and_length() -> None:
    e = recorded()
    report = verify_chain((x.originator_version, x) for x in e)
    assert report == ChainReport(True, 3, digest(e[2]), None, "")
    assert report.as_dict() == {"ok": True, "events": 3, "head": digest(e[2]), "broken_at": None, "problem": ""}
    assert vars(e[0])["prev_digest"] == GENESIS == "0" * 64
    assert vars(e[1])["prev_digest"] == digest(e[0]) and vars(e[2])["prev_digest"] == digest(e[1])
    assert verify_chain([]) == ChainReport(True, 0, GENESIS)


def test_a_deleted_event_is_named_with_the_version_the_log_jumps_to() -> None:
    e = recorded()
    report = verify_chain([(1, e[0]), (3, e[2])])
    assert report == ChainReport(False, 2, digest(e[0]), 2, "event 2 is missing (deleted): the log jumps to 3")
    assert report.as_dict()["broken_at"] == 2


def test_a_repeated_version_is_named_as_twice_or_out_of_order() -> None:
    e = recorded()
    report = verify_chain([(1, e[0]), (2, e[1]), (2, e[1])])
    assert report == ChainReport(False, 3, digest(e[1]), 3, "event 2 appears twice or out of order")


def test_an_unreadable_event_is_named_as_modified() -> None:
    e = recorded()
    report = verify_chain([(1, e[0]), (2, ValueError("bad json"))])
    assert report == ChainReport(False, 2, digest(e[0]), 2, "event 2 cannot be read (ValueError): it was modified")


def test_an_event_that_does_not_name_its_predecessor_is_named_as_inserted() -> None:
    e = recorded()
    stranger = SimpleNamespace(originator_version=2, digest=digest(e[1]))  # no predecessor digest at all
    expected = "event 2 does not follow event 1: its predecessor digest differs (inserted or replaced)"
    assert verify_chain([(1, e[0]), (2, stranger)]) == ChainReport(False, 2, digest(e[0]), 2, expected)
    assert verify_chain([(1, e[0]), (2, e[2])]) == ChainReport(False, 2, digest(e[0]), 2, expected)


def test_an_event_changed_after_it_was_written_is_named_as_modified() -> None:
    e = recorded()
    object.__setattr__(e[1], "text", "B")
    expected = "event 2 was modified: its content no longer matches its digest"
    assert verify_chain([(1, e[0]), (2, e[1])]) == ChainReport(False, 2, digest(e[0]), 2, expected)
    undigested = SimpleNamespace(prev_digest=digest(e[0]))  # links, but carries no digest of its own
    assert verify_chain([(1, e[0]), (2, undigested)]) == ChainReport(False, 2, digest(e[0]), 2, expected)
