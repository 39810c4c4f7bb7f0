"""A cycle participant's master data, checked field by field (every message names the field)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from domain.base import Actor, require
from domain.errors import REQUIRED, InvalidInput, refusal
from domain.nip import check_nip
from domain.text import CODE, NAME, RANK

SELF_APPOINTED = refusal(
    "participant.self_appointed",
    "{where}HR cannot make itself anyone's pejabat penilai or atasan: another pengelola kinerja must name them",
)
OWN_APPRAISAL = refusal(
    "appraisal.own", "nobody acts as HR on their own appraisal: another pengelola kinerja must do it"
)
ONLY_HR_SUPERVISOR = refusal("cycle.who_changes_supervisor", "only HR records a change of supervisor")
OWN_APPRAISER = refusal("participant.own_appraiser", "an employee cannot be their own pejabat penilai")
OWN_ATASAN = refusal("participant.own_atasan", "an employee cannot be their own atasan pejabat penilai")
ATASAN_IS_APPRAISER = refusal(
    "participant.atasan_is_appraiser",
    "the atasan pejabat penilai cannot be the pejabat penilai: a keberatan is decided by the appraiser's superior",
)
NOT_A_POST = refusal("participant.post", "must be a whole number from 1 to {limit}")
MAX_POSTS = 12  # a post a month at most
NOT_A_COEFFICIENT = refusal("participant.ak_coefficient", "must be a positive number for functional staff")

# A participant's texts and their rules (domain/text.py): required name and unit, the rest optional.
FIELDS = {"name": NAME, "position": NAME.optional(), "rank": RANK, "unit_id": CODE, "unit_name": NAME.optional()}


def post_of(participant: Mapping[str, Any] | None) -> int:
    """Which of the employee's posts in a cycle a participant record is: 1, or the next after a transfer
    within the agency (domain/transfer_service.py), whose appraisal is a record of its own."""
    return int((participant or {}).get("post", 1))


def require_not_self_appointed(by: Actor, appraiser_nip: str, atasan_nip: str, where: str = "") -> None:
    """HR cannot make itself anyone's pejabat penilai (nor atasan, who decides the keberatan)."""
    require(by.nip not in (appraiser_nip, atasan_nip), SELF_APPOINTED, where=where)


def check_participant(p: dict[str, Any], where: str = "participant", today: date | None = None) -> dict[str, Any]:
    """A participant's master data: NIP, name, unit, appraiser and the appraiser's superior."""
    nip = check_nip(str(p.get("nip", "")), f"{where}.nip", today)
    appraiser = check_nip(str(p.get("appraiser_nip", "")), f"{where}.appraiser_nip", today)
    atasan = check_nip(str(p.get("atasan_nip", "")), f"{where}.atasan_nip", today)
    if appraiser == nip:
        raise InvalidInput(f"{where}.appraiser_nip", OWN_APPRAISER)
    if atasan == nip:  # the keberatan against one's own rating would go to oneself
        raise InvalidInput(f"{where}.atasan_nip", OWN_ATASAN)
    if atasan == appraiser:  # the keberatan is decided above the appraiser, never by them (PP 30/2019 Pasal 59)
        raise InvalidInput(f"{where}.atasan_nip", ATASAN_IS_APPRAISER)
    texts = {}
    for key, rule in FIELDS.items():
        value = _str(p.get(key))
        if rule.required and isinstance(value, str) and not value.strip():
            raise InvalidInput(f"{where}.{key}", REQUIRED)
        texts[key] = rule.check(f"{where}.{key}", value)
    coefficient = p.get("ak_coefficient")
    if coefficient is not None and not (isinstance(coefficient, (int, float)) and coefficient > 0):
        raise InvalidInput(f"{where}.ak_coefficient", NOT_A_COEFFICIENT)
    found = {
        "nip": nip,
        "name": texts["name"],
        "position": texts["position"],
        "rank": texts["rank"],
        "unit_id": texts["unit_id"],
        "unit_name": texts["unit_name"] or texts["unit_id"],
        "appraiser_nip": appraiser,
        "atasan_nip": atasan,
        "is_unit_head": bool(p.get("is_unit_head", False)),
        "ak_coefficient": float(coefficient) if coefficient is not None else None,
    }
    return {**found, **_transferred(p, where)}


def _transferred(p: dict[str, Any], where: str) -> dict[str, Any]:
    """A post taken up by a transfer: which post of the employee in the cycle it is, and the transfer's id
    (domain/transfer_service.py); nothing for the first post of a cycle's own participants."""
    post, transfer_id = p.get("post", 1), p.get("transfer_id")
    if isinstance(post, bool) or not isinstance(post, int) or not 1 <= post <= MAX_POSTS:
        raise InvalidInput(f"{where}.post", NOT_A_POST, limit=MAX_POSTS)
    if transfer_id is None:
        return {"post": post} if post > 1 else {}
    return {"post": post, "transfer_id": CODE.check(f"{where}.transfer_id", transfer_id)}


def _str(value: Any) -> Any:
    """Absent is empty; a number (from a spreadsheet) is its text; anything else is left for the rule to refuse."""
    if value is None:
        return ""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
