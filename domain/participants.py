"""A cycle participant's master data, checked field by field (every message names the field)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.errors import InvalidInput
from domain.nip import check_nip


def check_participant(p: dict[str, Any], where: str = "participant", today: date | None = None) -> dict[str, Any]:
    """A participant's master data: NIP, name, unit, appraiser and the appraiser's superior."""
    nip = check_nip(str(p.get("nip", "")), f"{where}.nip", today)
    appraiser = check_nip(str(p.get("appraiser_nip", "")), f"{where}.appraiser_nip", today)
    atasan = check_nip(str(p.get("atasan_nip", "")), f"{where}.atasan_nip", today)
    if appraiser == nip:
        raise InvalidInput(f"{where}.appraiser_nip", "an employee cannot be their own pejabat penilai")
    for key in ("name", "unit_id"):
        if not str(p.get(key) or "").strip():
            raise InvalidInput(f"{where}.{key}", "is required")
    coefficient = p.get("ak_coefficient")
    if coefficient is not None and not (isinstance(coefficient, (int, float)) and coefficient > 0):
        raise InvalidInput(f"{where}.ak_coefficient", "must be a positive number for functional staff")
    return {
        "nip": nip,
        "name": str(p["name"]).strip(),
        "position": str(p.get("position") or ""),
        "rank": str(p.get("rank") or ""),
        "unit_id": str(p["unit_id"]).strip(),
        "unit_name": str(p.get("unit_name") or p["unit_id"]).strip(),
        "appraiser_nip": appraiser,
        "atasan_nip": atasan,
        "is_unit_head": bool(p.get("is_unit_head", False)),
        "ak_coefficient": float(coefficient) if coefficient is not None else None,
    }
