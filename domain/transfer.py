"""The Transfer aggregate: an employee's mutasi within the year, and the periods it splits the year into.

A record of its own (topics `domain.transfer:Transfer.<Event>`), beside the two appraisals it joins: the
origin's, which the transfer closes (the employee leaves the origin cycle), and the destination's, opened in
the new unit or agency (its cycle's participant record names this transfer). The old post's pejabat penilai
evaluates the months served there (ServedPeriodEvaluated); the destination appraisal's own rating is the
second period; the year's predikat combines both under the rule the transfer recorded from the rule set
(domain/period_combining.py), so a later change of rule set never changes a recorded year.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import calendar
from domain.base import Actor, KinerjaAggregate, require
from domain.errors import WrongStage, refusal
from domain.ratings import check_rating
from domain.rules import rule_set
from domain.text import TEXT
from domain.transfer_commands import EvaluateServedPeriod

NAMESPACE = uuid5(NAMESPACE_URL, "https://kinerja.example/transfer")

ONLY_OLD_APPRAISER = refusal(
    "transfer.only_old_appraiser", "only the old post's pejabat penilai ({nip}) evaluates the months served there"
)
ALREADY_EVALUATED = refusal("transfer.already_evaluated", "the months served in the old post are already evaluated")
NOTHING_SERVED = refusal("transfer.nothing_served", "no month was served in the old post: there is nothing to evaluate")

BY_CALENDAR = refusal("transfer.by_calendar", "the evaluation's reminder and escalation are sent by its calendar")
ORIGIN, DESTINATION = "origin", "destination"
# The old appraiser's task: the evaluation of the months served is due at the end of this many agency-local
# days after the transfer was recorded; a reminder goes this many days before; past due it escalates to the
# old post's atasan (workflows/transfer_evaluation.py keeps the time).
EVALUATION_DAYS, REMIND_DAYS_BEFORE = 14, 3
REMIND, ESCALATE = "remind", "escalate"
EVALUATE_TASK = "evaluate_served_period"


class Transfer(KinerjaAggregate):
    """One mutasi: from a post (agency, unit, appraiser) to another, from the decree's effective day."""

    @staticmethod
    def create_id(origin_cycle_id: UUID, employee_nip: str, decree: str) -> UUID:
        """One record per decree (nomor SK) moving the employee out of the cycle: a repeat finds it."""
        return uuid5(NAMESPACE, f"{origin_cycle_id}/{employee_nip}/{decree}")

    @event("Recorded")
    def __init__(
        self,
        origin_cycle_id: UUID,
        employee_nip: str,
        employee_name: str,
        decree: str,
        effective: str,
        reason: str,
        by: str,
        origin: dict[str, Any],
        destination: dict[str, Any],
        months: dict[str, int],
        combining: dict[str, str],
        command_key: str,
        timestamp: datetime,
    ) -> None:
        self.origin_cycle_id, self.employee_nip, self.employee_name = origin_cycle_id, employee_nip, employee_name
        self.decree, self.effective, self.reason, self.recorded_by = decree, effective, reason, by
        self.origin, self.destination = origin, destination
        self.months, self.combining = months, combining
        self.evaluation: dict[str, Any] | None = None

    @event("ServedPeriodEvaluated")
    def _served_period_evaluated(
        self, by: str, results_rating: str, behaviour_rating: str, predikat: str, notes: str, timestamp: datetime
    ) -> None:
        self.evaluation = {
            "by": by,
            "results": results_rating,
            "behaviour": behaviour_rating,
            "predikat": predikat,
            "notes": notes,
            "at": timestamp.isoformat(),
        }

    @event("EvaluationReminded")
    def _evaluation_reminded(self, by: str, to: str, due: str, timestamp: datetime) -> None:
        self.__dict__.setdefault("notices", {})[REMIND] = {"to": to, "due": due, "at": timestamp.isoformat()}

    @event("EvaluationEscalated")
    def _evaluation_escalated(self, by: str, to: str, escalated_to: str, due: str, timestamp: datetime) -> None:
        self.__dict__.setdefault("notices", {})[ESCALATE] = {
            "to": to,
            "escalated_to": escalated_to,
            "due": due,
            "at": timestamp.isoformat(),
        }

    # --- rules ------------------------------------------------------------------

    @property
    def agency_id(self) -> str:
        """The transfer's home agency, the origin's: the partitioned store keeps it in that agency's log, beside
        the cycle it closes (the destination's HR reads it through the read model, readmodels/transfer_rows.py)."""
        return str(self.origin["agency_id"])

    @property
    def evaluation_due(self) -> datetime:
        """When the old appraiser's evaluation falls due: the end of the EVALUATION_DAYS-th agency-local day after
        the transfer was recorded (a UTC instant)."""
        zone_name = str(self.origin.get("time_zone") or "WIB")
        recorded = calendar.local_day(self.created_on, zone_name)
        return calendar.end_of_day(recorded + timedelta(days=EVALUATION_DAYS), zone_name)

    @property
    def evaluation_reminder(self) -> datetime:
        return self.evaluation_due - timedelta(days=REMIND_DAYS_BEFORE)

    @property
    def evaluation_pending(self) -> bool:
        """Whether the old appraiser still owes the evaluation (a month served there, none recorded yet)."""
        return self.evaluation is None and self.months[ORIGIN] > 0

    @property
    def notices(self) -> dict[str, dict[str, Any]]:
        return dict(self.__dict__.get("notices", {}))

    def notify(self, by: Actor, notice: str, at: datetime) -> bool:
        """The calendar's reminder (REMIND) or escalation to the old post's atasan (ESCALATE) of the evaluation;
        each once, and none once it is done. Returns whether one was recorded."""
        require(by.is_system, BY_CALENDAR)
        if not self.evaluation_pending or notice in self.notices:
            return False
        appraiser, due = str(self.origin["appraiser_nip"]), self.evaluation_due.isoformat()
        if notice == REMIND:
            self._evaluation_reminded(by.nip, appraiser, due, at)
        else:
            self._evaluation_escalated(by.nip, appraiser, str(self.origin["atasan_nip"]), due, at)
        return True

    @property
    def agencies(self) -> tuple[str, str]:
        """The agencies whose HR see the transfer: the origin's and the destination's."""
        return str(self.origin["agency_id"]), str(self.destination["agency_id"])

    def evaluate(self, cmd: EvaluateServedPeriod, at: datetime) -> None:
        """The old post's appraiser closes the months served with a periodic evaluation (the kuadran of the
        origin's rule set): once, and only when a month was served there."""
        appraiser = str(self.origin["appraiser_nip"])
        require(cmd.by.nip == appraiser, ONLY_OLD_APPRAISER, nip=appraiser)
        if self.evaluation is not None:
            raise WrongStage(ALREADY_EVALUATED)
        if self.months[ORIGIN] == 0:
            raise WrongStage(NOTHING_SERVED)
        results = check_rating("results_rating", cmd.results_rating)
        behaviour = check_rating("behaviour_rating", cmd.behaviour_rating)
        predikat = rule_set(str(self.origin["rule_set_id"])).predikat(results, behaviour)
        notes = TEXT.optional().check("notes", cmd.notes)
        self._served_period_evaluated(cmd.by.nip, results, behaviour, predikat, notes, at)

    def year(self, destination_predikat: str | None) -> dict[str, Any]:
        """Both periods, each with its months and predikat (None while not evaluated), and the year's predikat
        under the recorded rule once every period that served a month has one."""
        periods = [
            {"period": ORIGIN, **self._post(self.origin), "months": self.months[ORIGIN], "predikat": self._origin()},
            {
                "period": DESTINATION,
                **self._post(self.destination),
                "months": self.months[DESTINATION],
                "predikat": destination_predikat,
            },
        ]
        served = [(p["months"], p["predikat"]) for p in periods if p["months"] > 0]
        ready = all(predikat is not None for _, predikat in served)
        rules = rule_set(self.combining["rule_set_id"])
        combined = rules.combine_periods([(m, str(p)) for m, p in served]) if ready and served else None
        return {"periods": periods, "predikat": combined, "rule": dict(self.combining)}

    def _origin(self) -> str | None:
        return None if self.evaluation is None else str(self.evaluation["predikat"])

    @staticmethod
    def _post(post: dict[str, Any]) -> dict[str, Any]:
        keys = ("agency_id", "agency_name", "unit_id", "unit_name", "appraiser_nip", "appraisal_id", "from", "until")
        return {k: post.get(k) for k in keys}
