"""The audit API's answers: the shapes, with examples, of a record's log, chain, state, diff and checks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EXAMPLE_ID = "0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11"


class EventOut(BaseModel):
    version: int
    type: str
    at: str
    by: str | None
    rule_set_id: str | None
    payload: dict[str, Any]
    digest: str
    prev_digest: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 3,
                    "type": "SkpSubmitted",
                    "at": "2025-01-20T02:00:00+00:00",
                    "by": "198501012010011001",
                    "rule_set_id": "permenpanrb-6-2022",
                    "payload": {"by": "198501012010011001"},
                    "digest": "9c1e…",
                    "prev_digest": "41aa…",
                }
            ]
        }
    )


class ChainOut(BaseModel):
    ok: bool
    events: int
    head: str
    broken_at: int | None
    problem: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"ok": True, "events": 7, "head": "d2f0…", "broken_at": None, "problem": ""},
                {
                    "ok": False,
                    "events": 4,
                    "head": "41aa…",
                    "broken_at": 4,
                    "problem": "event 4 was modified: its content no longer matches its digest",
                },
            ]
        }
    )


class StateOut(BaseModel):
    id: str
    version: int
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"id": EXAMPLE_ID, "version": 5, "stage": "execution", "skp_status": "approved", "predikat": None}
            ]
        },
    )


class DiffOut(BaseModel):
    from_version: int
    to_version: int
    changed: dict[str, dict[str, Any]]
    events: list[EventOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from_version": 2,
                    "to_version": 5,
                    "changed": {"stage": {"before": "planning", "after": "execution"}},
                    "events": [],
                }
            ]
        }
    )


class RecomputeOut(BaseModel):
    appraisal_id: str
    rule_set_id: str
    rule_set_title: str
    final_predikat: str | None
    ratings: list[dict[str, Any]]
    all_match: bool

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "appraisal_id": EXAMPLE_ID,
                    "rule_set_id": "permenpanrb-6-2022",
                    "rule_set_title": "PermenPANRB 6/2022 with SE MenPANRB 3/2023",
                    "final_predikat": "baik",
                    "ratings": [
                        {
                            "version": 9,
                            "event": "Rated",
                            "results_rating": "sesuai",
                            "behaviour_rating": {"recorded": "sesuai", "recomputed": "sesuai"},
                            "predikat": {"recorded": "baik", "recomputed": "baik"},
                            "match": True,
                        }
                    ],
                    "all_match": True,
                }
            ]
        }
    )


class RowDifferenceOut(BaseModel):
    table: str
    key: dict[str, Any]
    kind: Literal["changed", "missing", "unexpected"]
    columns: dict[str, dict[str, Any]]


class ReadModelsOut(BaseModel):
    """The read models against a rebuild from the log, row by row (finding 8 of #8)."""

    ok: bool
    position: int = Field(description="the log position both sides stand at")
    rows: dict[str, int] = Field(description="rows per read table, as rebuilt")
    differences: list[RowDifferenceOut]
    described: list[str] = Field(description="each difference in a sentence")
    rebuild_failures: list[dict[str, Any]] = Field(description="records the rebuild could not project either")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": False,
                    "position": 212,
                    "rows": {"rm_appraisals": 40, "rm_distribution": 9},
                    "differences": [
                        {
                            "table": "rm_appraisals",
                            "key": {"appraisal_id": EXAMPLE_ID},
                            "kind": "changed",
                            "columns": {"predikat": {"live": "sangat_baik", "rebuilt": "baik"}},
                        }
                    ],
                    "described": [
                        f"rm_appraisals [appraisal_id={EXAMPLE_ID}] changed: predikat: live 'sangat_baik', "
                        "from the log 'baik'"
                    ],
                    "rebuild_failures": [],
                }
            ]
        }
    )


INTEGRITY_EXAMPLE: dict[str, Any] = {
    "log": "kinerja",
    "origin": "kinerja.local/kinerja",
    "verdict": "tampered",
    "ok": False,
    "first": {
        "kind": "truncated",
        "subject": f"appraisal {EXAMPLE_ID}",
        "message": f"appraisal {EXAMPLE_ID}: events 7-8 are missing: the record was truncated "
        "after event 6; they were covered by checkpoint #2 (size 27)",
        "record_id": EXAMPLE_ID,
        "severity": "tampered",
    },
    "events": 6,
    "records": 1,
    "sealed": 6,
    "tree_size": 27,
    "checkpoints": [],
    "witnesses": [],
    "findings": [],
}
PALU_LOG = {
    "log": "kinerja_pemkot_palu_c161d2ac",
    "origin": "kinerja.local/kinerja_pemkot_palu_c161d2ac",
    "agency_id": "pemkot-palu",
}


class IntegrityOut(BaseModel):
    log: str
    origin: str
    verdict: Literal["intact", "tampered"]
    ok: bool
    first: dict[str, Any] | None
    events: int
    records: int
    sealed: int
    tree_size: int
    checkpoints: list[dict[str, Any]]
    witnesses: list[dict[str, Any]]
    findings: list[dict[str, Any]]

    model_config = ConfigDict(json_schema_extra={"examples": [INTEGRITY_EXAMPLE]})


class AgencyLogIntegrityOut(IntegrityOut):
    """One agency's log of a partitioned store, verified on its own."""

    agency_id: str

    model_config = ConfigDict(json_schema_extra={"examples": [{**INTEGRITY_EXAMPLE, **PALU_LOG}]})


class LogsIntegrityOut(BaseModel):
    """A partitioned store: every agency's log verified on its own (its keys, checkpoints, witnesses), one verdict."""

    verdict: Literal["intact", "tampered"]
    ok: bool
    logs: list[AgencyLogIntegrityOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"verdict": "tampered", "ok": False, "logs": [{**INTEGRITY_EXAMPLE, **PALU_LOG}]}]
        }
    )
