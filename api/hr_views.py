"""HR's reading shapes: a cycle, its progress, distribution, trends and appraisal lists, with OpenAPI examples."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.models import EMPLOYEE_NIP, EXAMPLE_CYCLE

PREDIKAT_COUNTS: dict[str, Any] = {"sangat_baik": 0, "baik": 7, "butuh_perbaikan": 2, "kurang": 0, "sangat_kurang": 0}


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
    cascade_days: dict[str, int] = Field(
        default_factory=dict,
        description="#15: the superiors' earlier RHK deadline in force: `before` the planning deadline and "
        "`per_level` more for each further level below (HR's choice at the start, else the rule set's)",
    )


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
