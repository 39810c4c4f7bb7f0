"""The application service's persistence: the recorder, loads checked for integrity, saves that name a conflict.

`Store` is the base of the application service `Appraisals` (domain/application.py) and of its
cycle half (domain/cycle_service.py).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import OriginatorIDError, OriginatorVersionError
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, StoredEvent

from domain.base import KinerjaAggregate
from domain.errors import ConcurrencyConflict, IntegrityBroken, NotFound, refusal
from domain.snapshots import SNAPSHOT_EVERY, Snapshots, replay

RACE = refusal("record.changed", "{names} was changed by another command first; reload and retry")
NO_SUCH = refusal("record.missing", "no {what} {record_id}")
NOT_A = refusal("record.kind", "{record_id} is not {article} {what}")
UNREADABLE = "its stored events cannot be replayed ({error})"

A = TypeVar("A", bound=KinerjaAggregate)
log = logging.getLogger(__name__)
KEPT_RECORDS = 64  # records kept current for reading (cycles, a few per agency), then forgotten all at once


class Store(Application[UUID]):
    """Load and save Kinerja's aggregates; every load is checked, every lost race is a ConcurrencyConflict."""

    # Run before every load (the API's reads): raises IntegrityBroken for an altered record, and may answer the
    # record's stored events as it checked them, which the load then replays instead of reading them again.
    # Set by the composition root from transparency/integrity.py; the domain knows only the hook.
    integrity_check: Callable[[UUID], Sequence[StoredEvent] | None] | None = None
    # Run after every save with the name of each log that took it ("" for this store's own log; an agency's log
    # by its name): the worker wakes the projector's process with it (readmodels/wakeup.py), so the projection
    # starts while the Update's answer is still on its way. A failure is logged, never the save's.
    on_saved: Callable[[str], None] | None = None

    def construct_recorder(self) -> ApplicationRecorder:
        """The recorder, which creates the events table if it is missing.

        Processes that start together on an empty database (API replicas, workers) race to create
        it: on PostgreSQL the loser fails on the catalogue despite the existence check. The table
        exists by then, so another attempt finds it; any other error is raised after the last one.
        """
        for attempt in range(5):
            try:
                return super().construct_recorder()
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def home(self, record_id: UUID) -> Store:
        """The store whose log holds the record: this one (a partitioned store answers with the agency's)."""
        return self

    def named_at_opening(self, record_id: UUID) -> set[str]:
        """The NIPs a record's first stored event names (an appraisal's employee, appraiser, atasan),
        read without the integrity check: who may be told that a broken record exists. Empty if unreadable."""
        try:
            first = next(iter(self.recorder.select_events(record_id, limit=1)), None)
            event = self.mapper.to_domain_event(first) if first is not None else None
        except (ValueError, TypeError, KeyError, AttributeError):
            return set()
        names = (getattr(event, f, None) for f in ("employee_nip", "appraiser_nip", "atasan_nip"))
        return {n for n in names if isinstance(n, str)}

    def record(
        self, record_id: UUID, version: int | None = None, rows: Sequence[StoredEvent] | None = None
    ) -> KinerjaAggregate:
        """Any record (appraisal, cycle, agency) by id, checked as every load is; or rebuilt from `rows`,
        its stored events as a caller read them after that check (the auditor's state at a moment)."""
        return self._get(KinerjaAggregate, record_id, "record", version, rows)

    @cached_property
    def snapshots_kept(self) -> Snapshots | None:
        """The snapshots of this log (domain/snapshots.py), under a key the database does not hold: the
        environment's SNAPSHOT_KEY, or one the recorder derives from the log's sealing key. None without
        a key: every record is replayed from its first event."""
        text = self.env.get("SNAPSHOT_KEY")
        key = hashlib.sha256(text.encode()).digest() if text else getattr(self.recorder, "snapshot_key", None)
        if not isinstance(key, bytes):
            return None
        every = int(self.env.get("SNAPSHOT_EVERY") or SNAPSHOT_EVERY)
        for attempt in range(5):  # processes starting together race to create the table, as for the events'
            try:
                return Snapshots(self.mapper, self.factory.aggregate_recorder(purpose="snapshots"), key, every)
            except Exception:
                if attempt == 4:
                    log.warning("no snapshot table for %s: records are replayed in full", self.name, exc_info=True)
                    return None
                time.sleep(0.2 * (attempt + 1))
        return None

    def replay(
        self, record_id: UUID, version: int | None = None, rows: Sequence[StoredEvent] | None = None
    ) -> KinerjaAggregate:
        """A record at a version (the latest without one), each event decoded once: from its latest valid
        snapshot at or before that version and the events after it, else from its first event. `rows`, a
        caller's read of the record's stored events in version order, saves a second read of them."""

        def events(after: int) -> Sequence[StoredEvent]:
            if rows is None:
                return self.recorder.select_events(record_id, gt=after or None, lte=version)
            return [
                r for r in rows if r.originator_version > after and (version is None or r.originator_version <= version)
            ]

        kept = self.snapshots_kept
        snapshot = kept.latest(record_id, version) if kept is not None else None
        found = replay(self.mapper, events(snapshot.originator_version - 1), snapshot) if snapshot else None
        if found is None:
            found = replay(self.mapper, events(0))
        if found is None:
            raise AggregateNotFoundError(record_id)
        return found

    def current(self, cls: type[A], record_id: UUID, what: str) -> A:
        """A record for reading only (the facts an appraisal's rules ask of its cycle), kept in this process
        and brought up to the log's head at each call: one query for the events after the version kept, none
        decoded when there are none. The first load is checked as every load is; later events are applied
        to a copy, so a caller never sees the record change under it. A cycle of 20,000 participants costs
        its full decoding once per process instead of once per daily log entry."""
        home = self.home(record_id)
        if home is not self:  # a partitioned store: the record's own log keeps it
            return home.current(cls, record_id, what)
        with self._kept_lock:
            kept = self._kept.get(record_id)
        if kept is None or not isinstance(kept, cls):
            found = self._get(cls, record_id, what)
        else:
            newer = self.recorder.select_events(record_id, gt=kept.version)
            if not newer:
                return kept
            found = copy.deepcopy(kept)
            try:
                for row in newer:
                    event: Any = self.mapper.to_domain_event(row)
                    found = event.mutate(found)
            except (OriginatorVersionError, OriginatorIDError, ValueError, TypeError, KeyError, AttributeError):
                found = self._get(cls, record_id, what)  # named as every load names a broken record
        with self._kept_lock:
            if len(self._kept) >= KEPT_RECORDS:
                self._kept.clear()
            self._kept[record_id] = found
        return found

    @cached_property
    def _kept(self) -> dict[UUID, KinerjaAggregate]:
        return {}

    @cached_property
    def _kept_lock(self) -> threading.Lock:
        return threading.Lock()

    def _save(self, *aggregates: KinerjaAggregate) -> dict[str, int]:
        """Save together; returns, by log ("" for this store's own), the notification id of the last event saved."""
        saved_from = [a.version - len(a.pending_events) for a in aggregates]
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            names = ", ".join(f"{type(a).__name__} {a.id}" for a in aggregates)
            raise ConcurrencyConflict(RACE, names=names) from None
        for aggregate, version in zip(aggregates, saved_from, strict=True):
            kept = self.home(aggregate.id).snapshots_kept  # a partitioned store: the log that took the save
            if kept is not None:
                kept.after_save(aggregate, version)
        if self.on_saved is not None:
            self._tell_saved(self.on_saved, aggregates)
        positions: dict[str, int] = {}
        for recording in recordings or ():
            home = self.home(recording.domain_event.originator_id)
            log_name = "" if home is self else home.name
            positions[log_name] = max(positions.get(log_name, 0), int(recording.notification.id))
        return positions

    def _tell_saved(self, on_saved: Callable[[str], None], aggregates: Sequence[KinerjaAggregate]) -> None:
        homes = {self.home(a.id) for a in aggregates}
        for home in homes:
            try:
                on_saved("" if home is self else home.name)
            except Exception:
                log.warning("after a save to %s: on_saved failed", home.name, exc_info=True)

    def _get(
        self,
        cls: type[A],
        aggregate_id: UUID,
        what: str,
        version: int | None = None,
        rows: Sequence[StoredEvent] | None = None,
    ) -> A:
        if rows is None and self.integrity_check is not None:
            rows = self.integrity_check(aggregate_id)  # the rows it checked: read once, not again below
        try:
            aggregate: object
            if version is None and rows is None and self.repository.cache is not None:  # the aggregate cache, if set
                aggregate = self.repository.get(aggregate_id)
            else:
                aggregate = self.replay(aggregate_id, version, rows)
        except AggregateNotFoundError:
            raise NotFound(NO_SUCH, what=what, record_id=str(aggregate_id)) from None
        except (OriginatorVersionError, OriginatorIDError, ValueError, TypeError, KeyError, AttributeError) as e:
            # Rows that cannot be replayed into the record: deleted, reordered or modified by hand.
            error = f"{type(e).__name__}: {e}"
            raise IntegrityBroken(str(aggregate_id), "unreadable", UNREADABLE.format(error=error)[:500]) from None
        if not isinstance(aggregate, cls):
            raise NotFound(NOT_A, record_id=str(aggregate_id), article="an" if what[0] in "aeiou" else "a", what=what)
        return aggregate

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            return self._get(cls, aggregate_id, cls.__name__)
        except NotFound:
            return None
