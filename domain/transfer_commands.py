"""The commands of a transfer (mutasi): HR records it, the old appraiser evaluates the months served."""

from __future__ import annotations

from dataclasses import dataclass

from domain.base import Actor
from domain.text import Code, Name, OptionalName, OptionalText, Text


@dataclass(frozen=True)
class RecordTransfer:
    """The employee moves to another unit of the agency or to another agency, from the decree's effective day.

    `to_agency_id` is the employee's agency for a transfer within it. The new post's appraiser and atasan
    are named by HR, as at a cycle's definition."""

    by: Actor
    nip: Code
    to_agency_id: Code
    to_unit_id: Code
    to_unit_name: Name
    to_appraiser_nip: Code
    to_atasan_nip: Code
    effective: Code  # YYYY-MM-DD, the decree's effective day
    decree: Code  # the decree's number (nomor SK)
    reason: Text
    to_position: OptionalName = ""


@dataclass(frozen=True)
class EvaluateServedPeriod:
    """The old post's pejabat penilai evaluates the months served there (a periodic evaluation)."""

    by: Actor
    results_rating: Code
    behaviour_rating: Code
    notes: OptionalText = ""
