"""The application service's persistence: the recorder, loads checked for integrity, saves that name a conflict.

`Store` is the base of the application service `Appraisals` (domain/application.py) and of its
cycle half (domain/cycle_service.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import OriginatorIDError, OriginatorVersionError
from eventsourcing.persistence import ApplicationRecorder, IntegrityError

from domain.base import KinerjaAggregate
from domain.errors import ConcurrencyConflict, IntegrityBroken, NotFound, refusal

RACE = refusal("record.changed", "{names} was changed by another command first; reload and retry")
NO_SUCH = refusal("record.missing", "no {what} {record_id}")
NOT_A = refusal("record.kind", "{record_id} is not {article} {what}")
UNREADABLE = "its stored events cannot be replayed ({error})"

A = TypeVar("A", bound=KinerjaAggregate)


class Store(Application[UUID]):
    """Load and save Kinerja's aggregates; every load is checked, every lost race is a ConcurrencyConflict."""

    # Run before every load (the API's reads): raises IntegrityBroken for an altered record.
    # Set by the composition root from transparency/integrity.py; the domain knows only the hook.
    integrity_check: Callable[[UUID], None] | None = None

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

    def record(self, record_id: UUID, version: int | None = None) -> KinerjaAggregate:
        """Any record (appraisal, cycle, agency) by id, checked as every load is."""
        return self._get(KinerjaAggregate, record_id, "record", version)

    def _save(self, *aggregates: KinerjaAggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            names = ", ".join(f"{type(a).__name__} {a.id}" for a in aggregates)
            raise ConcurrencyConflict(RACE, names=names) from None

    def _get(self, cls: type[A], aggregate_id: UUID, what: str, version: int | None = None) -> A:
        if self.integrity_check is not None:
            self.integrity_check(aggregate_id)
        try:
            aggregate: object = self.repository.get(aggregate_id, version=version)
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
