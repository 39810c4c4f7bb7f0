"""The bodies the employees' routes (api/employees.py) read and answer: SKP, progress, texts, keberatan, summaries."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.models import (
    EXAMPLE_APPRAISAL,
    Aspect,
    Code,
    Item,
    Link,
    OptionalCode,
    RhkKind,
    Text,
)

STRICT = ConfigDict(extra="forbid")


class IndicatorIn(BaseModel):
    model_config = STRICT
    id: Code
    aspect: Aspect
    text: Item
    target: Item


class RhkIn(BaseModel):
    model_config = STRICT
    id: Code
    kind: RhkKind = "utama"
    text: Item
    supports: Annotated[OptionalCode, Field(description="the superior's RHK id this one supports (utama)")] = ""
    indicators: list[IndicatorIn] = Field(min_length=1)


class SkpIn(BaseModel):
    """The SKP draft: Rencana Hasil Kerja with their IKI and targets."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rhk": [
                        {
                            "id": "rhk-1",
                            "kind": "utama",
                            "text": "Layanan administrasi kependudukan tepat waktu",
                            "supports": "kabid-rhk-1",
                            "indicators": [
                                {
                                    "id": "iki-1a",
                                    "aspect": "kuantitas",
                                    "text": "Dokumen diterbitkan",
                                    "target": "1200",
                                },
                                {"id": "iki-1b", "aspect": "waktu", "text": "Rata-rata hari proses", "target": "2"},
                            ],
                        }
                    ]
                }
            ]
        },
    )
    rhk: list[RhkIn] = Field(min_length=1, max_length=50)


class ProgressIn(BaseModel):
    """Realisation of one RHK in one period, with its evidence (bukti dukung)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period": "Q1",
                    "rhk_id": "rhk-1",
                    "realisation": "310 dokumen diterbitkan",
                    "evidence": "https://arsip.example.go.id/laporan/q1.pdf",
                }
            ]
        },
    )
    period: Code
    rhk_id: Code
    realisation: Text
    evidence: Link = ""


class TextIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Target layanan tercapai; dua inovasi antrian daring."}]},
    )
    text: Text


class KeberatanIn(BaseModel):
    """An objection to the result, to the atasan pejabat penilai (PP 30/2019 Pasal 59)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reasons": "Realisasi Q3 dan Q4 belum dipertimbangkan dalam rating hasil kerja."}]
        },
    )
    reasons: Text


class AppraisalSummary(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"appraisal_id": EXAMPLE_APPRAISAL, "year": 2025, "stage": "planning", "predikat": None}]
        },
    )
    appraisal_id: str
    year: int
    stage: str
    predikat: str | None


class ResultOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "appraisal_id": EXAMPLE_APPRAISAL,
                    "stage": "result_delivered",
                    "predikat": "baik",
                    "rating": {"results": "sesuai", "behaviour": "sesuai"},
                    "keberatan_deadline": "2026-02-14T15:59:59+00:00",
                    "keberatan_days_left": 14,
                    "keberatan": None,
                    "follow_up": None,
                }
            ]
        }
    )
    appraisal_id: str
    stage: str
    predikat: str | None
    rating: dict[str, Any] | None
    keberatan_deadline: str | None
    keberatan_days_left: int | None
    keberatan: dict[str, Any] | None
    follow_up: dict[str, Any] | None
