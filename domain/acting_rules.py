"""The rules of an acting head on one appraisal: a designation begins (the acting head takes the head's part,
as pejabat penilai or as atasan) and ends (the part goes back). Mixed into `AppraisalRules`.

Refused, and reported to HR by the designation's workflow: the acting head's own appraisal (nobody acts over
themselves), an appraisal the head no longer takes part in, and an atasan's part for the appraisal's own pejabat
penilai (the keberatan goes to someone else than the rater). The designating HR officer's own appraisal is
reached like any other of the unit (#15): the step is the designation's calendar acting on the whole unit, not
HR acting on their own appraisal, and HR cannot name themselves the acting head (domain/acting.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain.acting import ONLY_HR
from domain.acting_commands import BeginActing, EndActing
from domain.acting_facts import APPRAISER_ROLE, ATASAN_ROLE, acting_of
from domain.base import require
from domain.errors import WrongStage, refusal
from domain.stages import FINALISED, IS_FINALISED, AppraisalState

OWN_APPRAISAL = refusal("acting.own_appraisal", "{nip} cannot act as head over their own appraisal")
NOT_UNDER_HEAD = refusal("acting.not_under_head", "{nip} is neither the pejabat penilai nor the atasan here")
ATASAN_RATES = refusal(
    "acting.atasan_rates", "{nip} is the pejabat penilai here and cannot also act as atasan, who decides a keberatan"
)
ALREADY_BEGAN = refusal("acting.already_began", "designation {designation_id} already began here")
NOT_BEGUN = refusal("acting.not_begun", "designation {designation_id} is not running here")


class ActingRules(AppraisalState):
    """A designation's start and end on the appraisal."""

    def begin_acting(self, cmd: BeginActing, at: datetime) -> None:
        require(cmd.by.is_hr, ONLY_HR)  # the designation's step: its designator's own appraisal is reached too
        if self.stage == FINALISED:
            raise WrongStage(IS_FINALISED)
        require(cmd.acting_nip != self.employee_nip, OWN_APPRAISAL, nip=cmd.acting_nip)
        if any(held["designation_id"] == cmd.designation_id for held in acting_of(self).values()):
            raise WrongStage(ALREADY_BEGAN, designation_id=cmd.designation_id)
        if cmd.head_nip == self.appraiser_nip:
            role = APPRAISER_ROLE
        elif cmd.head_nip == self.atasan_nip:
            role = ATASAN_ROLE
            require(cmd.acting_nip != self.acting_appraiser, ATASAN_RATES, nip=cmd.acting_nip)
        else:
            raise WrongStage(NOT_UNDER_HEAD, nip=cmd.head_nip)
        self._acting_began(
            cmd.by.nip, cmd.designation_id, role, cmd.unit_id, cmd.head_nip, cmd.acting_nip, cmd.kind, cmd.decree, at
        )

    def end_acting(self, cmd: EndActing, at: datetime) -> None:
        require(cmd.by.is_hr, ONLY_HR)
        if not any(held["designation_id"] == cmd.designation_id for held in acting_of(self).values()):
            raise WrongStage(NOT_BEGUN, designation_id=cmd.designation_id)
        self._acting_ended(cmd.by.nip, cmd.designation_id, at)

    if TYPE_CHECKING:  # the events, recorded by domain/acting_facts.py

        def _acting_began(
            self,
            by: str,
            designation_id: str,
            role: str,
            unit_id: str,
            head_nip: str,
            acting_nip: str,
            kind: str,
            decree: str,
            timestamp: datetime,
        ) -> None: ...
        def _acting_ended(self, by: str, designation_id: str, timestamp: datetime) -> None: ...
