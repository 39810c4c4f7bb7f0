"""Commands: one frozen dataclass per thing a person or the calendar asks of an appraisal or a cycle.

A command travels unchanged from the API through its workflow Update and its activity to the
aggregate, which checks it. `by` is who asks. The business instant and the idempotency key are
not part of it: the workflow adds them (`workflow.now()`, the update id) when it runs the command.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.base import Actor

# --- planning ---------------------------------------------------------------


@dataclass(frozen=True)
class DraftSkp:
    by: Actor
    rhk: list[dict[str, Any]]


@dataclass(frozen=True)
class SubmitSkp:
    by: Actor


@dataclass(frozen=True)
class ReturnSkp:
    by: Actor
    reasons: str


@dataclass(frozen=True)
class ApproveSkp:
    by: Actor


# --- execution --------------------------------------------------------------


@dataclass(frozen=True)
class ReportProgress:
    by: Actor
    period: str
    rhk_id: str
    realisation: str
    evidence: str = ""


@dataclass(frozen=True)
class GiveFeedback:
    """Umpan balik berkelanjutan from the appraiser on an RHK id or a BerAKHLAK value."""

    by: Actor
    about: str
    text: str


@dataclass(frozen=True)
class GivePeerFeedback:
    by: Actor
    text: str


@dataclass(frozen=True)
class RecordCitizenFeedback:
    """A citizen's SKM answer about the employee: a score on the scale 1-4 and a comment."""

    by: Actor
    score: int
    comment: str
    channel: str


@dataclass(frozen=True)
class HoldCheckIn:
    """A periodic dialogue; a periodic predikat is set when both ratings are given."""

    by: Actor
    period: str
    notes: str
    results_rating: str | None = None
    behaviour_rating: str | None = None


# --- review -----------------------------------------------------------------


@dataclass(frozen=True)
class OpenReview:
    by: Actor


@dataclass(frozen=True)
class SelfAssess:
    by: Actor
    text: str


@dataclass(frozen=True)
class Rate:
    """Hasil kerja and each BerAKHLAK value; the predikat follows from the kuadran."""

    by: Actor
    results_rating: str
    behaviour_ratings: dict[str, str]
    notes: str = ""


@dataclass(frozen=True)
class DeliverResult:
    by: Actor


# --- keberatan --------------------------------------------------------------


@dataclass(frozen=True)
class FileKeberatan:
    by: Actor
    reasons: str


@dataclass(frozen=True)
class CloseKeberatanWindow:
    by: Actor


@dataclass(frozen=True)
class DecideKeberatan:
    """The atasan pejabat penilai upholds or amends (Pasal 59(4)); an amendment gives new ratings."""

    by: Actor
    outcome: str
    reasons: str
    results_rating: str | None = None
    behaviour_ratings: dict[str, str] | None = None


@dataclass(frozen=True)
class EscalateKeberatan:
    by: Actor


@dataclass(frozen=True)
class ReassignKeberatanDecider:
    by: Actor
    decider_nip: str
    reason: str


# --- follow-up --------------------------------------------------------------


@dataclass(frozen=True)
class DecideFollowUp:
    """Inputs of the agency's follow-up table: earlier predikat (newest first), years in the rank."""

    by: Actor
    previous_predikats: list[str]
    years_in_rank: int
    notes: str = ""


@dataclass(frozen=True)
class Finalise:
    by: Actor


# --- people and time ----------------------------------------------------------


@dataclass(frozen=True)
class DelegateTask:
    """The pejabat penilai lets someone act for them; delegating to oneself takes the tasks back."""

    by: Actor
    to_nip: str
    reason: str


@dataclass(frozen=True)
class ChangeSupervisor:
    """A mutation: the employee's pejabat penilai (and the atasan) change mid-cycle."""

    by: Actor
    appraiser_nip: str
    atasan_nip: str
    reason: str


@dataclass(frozen=True)
class RecordReminder:
    by: Actor
    task: str
    to: str
    due: datetime


@dataclass(frozen=True)
class RecordDeadlineMissed:
    """The calendar saw a deadline pass; the domain decides whom the task escalates to."""

    by: Actor
    task: str
    due: datetime


AppraisalCommand = (
    DraftSkp
    | SubmitSkp
    | ReturnSkp
    | ApproveSkp
    | ReportProgress
    | GiveFeedback
    | GivePeerFeedback
    | RecordCitizenFeedback
    | HoldCheckIn
    | OpenReview
    | SelfAssess
    | Rate
    | DeliverResult
    | FileKeberatan
    | CloseKeberatanWindow
    | DecideKeberatan
    | EscalateKeberatan
    | ReassignKeberatanDecider
    | DecideFollowUp
    | Finalise
    | DelegateTask
    | RecordReminder
    | RecordDeadlineMissed
)


# --- the cycle ----------------------------------------------------------------


@dataclass(frozen=True)
class DefineCycle:
    """HR's definition of an agency's year; deadlines and period default to the rule set's."""

    by: Actor
    agency_id: str
    agency_name: str
    time_zone: str
    year: int
    participants: list[dict[str, Any]]
    rule_set_id: str = "permenpanrb-6-2022"
    period: str | None = None
    deadlines: dict[str, str] | None = None


@dataclass(frozen=True)
class StartCycle:
    by: Actor


@dataclass(frozen=True)
class AddParticipant:
    by: Actor
    participant: dict[str, Any]


@dataclass(frozen=True)
class RemoveParticipant:
    by: Actor
    nip: str
    reason: str


@dataclass(frozen=True)
class ExtendDeadline:
    by: Actor
    name: str
    until: str  # YYYY-MM-DD, the new last day in the agency's zone
    reason: str


@dataclass(frozen=True)
class SetOrgPredikat:
    by: Actor
    unit_id: str
    predikat: str


@dataclass(frozen=True)
class CalibrateUnit:
    by: Actor
    unit_id: str
    justification: str = ""


@dataclass(frozen=True)
class CloseCycle:
    by: Actor


CycleCommand = StartCycle | AddParticipant | RemoveParticipant | ExtendDeadline | SetOrgPredikat | CloseCycle


# --- answers --------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What an appraisal command left behind: enough for a caller to show the new state."""

    id: UUID
    version: int
    stage: str
    pending: dict[str, str] | None
    predikat: str | None
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "id": str(self.id)}


@dataclass(frozen=True)
class Stamp:
    """Where and when a command runs: the record's id, the business instant, the idempotency key."""

    record_id: UUID
    at: datetime
    key: str = ""
