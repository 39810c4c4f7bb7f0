"""Citizens, no login: the SKM survey about a service unit or an employee, rate-limited per client.

The API's route and the survey page both call `Surveys.submit`; scoring and the answer scale are
the domain's (domain/skm.py). A survey about an employee also enters their appraisal as citizen
feedback; a survey about a unit is kept in the survey store only.
"""

from __future__ import annotations

import math
from typing import Any, Protocol
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from domain.appraisal import FINALISED, Appraisal
from domain.commands import RecordCitizenFeedback
from domain.errors import InvalidInput, NotFound
from domain.skm import check_answers, score
from services.actions import AppraisalActions
from services.errors import ApiError
from services.gateway import CITIZEN
from services.readside import ReadSide
from services.survey_store import SurveyStore

COMMENT_LIMIT = 2000  # the survey store's column


class Bucket(Protocol):
    def take(self, client: str) -> float: ...


class Surveys:
    """Submitting a survey and reading a unit's published result."""

    def __init__(self, appraisals: Appraisals, readside: ReadSide, actions: AppraisalActions, bucket: Bucket) -> None:
        self.appraisals, self.readside, self.actions, self.bucket = appraisals, readside, actions, bucket

    def rate_limit(self, client: str) -> None:
        """One token per request from this client address; 429 with Retry-After when the bucket is empty."""
        wait = self.bucket.take(client)
        if wait > 0:
            raise ApiError(
                429,
                "TooManyRequests",
                f"too many surveys from this address; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
            )

    async def submit(
        self,
        *,
        agency_id: str,
        unit_id: str | None,
        employee_nip: str | None,
        answers: dict[str, int],
        comment: str,
        client: str,
        key: str,
    ) -> dict[str, Any]:
        """Score and keep one survey; about an employee it also enters their appraisal as citizen feedback."""
        if (unit_id is None) == (employee_nip is None):
            raise InvalidInput("unit_id", "give exactly one of unit_id or employee_nip")
        answers = check_answers(answers)
        if len(comment) > COMMENT_LIMIT:
            raise InvalidInput("comment", f"must be at most {COMMENT_LIMIT} characters")
        if key:  # citizens share one actor: scope their keys by address
            key = f"{client}:{key}"
        result = score(answers)
        recorded = False
        if employee_nip is not None:
            appraisal = await self._current_appraisal(agency_id, employee_nip)
            unit_id = appraisal.employee["unit_id"]
            note = f"SKM NI {result['ni']} ({result['quality']}). {comment}".strip()
            cmd = RecordCitizenFeedback(CITIZEN, result["perception"], note, "skm")
            await self.actions.record_citizen_feedback(appraisal.id, cmd, key)
            recorded = True
        else:
            await run_in_threadpool(self._check_unit, agency_id, unit_id)
        assert unit_id is not None
        row_id = await run_in_threadpool(self.store().add, agency_id, unit_id, employee_nip, answers, comment)
        return {"id": row_id, **result, "recorded_in_appraisal": recorded}

    async def summary(self, agency_id: str, unit_id: str) -> dict[str, Any]:
        """The unit's published SKM result: responses, mean per element, NI, IKM and quality."""
        return await run_in_threadpool(self.store().summary, agency_id, unit_id)

    def unit_names(self, agency_id: str, unit_id: str) -> dict[str, str]:
        """The agency's and the unit's names for the survey page (the codes when unknown)."""
        agency = self.appraisals.find_agency(agency_id)
        unit = agency.units.get(unit_id) if agency is not None else None
        return {"agency": agency.name if agency is not None else agency_id, "unit": unit["name"] if unit else unit_id}

    def store(self) -> SurveyStore:
        if self.readside.engine is None:
            raise ApiError(503, "ReadModelsUnavailable", "the survey store is not configured on this server")
        return SurveyStore(self.readside.engine)

    def _check_unit(self, agency_id: str, unit_id: str | None) -> None:
        agency = self.appraisals.find_agency(agency_id)
        if agency is None:
            raise InvalidInput("agency_id", f"no agency {agency_id!r}")
        if unit_id not in agency.units:
            raise InvalidInput("unit_id", f"no unit {unit_id!r} in {agency_id}")

    async def _current_appraisal(self, agency_id: str, nip: str) -> Appraisal:
        rows = [
            r
            for r in await self.readside.call("employee_appraisals", nip)
            if r["agency_id"] == agency_id and r["stage"] != FINALISED
        ]
        if not rows:
            raise NotFound(f"employee_nip: {nip} has no appraisal in progress at {agency_id}")
        return await run_in_threadpool(self.appraisals.appraisal, UUID(rows[0]["appraisal_id"]))
