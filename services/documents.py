"""Documents: what an SKP or evaluation PDF states, read from the log, and the public check of its reference.

`current` reads a document's content and reference from the records as they stand (the caller has
checked the reader's right to the appraisal). `verify` answers anyone holding a reference: it
reads the three records at the reference's position, recomputes the digest, and says whether the
document matches the log, matches but what it states has changed since (superseded, with the day
of the change), or matches nothing. A later event that changes nothing the document states (a
reminder, progress reported after an SKP was printed) leaves it current. It tells no more than the document itself states: a reference
that does not match learns nothing about the record, not even whether it exists.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import KinerjaAggregate
from domain.cycle import AppraisalCycle
from domain.document import EVALUATION, Position, Reference, content, reference
from domain.errors import IntegrityBroken, NotFound, refusal
from domain.organisation import Agency

NO_VERSION = refusal("document.no_version", "no {what} {record_id} at version {version}")

MATCHES, SUPERSEDED, NO_MATCH = "cocok", "diperbarui", "tidak_cocok"
R = TypeVar("R", bound=KinerjaAggregate)
Records = tuple[Appraisal, AppraisalCycle, Agency | None]


@dataclass(frozen=True)
class Verdict:
    """The answer to a reference: its status and, only when the digest matched, what the document states."""

    status: str
    stated: dict[str, Any] = field(default_factory=dict)
    changed_at: datetime | None = None

    @property
    def matched(self) -> bool:
        return self.status != NO_MATCH

    def summary(self) -> dict[str, Any]:
        """What the verification page shows: the document's own identity lines, nothing it does not print."""
        if not self.matched:
            return {}
        s = self.stated
        shown = {k: s[k] for k in ("kind", "agency", "year", "dated", "zone")}
        for who in ("employee", "appraiser", "atasan"):
            shown[who] = {"name": s[who]["name"], "nip": s[who]["nip"]}
        if s["kind"] == EVALUATION:
            shown["predikat"] = s["predikat"]
        return shown


def same_substance(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two contents state the same, apart from the day of the state printed, which every event moves."""
    return {**one, "dated": ""} == {**other, "dated": ""}


class Documents:
    """The documents' side of the log: content and reference now, and the check of a reference."""

    def __init__(self, app: Appraisals) -> None:
        self.app = app

    def current(self, appraisal: Appraisal, kind: str) -> tuple[dict[str, Any], Reference]:
        """The content and reference of the document of `kind` from the appraisal and its records as they stand."""
        cycle = self.app.cycle(appraisal.cycle_id)
        agency = self._latest(Agency, Agency.create_id(cycle.agency_id))
        return content(kind, appraisal, cycle, agency), reference(kind, appraisal, cycle, agency)

    def verify(self, ref: Reference) -> Verdict:
        try:
            pinned = self._records(ref.position)
        except (NotFound, IntegrityBroken):
            return Verdict(NO_MATCH)
        version = ref.content_version  # a print is recomputed as the content of its own version
        if not hmac.compare_digest(reference(ref.kind, *pinned, version).digest, ref.digest):
            return Verdict(NO_MATCH)
        stated = content(ref.kind, *pinned, version)
        try:
            changed = self._changed_at(ref.kind, version, pinned, stated)
        except (NotFound, IntegrityBroken):  # the record now fails its check: the print cannot be current
            return Verdict(SUPERSEDED, stated)
        return Verdict(SUPERSEDED if changed else MATCHES, stated, changed)

    def _records(self, p: Position) -> Records:
        appraisal = self._at(Appraisal, p.appraisal_id, p.version)
        cycle = self._at(AppraisalCycle, appraisal.cycle_id, p.cycle_version)
        agency_id = Agency.create_id(cycle.agency_id)
        return appraisal, cycle, self._at(Agency, agency_id, p.agency_version) if p.agency_version else None

    def _at(self, cls: type[R], record_id: UUID, version: int) -> R:
        """The record exactly at `version` (the store answers a later version with the latest one)."""
        found = self.app.record(record_id, version)
        if not isinstance(found, cls) or found.version != version:
            raise NotFound(NO_VERSION, what=cls.__name__, record_id=str(record_id), version=version)
        return found

    def _latest(self, cls: type[R], record_id: UUID) -> R | None:
        try:
            found = self.app.record(record_id)
        except NotFound:
            return None
        return found if isinstance(found, cls) else None

    def _changed_at(self, kind: str, version: int, pinned: Records, stated: dict[str, Any]) -> datetime | None:
        """When the document's content first differs from `stated`, record by record; None if it still holds.

        The appraisal moves first (its cycle and agency as printed), then the cycle, then the agency;
        within a record a bisection finds a version whose content differs while the one before does not.
        """
        appraisal, cycle, agency = pinned
        now = self.app.appraisal(appraisal.id)
        cycle_now = self.app.cycle(cycle.id)
        agency_now = self._latest(Agency, Agency.create_id(cycle.agency_id))
        steps: list[tuple[KinerjaAggregate | None, KinerjaAggregate | None, Callable[[Any], Records]]] = [
            (appraisal, now, lambda a: (a, cycle, agency)),
            (cycle, cycle_now, lambda c: (now, c, agency)),
            (agency, agency_now, lambda g: (now, cycle_now, g)),
        ]
        for before, after, records in steps:
            if after is None or (before is not None and before.version == after.version):
                continue
            if same_substance(content(kind, *records(after), version), stated):
                continue
            if before is None:  # the agency's record appeared after the print
                return after.created_on
            found = self._first_change((kind, version), type(after), before, after.version, records, stated)
            return found.modified_on
        return None

    def _first_change(
        self,
        printed: tuple[str, int],  # the document's kind and content version
        cls: type[KinerjaAggregate],
        same: KinerjaAggregate,
        differs_at: int,
        records: Callable[[Any], Records],
        stated: dict[str, Any],
    ) -> KinerjaAggregate:
        lo, hi = same.version, differs_at
        found = self._at(cls, same.id, hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            candidate = self._at(cls, same.id, mid)
            if same_substance(content(printed[0], *records(candidate), printed[1]), stated):
                lo = mid
            else:
                hi, found = mid, candidate
        return found
