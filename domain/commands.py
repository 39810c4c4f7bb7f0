"""Commands: one frozen dataclass per thing a person or the calendar asks of an appraisal or a cycle.

The cycle's commands are in domain/cycle_commands.py and the answers in domain/outcome.py; all are
imported from here.

A command travels unchanged from the API through its workflow Update and its activity to the
aggregate, which checks it. `by` is who asks. The business instant and the idempotency key are
not part of it: the workflow adds them (`workflow.now()`, the update id) when it runs the command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from domain.base import Actor
from domain.cycle_commands import (
    AddParticipant,
    CalibrateUnit,
    CloseCycle,
    CycleCommand,
    DefineCycle,
    ExtendDeadline,
    RemoveParticipant,
    ReopenCycle,
    SetOrgPredikat,
    StartCycle,
)
from domain.outcome import Outcome, Stamp
from domain.text import COMMENT, Code, Link, OptionalText, Text

__all__ = [
    "AddParticipant",
    "CalibrateUnit",
    "CloseCycle",
    "CycleCommand",
    "DefineCycle",
    "ExtendDeadline",
    "Outcome",
    "RemoveParticipant",
    "ReopenCycle",
    "SetOrgPredikat",
    "Stamp",
    "StartCycle",
]

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
    reasons: Text


@dataclass(frozen=True)
class ApproveSkp:
    by: Actor


# --- execution --------------------------------------------------------------


@dataclass(frozen=True)
class ReportProgress:
    by: Actor
    period: Code
    rhk_id: Code
    realisation: Text
    evidence: Link = ""


@dataclass(frozen=True)
class GiveFeedback:
    """Umpan balik berkelanjutan from the appraiser on an RHK id or a BerAKHLAK value."""

    by: Actor
    about: Code
    text: Text


@dataclass(frozen=True)
class GivePeerFeedback:
    by: Actor
    text: Text


@dataclass(frozen=True)
class RecordCitizenFeedback:
    """A citizen's SKM answer about the employee: a score on the scale 1-4 and a comment."""

    by: Actor
    score: int
    comment: Annotated[str, COMMENT]
    channel: Code


@dataclass(frozen=True)
class HoldCheckIn:
    """A periodic dialogue; a periodic predikat is set when both ratings are given."""

    by: Actor
    period: Code
    notes: Text
    results_rating: str | None = None
    behaviour_rating: str | None = None


# --- review -----------------------------------------------------------------


@dataclass(frozen=True)
class OpenReview:
    by: Actor


@dataclass(frozen=True)
class SelfAssess:
    by: Actor
    text: Text


@dataclass(frozen=True)
class Rate:
    """Hasil kerja and each BerAKHLAK value; the predikat follows from the kuadran."""

    by: Actor
    results_rating: str
    behaviour_ratings: dict[str, str]
    notes: OptionalText = ""


@dataclass(frozen=True)
class DeliverResult:
    by: Actor


# --- keberatan --------------------------------------------------------------


@dataclass(frozen=True)
class FileKeberatan:
    by: Actor
    reasons: Text


@dataclass(frozen=True)
class CloseKeberatanWindow:
    by: Actor


@dataclass(frozen=True)
class DecideKeberatan:
    """The atasan pejabat penilai upholds or amends (Pasal 59(4)); an amendment gives new ratings."""

    by: Actor
    outcome: Code
    reasons: Text
    results_rating: str | None = None
    behaviour_ratings: dict[str, str] | None = None


@dataclass(frozen=True)
class EscalateKeberatan:
    by: Actor


@dataclass(frozen=True)
class ReassignKeberatanDecider:
    by: Actor
    decider_nip: Code
    reason: Text


# --- follow-up --------------------------------------------------------------


@dataclass(frozen=True)
class DecideFollowUp:
    """Inputs of the agency's follow-up table: earlier predikat (newest first), years in the rank."""

    by: Actor
    previous_predikats: list[str]
    years_in_rank: int
    notes: OptionalText = ""


@dataclass(frozen=True)
class Finalise:
    by: Actor


# --- people and time ----------------------------------------------------------


@dataclass(frozen=True)
class DelegateTask:
    """The pejabat penilai lets someone act for them; delegating to oneself takes the tasks back."""

    by: Actor
    to_nip: Code
    reason: Text


@dataclass(frozen=True)
class ChangeSupervisor:
    """A mutation: the employee's pejabat penilai (and the atasan) change mid-cycle."""

    by: Actor
    appraiser_nip: Code
    atasan_nip: Code
    reason: Text


@dataclass(frozen=True)
class RecordReminder:
    by: Actor
    task: Code
    to: Code
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
