"""Citizens, no login: the SKM survey about a service unit or an employee, rate-limited per client.

The API's route and the survey page both call `Surveys.submit`; scoring and the answer scale are
the domain's (domain/skm.py). Every survey is kept in the survey store only: one about an employee
stays beside their appraisal and never writes into it (public input goes through no workflow);
their appraiser, atasan and HR read it (`about`). Limits per client address and per rated
employee (api/ratelimit.py) answer 429 with Retry-After.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Protocol
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from domain.application import Appraisals
from domain.appraisal import FINALISED, Appraisal
from domain.base import Actor
from domain.errors import InvalidInput, NotFound, refusal
from domain.skm import check_answers, score
from domain.text import CODE, COMMENT
from services.authz import APPRAISER, ATASAN, DECIDER, forbidden, is_auditor, is_hr
from services.errors import NOT_CONFIGURED, ApiError
from services.readside import ReadSide
from services.survey_store import SurveyStore
from services.views import load_appraisal_async

SURVEYS_ABOUT = refusal("survey.readers", "the surveys about an employee are for their appraiser, atasan and HR")

ONE_SUBJECT = refusal("survey.one_subject", "give exactly one of unit_id or employee_nip")
NO_AGENCY = refusal("survey.agency", "no agency {agency_id!r}")
NO_UNIT = refusal("survey.unit", "no unit {unit_id!r} in {agency_id}")
NO_APPRAISAL = refusal("survey.no_appraisal", "employee_nip: {nip} has no appraisal in progress at {agency_id}")


class Limiter(Protocol):
    def address_wait(self, client: str) -> int: ...

    def employee_wait(self, received: list[datetime], now: datetime) -> int: ...


class Surveys:
    """Submitting a survey and reading a unit's published result."""

    def __init__(self, appraisals: Appraisals, readside: ReadSide, limiter: Limiter) -> None:
        self.appraisals, self.readside, self.limiter = appraisals, readside, limiter

    def rate_limit(self, client: str) -> None:
        """Count one survey from this client address; 429 with Retry-After past the hourly limit."""
        wait = self.limiter.address_wait(client)
        if wait:
            raise _too_many(f"too many surveys from this address; retry in {wait} s", wait)

    async def submit(
        self,
        *,
        agency_id: str,
        unit_id: str | None,
        employee_nip: str | None,
        answers: dict[str, int],
        comment: str,
    ) -> dict[str, Any]:
        """Score and keep one survey (beside the appraisal when it is about an employee)."""
        if (unit_id is None) == (employee_nip is None):
            raise InvalidInput("unit_id", ONE_SUBJECT)
        answers = check_answers(answers)
        comment = COMMENT.check("comment", comment)
        agency_id = CODE.check("agency_id", agency_id)
        result = score(answers)
        if employee_nip is not None:
            appraisal = await self._current_appraisal(agency_id, employee_nip)
            unit_id = appraisal.employee["unit_id"]
            now = datetime.now(timezone.utc)
            received = await run_in_threadpool(self.store().received_about, employee_nip, now - timedelta(days=1))
            wait = self.limiter.employee_wait(received, now)
            if wait:
                raise _too_many(f"too many surveys about this employee today; retry in {wait} s", wait)
        else:
            await run_in_threadpool(self._check_unit, agency_id, unit_id)
        assert unit_id is not None
        row_id = await run_in_threadpool(self.store().add, agency_id, unit_id, employee_nip, answers, comment)
        return {"id": row_id, **result, "employee_nip": employee_nip}

    async def about(self, actor: Actor, appraisal_id: UUID) -> list[dict[str, Any]]:
        """The surveys about the appraised employee, for their appraiser, atasan and HR (newest first)."""
        appraisal, relations = await load_appraisal_async(self.appraisals, actor, appraisal_id)
        if not relations & {APPRAISER, ATASAN, DECIDER} and not is_hr(actor) and not is_auditor(actor):
            raise forbidden(SURVEYS_ABOUT)
        return await run_in_threadpool(self.store().about, appraisal.employee_nip, appraisal.employee["unit_id"])

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
            raise ApiError.of(503, "ReadModelsUnavailable", NOT_CONFIGURED, store="survey store")
        return SurveyStore(self.readside.engine)

    def _check_unit(self, agency_id: str, unit_id: str | None) -> None:
        agency = self.appraisals.find_agency(agency_id)
        if agency is None:
            raise InvalidInput("agency_id", NO_AGENCY, agency_id=agency_id)
        if unit_id not in agency.units:
            raise InvalidInput("unit_id", NO_UNIT, unit_id=unit_id, agency_id=agency_id)

    async def _current_appraisal(self, agency_id: str, nip: str) -> Appraisal:
        rows = [
            r
            for r in await self.readside.call("employee_appraisals", nip)
            if r["agency_id"] == agency_id and r["stage"] != FINALISED
        ]
        if not rows:
            raise NotFound(NO_APPRAISAL, nip=nip, agency_id=agency_id)
        return await run_in_threadpool(self.appraisals.appraisal, UUID(rows[0]["appraisal_id"]))


def _too_many(message: str, wait: int) -> ApiError:
    return ApiError(429, "TooManyRequests", message, headers={"Retry-After": str(wait)})
