"""The commands of the result: the review, the keberatan and the follow-up."""

from __future__ import annotations

from dataclasses import dataclass

from domain.base import Actor
from domain.text import Code, OptionalText, Text

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
