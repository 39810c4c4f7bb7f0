"""The org master data as the API uses it: cycle participants, and the CSV import with its report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.application import Appraisals
from domain.base import Actor
from domain.errors import InvalidInput, NotFound


def participants_from_org(
    app: Appraisals, agency_id: str, unit_ids: list[str] | None
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The agency's employees as participants, and who was left out with the reason."""
    from readmodels.org_import import cycle_participants  # noqa: PLC0415 - optional read side

    try:
        people = cycle_participants(app, agency_id, set(unit_ids) if unit_ids else None)
    except NotFound:
        raise InvalidInput(
            "participants",
            f"no org data for agency {agency_id!r}: import it first "
            "(POST /api/v1/hr/org/import) or list the participants",
        ) from None
    if not people.participants:
        raise InvalidInput("unit_ids", f"no employee of {agency_id!r} can take part in these units")
    return people.participants, [{"nip": nip, "reason": why} for nip, why in people.skipped]


def import_csv(app: Appraisals, text: str, actor: Actor, reason: str, at: datetime) -> Any:
    """Check the whole file, then record the differences (all or nothing)."""
    from readmodels.org_import import import_org  # noqa: PLC0415

    return import_org(app, text, by=actor, at=at, reason=reason)
