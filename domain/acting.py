"""Acting heads (Plt/Plh): HR designates someone to act for a unit's head for a period, under a decree.

One `ActingRegister` per cycle holds the cycle's designations. Its rules refuse a designation that
overlaps another of the same unit, names the head (or the HR officer) as their own stand-in, falls
outside the cycle's year or is over already, or repeats a decree number. While a designation runs,
the acting head takes the head's part in every appraisal of the cycle where the head is the pejabat
penilai (or the atasan): the designation's workflow sends BeginActing to each at the first day and
EndActing after the last (domain/acting_rules.py rules there), and records here whom it reached.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import calendar
from domain.acting_commands import DesignateActing, EndDesignation
from domain.base import Actor, KinerjaAggregate, require
from domain.errors import REQUIRED, InvalidInput, WrongStage, refusal
from domain.nip import check_nip
from domain.text import ITEM, TEXT

NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/acting")
PLT, PLH = "plt", "plh"
KINDS = (PLT, PLH)
BEGIN, END = "begin", "end"

ONLY_HR = refusal("acting.only_hr", "only HR (pengelola kinerja) designates an acting head")
NO_KIND = refusal("acting.kind", "must be one of {kinds}, got {value!r}")
NO_UNIT = refusal("acting.no_unit", "no participant of the cycle works in unit {unit_id}")
NO_HEAD = refusal("acting.no_head", "unit {unit_id} has no head in the cycle to act for")
OVER_SELF = refusal("acting.over_self", "{nip} heads unit {unit_id}: a head cannot act for themselves")
SELF_DESIGNATED = refusal(
    "acting.self_designated", "HR cannot designate itself acting head: another pengelola kinerja must do it"
)
NOT_COLLEAGUE = refusal("acting.not_colleague", "{nip} is not an active employee of this agency")
ENDS_BEFORE = refusal("acting.ends_before_starts", "must not be before the first day ({starts})")
OUTSIDE_CYCLE = refusal("acting.outside_cycle", "must fall within the cycle's year {year}, got {value}")
OVER_ALREADY = refusal("acting.over", "the designation would be over already: its last day {ends} is before {today}")
OVERLAP = refusal(
    "acting.overlap", "overlaps {other_kind} {other_nip} for unit {unit_id} ({other_starts} to {other_ends})"
)
DECREE_USED = refusal("acting.decree_used", "decree {decree} already designates an acting head in this cycle")
NO_DESIGNATION = refusal("acting.no_designation", "no designation {designation_id} in this cycle")
NOT_EARLIER = refusal("acting.not_earlier", "must be before the designation's last day {ends}: it can only end earlier")
BACKDATED = refusal(
    "acting.backdated", "must not be before {yesterday}: what was done under the designation until today stays its own"
)
ALREADY_OVER = refusal("acting.already_over", "the designation {designation_id} is over already")
BY_CALENDAR = refusal("acting.by_calendar", "a designation starts and ends by its own calendar")


def designation_id_of(cycle_id: UUID, decree: str) -> str:
    """A designation's id: one per decree number in a cycle (whatever its letter case)."""
    return str(uuid5(NAMESPACE, f"{cycle_id}/{decree.strip().casefold()}"))


def period_instants(designation: dict[str, Any], time_zone: str) -> tuple[datetime, datetime]:
    """When a designation begins (its first day's start in the agency's zone) and ends (the day after its last
    day begins), as UTC instants."""
    starts = date.fromisoformat(designation["starts"]) - timedelta(days=1)
    return (
        calendar.end_of_day(starts, time_zone) + timedelta(seconds=1),
        calendar.end_of_day(date.fromisoformat(designation["ends"]), time_zone) + timedelta(seconds=1),
    )


def unit_head(participants: dict[str, dict[str, Any]], unit_id: str) -> str | None:
    """The unit's head: the participant marked head of it, else the one pejabat penilai its other members share."""
    members = [p for p in participants.values() if p["unit_id"] == unit_id]
    marked = [p["nip"] for p in members if p.get("is_unit_head")]
    if marked:
        return str(marked[0])
    appraisers = {p["appraiser_nip"] for p in members}
    return str(appraisers.pop()) if len(appraisers) == 1 else None


def reached(participants: dict[str, dict[str, Any]], head_nip: str) -> list[str]:
    """The NIPs whose appraisal the head takes part in (as pejabat penilai or atasan), which a designation reaches."""
    return sorted(n for n, p in participants.items() if head_nip in (p["appraiser_nip"], p["atasan_nip"]))


class ActingRegister(KinerjaAggregate):
    """The acting heads designated in one cycle, with their decrees and whom each reached."""

    @staticmethod
    def create_id(cycle_id: UUID) -> UUID:
        return uuid5(NAMESPACE, str(cycle_id))

    @event("Opened")
    def __init__(self, cycle_id: UUID, timestamp: datetime) -> None:
        self.cycle_id = cycle_id
        self.designations: dict[str, dict[str, Any]] = {}

    def designate(
        self,
        cmd: DesignateActing,
        at: datetime,
        *,
        year: int,
        time_zone: str,
        participants: dict[str, dict[str, Any]],
        colleague: Callable[[str], str | None],
    ) -> str:
        """Record a designation; returns its id. `colleague` names an active employee of the agency (or None)."""
        require(cmd.by.is_hr, ONLY_HR)
        if cmd.kind not in KINDS:
            raise InvalidInput("kind", NO_KIND, kinds=", ".join(KINDS), value=cmd.kind)
        if not any(p["unit_id"] == cmd.unit_id for p in participants.values()):
            raise InvalidInput("unit_id", NO_UNIT, unit_id=cmd.unit_id)
        head = unit_head(participants, cmd.unit_id)
        if head is None:
            raise InvalidInput("unit_id", NO_HEAD, unit_id=cmd.unit_id)
        acting = check_nip(cmd.acting_nip, "acting_nip", at.date())
        if acting == head:
            raise InvalidInput("acting_nip", OVER_SELF, nip=acting, unit_id=cmd.unit_id)
        require(acting != cmd.by.nip, SELF_DESIGNATED)
        name = colleague(acting)
        if name is None:
            raise InvalidInput("acting_nip", NOT_COLLEAGUE, nip=acting)
        starts, ends = self._period(cmd, at, year, time_zone)
        decree = _decree(cmd.decree)
        for other in self.designations.values():
            if other["decree"].casefold() == decree.casefold():
                raise InvalidInput("decree", DECREE_USED, decree=decree)
        for other in self.designations.values():
            if other["unit_id"] == cmd.unit_id and starts <= other["ends"] and other["starts"] <= ends:
                raise InvalidInput(
                    "starts",
                    OVERLAP,
                    other_kind=other["kind"],
                    other_nip=other["acting_nip"],
                    unit_id=cmd.unit_id,
                    other_starts=other["starts"],
                    other_ends=other["ends"],
                )
        designation_id = designation_id_of(self.cycle_id, decree)
        designation = {
            "id": designation_id,
            "unit_id": cmd.unit_id,
            "head_nip": head,
            "acting_nip": acting,
            "acting_name": name,
            "kind": cmd.kind,
            "starts": starts,
            "ends": ends,
            "decree": decree,
        }
        self._designated(cmd.by.nip, designation, at)
        return designation_id

    @staticmethod
    def _period(cmd: DesignateActing, at: datetime, year: int, time_zone: str) -> tuple[str, str]:
        starts = calendar.parse_day("starts", cmd.starts)
        ends = calendar.parse_day("ends", cmd.ends)
        first, last = date(year, 1, 1), date(year, 12, 31)
        for field, day in (("starts", starts), ("ends", ends)):
            if not first <= day <= last:
                raise InvalidInput(field, OUTSIDE_CYCLE, year=year, value=day.isoformat())
        if ends < starts:
            raise InvalidInput("ends", ENDS_BEFORE, starts=starts.isoformat())
        today = calendar.local_day(at, time_zone)
        if ends < today:
            raise InvalidInput("ends", OVER_ALREADY, ends=ends.isoformat(), today=today.isoformat())
        return starts.isoformat(), ends.isoformat()

    @event("Designated")
    def _designated(self, by: str, designation: dict[str, Any], timestamp: datetime) -> None:
        self.designations[designation["id"]] = {
            **designation,
            "by": by,
            "at": timestamp.isoformat(),
            "began": None,
            "ended": None,
        }

    def end_early(self, cmd: EndDesignation, at: datetime, *, time_zone: str) -> dict[str, Any]:
        """HR moves the designation's last day earlier (a day before its first cancels it): not below yesterday,
        so what was done under it stays its own, and not once its end was stepped. Returns the designation."""
        require(cmd.by.is_hr, ONLY_HR)
        held = self.designation(cmd.designation_id)
        if held["ended"] is not None:
            raise WrongStage(ALREADY_OVER, designation_id=cmd.designation_id)
        ends = calendar.parse_day("ends", cmd.ends)
        if ends.isoformat() >= held["ends"]:
            raise InvalidInput("ends", NOT_EARLIER, ends=held["ends"])
        yesterday = calendar.local_day(at, time_zone) - timedelta(days=1)
        earliest = max(yesterday, date.fromisoformat(held["starts"]) - timedelta(days=1))
        if ends < earliest:
            raise InvalidInput("ends", BACKDATED, yesterday=earliest.isoformat())
        reason = TEXT.check("reason", cmd.reason).strip()  # required: the command's Text (domain/text.py)
        self._shortened(cmd.by.nip, cmd.designation_id, held["ends"], ends.isoformat(), reason, at)
        return self.designations[cmd.designation_id]

    @event("Shortened")
    def _shortened(
        self, by: str, designation_id: str, previous: str, ends: str, reason: str, timestamp: datetime
    ) -> None:
        held = self.designations[designation_id]
        held["ends"] = ends
        held["shortened"] = {
            "by": by,
            "at": timestamp.isoformat(),
            "previous": previous,
            "reason": reason,
            "cancelled": ends < held["starts"],
        }

    def designation(self, designation_id: str) -> dict[str, Any]:
        found = self.designations.get(designation_id)
        if found is None:
            raise InvalidInput("designation_id", NO_DESIGNATION, designation_id=designation_id)
        return found

    def record_step(
        self,
        by: Actor,
        designation_id: str,
        step: str,
        reached: list[str],
        skipped: dict[str, dict[str, Any]],
        at: datetime,
    ) -> None:
        """The designation's calendar began (or ended) it: the appraisals it reached, and those it could not
        (NIP -> the refusal's code and figures). Recorded once per step."""
        require(by.is_system, BY_CALENDAR)
        held = self.designation(designation_id)
        if held["began" if step == BEGIN else "ended"] is not None:
            raise WrongStage(BY_CALENDAR)
        self._stepped(by.nip, designation_id, step, sorted(reached), dict(sorted(skipped.items())), at)

    @event("Stepped")
    def _stepped(
        self,
        by: str,
        designation_id: str,
        step: str,
        reached: list[str],
        skipped: dict[str, dict[str, Any]],
        timestamp: datetime,
    ) -> None:
        key = "began" if step == BEGIN else "ended"
        self.designations[designation_id][key] = {"at": timestamp.isoformat(), "reached": reached, "skipped": skipped}

    def joining(self, nip: str, participant: dict[str, Any]) -> list[dict[str, Any]]:
        """The designations running now (begun, not ended) that a participant added to the cycle since their start
        falls under (its pejabat penilai or atasan is their head), and that have not reached them yet."""
        heads = (participant["appraiser_nip"], participant["atasan_nip"])
        return [
            d
            for d in self.designations.values()
            if d["began"] is not None
            and d["ended"] is None
            and d["head_nip"] in heads
            and nip not in d["began"]["reached"]
            and nip not in d.get("joined", {})
        ]

    def record_joined(
        self, by: Actor, designation_id: str, nip: str, skipped: dict[str, Any] | None, at: datetime
    ) -> None:
        """A participant added while the designation runs was reached (skipped: None) or could not be (the refusal's
        code and figures), by the cycle's calendar; once per participant."""
        require(by.is_system, BY_CALENDAR)
        held = self.designation(designation_id)
        if nip in held.get("joined", {}) or held["ended"] is not None:
            raise WrongStage(BY_CALENDAR)
        self._joined(by.nip, designation_id, nip, skipped, at)

    @event("Joined")
    def _joined(
        self, by: str, designation_id: str, nip: str, skipped: dict[str, Any] | None, timestamp: datetime
    ) -> None:
        joined = self.designations[designation_id].setdefault("joined", {})
        joined[nip] = {"at": timestamp.isoformat(), "reached": skipped is None, "skipped": skipped}

    def reached_now(self, designation_id: str) -> list[str]:
        """Whom the designation holds now: those its start reached and those who joined while it ran."""
        held = self.designation(designation_id)
        joined = [n for n, j in held.get("joined", {}).items() if j["reached"]]
        return sorted(set((held["began"] or {}).get("reached", [])) | set(joined))

    def in_charge(self, unit_id: str, day: date) -> dict[str, Any] | None:
        """The designation acting for the unit's head on that agency-local day, if any."""
        iso = day.isoformat()
        return next(
            (d for d in self.designations.values() if d["unit_id"] == unit_id and d["starts"] <= iso <= d["ends"]),
            None,
        )


def _decree(value: str) -> str:
    if not str(value or "").strip():
        raise InvalidInput("decree", REQUIRED)
    return ITEM.check("decree", str(value).strip())
