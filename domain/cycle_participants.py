"""Who takes part in a cycle: HR adds and removes participants and records a change of supervisor."""

from __future__ import annotations

from datetime import datetime

from domain.base import require
from domain.cycle_commands import AddParticipant, RemoveParticipant
from domain.cycle_state import CycleState
from domain.errors import InvalidInput
from domain.participants import check_participant, require_not_self_appointed
from domain.people_commands import ChangeSupervisor


class CycleParticipants(CycleState):
    """The rules of the cycle's master data: its participants and their reporting lines."""

    def add_participant(self, cmd: AddParticipant, at: datetime) -> None:
        by = cmd.by
        require(by.is_hr, "only HR changes the participants")
        self._require_open()
        p = check_participant(cmd.participant, today=at.date())
        require_not_self_appointed(by, p["appraiser_nip"], p["atasan_nip"], "participant: ")
        if p["nip"] in self.participants:
            raise InvalidInput("participant.nip", f"{p['nip']} already takes part in this cycle")
        self._participant_added(by.nip, p, at)

    def remove_participant(self, cmd: RemoveParticipant, at: datetime) -> None:
        by, nip, reason = cmd.by, cmd.nip, cmd.reason
        require(by.is_hr, "only HR changes the participants")
        self._require_open()
        if nip not in self.participants:
            raise InvalidInput("nip", f"{nip} does not take part in this cycle")
        require(by.nip != nip, "nobody acts as HR on their own appraisal: another pengelola kinerja must do it")
        if not reason.strip():
            raise InvalidInput("reason", "say why the participant leaves the cycle")
        self._participant_removed(by.nip, nip, reason.strip(), at)

    def change_supervisor(self, cmd: ChangeSupervisor, nip: str, at: datetime) -> None:
        """Keep the cycle's master data in step with a mutation."""
        by, appraiser_nip, atasan_nip, reason = cmd.by, cmd.appraiser_nip, cmd.atasan_nip, cmd.reason
        require(by.is_hr, "only HR records a change of supervisor")
        require(by.nip != nip, "nobody acts as HR on their own appraisal: another pengelola kinerja must do it")
        require_not_self_appointed(by, appraiser_nip, atasan_nip)
        self._require_open()
        if nip not in self.participants:
            raise InvalidInput("nip", f"{nip} does not take part in this cycle")
        check_participant({**self.participants[nip], "appraiser_nip": appraiser_nip, "atasan_nip": atasan_nip})
        self._supervisor_changed(by.nip, nip, appraiser_nip, atasan_nip, reason, at)
