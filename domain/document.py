"""What a printed SKP or evaluation document states, and the digest that ties it to the log.

A document is a rendering of `content(...)`: the agency, the year, the employee, the appraiser and
the appraiser's superior (atasan) with names and NIPs, the SKP (with the realisation, ratings and
keberatan on the evaluation) and the day of the state printed, in the agency's zone. Its names
come from the records as they stood at the log position the document was read at (`Position`):
the appraisal's version, and the versions of its cycle and of the agency's master data.

The digest is SHA-256 over the canonical JSON of the content and of that position with each
record's chain head, so recomputing the content from the log at the position gives it again,
while an altered document, or a log rewritten before that position, does not. A `Reference`
(kind, position, digest, content version) is what the document's QR code and footer carry.

Content versions: what a document states only grows, and a print is checked against the content of
its own version. Version 1 (references without a version, `skp.<...>`) is the content as first
printed; version 2 (`v2.skp.<...>`, `v2.evaluasi.<...>`) adds to the evaluation the explanation of
its predikat (domain/explanation.py). New documents are of the current version.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain import calendar
from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from domain.errors import InvalidInput, refusal
from domain.explanation import as_data, explain_predikat
from domain.organisation import Agency

NOT_A_REFERENCE = refusal("document.reference", "is not the reference of a Kinerja document")
NO_SUCH_KIND = refusal("document.kind", "must be one of {choices}")

FORMATS = {1: "kinerja-dokumen/v1", 2: "kinerja-dokumen/v2"}  # content version -> the digest's "format"
FORMAT = FORMATS[1]
CONTENT_VERSION = 2  # what new documents are printed as
SKP, EVALUATION = "skp", "evaluasi"
KINDS = (SKP, EVALUATION)
MAX_VERSION = 9_999_999
# [v<content version>.]kind.appraisal-id(hex).version.cycle-version.agency-version.sha256: at most 142
# characters; version 1, as first printed, has no prefix.
TOKEN = re.compile(
    r"(?:v([2-9])\.)?(skp|evaluasi)\.([0-9a-f]{32})\.([0-9]{1,7})\.([0-9]{1,7})\.([0-9]{1,7})\.([0-9a-f]{64})"
)
MAX_TOKEN = 142


@dataclass(frozen=True)
class Position:
    """Where in the log a document was read: the appraisal's version, its cycle's and its agency's (0: none)."""

    appraisal_id: UUID
    version: int
    cycle_version: int
    agency_version: int


@dataclass(frozen=True)
class Reference:
    """What a document carries to be checked: its kind, its log position and its digest."""

    kind: str
    position: Position
    digest: str
    content_version: int = CONTENT_VERSION

    @property
    def token(self) -> str:
        p = self.position
        prefix = f"v{self.content_version}." if self.content_version > 1 else ""
        return (
            f"{prefix}{self.kind}.{p.appraisal_id.hex}.{p.version}.{p.cycle_version}.{p.agency_version}.{self.digest}"
        )

    @classmethod
    def parse(cls, token: str) -> Reference:
        """A reference from its token; InvalidInput("rujukan") for anything else, however long or strange."""
        found = TOKEN.fullmatch(token) if len(token) <= MAX_TOKEN else None
        if found is None:
            raise InvalidInput("rujukan", NOT_A_REFERENCE)
        content_version, kind, hex_id, version, cycle_version, agency_version, digest = found.groups()
        if int(version) < 1 or int(cycle_version) < 1 or int(content_version or 1) not in FORMATS:
            raise InvalidInput("rujukan", NOT_A_REFERENCE)
        position = Position(UUID(hex=hex_id), int(version), int(cycle_version), int(agency_version))
        return cls(kind, position, digest, int(content_version or 1))


def person(nip: str, cycle: AppraisalCycle, agency: Agency | None) -> dict[str, str]:
    """Name, rank and position of a NIP: as a participant of the cycle, else as an employee of the agency."""
    found: dict[str, Any] | None = cycle.participants.get(nip)
    unit = str(found.get("unit_name") or found.get("unit_id") or "") if found else ""
    if found is None and agency is not None and nip in agency.employees:
        found = agency.employees[nip]
        unit_id = str(found.get("unit_id") or "")
        unit = str(agency.units.get(unit_id, {}).get("name") or unit_id)
    found = found or {}
    fields = {k: str(found.get(k) or "") for k in ("name", "rank", "position")}
    return {"nip": nip, **fields, "unit": unit}


def content(
    kind: str, appraisal: Appraisal, cycle: AppraisalCycle, agency: Agency | None, version: int = CONTENT_VERSION
) -> dict[str, Any]:
    """Everything the document of `kind` and content `version` states, as plain JSON data (codes, not their labels)."""
    if kind not in KINDS:
        raise InvalidInput("kind", NO_SUCH_KIND, choices=", ".join(KINDS))
    year = int(cycle.year)
    stated: dict[str, Any] = {
        "kind": kind,
        "agency": cycle.agency_name,
        "year": year,
        "period": [date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()],
        "rule_set_id": appraisal.rule_set_id,
        "employee": {**person(appraisal.employee_nip, cycle, agency), **_own(appraisal)},
        "appraiser": person(appraisal.appraiser_nip, cycle, agency),
        "atasan": person(appraisal.atasan_nip, cycle, agency),
        "zone": appraisal.time_zone,
        "dated": calendar.local_day(appraisal.modified_on, appraisal.time_zone).isoformat(),
        "skp_status": appraisal.skp_status,
        "rhk": [_rhk(r, appraisal.progress if kind == EVALUATION else None) for r in appraisal.rhk],
    }
    if kind == EVALUATION:
        rating = appraisal.rating or {}
        stated["rating"] = {
            "results": rating.get("results"),
            "behaviour": rating.get("behaviour"),
            "behaviour_values": dict(rating.get("behaviour_values") or {}),
        }
        stated["predikat"] = appraisal.predikat
        k = appraisal.keberatan
        stated["keberatan"] = (
            {"reasons": k["reasons"], "outcome": k.get("outcome"), "decision": k.get("decision")} if k else None
        )
        if version >= 2:
            why = explain_predikat(appraisal, cycle)
            stated["explanation"] = as_data(why) if why is not None else None
    return stated


def _own(appraisal: Appraisal) -> dict[str, str]:
    """The employee as the appraisal recorded them when it opened."""
    e = appraisal.employee
    return {
        "name": str(e.get("name") or ""),
        "rank": str(e.get("rank") or ""),
        "position": str(e.get("position") or ""),
        "unit": str(e.get("unit_name") or e.get("unit_id") or ""),
    }


def _rhk(r: dict[str, Any], progress: list[dict[str, Any]] | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": r["id"],
        "kind": r.get("kind", ""),
        "text": r["text"],
        "indicators": [{"aspect": i["aspect"], "text": i["text"], "target": i["target"]} for i in r["indicators"]],
    }
    if progress is not None:
        found["realisation"] = [
            {"period": p["period"], "realisation": p["realisation"]} for p in progress if p["rhk_id"] == r["id"]
        ]
    return found


def digest(
    kind: str, position: Position, heads: tuple[str, str, str], stated: dict[str, Any], version: int = CONTENT_VERSION
) -> str:
    """SHA-256 (hex) over the canonical JSON of the content and the log position with each record's chain head;
    the content version is the "format" (version 1's digest is the one first printed, unchanged)."""
    canonical = {
        "format": FORMATS[version],
        "kind": kind,
        "log": {
            "appraisal": [str(position.appraisal_id), position.version, heads[0]],
            "cycle": [position.cycle_version, heads[1]],
            "agency": [position.agency_version, heads[2]],
        },
        "content": stated,
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def reference(
    kind: str, appraisal: Appraisal, cycle: AppraisalCycle, agency: Agency | None, version: int = CONTENT_VERSION
) -> Reference:
    """The reference of the document of `kind` and content `version` read from these records as they stand."""
    position = Position(appraisal.id, appraisal.version, cycle.version, agency.version if agency else 0)
    heads = (appraisal.chain_head, cycle.chain_head, agency.chain_head if agency else "")
    stated = content(kind, appraisal, cycle, agency, version)
    return Reference(kind, position, digest(kind, position, heads, stated, version), version)
