"""The transfers' half of the application service: record a mutasi, evaluate the months served, read the year.

Part of `Appraisals` (domain/application.py). Recording a transfer takes the employee out of the origin
cycle (the origin appraisal keeps its record and stops) and records the Transfer in one transaction; the
participant record of the new post, which names the transfer and its post, is returned for HR's Update to
the destination cycle (the cycle workflow opens the new appraisal and starts its workflow). A repeat of the
same decree finds the record: with the same idempotency key it answers as the first time, else it is refused.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from domain.appraisal import FINALISED, Appraisal
from domain.base import SYSTEM, require
from domain.calendar import local_day, parse_day, zone
from domain.cycle import AppraisalCycle
from domain.cycle_commands import RemoveParticipant
from domain.cycle_service import CycleService
from domain.cycle_state import STARTED
from domain.errors import InvalidInput, WrongStage, refusal
from domain.participants import OWN_APPRAISAL, check_participant, post_of, require_not_self_appointed
from domain.period_combining import months_before
from domain.rules import rule_set
from domain.text import check_command
from domain.transfer import DESTINATION, ORIGIN, Transfer
from domain.transfer_commands import EvaluateServedPeriod, RecordTransfer

ONLY_HR_TRANSFERS = refusal("transfer.who_records", "only HR (pengelola kinerja) records a transfer")
NOT_HERE = refusal("transfer.not_participant", "{nip} does not take part in this cycle")
OUTSIDE_YEAR = refusal("transfer.effective_year", "the transfer must take effect within {year}, got {value}")
NOT_YET_EFFECTIVE = refusal(
    "transfer.not_yet_effective", "a transfer is recorded on or after its effective day ({effective}), today is {today}"
)
NO_DESTINATION_CYCLE = refusal(
    "transfer.no_destination_cycle", "agency {agency_id} has no started cycle for {year}: define and start it first"
)
ALREADY_THERE = refusal("transfer.already_there", "{nip} already takes part in the cycle of agency {agency_id}")
NOT_A_MOVE = refusal("transfer.not_a_move", "the new post has the same unit and pejabat penilai as the old one")
OLD_APPRAISAL_ENDED = refusal("transfer.old_finalised", "the old post's appraisal is finalised: nothing to close")
DECREE_RECORDED = refusal("transfer.decree_recorded", "decree {decree} is already recorded for {nip}")


class Transfers(CycleService):
    """Mutasi within an agency or between agencies: load, one typed command, save."""

    def record_transfer(
        self, cycle_id: UUID, cmd: RecordTransfer, *, at: datetime, key: str = ""
    ) -> tuple[Transfer, dict[str, Any]]:
        """Close the origin post and record the transfer; returns it and the new post's participant record."""
        check_command(cmd)
        existing = self._find(Transfer, Transfer.create_id(cycle_id, cmd.nip, cmd.decree))
        if existing is not None:
            if key and existing.applied_version(key) is not None:
                return existing, dict(existing.destination["participant"])
            raise WrongStage(DECREE_RECORDED, decree=cmd.decree, nip=cmd.nip)
        require(cmd.by.is_hr, ONLY_HR_TRANSFERS)
        require(cmd.by.nip != cmd.nip, OWN_APPRAISAL)
        require_not_self_appointed(cmd.by, cmd.to_appraiser_nip, cmd.to_atasan_nip)
        origin_cycle = self.cycle(cycle_id)
        if cmd.nip not in origin_cycle.participants:
            raise InvalidInput("nip", NOT_HERE, nip=cmd.nip)
        effective = parse_day("effective", cmd.effective)
        if effective.year != origin_cycle.year:
            raise InvalidInput("effective", OUTSIDE_YEAR, year=origin_cycle.year, value=effective)
        today = local_day(at, origin_cycle.time_zone)
        if effective > today:
            raise InvalidInput("effective", NOT_YET_EFFECTIVE, effective=effective, today=today)
        old = origin_cycle.participants[cmd.nip]
        origin_appraisal = self._get(Appraisal, Appraisal.create_id(cycle_id, cmd.nip, old), "appraisal")
        if origin_appraisal.stage == FINALISED:
            raise WrongStage(OLD_APPRAISAL_ENDED)
        destination_cycle = self._destination_cycle(origin_cycle, cmd)
        new = self._new_post(destination_cycle, cycle_id, old, cmd, at)
        same_cycle = destination_cycle.id == origin_cycle.id
        if same_cycle and (new["unit_id"], new["appraiser_nip"]) == (old["unit_id"], old["appraiser_nip"]):
            raise InvalidInput("to_unit_id", NOT_A_MOVE)
        before = months_before(effective)
        transfer = Transfer(
            origin_cycle_id=cycle_id,
            employee_nip=cmd.nip,
            employee_name=str(old["name"]),
            decree=cmd.decree,
            effective=effective.isoformat(),
            reason=cmd.reason,
            by=cmd.by.nip,
            origin={
                **_post(origin_cycle, old),
                "appraisal_id": str(origin_appraisal.id),
                "appraiser_nip": origin_appraisal.acting_appraiser,
                "rule_set_id": origin_appraisal.rule_set_id,
                "from": f"{origin_cycle.year}-01-01",
                "until": (effective - timedelta(days=1)).isoformat(),  # the last day in the old post
            },
            destination={
                **_post(destination_cycle, new),
                "appraisal_id": str(Appraisal.create_id(destination_cycle.id, cmd.nip, new)),
                "participant": new,
                "from": effective.isoformat(),
                "until": f"{origin_cycle.year}-12-31",
                # the instant the new post begins: the start of the effective day in the origin agency's zone
                "starts_at": datetime.combine(effective, time(0), zone(origin_cycle.time_zone)).isoformat(),
            },
            months={ORIGIN: before, DESTINATION: 12 - before},
            combining=_combining(destination_cycle.rule_set_id),
            command_key=key,
            timestamp=at,
        )
        leaves = RemoveParticipant(cmd.by, cmd.nip, f"mutasi (SK {cmd.decree}): {cmd.reason}")
        with origin_cycle.command(key):
            origin_cycle.remove_participant(leaves, at)
        self._save(origin_cycle, transfer)
        return transfer, new

    def evaluate_served_period(
        self, transfer_id: UUID, cmd: EvaluateServedPeriod, *, at: datetime, key: str = ""
    ) -> Transfer:
        """The old post's appraiser evaluates the months served there."""
        check_command(cmd)
        transfer = self.transfer(transfer_id)
        if key and transfer.applied_version(key) is not None:
            return self._get(Transfer, transfer_id, "transfer", transfer.applied_version(key))
        with transfer.command(key):
            transfer.evaluate(cmd, at)
        self._save(transfer)
        return transfer

    def transfer(self, transfer_id: UUID, version: int | None = None) -> Transfer:
        return self._get(Transfer, transfer_id, "transfer", version)

    def transfer_year(self, transfer: Transfer) -> dict[str, Any]:
        """Both periods and the year's predikat under the recorded rule (the new post's once it is rated)."""
        found = self._find(Appraisal, UUID(str(transfer.destination["appraisal_id"])))
        return transfer.year(found.predikat if found is not None else None)

    def transfer_of(self, appraisal: Appraisal) -> Transfer | None:
        """The transfer that opened this appraisal (its participant record names it), if any."""
        transfer_id = appraisal.employee.get("transfer_id")
        found = self._find(Transfer, UUID(str(transfer_id))) if transfer_id else None
        if found is None or found.destination["appraisal_id"] != str(appraisal.id):
            return None  # a participant record naming someone else's transfer takes over nothing
        return found

    def notify_transfer(self, transfer_id: UUID, notice: str, *, at: datetime, key: str = "") -> bool:
        """The evaluation's calendar: a reminder to the old appraiser or the escalation to the old atasan (each
        once, none after the evaluation); returns whether one was recorded now."""
        transfer = self.transfer(transfer_id)
        if key and transfer.applied_version(key) is not None:
            return True
        with transfer.command(key):
            recorded = transfer.notify(SYSTEM, notice, at)
        if recorded:
            self._save(transfer)
        return recorded

    def _destination_cycle(self, origin: AppraisalCycle, cmd: RecordTransfer) -> AppraisalCycle:
        found = self._find(AppraisalCycle, AppraisalCycle.create_id(cmd.to_agency_id, origin.year))
        if found is None or found.status != STARTED:
            raise InvalidInput("to_agency_id", NO_DESTINATION_CYCLE, agency_id=cmd.to_agency_id, year=origin.year)
        if found.id != origin.id and cmd.nip in found.participants:
            raise InvalidInput("nip", ALREADY_THERE, nip=cmd.nip, agency_id=cmd.to_agency_id)
        return found

    def _new_post(
        self, cycle: AppraisalCycle, origin_id: UUID, old: dict[str, Any], cmd: RecordTransfer, at: datetime
    ) -> dict[str, Any]:
        """The participant record of the new post, checked like any other, naming its transfer and its post
        (the first post number with no appraisal of the employee yet in that cycle)."""
        checked = check_participant(
            {
                **old,
                "position": cmd.to_position or old.get("position", ""),
                "unit_id": cmd.to_unit_id,
                "unit_name": cmd.to_unit_name,
                "appraiser_nip": cmd.to_appraiser_nip,
                "atasan_nip": cmd.to_atasan_nip,
                "is_unit_head": False,
            },
            where="to",
            today=at.date(),
        )
        post = 1
        while self._find(Appraisal, Appraisal.create_id(cycle.id, cmd.nip, {"post": post})) is not None:
            post += 1
        transfer_id = Transfer.create_id(origin_id, cmd.nip, cmd.decree)
        return {**checked, "post": post, "transfer_id": str(transfer_id)}


def _post(cycle: AppraisalCycle, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "agency_id": cycle.agency_id,
        "agency_name": cycle.agency_name,
        "cycle_id": str(cycle.id),
        "time_zone": cycle.time_zone,
        "unit_id": p["unit_id"],
        "unit_name": p.get("unit_name", p["unit_id"]),
        "appraiser_nip": p["appraiser_nip"],
        "atasan_nip": p["atasan_nip"],
        "post": post_of(p),
    }


def _combining(rule_set_id: str) -> dict[str, str]:
    """The rule the destination's rule set states for combining the periods, recorded with the transfer."""
    rules = rule_set(rule_set_id)
    return {"rule_set_id": rules.id, "rule": rules.transfer_rule, "basis": rules.transfer_rule_basis}
