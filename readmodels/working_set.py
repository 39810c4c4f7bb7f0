"""The projector's working set: the aggregates it follows, kept in memory and advanced event by event.

Each stored event is decoded once and applied (the domain's own `mutate`, so no rule is copied
here) to the aggregate the projector already holds at the version before it; a batch then yields
each touched aggregate at the last version the batch holds. An aggregate the set does not hold at
that version (its first event after a restart, one evicted as least recently used, one a faster
projector moved past) is loaded once from the event store and held from then on: a rebuild from
zero loads none, since every aggregate is created inside the log it reads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, Notification

from readmodels.projection_failures import TRANSIENT, Loaded, describe

Load = Callable[[UUID, int, int, str], Loaded]  # (id, version, notification id, topic) -> Loaded


class WorkingSet:
    """At most `size` aggregates, least recently used evicted first."""

    def __init__(self, mapper: Mapper[UUID], load: Load, size: int = 20_000) -> None:
        self.mapper, self.load, self.size = mapper, load, size
        self.held: OrderedDict[UUID, Aggregate] = OrderedDict()
        self.loads = 0  # how many aggregates had to be read from the event store (the cost this set saves)

    def advance(self, notifications: Sequence[Notification], projected: Callable[[str], bool]) -> list[Loaded]:
        """Each aggregate the batch touched (first-seen order: cycles before their appraisals) at the last
        version the batch holds; one whose events cannot be decoded or applied carries its error instead."""
        touched: dict[UUID, list[Notification]] = {}
        for n in notifications:
            if projected(n.topic):
                touched.setdefault(UUID(str(n.originator_id)), []).append(n)
        return [self._advance(i, ns) for i, ns in touched.items()]

    def _advance(self, aggregate_id: UUID, events: list[Notification]) -> Loaded:
        last = events[-1]
        held = self.held.pop(aggregate_id, None)
        first_version = events[0].originator_version
        try:
            if held is None and first_version == 1 or held is not None and held.version == first_version - 1:
                aggregate = held
                for stored in events:
                    decoded: Any = self.mapper.to_domain_event(stored)
                    aggregate = decoded.mutate(aggregate)
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
