"""Request and response shapes shared by several routers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from domain import text as text_rules
from domain.base import AUDITOR, HR
from domain.calendar import ZONES
from domain.cycle_calendar import DEADLINES
from domain.errors import InvalidInput
from domain.nip import check_nip
from domain.rules import ASPECTS, DEFAULT_RULE_SET, ORG_PREDIKATS, PREDIKATS, RATINGS, rule_set
from domain.skp import RHK_KINDS
from domain.stages import OUTCOMES
from domain.text import TextRule

EXAMPLE_APPRAISAL = "0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11"
EXAMPLE_CYCLE = "5a0e8f7e-1b6f-5d0e-8d59-3c1f0a6b7e21"
EMPLOYEE_NIP, APPRAISER_NIP = "199001152015031001", "198503152010011002"


def _nip(value: str) -> str:
    try:
        return check_nip(value.strip(), today=datetime.now(timezone.utc).date())
    except InvalidInput as e:
        raise ValueError(str(e).removeprefix("nip: ")) from e  # the cause keeps the rule's code for the answer


@dataclass(frozen=True)
class OneOf:
    """A code that must be one of the domain's own: validated, and documented as an enum, like a Literal."""

    values: tuple[str, ...]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.literal_schema(list(self.values))


# The API's enumerations, each derived from the domain's (never retyped here).
Rating = Annotated[str, OneOf(RATINGS)]
Predikat = Annotated[str, OneOf(PREDIKATS)]
OrgPredikat = Annotated[str, OneOf(ORG_PREDIKATS)]
Aspect = Annotated[str, OneOf(ASPECTS)]
RhkKind = Annotated[str, OneOf(RHK_KINDS)]
DecisionOutcome = Annotated[str, OneOf(OUTCOMES)]
TimeZone = Annotated[str, OneOf(tuple(ZONES))]
Period = Annotated[str, OneOf(tuple(rule_set(DEFAULT_RULE_SET).periods))]
DeadlineName = Annotated[str, OneOf(DEADLINES)]
StandingRole = Annotated[str, OneOf((HR, AUDITOR))]

Nip = Annotated[str, AfterValidator(_nip), Field(examples=[EMPLOYEE_NIP], description="18-digit NIP")]


def checked(rule: TextRule) -> Any:
    """The domain's text rule as a validator (the request is refused before anything runs)."""

    def check(value: str | None) -> str | None:
        if value is None:  # an optional parameter left out
            return None
        try:
            rule.check_shape("value", value)  # presence: min_length here, the command's own rule in the domain
        except InvalidInput as e:
            raise ValueError(str(e).removeprefix("value: ")) from e
        return value

    return AfterValidator(check)


def text_of(rule: TextRule) -> Any:
    """A request text under one of the domain's rules (domain/text.py): limit documented, rule checked."""
    lines = "; line breaks allowed" if rule.multiline else ""
    link = "; an http:// or https:// link" if rule.link else ""
    return Annotated[
        str,
        Field(
            min_length=1 if rule.required else 0,
            max_length=rule.limit,
            description=f"at most {rule.limit} characters, no control characters{lines}{link}",
        ),
        checked(rule),
    ]


# Request texts, each with its domain rule (never a limit retyped here).
Text = text_of(text_rules.TEXT)
OptionalText = text_of(text_rules.TEXT.optional())
Item = text_of(text_rules.ITEM)
Code = text_of(text_rules.CODE)
OptionalCode = text_of(text_rules.CODE.optional())
Name = text_of(text_rules.NAME)
OptionalName = text_of(text_rules.NAME.optional())
Rank = text_of(text_rules.RANK)
Link = text_of(text_rules.LINK)
Comment = text_of(text_rules.COMMENT)


class OutcomeOut(BaseModel):
    """What a write left behind on an appraisal."""

    id: UUID
    version: int
    stage: str
    pending: dict[str, str] | None
    predikat: str | None
    replayed: bool = False
    receipt: dict[str, Any] | None = Field(
        None, description="the receipt of the event written (GET /api/v1/receipts/{id}/{version} completes it)"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_APPRAISAL,
                    "version": 4,
                    "stage": "planning",
                    "pending": {"task": "review_skp", "assignee": APPRAISER_NIP},
                    "predikat": None,
                    "replayed": False,
                }
            ]
        }
    )


class AppraisalOut(BaseModel):
    """An appraisal as its reader may see it."""

    id: str
    version: int
    cycle_id: str
    employee_nip: str
    employee: dict[str, Any]
    appraiser_nip: str
    atasan_nip: str
    rule_set_id: str
    stage: str
    skp_status: str
    rhk: list[dict[str, Any]]
    skp_returns: list[dict[str, Any]]
    progress: list[dict[str, Any]]
    daily_log: list[dict[str, Any]] = Field(
        default_factory=list, description="catatan harian: day, period, rhk_id, text, evidence (sha256, size, type)"
    )
    realisation: list[dict[str, Any]] = Field(
        default_factory=list, description="each period's realisation per RHK: the report and the daily entries"
    )
    check_ins: dict[str, dict[str, Any]]
    self_assessment: str
    rating: dict[str, Any] | None
    predikat: str | None
    keberatan: dict[str, Any] | None
    keberatan_deadline: str | None
    keberatan_days_left: int | None = None
    follow_up: dict[str, Any] | None
    pending: dict[str, str] | None
    pending_due: str | None = Field(
        None, description="when the pending task falls due (UTC), the instant its reminders name; null: no due"
    )
    your_relations: list[str] = []
    your_actions: list[str] = Field(
        default_factory=list, description="the actions the caller may take now, as the domain's rules answer"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_APPRAISAL,
                    "version": 4,
                    "cycle_id": EXAMPLE_CYCLE,
                    "employee_nip": EMPLOYEE_NIP,
                    "employee": {"name": "Budi Santoso", "unit_id": "UNIT-PELAYANAN"},
                    "appraiser_nip": APPRAISER_NIP,
                    "atasan_nip": "197805202005011003",
                    "rule_set_id": "permenpanrb-6-2022",
                    "stage": "planning",
                    "skp_status": "submitted",
                    "rhk": [],
                    "skp_returns": [],
                    "progress": [],
                    "daily_log": [],
                    "realisation": [],
                    "check_ins": {},
                    "self_assessment": "",
                    "rating": None,
                    "predikat": None,
                    "keberatan": None,
                    "keberatan_deadline": None,
                    "keberatan_days_left": None,
                    "follow_up": None,
                    "pending": {"task": "review_skp", "assignee": APPRAISER_NIP},
                    "pending_due": "2026-01-31T16:59:59+00:00",
                    "your_relations": ["employee"],
                }
            ]
        }
    )
