"""The commands of "atasan saya salah" (#15): a wrong pejabat penilai flagged, and HR's answer when it is right."""

from __future__ import annotations

from dataclasses import dataclass

from domain.base import Actor
from domain.text import Text


@dataclass(frozen=True)
class FlagWrongSupervisor:
    """The employee, or the person named as their pejabat penilai, says the appraiser (or, `about` "atasan", the
    atasan of the appraiser) is wrong, and why."""

    by: Actor
    reason: Text
    about: str = "appraiser"


@dataclass(frozen=True)
class DismissSupervisorFlag:
    """HR finds the named pejabat penilai right after all, and says why (a correction is a ChangeSupervisor)."""

    by: Actor
    reason: Text
