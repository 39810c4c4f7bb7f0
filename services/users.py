"""The user directory: who may sign in, under which name, with which standing roles.

Standing roles are the ones a person holds whatever the appraisal: "hr" (pengelola
kinerja) and "auditor". Being someone's pejabat penilai (supervisor) or atasan is a
relationship read from the appraisal itself (api/authz.py), never a role in a token.

Two sources: people named explicitly with their roles (the demo's file, from
KINERJA_DEV_USERS_FILE: {"users": {"<nip>": {"name": "...", "roles": ["hr"], "agency_id": "..."}}}), and every
employee of every agency in the org master data HR imports (the rm_employees projection). An HR user's agency
is the file's `agency_id`, else the master data's; "*" names a central pengelola (services/authz.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

STANDING_ROLES = ("hr", "auditor")
EmployeeLookup = Callable[[str], "dict[str, Any] | None"]


@dataclass(frozen=True)
class User:
    nip: str
    name: str = ""
    roles: tuple[str, ...] = ()
    unit_id: str = ""
    agency_id: str = ""


def standing_roles(raw: object) -> tuple[str, ...]:
    """The known standing roles in a claim or a list (unknown names are dropped)."""
    if isinstance(raw, str):
        raw = raw.split()
    return tuple(r for r in raw if isinstance(r, str) and r in STANDING_ROLES) if isinstance(raw, list | tuple) else ()


@dataclass
class UserDirectory:
    """NIP -> user. Lookups only; HR edits the org data, never this object."""

    users: dict[str, User] = field(default_factory=dict)
    employees: EmployeeLookup | None = None  # the org master data (set by the app from its read side)

    @classmethod
    def from_mapping(
        cls, entries: Mapping[str, Mapping[str, Any]], employees: EmployeeLookup | None = None, **_: Any
    ) -> UserDirectory:
        """{"<nip>": {"name": ..., "roles": ["hr"], "unit_id": ..., "agency_id": ...}}"""
        users = {
            nip: User(
                nip=nip,
                name=str(e.get("name", "")),
                unit_id=str(e.get("unit_id", "")),
                roles=standing_roles(list(e.get("roles", ()))),
                agency_id=str(e.get("agency_id", "")),  # HR's agency (services/authz.py binds HR to it)
            )
            for nip, e in entries.items()
        }
        return cls(users, employees)

    @classmethod
    def from_file(cls, path: str | Path) -> UserDirectory:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_mapping(document.get("users", {}))

    def get(self, nip: str) -> User | None:
        """The users file's entry, its agency taken from the master data when the file names none; else the
        master data's employee (services/authz.py binds an HR user to that agency)."""
        found = self.users.get(nip)
        if found is not None and found.agency_id:
            return found
        row = self.employees(nip) if self.employees is not None else None
        if found is not None:
            return found if row is None else replace(found, agency_id=str(row["agency_id"] or ""))
        return None if row is None else User(nip, row["name"], (), row["unit_id"], row["agency_id"])

    def add(self, user: User) -> None:
        self.users[user.nip] = user
