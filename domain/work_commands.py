"""The commands of the year's work: planning the SKP and its execution (progress, feedback, check-ins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from domain.base import Actor
from domain.text import COMMENT, Code, Line, Link, Text

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


@dataclass(frozen=True)
class LinkRhk:
    """An RHK that waited for the superior's RHK ("menunggu RHK atasan") now supports one of them (#15)."""

    by: Actor
    rhk_id: Code
    supports: Code


# --- execution --------------------------------------------------------------


@dataclass(frozen=True)
class ReportProgress:
    by: Actor
    period: Code
    rhk_id: Code
    realisation: Text
    evidence: Link = ""


@dataclass(frozen=True)
class LogDailyWork:
    """A daily log entry (catatan harian): one line about one RHK on one day (agency-local, YYYY-MM-DD), with
    the evidence files it cites (each {sha256, size, type, name}: stored content-addressed beside the log)."""

    by: Actor
    day: Code
    rhk_id: Code
    text: Line
    evidence: tuple[dict[str, Any], ...] = ()


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
