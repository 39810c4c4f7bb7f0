"""Who takes part in a cycle: HR adds and removes participants and records a change of supervisor."""

from __future__ import annotations

from datetime import datetime

from domain.base import require
from domain.cycle_commands import AddParticipant, RemoveParticipant
from domain.cycle_state import CycleState
from domain.errors import InvalidInput, refusal
from domain.participants import ONLY_HR_SUPERVISOR, OWN_APPRAISAL, check_participant, require_not_self_appointed
from domain.people_commands import ChangeSupervisor

ONLY_HR_PARTICIPANTS = refusal("cycle.who_changes_participants", "only HR changes the participants")
ALREADY_TAKES_PART = refusal("cycle.already_participant", "{nip} already takes part in this cycle")
NOT_A_PARTICIPANT = refusal("cycle.not_participant", "{nip} does not take part in this cycle")
LEAVES_WITHOUT_REASON = refusal("cycle.withdraw_reason", "say why the participant leaves the cycle")


class CycleParticipants(CycleState):
    """The rules of the cycle's master data: its participants and their reporting lines."""

    def add_participant(self, cmd: AddParticipant, at: datetime) -> None:
        by = cmd.by
        require(by.is_hr, ONLY_HR_PARTICIPANTS)
        self._require_open()
        p = check_participant(cmd.participant, today=at.date())
        require_not_self_appointed(by, p["appraiser_nip"], p["atasan_nip"], "participant: ")
        if p["nip"] in self.participants:
            raise InvalidInput("participant.nip", ALREADY_TAKES_PART, nip=p["nip"])
        self._participant_added(by.nip, p, at)

    def remove_participant(self, cmd: RemoveParticipant, at: datetime) -> None:
        by, nip, reason = cmd.by, cmd.nip, cmd.reason
        require(by.is_hr, ONLY_HR_PARTICIPANTS)
        self._require_open()
        if nip not in self.participants:
            raise InvalidInput("nip", NOT_A_PARTICIPANT, nip=nip)
        require(by.nip != nip, OWN_APPRAISAL)
        if not reason.strip():
            raise InvalidInput("reason", LEAVES_WITHOUT_REASON)
        self._participant_removed(by.nip, nip, reason.strip(), at)

    def change_supervisor(self, cmd: ChangeSupervisor, nip: str, at: datetime) -> None:
        """Keep the cycle's master data in step with a mutation."""
        by, appraiser_nip, atasan_nip, reason = cmd.by, cmd.appraiser_nip, cmd.atasan_nip, cmd.reason
        require(by.is_hr, ONLY_HR_SUPERVISOR)
        require(by.nip != nip, OWN_APPRAISAL)
        require_not_self_appointed(by, appraiser_nip, atasan_nip)
        self._require_open()
        if nip not in self.participants:
            raise InvalidInput("nip", NOT_A_PARTICIPANT, nip=nip)
        check_participant({**self.participants[nip], "appraiser_nip": appraiser_nip, "atasan_nip": atasan_nip})
        self._supervisor_changed(by.nip, nip, appraiser_nip, atasan_nip, reason, at)
