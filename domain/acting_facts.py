"""The appraisal's facts of acting heads: a designation began or ended on it.

They live here, on a base of `Appraisal`, rather than in domain/appraisal.py: their stored topics are
`domain.acting_facts:ActingFacts.ActingBegan` and `.ActingEnded`, and no existing topic moves. The rules
that record them are `ActingRules` (domain/acting_rules.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from domain.base import KinerjaAggregate
from domain.stages import KEBERATAN

APPRAISER_ROLE, ATASAN_ROLE = "appraiser", "atasan"
ROLES = (APPRAISER_ROLE, ATASAN_ROLE)


def acting_of(aggregate: Any) -> dict[str, dict[str, Any]]:
    """Who acts for the head now, by role (an appraisal opened before acting heads existed has none)."""
    found: dict[str, dict[str, Any]] = aggregate.__dict__.get("acting") or {}
    return found


def _open_keberatan_of(aggregate: Any, decider: str) -> bool:
    """A keberatan waits on `decider` (filed, not escalated to HR): the atasan's part an acting head takes over."""
    keberatan = aggregate.__dict__.get("keberatan")
    return bool(
        aggregate.__dict__.get("stage") == KEBERATAN
        and keberatan is not None
        and not keberatan["escalated"]
        and keberatan["decider"] == decider
    )


class ActingFacts(KinerjaAggregate):
    """The two events; each keeps `acting` (the roles acted now) and `acting_history` (every period acted)."""

    class Created(KinerjaAggregate.Created):  # so the created event is not derived from a dataclass __init__
        pass

    @event("ActingBegan")
    def _acting_began(
        self,
        by: str,
        designation_id: str,
        role: str,
        unit_id: str,
        head_nip: str,
        acting_nip: str,
        kind: str,
        decree: str,
        timestamp: datetime,
    ) -> None:
        held = {
            "designation_id": designation_id,
            "unit_id": unit_id,
            "head_nip": head_nip,
            "nip": acting_nip,
            "kind": kind,
            "decree": decree,
            "since": timestamp.isoformat(),
        }
        self.__dict__["acting"] = {**acting_of(self), role: held}
        self.__dict__.setdefault("acting_history", []).append({**held, "role": role, "until": None})
        if role == ATASAN_ROLE and _open_keberatan_of(self, head_nip):
            self.__dict__["keberatan"]["decider"] = acting_nip

    @event("ActingEnded")
    def _acting_ended(self, by: str, designation_id: str, timestamp: datetime) -> None:
        acting = dict(acting_of(self))
        for role, held in list(acting.items()):
            if held["designation_id"] != designation_id:
                continue
            del acting[role]
            if role == ATASAN_ROLE and _open_keberatan_of(self, held["nip"]):
                self.__dict__["keberatan"]["decider"] = self.__dict__["atasan_nip"]
        self.__dict__["acting"] = acting
        for period in self.__dict__.get("acting_history", []):
            if period["designation_id"] == designation_id and period["until"] is None:
                period["until"] = timestamp.isoformat()
