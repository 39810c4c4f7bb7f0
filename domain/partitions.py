"""The event store partitioned by agency: one log per agency, found from the agency's code.

Every record belongs to one agency: an `Agency` is its own, a cycle names its agency
(`agency_id`), an appraisal and a cycle's `CycleRunning` belong to their cycle's. Each agency's
records live in their own log (`partition_name(code)`: its own events table, so its own insert
lock, notification sequence, seals, Merkle tree and projection position). `PartitionedAppraisals`
is the same application service as `Appraisals`, whose loads and saves go to the record's log:

- by agency code: `partition(code)` (what a transfer between agencies uses: the appraisal in the
  old agency and the new one are two records, each in its own agency's log);
- by record id: the directory (`PartitionDirectory`, a table outside the logs) says which agency
  a record belongs to. It is written before the record's first event, so a record found in a log
  is always in the directory (an entry without a record is harmless: loading it says NotFound).

A save of records of several agencies (an org import naming several) is one transaction per
agency, not one for all. The domain knows only the routing; the tables and the logs are opened
by the composition root (`partitioning/store.py`).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import EnvType

from domain.application import Appraisals
from domain.base import KinerjaAggregate
from domain.errors import NotFound
from domain.organisation import Agency
from domain.store import NO_SUCH, A

LOG_PREFIX = "kinerja_"


def partition_name(agency_code: str) -> str:
    """The log (application) name of an agency's partition: a readable slug and a hash that keeps codes apart.

    At most 41 characters, so its tables (`<name>_tree_leaves`, the longest) fit PostgreSQL's 63.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", agency_code.lower()).strip("_")[:24] or "agency"
    return f"{LOG_PREFIX}{slug}_{hashlib.sha256(agency_code.encode()).hexdigest()[:8]}"


class PartitionDirectory(Protocol):
    """Which agency each record belongs to (written once per record, never changed)."""

    def agency_of(self, record_id: UUID) -> str | None: ...

    def register(self, entries: Mapping[UUID, str]) -> None:
        """Add entries; an entry already there with another agency raises ValueError."""

    def agencies(self) -> list[str]: ...


class PartitionedAppraisals(Appraisals):
    """`Appraisals` over one log per agency; its own log (`kinerja`) is the unpartitioned store it replaces."""

    name = Appraisals.name

    def __init__(
        self,
        env: EnvType | None,
        *,
        open_directory: Callable[[Appraisals], PartitionDirectory],
        open_partition: Callable[[str], Appraisals],
    ) -> None:
        """`open_directory` is given this store once its own log is open; `open_partition` an agency's code."""
        self._open_partition = open_partition
        self._partitions: dict[str, Appraisals] = {}
        self._homes: dict[UUID, str] = {}
        self._opening = threading.Lock()
        super().__init__(env)
        self.directory = open_directory(self)

    # --- routing --------------------------------------------------------------

    def partition(self, agency_code: str) -> Appraisals:
        """The application service over one agency's log (opened on first use)."""
        found = self._partitions.get(agency_code)
        if found is None:
            with self._opening:
                found = self._partitions.get(agency_code)
                if found is None:
                    found = self._partitions[agency_code] = self._open_partition(agency_code)
        return found

    def partitions(self) -> dict[str, Appraisals]:
        """Every agency's partition that holds a record, by agency code."""
        return {code: self.partition(code) for code in self.directory.agencies()}

    def agency_of_record(self, record_id: UUID) -> str | None:
        found = self._homes.get(record_id)
        if found is None:
            found = self.directory.agency_of(record_id)
            if found is not None:
                self._homes[record_id] = found
        return found

    def home(self, record_id: UUID) -> Appraisals:
        agency = self.agency_of_record(record_id)
        if agency is None:
            raise NotFound(NO_SUCH, what="record", record_id=str(record_id))
        return self.partition(agency)

    def agency_of(self, aggregate: KinerjaAggregate) -> str:
        """The agency a record belongs to: its own (an agency), the one it names (a cycle), its cycle's (the rest)."""
        if isinstance(aggregate, Agency):
            return str(aggregate.code)
        named = getattr(aggregate, "agency_id", None)  # a cycle names its agency
        if isinstance(named, str):
            return named
        cycle_id = getattr(aggregate, "cycle_id", None)
        agency = self.agency_of_record(cycle_id) if isinstance(cycle_id, UUID) else None
        if agency is None:
            raise ValueError(f"{type(aggregate).__name__} {aggregate.id} belongs to no known agency")
        return agency

    # --- the Store's persistence, routed ------------------------------------------

    def _get(
        self,
        cls: type[A],
        aggregate_id: UUID,
        what: str,
        version: int | None = None,
        rows: Sequence[StoredEvent] | None = None,
    ) -> A:
        agency = self.agency_of_record(aggregate_id)
        if agency is None:
            raise NotFound(NO_SUCH, what=what, record_id=str(aggregate_id))
        return self.partition(agency)._get(cls, aggregate_id, what, version, rows)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Each record to its agency's log (Store._save and the org import both save through here)."""
        by_agency: dict[str, list[KinerjaAggregate]] = {}
        for aggregate in objs:
            by_agency.setdefault(self.agency_of(aggregate), []).append(aggregate)
        recordings: list[Any] = []
        for agency, group in by_agency.items():
            self._register(agency, group)
            recordings += self.partition(agency).save(*group, **kwargs)
        return recordings

    def _register(self, agency: str, aggregates: Iterable[KinerjaAggregate]) -> None:
        new = {a.id: agency for a in aggregates if self._homes.get(a.id) != agency}
        if new:
            self.directory.register(new)
            self._homes.update(new)

    def find_agency(self, code: str) -> Agency | None:
        return self.partition(code).find_agency(code)

    def named_at_opening(self, record_id: UUID) -> set[str]:
        agency = self.agency_of_record(record_id)
        return set() if agency is None else self.partition(agency).named_at_opening(record_id)

    def close(self) -> None:
        for p in list(self._partitions.values()):
            p.close()
        super().close()
