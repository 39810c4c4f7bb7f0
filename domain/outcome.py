"""What a command answers, and the stamp the workflow puts on it (record, business instant, key)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Outcome:
    """What an appraisal command left behind: enough for a caller to show the new state."""

    id: UUID
    version: int
    stage: str
    pending: dict[str, str] | None
    predikat: str | None
    replayed: bool = False
    # Where the command's last event went: its log ("" for the single log, else the agency partition's name)
    # and its notification id there; 0 when it wrote nothing (a replay). A read that must see the write waits
    # for the projection to pass it (services/readside.py), without asking the log for its head.
    log: str = ""
    position: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "id": str(self.id)}


@dataclass(frozen=True)
class Stamp:
    """Where and when a command runs: the record's id, the business instant, the idempotency key."""

    record_id: UUID
    at: datetime
    key: str = ""
