"""What a chaos run does: its sizes, the staff it appraises, each employee's steps, and its terminal output."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any


def say(text: str, err: bool = True) -> None:
    """A line for the person at the terminal: progress on stderr, the RESULT line on stdout."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


HR_NIP = "196001012000011001"
AUDITOR = "196203032001012001"
ATASAN = "196501012000011001"
UNIT_SIZE = 10
RHK = [
    {
        "id": "R1",
        "kind": "utama",
        "text": "Layanan administrasi kependudukan tepat waktu",
        "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Dokumen diterbitkan", "target": "1200"}],
    }
]
# What each employee's appraisal goes through, in order: (who acts, method, path, body, the event it records).
STEPS: list[tuple[str, str, str, dict[str, Any] | None, str]] = [
    ("employee", "PUT", "/employees/appraisals/{a}/skp", {"rhk": RHK}, "SkpDrafted"),
    ("employee", "POST", "/employees/appraisals/{a}/skp/submit", None, "SkpSubmitted"),
    ("supervisor", "POST", "/tasks/appraisals/{a}/skp/approve", None, "SkpApproved"),
    (
        "employee",
        "POST",
        "/employees/appraisals/{a}/progress",
        {
            "period": "Q1",
            "rhk_id": "R1",
            "realisation": "310 dokumen",
            "evidence": "https://arsip.example.go.id/q1.pdf",
        },
        "ProgressReported",
    ),
    (
        "employee",
        "POST",
        "/employees/appraisals/{a}/progress",
        {
            "period": "Q2",
            "rhk_id": "R1",
            "realisation": "640 dokumen",
            "evidence": "https://arsip.example.go.id/q2.pdf",
        },
        "ProgressReported",
    ),
]
PLANNED_STAGE = "execution"  # where every appraisal stands once its steps are done


@dataclass
class Plan:
    employees: int = 200
    kills: int = 5
    temporal_restarts: int = 1
    cut_seconds: float = 30.0
    clients: int = 8
    workers: int = 2


def staff(n: int) -> list[dict[str, Any]]:
    """N participants in units of ten, each unit appraised by a supervisor outside the cycle."""
    people = []
    for i in range(n):
        unit = i // UNIT_SIZE
        people.append(
            {
                "nip": f"19850315201001{1 + i % 2}{i + 1:03d}"
                if i < 999
                else f"19860315201101{1 + i % 2}{i - 998:03d}",
                "name": f"Pegawai {i + 1}",
                "unit_id": f"U{unit + 1:02d}",
                "unit_name": f"Bidang {unit + 1}",
                "appraiser_nip": supervisor_of(unit),
                "atasan_nip": ATASAN,
            }
        )
    return people


def supervisor_of(unit: int) -> str:
    return f"19700101199503{1}{unit + 1:03d}"


def users(people: list[dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {
        HR_NIP: {"name": "Siti HR", "roles": ["hr"], "agency_id": "AG-CHAOS"},
        AUDITOR: {"name": "Andi Auditor", "roles": ["auditor"]},
        ATASAN: {"name": "Bu Atasan", "roles": []},
    }
    for p in people:
        found[p["nip"]] = {"name": p["name"], "roles": []}
        found[p["appraiser_nip"]] = {"name": f"Penilai {p['unit_id']}", "roles": []}
    return {"agencies": ["AG-CHAOS"], "users": found}
