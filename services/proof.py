"""The proof of the record, as the API and the pages use it: integrity reports, checkpoints, receipts.

One object per app (`app.state.proof`), built from the settings: the log's keys and origin, its
witnesses. Everything is synchronous (the event store is); callers run it in a thread.
None of the rules live here: transparency/ verifies, this layer only asks and shapes the answers.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.application import Appraisals
from domain.base import Actor
from domain.errors import NotFound
from domain.org_refusals import NO_SUCH_AGENCY
from domain.partitions import PartitionedAppraisals
from services.authz import require_oversight, require_read
from settings import Settings
from transparency.integrity import RecordCheck
from transparency.log import Log
from transparency.note import Verifier
from transparency.persistence import SealingRecorder
from transparency.receipt_check import verify_receipt
from transparency.receipts import Receipts
from transparency.tables import utc_iso
from transparency.verify import LogVerifier
from transparency.wiring import log_keys, origin_of, witness_keys, witnesses

# The largest receipt anyone may hand in to be checked (the API's body, the page's upload or paste).
MAX_RECEIPT = 256 * 1024
RECEIPT_FIELDS = ("record_id", "version", "notification_id", "type", "at", "by", "digest")

# One log with what proves it: its store, the log, its keys, its origin, its receipts.
Home = tuple[Appraisals, Log, list[Verifier], str, Receipts]


class Proof:
    def __init__(self, settings: Settings, appraisals: Appraisals) -> None:
        self.settings, self.appraisals = settings, appraisals
        self._homes: dict[str, Home] = {}  # partitions' logs

    @property
    def sealed(self) -> bool:
        """Whether this store seals its rows (an in-memory store, in tests, does not)."""
        recorder = self.appraisals.recorder
        return isinstance(recorder, SealingRecorder) and recorder.sealer is not None

    @cached_property
    def log(self) -> Log:
        return Log.of(self.appraisals)

    @cached_property
    def keys(self) -> list[Verifier]:
        return log_keys(self.settings, self.log)

    @cached_property
    def origin(self) -> str:
        return origin_of(self.settings, self.log)

    @cached_property
    def receipts(self) -> Receipts:
        return Receipts(self.log, self.keys)

    def home_of(self, record_id: UUID) -> Home:
        """The log holding the record (its agency's, when the store is partitioned: domain/partitions.py),
        with that log's keys, origin and receipts; NotFound for a record no log holds."""
        home = self.appraisals.home(record_id)
        assert isinstance(home, Appraisals)
        return self._home(home)

    def _home(self, store: Appraisals) -> Home:
        if store is self.appraisals:
            return store, self.log, self.keys, self.origin, self.receipts
        name = store.name.lower()
        found = self._homes.get(name)
        if found is None:
            log = Log.of(store)
            keys = log_keys(self.settings, log)
            found = self._homes[name] = (store, log, keys, origin_of(self.settings, log), Receipts(log, keys))
        return found

    @property
    def partitioned(self) -> bool:
        return isinstance(self.appraisals, PartitionedAppraisals)

    def logs(self, agency_id: str | None = None) -> list[tuple[str | None, Home]]:
        """Every log of the record, by agency code: each agency's when the store is partitioned (the logs
        `kinerja audit verify` checks, partitioning/store.py:logs_of), else the store's own (agency None).
        `agency_id`: only that agency's log (NotFound for an agency no log holds a record of); the single log
        holds every agency's records, so it is the one log whatever the agency."""
        if not isinstance(self.appraisals, PartitionedAppraisals):
            return [(None, self._home(self.appraisals))]
        parts = self.appraisals.partitions()
        if agency_id is not None:
            if agency_id not in parts:
                raise NotFound(NO_SUCH_AGENCY, agency_id=agency_id)
            parts = {agency_id: parts[agency_id]}
        return [(code, self._home(part)) for code, part in sorted(parts.items())]

    # --- verification ----------------------------------------------------------------

    def record_report(self, record_id: UUID) -> dict[str, Any]:
        """The record's chain, seals and tree (transparency/integrity.py), reported rather than refused."""
        home, _, keys, origin, _ = self.home_of(record_id)
        return RecordCheck(home, origin, keys).check(record_id).as_dict()

    def log_report(self, agency_id: str | None = None) -> dict[str, Any]:
        """The whole log against its checkpoints and every witness (transparency/verify.py). A partitioned store:
        every agency's log (or `agency_id`'s only) on its own (its own keys, origin, checkpoints and witnesses'
        answers), each report labelled with its agency, under one verdict: {"verdict", "ok", "logs": [...]}."""
        if not self.partitioned:
            return self._log_report(self._home(self.appraisals))
        reports = [{**self._log_report(home), "agency_id": code} for code, home in self.logs(agency_id)]
        ok = all(r["ok"] for r in reports)
        return {"verdict": "intact" if ok else "tampered", "ok": ok, "logs": reports}

    def _log_report(self, home: Home) -> dict[str, Any]:
        store, _, keys, origin, _ = home
        return LogVerifier(store, origin, keys, witnesses(self.settings, keys)).run().as_dict()

    def checkpoints(self, limit: int = 20, agency_id: str | None = None) -> list[dict[str, Any]]:
        """The newest checkpoints, each with every witness's answer to it and labelled with its log, origin and
        agency (None for the single log). A partitioned store: each agency's log's (or `agency_id`'s) newest
        `limit`, by agency."""
        found: list[dict[str, Any]] = []
        for code, (_, log, _, origin, receipts) in self.logs(agency_id):
            labels = {"log": log.name, "origin": origin, "agency_id": code}
            found += [{**c, **labels} for c in self._checkpoints(log, receipts, limit)]
        return found

    @staticmethod
    def _checkpoints(log: Log, receipts: Receipts, limit: int) -> list[dict[str, Any]]:
        t = log.tables
        receipts.tree.ensure_tables()
        with log.engine.connect() as conn:
            rows = conn.execute(sa.select(t.checkpoints).order_by(t.checkpoints.c.id.desc()).limit(limit)).all()
            ids = [r.id for r in rows]
            answers = conn.execute(
                sa.select(t.witnessed).where(t.witnessed.c.checkpoint_id.in_(ids)).order_by(t.witnessed.c.id)
            ).all()
        by_checkpoint: dict[int, list[dict[str, Any]]] = {}
        for a in answers:
            by_checkpoint.setdefault(int(a.checkpoint_id), []).append(
                {"witness": a.witness, "status": a.status, "detail": a.detail, "at": utc_iso(a.at)}
            )
        return [
            {
                "id": int(r.id),
                "size": int(r.size),
                "root": bytes(r.root).hex(),
                "reason": r.reason,
                "created_at": utc_iso(r.created_at),
                "note": r.note,
                "time_stamp": r.timestamp_note,
                "witnesses": by_checkpoint.get(int(r.id), []),
            }
            for r in rows
        ]

    # --- receipts --------------------------------------------------------------------

    def receipt(self, record_id: UUID, version: int) -> dict[str, Any]:
        """An event's receipt from the record's own log, completed with its inclusion proof once a checkpoint
        of that log covers it."""
        return self.home_of(record_id)[4].issue(record_id, version)

    def receipt_for(self, actor: Actor, record_id: UUID, version: int) -> dict[str, Any]:
        """A receipt for someone who may read the record: an appraisal's own people, else HR and auditors."""
        try:
            require_read(actor, self.appraisals.appraisal(record_id))
        except NotFound:  # a cycle (HR's actions): oversight only; an unknown id stays unknown
            self.appraisals.cycle(record_id)
            require_oversight(actor)
        return self.receipt(record_id, version)

    def receipt_after(self, record_id: UUID, version: int) -> dict[str, Any] | None:
        """The receipt a person gets right after their action; None where the store does not seal."""
        if not self.sealed:
            return None
        try:
            return self.receipt(record_id, version)
        except NotFound:
            return None

    def verify(self, document: Any) -> dict[str, Any]:
        """A receipt checked offline with the agency's and witnesses' keys, then against the log as it is: the
        log of the record it names (its agency's, when partitioned); the store's own for a record no log
        holds or a document that names none, where the check then says what fails."""
        _, _, keys, origin, receipts = self.home_named_by(document)
        result = verify_receipt(document, keys, witness_keys(self.settings), receipts)
        return {**result.as_dict(), "origin": origin}

    def home_named_by(self, document: Any) -> Home:
        """The log of the record a receipt names (its agency's, when partitioned); the store's own for a record no
        log holds or a document that names none."""
        try:
            return self.home_of(UUID(str(document["event"]["record_id"])))
        except (NotFound, KeyError, TypeError, ValueError, AttributeError):
            return self._home(self.appraisals)


def summary(receipt: dict[str, Any]) -> dict[str, Any]:
    """What a page shows of a receipt: the event, its digest and instant, and whether a proof is in it."""
    event = receipt["event"]
    return {
        **{k: event.get(k) for k in RECEIPT_FIELDS},
        "signature": receipt["seal"].rsplit("\n— ", 1)[-1].strip(),
        "checkpoint_size": (receipt.get("proof") or {}).get("tree_size"),
    }
