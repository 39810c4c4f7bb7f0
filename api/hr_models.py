"""HR's request shapes and the answers to its writes, with the examples the OpenAPI page shows."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.models import (
    APPRAISER_NIP,
    EMPLOYEE_NIP,
    EXAMPLE_CYCLE,
    Code,
    DeadlineName,
    Item,
    Name,
    Nip,
    OptionalName,
    OptionalText,
    OrgPredikat,
    Period,
    Rank,
    TimeZone,
)

MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", examples=["12-01"])]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-02-28"])]


class ParticipantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nip: Nip
    name: Name
    position: OptionalName = ""
    rank: Rank = ""
    unit_id: Code
    unit_name: OptionalName = ""
    appraiser_nip: Nip
    atasan_nip: Nip
    is_unit_head: bool = False
    ak_coefficient: float | None = Field(None, gt=0)


class CycleIn(BaseModel):
    """A cycle for one agency and year. Without `participants`, they come from the org data."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "agency_id": "pemkot-palu",
                    "agency_name": "Pemerintah Kota Palu",
                    "time_zone": "WITA",
                    "year": 2025,
                    "period": "quarterly",
                    "deadlines": {"planning": "2025-01-31"},
                    "participants": [
                        {
                            "nip": EMPLOYEE_NIP,
                            "name": "Budi Santoso",
                            "unit_id": "UNIT-PELAYANAN",
                            "appraiser_nip": APPRAISER_NIP,
                            "atasan_nip": "197805202005011003",
                        }
                    ],
                },
                {
                    "agency_id": "pemkot-palu",
                    "agency_name": "Pemerintah Kota Palu",
                    "time_zone": "WITA",
                    "year": 2025,
                    "unit_ids": ["UNIT-PELAYANAN"],
                },
            ]
        },
    )
    agency_id: Code
    agency_name: OptionalName = ""
    time_zone: TimeZone
    year: int = Field(ge=2022, le=2100)
    rule_set_id: Code = "permenpanrb-6-2022"
    period: Period | None = None
    deadlines: dict[DeadlineName, Day] | None = None
    participants: list[ParticipantIn] | None = Field(None, max_length=20_000)
    unit_ids: list[Code] | None = Field(None, max_length=1000, description="with org data: only these units")


class CycleCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": EXAMPLE_CYCLE, "participants": 40, "skipped": []}]}
    )
    id: str
    participants: int
    skipped: list[dict[str, str]] = []


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"review_opens": "12-01"}]})
    review_opens: MonthDay | None = Field(
        None, description="month-day (agency time) the annual review opens; default: the rule set's"
    )
    check_in_reminder_days_before: int | None = Field(
        None, ge=0, le=60, description="days before each check-in falls due; default: the rule set's"
    )
    cascade_days_before: StrictInt | None = Field(
        None,
        description="#15: how many days before the planning deadline the RHK of a superior whose subordinates "
        "cascade from them are due (0-60; moves with an extension of the planning deadline); default: the rule set's",
    )
    cascade_days_per_level: StrictInt | None = Field(
        None,
        description="#15: how many days earlier again for each further level of subordinates below (heads first; "
        "0-30); default: the rule set's",
    )


class ExtensionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"until": "2025-02-28", "reason": "SE BKN: perpanjangan pengisian SKP"}]},
    )
    until: Day
    reason: Item


class OrgPredikatIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"predikat": "baik"}]})
    predikat: OrgPredikat


class CalibrationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"justification": "Unit kecil; sebaran mengikuti bukti kinerja."}]},
    )
    justification: OptionalText = ""


class CloseIn(BaseModel):
    """Every appraisal not finalised yet is named, with the reason it stays open; none when all are final."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"exceptions": {EMPLOYEE_NIP: "cuti melahirkan; dinilai setelah kembali bertugas"}}]
        },
    )
    exceptions: dict[Nip, Item] = Field(
        default_factory=dict, max_length=20_000, description="NIP -> why that appraisal stays open"
    )


class ReopenIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "keberatan dikabulkan setelah penutupan; nilai dikoreksi"}]},
    )
    reason: Item


class CycleResult(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"version": 4, "warnings": []}]})


class StartedOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_CYCLE,
                    "workflow_id": f"cycle-{EXAMPLE_CYCLE}",
                    "status": "starting",
                    "progress": f"/api/v1/hr/cycles/{EXAMPLE_CYCLE}/progress",
                }
            ]
        }
    )
    id: str
    workflow_id: str
    status: str
    progress: str
