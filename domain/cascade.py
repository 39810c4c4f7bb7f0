"""Cascading without deadlock (#15): a subordinate's SKP waits for the superior's RHK instead of being refused.

While the pejabat penilai (a participant of the same cycle) has drafted no RHK, an RHK utama may point to the
provisional `PROVISIONAL` ("menunggu RHK atasan"); the SKP can be drafted and submitted so. Once the superior's
RHK exist, each waiting RHK is linked to one of them (`LinkRhk`: the employee, or the appraiser while the SKP is
with them), and the SKP is approved only when every RHK utama names one of the superior's RHK.

The link's fact is its own event class here (`RhkLinked`, topic `domain.cascade:RhkLinked`), not an `@event`
of domain/appraisal.py: that module keeps only the events stored before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain.base import KinerjaAggregate, require
from domain.errors import InvalidInput, WrongStage, refusal
from domain.rules import rule_set
from domain.skp import NOT_SUPPORTED, PROVISIONAL, is_waiting
from domain.stages import PLANNING, AppraisalState, Facts
from domain.work_commands import LinkRhk

__all__ = [
    "PROVISIONAL",
    "RHK_ATASAN",
    "Cascade",
    "RhkLinked",
    "cascade_choice",
    "cascade_days",
    "cascade_default",
    "cascade_dues",
    "cascade_leads",
    "is_waiting",
    "unlinked",
    "waiting_ids",
]

LINKS_MISSING = refusal(
    "cascade.links_missing",
    "every RHK utama must name one of the superior's RHK before the SKP is approved: {rhk_ids} still wait",
)
WHO_LINKS = refusal(
    "cascade.who_links",
    "only the employee links their RHK (or the pejabat penilai while the SKP is with them)",
)
NOTHING_TO_LINK = refusal("cascade.no_superior", "the pejabat penilai takes no part in the cycle: nothing cascades")
NO_SUCH_RHK = refusal("cascade.unknown_rhk", "must be one of the SKP's RHK ({known}), got {value!r}")
LINK_WHEN = refusal("cascade.link_when", "an RHK is linked while the SKP is planned, it is {skp_status}")
CASCADE_DAYS = refusal("cycle.cascade_days", "must be a whole number of days from {earliest} to {latest}, got {value}")

# HR's choice when starting the cycle (`cascade_choice`): how many days before the planning deadline a superior's
# RHK are due, and how many more for each further level below them.
MOST_CASCADE_DAYS_BEFORE = 60
MOST_CASCADE_DAYS_PER_LEVEL = 30


RHK_ATASAN = "rhk_atasan"  # the superior's task while subordinates wait on their RHK ("N bawahan menunggu RHK Anda")


def cascade_choice(cycle: Any, days_before: int | None, days_per_level: int | None) -> tuple[int, int]:
    """HR's choice of the superiors' earlier deadline when starting the cycle, checked and completed with the rule
    set's values: (days before the planning deadline, further days earlier for each level below)."""
    rules = rule_set(cycle.rule_set_id)
    chosen = []
    for field, value, default, latest in (
        ("cascade_days_before", days_before, rules.cascade_days_before, MOST_CASCADE_DAYS_BEFORE),
        ("cascade_days_per_level", days_per_level, rules.cascade_days_per_level, MOST_CASCADE_DAYS_PER_LEVEL),
    ):
        days = default if value is None else value
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= latest:
            raise InvalidInput(field, CASCADE_DAYS, earliest=0, latest=latest, value=str(days)[:20])
        chosen.append(days)
    return chosen[0], chosen[1]


def cascade_default(rule_set_id: str) -> dict[str, int]:
    """The rule set's days, which a cycle started without HR's choice keeps (shown beside the choice)."""
    rules = rule_set(rule_set_id)
    return {"before": rules.cascade_days_before, "per_level": rules.cascade_days_per_level}


def cascade_days(cycle: Any) -> dict[str, int]:
    """The days in force for a cycle: HR's choice recorded at its start, else the rule set's."""
    days = cascade_default(cycle.rule_set_id)
    before, per_level = getattr(cycle, "cascade_days_before", None), getattr(cycle, "cascade_days_per_level", None)
    return {
        "before": days["before"] if before is None else before,
        "per_level": days["per_level"] if per_level is None else per_level,
    }


def cascade_leads(cycle: Any) -> dict[str, int]:
    """How many days before the planning deadline each superior's RHK are due: the cycle's days (HR's choice at
    the start; the rule set's for a cycle started before it recorded one), and the days per level more for each
    further level of subordinates below them, so heads come first. Only participants with subordinates in the
    cycle have one."""
    days = cascade_days(cycle)
    before, per_level = days["before"], days["per_level"]
    below: dict[str, list[str]] = {}
    for nip, p in cycle.participants.items():
        if p["appraiser_nip"] in cycle.participants:
            below.setdefault(p["appraiser_nip"], []).append(nip)
    levels: dict[str, int] = {}

    def height(nip: str, seen: frozenset[str]) -> int:
        if nip not in levels:
            children = [c for c in below.get(nip, []) if c not in seen]
            levels[nip] = 1 + max((height(c, seen | {c}) for c in children), default=0) if children else 0
        return levels[nip]

    return {nip: before + per_level * (height(nip, frozenset({nip})) - 1) for nip in sorted(below)}


def cascade_due(planning: datetime, lead_days: int) -> datetime:
    """A superior's RHK deadline: `lead_days` before the planning deadline (it moves when that one is extended)."""
    return planning - timedelta(days=lead_days)


def cascade_dues(cycle: Any) -> dict[str, datetime]:
    """When each superior's RHK are due (`cascade_leads` before the cycle's planning deadline)."""
    planning = cycle.deadline("planning")
    return {nip: cascade_due(planning, lead) for nip, lead in cascade_leads(cycle).items()}


class RhkLinked(KinerjaAggregate.Event):
    """An RHK of the SKP now supports one of the superior's RHK (it waited as PROVISIONAL, or named another)."""

    by: str
    rhk_id: str
    supports: str
    previous: str

    def apply(self, aggregate: Any) -> None:
        aggregate.rhk = [{**r, "supports": self.supports} if r["id"] == self.rhk_id else r for r in aggregate.rhk]


def waiting_ids(rhk: Iterable[dict[str, Any]]) -> list[str]:
    return [str(r["id"]) for r in rhk if is_waiting(r)]


def unlinked(rhk: Iterable[dict[str, Any]], superior_rhk_ids: Sequence[str] | None) -> list[str]:
    """The RHK utama that name none of the superior's RHK (nothing, when nothing cascades: no superior)."""
    if superior_rhk_ids is None:
        return []
    known = set(superior_rhk_ids)
    return [str(r["id"]) for r in rhk if r["kind"] == "utama" and r.get("supports") not in known]


class Cascade(AppraisalState):
    """Linking a waiting RHK to the superior's (the approval's rule that every RHK utama is linked: planning.py)."""

    def link_rhk(self, cmd: LinkRhk, at: datetime, facts: Facts) -> None:
        by = cmd.by
        submitted = self.skp_status == "submitted"
        require(by.nip == self.employee_nip or by.is_hr or (submitted and by.nip == self.acting_appraiser), WHO_LINKS)
        if by.nip != self.employee_nip and not by.is_hr:
            self._require_appraiser(by, "links an RHK")
        self._require_stage(PLANNING)
        if self.skp_status not in ("draft", "returned", "submitted"):
            raise WrongStage(LINK_WHEN, skp_status=self.skp_status)
        superior = facts.superior_rhk_ids()
        require(superior is not None, NOTHING_TO_LINK)
        ids = [str(r["id"]) for r in self.rhk]
        if cmd.rhk_id not in ids:
            raise InvalidInput("rhk_id", NO_SUCH_RHK, known=", ".join(ids), value=cmd.rhk_id)
        known = sorted(superior or [])
        if cmd.supports not in known:
            raise InvalidInput("supports", NOT_SUPPORTED, known=", ".join(known), value=cmd.supports)
        previous = next(str(r.get("supports") or "") for r in self.rhk if r["id"] == cmd.rhk_id)
        self.trigger_event(
            RhkLinked, by=by.nip, rhk_id=cmd.rhk_id, supports=cmd.supports, previous=previous, timestamp=at
        )

    if TYPE_CHECKING:  # the aggregate's own (eventsourcing's Aggregate)

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...
