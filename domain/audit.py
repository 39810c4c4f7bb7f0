"""What an auditor asks of the log: history, state at a time, diffs, chain checks, recomputation."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.application import Appraisals
from domain.calendar import as_utc, check_instant
from domain.chain import ChainReport, verify_chain
from domain.errors import InvalidInput, NotFound, refusal
from domain.rules import rule_set

NOT_YET = refusal("audit.not_yet", "the record did not exist yet at {at}")
BEFORE_SINCE = refusal("audit.until_before_since", "must not be before since")
NO_RECORD = refusal("record.none", "no record {record_id}")

META = {"originator_id", "originator_version", "timestamp", "originator_topic", "prev_digest", "digest", "command_key"}
# How eventsourcing's JSON transcoder begins a stored event: its business time, the first of its fields.
STORED_TIME = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'
HIDDEN_STATE = {"_id", "_version", "_pending_events", "_created_on", "_modified_on", "applied_keys", "chain_head"}


class Audit:
    """Read-only questions over the domain log of one application."""

    def __init__(self, app: Appraisals) -> None:
        self.app = app

    def history(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        """Every event: version, what, when, who, under which rule set, its payload and digests."""
        events: list[Any] = [self.app.mapper.to_domain_event(s) for s in self._stored(aggregate_id)]
        rule_set_id = getattr(events[0], "rule_set_id", None) if events else None
        return [
            {
                "version": e.originator_version,
                "type": type(e).__name__,
                "at": e.timestamp.isoformat(),
                "by": getattr(e, "by", None),
                "rule_set_id": rule_set_id,
                "payload": jsonable({k: v for k, v in vars(e).items() if k not in META}),
                "digest": e.digest,
                "prev_digest": e.prev_digest,
            }
            for e in events
        ]

    def verify(self, aggregate_id: UUID) -> ChainReport:
        """Walk the stored rows and name the first broken link."""
        return self.verify_rows(self._stored(aggregate_id, guarded=False))

    def verify_rows(self, rows: list[Any]) -> ChainReport:
        """Walk stored events (one record's, in version order) as read elsewhere, e.g. in one snapshot."""
        records: list[tuple[int, object]] = []
        for stored in rows:
            try:
                decoded: object = self.app.mapper.to_domain_event(stored)
            except Exception as e:  # noqa: BLE001 - a tampered row may not even decode
                decoded = e
            records.append((stored.originator_version, decoded))
        return verify_chain(records)

    def state_at(self, aggregate_id: UUID, *, version: int | None = None, at: datetime | None = None) -> dict[str, Any]:
        """The aggregate as it stood at a version, or at a moment (the last event at or before it).

        The rows are read once, after the integrity check: the moment's version is found from their
        business times, and the record is rebuilt from them, each event decoded once, from a verified
        snapshot at or before that version when there is one (domain/snapshots.py)."""
        rows = self._stored(aggregate_id)
        if at is not None:
            version = self._version_at(rows, at)
        aggregate: Any = self.app.record(aggregate_id, version, rows=rows)
        state = {k.lstrip("_"): v for k, v in vars(aggregate).items() if k not in HIDDEN_STATE}
        found: dict[str, Any] = jsonable({"id": aggregate.id, "version": aggregate.version, **state})
        return found

    def version_at(self, aggregate_id: UUID, at: datetime) -> int:
        return self._version_at(self._stored(aggregate_id), at)

    def _version_at(self, rows: list[Any], at: datetime) -> int:
        """The highest version whose business time is at or before `at` (times need not grow with versions)."""
        moment = check_instant("at", at)
        version = 0
        for row in rows:
            if as_utc(self._instant(row)) <= moment:
                version = row.originator_version
        if version == 0:
            raise InvalidInput("at", NOT_YET, at=moment.isoformat())
        return version

    def _instant(self, row: Any) -> datetime:
        """A stored event's business time, read without building the event: the transcoder writes it as the
        state's first key. Decoded in full only if the row does not start so (the rebuild then names what is
        wrong with it)."""
        state: bytes = row.state
        if state.startswith(STORED_TIME):
            end = state.find(b'"', len(STORED_TIME))
            try:
                return datetime.fromisoformat(state[len(STORED_TIME) : end].decode())
            except (ValueError, UnicodeDecodeError):
                pass
        event: Any = self.app.mapper.to_domain_event(row)
        timestamp: datetime = event.timestamp
        return timestamp

    def diff(self, aggregate_id: UUID, since: datetime, until: datetime) -> dict[str, Any]:
        """What changed between two moments: fields before and after, and the events in between."""
        since, until = check_instant("since", since), check_instant("until", until)
        if until < since:
            raise InvalidInput("until", BEFORE_SINCE)
        before = self.state_at(aggregate_id, at=since)
        after = self.state_at(aggregate_id, at=until)
        changed = {
            k: {"before": before.get(k), "after": after.get(k)}
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)
        }
        events = [h for h in self.history(aggregate_id) if before["version"] < h["version"] <= after["version"]]
        return {"from_version": before["version"], "to_version": after["version"], "changed": changed, "events": events}

    def recompute(self, appraisal_id: UUID) -> dict[str, Any]:
        """Recompute every recorded rating from its inputs under the rule set then in force."""
        appraisal = self.app.appraisal(appraisal_id)
        events = list(self._events(appraisal_id))
        # Each rating under the rule set in force when it was recorded: the one opened under, then each migration's.
        rules = rule_set(getattr(events[0], "rule_set_id", appraisal.rule_set_id) if events else appraisal.rule_set_id)
        checks = []
        for e in events:
            if type(e).__name__ == "RuleSetMigrated":
                rules = rule_set(e.to_rule_set)
            if type(e).__name__ not in ("Rated", "KeberatanDecided"):
                continue
            behaviour = rules.behaviour_rating(e.behaviour_ratings)
            predikat = rules.predikat(e.results_rating, behaviour)
            checks.append(
                {
                    "version": e.originator_version,
                    "event": type(e).__name__,
                    "results_rating": e.results_rating,
                    "behaviour_rating": {"recorded": e.behaviour_rating, "recomputed": behaviour},
                    "predikat": {"recorded": e.predikat, "recomputed": predikat},
                    "match": behaviour == e.behaviour_rating and predikat == e.predikat,
                }
            )
        return {
            "appraisal_id": str(appraisal_id),
            "rule_set_id": rules.id,
            "rule_set_title": rules.title,
            "final_predikat": appraisal.predikat,
            "ratings": checks,
            "all_match": all(c["match"] for c in checks),
        }

    def _events(self, aggregate_id: UUID) -> list[Any]:
        """The decoded events; their fields differ by type, so they are read by name."""
        return [self.app.mapper.to_domain_event(s) for s in self._stored(aggregate_id)]

    def _stored(self, aggregate_id: UUID, guarded: bool = True) -> list[Any]:
        """The stored rows; first the integrity check (IntegrityBroken), except for verify, which reports it."""
        try:
            home = self.app.home(aggregate_id)  # the record's partition (domain/partitions.py)
        except NotFound:
            raise NotFound(NO_RECORD, record_id=str(aggregate_id)) from None
        if guarded and home.integrity_check is not None:
            home.integrity_check(aggregate_id)
        stored = list(home.recorder.select_events(aggregate_id))
        if not stored:
            raise NotFound(NO_RECORD, record_id=str(aggregate_id))
        return stored


HISTORY_COLUMNS = ("version", "type", "at", "by", "rule_set_id", "payload", "digest", "prev_digest")


def history_csv(history: list[dict[str, Any]]) -> str:
    """An auditor's CSV of a history: one event per row, its payload as JSON."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HISTORY_COLUMNS)
    for e in history:
        writer.writerow(
            [
                e["version"],
                e["type"],
                e["at"],
                e["by"] or "",
                e["rule_set_id"] or "",
                json.dumps(e["payload"], sort_keys=True, ensure_ascii=False),
                e["digest"],
                e["prev_digest"],
            ]
        )
    return out.getvalue()


def jsonable(value: Any) -> Any:
    """Plain JSON types for an auditor's export."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, UUID)):
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return value
