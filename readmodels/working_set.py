"""The projector's working set: the aggregates it follows, kept in memory and advanced event by event.

Each stored event is decoded once and applied (the domain's own `mutate`, so no rule is copied
here) to the aggregate the projector already holds at the version before it; a batch then yields
each touched aggregate at the last version the batch holds. An aggregate the set does not hold at
that version (its first event after a restart, one evicted as least recently used, one a faster
projector moved past) is loaded once from the event store and held from then on: a rebuild from
zero loads none, since every aggregate is created inside the log it reads.

Decoding is the projector's main cost per event, so the stored JSON is decoded here directly
(`Decoder`): the transcoder's JSON, the class found once per topic, the event built as the mapper
builds it, without the mapper's per-event look-ups; a store with a cipher or compressor, or an event
class that upcasts, goes through the mapper as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, Notification, StoredEvent
from eventsourcing.utils import resolve_topic

from readmodels.projection_failures import TRANSIENT, Loaded, describe

Load = Callable[[UUID, int, int, str], Loaded]  # (id, version, notification id, topic) -> Loaded


class Decoder:
    """A stored event -> the domain event the mapper would give, with its look-ups done once per topic."""

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self.mapper = mapper
        self.direct = mapper.cipher is None and mapper.compressor is None
        self.decode_state = mapper.transcoder.decode
        self.classes: dict[str, type | None] = {}  # topic -> its class, or None: through the mapper

    def __call__(self, stored: StoredEvent) -> Any:
        try:
            cls = self.classes[stored.topic]
        except KeyError:
            found = resolve_topic(stored.topic)
            cls = self.classes[stored.topic] = (
                found if self.direct and getattr(found, "class_version", 1) == 1 else None
            )
        if cls is None:
            return self.mapper.to_domain_event(stored)
        state: dict[str, Any] = self.decode_state(stored.state)
        if "class_version" in state:  # written by a later class version than this one: the mapper says why
            return self.mapper.to_domain_event(stored)
        oid = stored.originator_id
        state["originator_id"] = oid if type(oid) is UUID else UUID(str(oid))
        state["originator_version"] = stored.originator_version
        event: Any = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event


class WorkingSet:
    """At most `size` aggregates, least recently used evicted first."""

    def __init__(self, mapper: Mapper[UUID], load: Load, size: int = 20_000) -> None:
        self.mapper, self.load, self.size = mapper, load, size
        self.decode = Decoder(mapper)
        self.held: OrderedDict[UUID, Aggregate] = OrderedDict()
        self.loads = 0  # how many aggregates had to be read from the event store (the cost this set saves)

    def advance(self, notifications: Sequence[Notification], projected: Callable[[str], bool]) -> list[Loaded]:
        """Each aggregate the batch touched (first-seen order: cycles before their appraisals) at the last
        version the batch holds; one whose events cannot be decoded or applied carries its error instead."""
        touched: dict[UUID, list[Notification]] = {}
        for n in notifications:
            if projected(n.topic):
                oid = n.originator_id
                touched.setdefault(oid if type(oid) is UUID else UUID(str(oid)), []).append(n)
        return [self._advance(i, ns) for i, ns in touched.items()]

    def _advance(self, aggregate_id: UUID, events: list[Notification]) -> Loaded:
        last = events[-1]
        held = self.held.pop(aggregate_id, None)
        first_version = events[0].originator_version
        try:
            if held is None and first_version == 1 or held is not None and held.version == first_version - 1:
                aggregate, decode = held, self.decode
                for stored in events:
                    aggregate = decode(stored).mutate(aggregate)
            else:
                loaded = self.load(aggregate_id, last.originator_version, last.id, last.topic)
                self.loads += 1
                if loaded.aggregate is None:
                    return loaded
                aggregate = loaded.aggregate
        except TRANSIENT:
            raise
        except Exception as e:  # noqa: BLE001 - an event that cannot be applied is the record's, not fatal
            return Loaded(aggregate_id, last.originator_version, last.id, last.topic, None, describe(e))
        assert aggregate is not None
        self.held[aggregate_id] = aggregate
        while len(self.held) > self.size:
            self.held.popitem(last=False)
        return Loaded(aggregate_id, aggregate.version, last.id, last.topic, aggregate)

    def forget(self) -> None:
        self.held.clear()
