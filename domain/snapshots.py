"""Snapshots: a cache of replay, never a source of truth.

A record is rebuilt from its events. A long one (an appraisal with a year of daily log entries has
hundreds) is rebuilt from its latest snapshot and the events after it instead: every
`SNAPSHOT_EVERY` versions a save stores the aggregate's state beside the log, in its own table.

A snapshot can change no answer. It is stored with a MAC (HMAC-SHA256 over its id, version, topic
and exact stored bytes) under a key the database does not hold (derived from the log's sealing key,
transparency/persistence.py), and it is used only if that MAC verifies and the chain digest it
carries is the stored digest of the event at its version (read with the events after it). Anything
else, an edited, forged, foreign or unreadable snapshot, is ignored: the record is replayed from
its first event. The auditor's checks (`Audit.verify`, `kinerja audit verify`, the integrity check
before every read) read the events only and never a snapshot.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import AggregateRecorder, Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from domain.base import KinerjaAggregate

SNAPSHOT_EVERY = 50  # versions between two snapshots of one record
MAC_BYTES = 32

log = logging.getLogger(__name__)


class Snapshots:
    """Take and find the snapshots of one application's records."""

    def __init__(self, mapper: Mapper[UUID], recorder: AggregateRecorder, key: bytes, every: int = SNAPSHOT_EVERY):
        self.mapper, self.recorder, self.key, self.every = mapper, recorder, key, every

    def after_save(self, aggregate: KinerjaAggregate, saved_from: int) -> None:
        """Take a snapshot when a save carried the record past a multiple of `every` versions.

        A cache: a failure to store it (a concurrent process took the same one, the database went away)
        is logged and costs nothing but the next replay's time."""
        if aggregate.version // self.every <= saved_from // self.every:
            return
        try:
            self.take(aggregate)
        except Exception:
            log.warning("no snapshot of %s at version %s", aggregate.id, aggregate.version, exc_info=True)

    def take(self, aggregate: KinerjaAggregate) -> None:
        stored = self.mapper.to_stored_event(Snapshot.take(aggregate))
        mac = self._mac(stored.originator_id, stored.originator_version, stored.topic, stored.state)
        self.recorder.insert_events(
            [StoredEvent(stored.originator_id, stored.originator_version, stored.topic, mac + stored.state)]
        )

    def latest(self, aggregate_id: UUID, version: int | None) -> Snapshot | None:
        """The newest snapshot at or before `version` whose MAC verifies, decoded; None if there is none."""
        try:
            rows = self.recorder.select_events(aggregate_id, desc=True, limit=1, lte=version)
        except Exception:
            log.warning("snapshots of %s cannot be read: replayed from the first event", aggregate_id, exc_info=True)
            return None
        for row in rows:
            mac, state = row.state[:MAC_BYTES], row.state[MAC_BYTES:]
            if not hmac.compare_digest(mac, self._mac(row.originator_id, row.originator_version, row.topic, state)):
                log.warning(
                    "snapshot of %s at version %s does not verify: ignored", aggregate_id, row.originator_version
                )
                return None
            try:
                found = self.mapper.to_domain_event(
                    StoredEvent(row.originator_id, row.originator_version, row.topic, state)
                )
            except Exception:  # noqa: BLE001 - a snapshot of an older shape: replay instead
                return None
            return found if isinstance(found, Snapshot) else None
        return None

    def _mac(self, originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
        head = f"kinerja snapshot v1\n{originator_id}\n{version}\n{topic}\n".encode()
        return hmac.new(self.key, head + state, hashlib.sha256).digest()


def replay(
    mapper: Mapper[UUID], rows: Sequence[StoredEvent], snapshot: Snapshot | None = None
) -> KinerjaAggregate | None:
    """Fold stored events into their record, each decoded once; from `snapshot` if one is given.

    With a snapshot at version s, `rows` must start at version s: its event's stored digest must be the
    snapshot's chain head, or the snapshot is not used (None is returned, and the caller replays from
    the first event). Without one, `rows` start at version 1. None for no rows."""
    aggregate: Any = None
    events: list[Any] = [mapper.to_domain_event(row) for row in rows]
    if snapshot is not None:
        first = events[0] if events else None
        if first is None or first.originator_version != snapshot.originator_version:
            return None
        if vars(first).get("digest") != snapshot.state.get("chain_head"):
            log.warning(
                "snapshot of %s at %s is not its log's: ignored", snapshot.originator_id, first.originator_version
            )
            return None
        aggregate = restore(snapshot)
        events = events[1:]
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate if isinstance(aggregate, KinerjaAggregate) else None


def restore(snapshot: Snapshot) -> KinerjaAggregate:
    """The aggregate a snapshot holds (eventsourcing's Snapshot.mutate, for a Kinerja record only)."""
    cls = resolve_topic(snapshot.topic)
    if not (isinstance(cls, type) and issubclass(cls, KinerjaAggregate)):
        raise TypeError(f"a snapshot of {snapshot.topic} is not of a Kinerja record")
    state = dict(snapshot.state)
    state.pop("class_version", None)
    state.update(_id=snapshot.originator_id, _version=snapshot.originator_version, _pending_events=[])
    aggregate = object.__new__(cls)
    object.__setattr__(aggregate, "__dict__", state)
    return aggregate
