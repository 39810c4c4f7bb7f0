"""Moving the single log (`kinerja_events`) to one log per agency: `kinerja partitions move`.

Every row of the single log is copied, in notification order, to its agency's log with the same
record id, version, topic and state (so every hash chain is the same chain); within an agency the
rows keep their order, numbered from 1 by the agency's own sequence, and each is sealed with the
agency log's key. The directory learns each record's agency before its first row is copied.

- **Resumable**: the rows of an agency are copied in batches, each one transaction with its seals,
  so an agency's log always holds the first k of its rows; a run that stopped half-way goes on
  from there (`--resume`) and copies nothing twice.
- **Says so**: the move is recorded in `kinerja_partition_moves` (started, finished). A second run
  after a finished move copies nothing and says "already moved"; a run that finds a move started
  and not finished refuses, naming where it stopped, unless `--resume` is given.
- **Checked after**: every copied row equals its source row (id, version, topic, state), each
  partition's first checkpoint is signed and sent to the witnesses, and each log verifies.

The single log is kept as it was (read-only from then on: its seals, tree and checkpoints still
verify it). Writers must be stopped during the move; the read models are rebuilt after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.organisation import Agency
from domain.partitions import PartitionedAppraisals
from transparency.log import Log

BATCH = 500
moves_metadata = sa.MetaData()
moves = sa.Table(
    "kinerja_partition_moves",
    moves_metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),  # "copying" | "done"
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("rows", sa.BigInteger(), nullable=False, server_default="0"),
)
AGENCY = get_topic(Agency)


class MoveRefused(Exception):
    """The move cannot run now; the message says why and what to do."""


@dataclass
class MoveReport:
    source_rows: int = 0
    copied: dict[str, int] = field(default_factory=dict)  # by agency, in this run
    rows: dict[str, int] = field(default_factory=dict)  # by agency, in its log after the run
    resumed: bool = False
    already_done: bool = False
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


class Move:
    """The single log of `store` (its own `kinerja` log) into `store`'s agency partitions."""

    def __init__(self, store: PartitionedAppraisals, say: Callable[[str], None] = lambda _: None) -> None:
        self.store, self.say = store, say
        self.source = Log.of(store)
        self.engine = self.source.engine
        moves_metadata.create_all(self.engine, checkfirst=True)

    def state(self) -> str | None:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(moves.c.state).where(moves.c.source == self.source.name))
            return found.scalar_one_or_none()

    def run(self, *, resume: bool = False, publish: Callable[[Any], object] | None = None) -> MoveReport:
        report = MoveReport()
        state = self.state()
        if state == "copying" and not resume:
            done = {code: _count(p) for code, p in self.store.partitions().items()}
            raise MoveRefused(
                f"a move of log {self.source.name} started and did not finish (copied so far: "
                f"{', '.join(f'{c} {n}' for c, n in sorted(done.items())) or 'nothing'}); "
                "run it again with --resume to go on from there"
            )
        homes = self._homes()
        if state is None:
            busy = {code: n for code, p in self.store.partitions().items() if (n := _count(p))}
            if busy:
                raise MoveRefused(
                    f"the agencies' logs already hold rows no move wrote ({busy}): the store runs partitioned already"
                )
            with self.engine.begin() as conn:
                conn.execute(moves.insert().values(source=self.source.name, state="copying", started_at=_now()))
        report.already_done, report.resumed = state == "done", state == "copying"
        by_agency = Counter(homes[n.originator_id] for n in self._rows())
        report.source_rows = sum(by_agency.values())
        self.store.directory.register(dict(homes))
        for code, total in sorted(by_agency.items()):
            report.copied[code] = self._copy(code, homes, total)
            report.rows[code] = _count(self.store.partition(code))
        self._check(report, homes)
        if report.ok and publish is not None:
            for part in self.store.partitions().values():
                publish(part)
        if report.ok and state != "done":
            with self.engine.begin() as conn:
                conn.execute(
                    moves.update()
                    .where(moves.c.source == self.source.name)
                    .values(state="done", finished_at=_now(), rows=report.source_rows)
                )
        return report

    def _rows(self) -> Iterator[Any]:
        return iter(self.source.rows())

    def _homes(self) -> dict[UUID, str]:
        """Every record's agency, from its first event: its own code, the agency it names, its cycle's."""
        homes: dict[UUID, str] = {}
        unknown: set[str] = set()
        for n in self._rows():
            if n.originator_version != 1:
                continue
            event: Any = self.store.mapper.to_domain_event(n)
            named, cycle_id = getattr(event, "agency_id", None), getattr(event, "cycle_id", None)
            if getattr(event, "originator_topic", "") == AGENCY:
                homes[n.originator_id] = event.code
            elif isinstance(named, str):  # a cycle names its agency
                homes[n.originator_id] = named
            elif cycle_id in homes:  # an appraisal, a cycle's running record: their cycle's
                homes[n.originator_id] = homes[cycle_id]
            else:
                unknown.add(f"{n.originator_id} ({n.topic})")
        if unknown:
            raise MoveRefused(f"records whose agency cannot be told: {', '.join(sorted(unknown)[:5])}")
        return homes

    def _copy(self, code: str, homes: dict[UUID, str], total: int) -> int:
        """Copy the agency's rows its log does not hold yet (it holds the first k, in order); returns how many."""
        target = self.store.partition(code)
        held = _count(target)
        if held > total:
            raise MoveRefused(f"the log of {code} holds {held} rows, more than the {total} of the single log")
        copied, batch, seen = 0, [], 0
        for n in self._rows():
            if homes[n.originator_id] != code:
                continue
            seen += 1
            if seen <= held:
                continue
            batch.append(StoredEvent(n.originator_id, n.originator_version, n.topic, n.state))
            if len(batch) == BATCH:
                copied += self._insert(target, batch)
                batch = []
        copied += self._insert(target, batch)
        if copied:
            self.say(f"{code}: {copied} rows copied ({held + copied} of {total})")
        return copied

    @staticmethod
    def _insert(target: Any, batch: list[StoredEvent]) -> int:
        if batch:
            target.recorder.insert_events(batch)
        return len(batch)

    def _check(self, report: MoveReport, homes: dict[UUID, str]) -> None:
        """Each agency's log holds exactly its rows of the single log, in their order, byte for byte."""
        expected: dict[str, list[tuple[UUID, int, str, bytes]]] = {}
        for n in self._rows():
            expected.setdefault(homes[n.originator_id], []).append(
                (n.originator_id, n.originator_version, n.topic, n.state)
            )
        for code, rows in sorted(expected.items()):
            found = [
                (n.originator_id, n.originator_version, n.topic, n.state)
                for n in Log.of(self.store.partition(code)).rows()
            ]
            if found != rows:
                first = next(
                    (i for i, (a, b) in enumerate(zip(found, rows, strict=False)) if a != b), min(len(found), len(rows))
                )
                report.findings.append(
                    f"{code}: its log differs from the single log's rows at row {first + 1} "
                    f"({len(found)} rows, {len(rows)} expected)"
                )


def _count(app: Any) -> int:
    """The rows of a log (not its highest id: a sequence may skip numbers of a rolled-back insert)."""
    log = Log.of(app)
    with log.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(log.events_table)).scalar_one())


def _now() -> datetime:
    return datetime.now(timezone.utc)
