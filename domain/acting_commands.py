"""The commands of acting heads (Plt/Plh): HR's designation, and its start and end on each appraisal it reaches."""

from __future__ import annotations

from dataclasses import dataclass

from domain.base import Actor
from domain.text import Code, Item, Text


@dataclass(frozen=True)
class DesignateActing:
    """HR names someone Plt (pelaksana tugas) or Plh (pelaksana harian) of a unit's head, from `starts` to `ends`
    (agency-local days YYYY-MM-DD, both included), under a decree (surat keputusan / surat perintah)."""

    by: Actor
    unit_id: Code
    acting_nip: Code
    kind: Code
    starts: Code
    ends: Code
    decree: Item


@dataclass(frozen=True)
class BeginActing:
    """A designation reaches one appraisal at its start: the acting head takes the head's part in it.

    `by` is the HR officer who designated; the designation's workflow sends it when the first day begins."""

    by: Actor
    designation_id: Code
    unit_id: Code
    head_nip: Code
    acting_nip: Code
    kind: Code
    decree: Item


@dataclass(frozen=True)
class EndActing:
    """A designation's last day is over: the head's part in the appraisal goes back to the head."""

    by: Actor
    designation_id: Code


@dataclass(frozen=True)
class EndDesignation:
    """HR ends a designation before its last day (the head is back early), or cancels one not begun yet: the new
    last day (agency-local YYYY-MM-DD; a day before the first cancels it), with the reason."""

    by: Actor
    designation_id: Code
    ends: Code
    reason: Text
