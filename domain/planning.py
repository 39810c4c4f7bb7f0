"""Planning (perencanaan kinerja, §2.1): the employee drafts the SKP, the pejabat penilai approves it."""

from __future__ import annotations

from datetime import datetime

from domain.base import require
from domain.cascade import LINKS_MISSING, unlinked
from domain.errors import InvalidInput, WrongStage, refusal
from domain.skp import check_cascade, check_skp
from domain.skp_lineage import check_lineage
from domain.stages import PLANNING, AppraisalState, Facts
from domain.work_commands import ApproveSkp, DraftSkp, ReturnSkp, SubmitSkp

ONLY_EMPLOYEE_DRAFTS = refusal("skp.who_drafts", "only the employee (or HR's pengelola kinerja) drafts the SKP")
WITH_APPRAISER = refusal("skp.with_appraiser", "the SKP is with the appraiser; wait until it is returned")
ONLY_EMPLOYEE_SUBMITS = refusal("skp.who_submits", "only the employee (or HR's pengelola kinerja) submits the SKP")
NOT_A_DRAFT = refusal("skp.not_draft", "an SKP can be submitted only as a draft, it is {skp_status}")
RETURN_WITHOUT_REASON = refusal("skp.return_reason", "a returned SKP must say why")
NOT_SUBMITTED = refusal("skp.not_submitted", "the SKP is {skp_status}, not submitted")


class Planning(AppraisalState):
    """The rules of the planning stage."""

    def draft_skp(self, cmd: DraftSkp, at: datetime, facts: Facts) -> None:
        by = cmd.by
        require(by.nip == self.employee_nip or by.is_hr, ONLY_EMPLOYEE_DRAFTS)
        self._require_stage(PLANNING)
        if self.skp_status == "submitted":
            raise WrongStage(WITH_APPRAISER)
        rhk = check_skp(cmd.rhk)
        if any("carried_from" in r for r in rhk):  # asked only then: most SKPs carry nothing over
            check_lineage(rhk, facts.carried_rhk())
        self._skp_drafted(by.nip, rhk, at)

    def submit_skp(self, cmd: SubmitSkp, at: datetime, facts: Facts) -> None:
        by = cmd.by
        require(by.nip == self.employee_nip or by.is_hr, ONLY_EMPLOYEE_SUBMITS)
        self._require_stage(PLANNING)
        if self.skp_status not in ("draft", "returned"):
            raise WrongStage(NOT_A_DRAFT, skp_status=self.skp_status)
        check_cascade(self.rhk, facts.superior_rhk_ids())
        self._skp_submitted(by.nip, at)

    def return_skp(self, cmd: ReturnSkp, at: datetime) -> None:
        self._require_appraiser(cmd.by, "returns an SKP")
        self._require_submitted()
        if not cmd.reasons.strip():
            raise InvalidInput("reasons", RETURN_WITHOUT_REASON)
        self._skp_returned(cmd.by.nip, cmd.reasons.strip(), at)

    def approve_skp(self, cmd: ApproveSkp, at: datetime, facts: Facts) -> None:
        self._require_appraiser(cmd.by, "approves an SKP")
        self._require_submitted()
        missing = unlinked(self.rhk, facts.superior_rhk_ids())  # every RHK utama is linked (domain/cascade.py)
        if missing:
            raise WrongStage(LINKS_MISSING, rhk_ids=", ".join(missing))
        self._skp_approved(cmd.by.nip, at)

    def _require_submitted(self) -> None:
        self._require_stage(PLANNING)
        if self.skp_status != "submitted":
            raise WrongStage(NOT_SUBMITTED, skp_status=self.skp_status)
