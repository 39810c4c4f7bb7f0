"""HR's request and answer shapes, with the examples the OpenAPI page shows."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

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

PREDIKAT_COUNTS: dict[str, Any] = {"sangat_baik": 0, "baik": 7, "butuh_perbaikan": 2, "kurang": 0, "sangat_kurang": 0}

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


class CycleOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_CYCLE,
                    "version": 5,
                    "agency_id": "pemkot-palu",
                    "agency_name": "Pemerintah Kota Palu",
                    "year": 2025,
                    "time_zone": "WITA",
                    "rule_set_id": "permenpanrb-6-2022",
                    "period": "quarterly",
                    "status": "started",
                    "deadlines": {"planning": "2025-01-31", "review": "2026-01-31", "follow_up": "2026-03-31"},
                    "extensions": [],
                    "participants": 40,
                    "units": ["UNIT-PELAYANAN"],
                    "org_predikat": {"UNIT-PELAYANAN": "baik"},
                    "calibrations": {},
                }
            ]
        }
    )
    id: str
    version: int
    agency_id: str
    agency_name: str
    year: int
    time_zone: str
    rule_set_id: str
    period: str
    status: str
    deadlines: dict[str, str]
    extensions: list[dict[str, str]]
    participants: int
    units: list[str]
    org_predikat: dict[str, str]
    calibrations: dict[str, dict[str, Any]]
    open_exceptions: dict[str, str] = Field(
        default_factory=dict, description="closed cycles: the appraisals left open (NIP -> HR's reason)"
    )


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


class ProgressOut(BaseModel):
    """Per unit from the read model; the cycle workflow's own counters and failures.

    An appraisal counts as open (in `stages`; otherwise in `not_opened`) once its workflow runs, not
    when its record is written: `workflow.running` is the cycle workflow's own count of those."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": EXAMPLE_CYCLE,
                    "units": [
                        {
                            "unit_id": "UNIT-PELAYANAN",
                            "unit_name": "Bidang Pelayanan",
                            "participants": 12,
                            "stages": {"planning": 3, "execution": 9},
                            "not_opened": 0,
                            "overdue": {"planning": 1},
                            "overdue_total": 1,
                        }
                    ],
                    "workflow": {
                        "opening_done": True,
                        "opened": 12,
                        "started": 12,
                        "running": 12,
                        "closed": False,
                        "failures": [],
                    },
                }
            ]
        }
    )
    cycle_id: str
    units: list[dict[str, Any]]
    workflow: dict[str, Any]


class DistributionRow(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "UNIT-PELAYANAN",
                    "org_predikat": "baik",
                    "counts": PREDIKAT_COUNTS,
                    "rated": 9,
                    "curve_warnings": [],
                }
            ]
        }
    )
    unit_id: str
    org_predikat: str | None
    counts: dict[str, int]
    rated: int
    curve_warnings: list[str] | None


class TrendRow(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"year": 2025, "period": "annual", "counts": PREDIKAT_COUNTS}]}
    )
    year: int
    period: str
    counts: dict[str, int]


class CycleRow(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": EXAMPLE_CYCLE,
                    "agency_id": "pemkot-palu",
                    "agency_name": "Pemerintah Kota Palu",
                    "year": 2025,
                    "status": "started",
                    "time_zone": "WITA",
                }
            ]
        }
    )
    cycle_id: str
    agency_id: str
    agency_name: str
    year: int
    status: str
    time_zone: str


class CycleAppraisalRow(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "appraisal_id": "0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11",
                    "employee_nip": EMPLOYEE_NIP,
                    "employee_name": "Budi Santoso",
                    "unit_id": "UNIT-PELAYANAN",
                    "stage": "execution",
                    "predikat": None,
                }
            ]
        },
    )
    appraisal_id: str
    employee_nip: str
    employee_name: str
    unit_id: str
    stage: str
    predikat: str | None
