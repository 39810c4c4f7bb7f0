"""Hash-chained aggregates: every event carries its predecessor's digest and its own.

The digest covers every field of the event (its aggregate id, version, business
time, topic, payload and the predecessor's digest), so changing, removing or
inserting a stored event breaks the chain at a place `verify_chain` can name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate

GENESIS = "0" * 64


def event_digest(event: object) -> str:
    """SHA-256 over a canonical JSON form of the event, its own digest excluded."""
    fields = {k: v for k, v in vars(event).items() if k != "digest"}
    fields["topic"] = type(event).__qualname__
    canonical = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ChainedAggregate(Aggregate):
    """An aggregate whose events form a hash chain."""

    chain_head: str

    class Event(Aggregate.Event):
        prev_digest: str

        def __post_init__(self) -> None:
            super().__post_init__()
            # Decoding a stored event bypasses __init__, so this runs only when
            # the event is first triggered; the stored digest is kept as it was.
            if "digest" not in vars(self):
                object.__setattr__(self, "digest", event_digest(self))

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            aggregate.chain_head = vars(self)["digest"]  # set in __post_init__, or decoded as stored
            return aggregate

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        kwargs["prev_digest"] = GENESIS
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs["prev_digest"] = self.chain_head
        super().trigger_event(event_class, **kwargs)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking one aggregate's log."""

    ok: bool
    events: int
    head: str
    broken_at: int | None = None
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "broken_at": self.broken_at,
            "problem": self.problem,
        }


def verify_chain(records: Iterable[tuple[int, object | Exception]]) -> ChainReport:
    """Walk (stored version, decoded event or decoding error) pairs in order.

    Names the first broken link: a version gap (deleted event), an event whose
    content no longer matches its digest (modified), or an event whose
    predecessor digest does not match (inserted or reordered).
    """
    expected_version = 1
    prev = GENESIS
    count = 0
    for version, decoded in records:
        count += 1
        if version != expected_version:
            if version > expected_version:
                problem = f"event {expected_version} is missing (deleted): the log jumps to {version}"
            else:
                problem = f"event {version} appears twice or out of order"
            return ChainReport(False, count, prev, expected_version, problem)
        if isinstance(decoded, Exception):
            problem = f"event {version} cannot be read ({type(decoded).__name__}): it was modified"
            return ChainReport(False, count, prev, version, problem)
        # The link first: a row copied in at a new version fails both checks (its version is
        # part of its digest), and "inserted" is the diagnosis that fits it.
        if getattr(decoded, "prev_digest", None) != prev:
            problem = (
                f"event {version} does not follow event {version - 1}: "
                "its predecessor digest differs (inserted or replaced)"
            )
            return ChainReport(False, count, prev, version, problem)
        stored_digest = getattr(decoded, "digest", None)
        if stored_digest != event_digest(decoded):
            problem = f"event {version} was modified: its content no longer matches its digest"
            return ChainReport(False, count, prev, version, problem)
        prev = stored_digest
        expected_version += 1
    return ChainReport(True, count, prev)
