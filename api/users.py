"""The user directory behind the dev login: who may log in, and with which standing roles.

Standing roles are the ones a person holds whatever the appraisal: "hr" (pengelola
kinerja) and "auditor". Being someone's pejabat penilai (supervisor) or atasan is a
relationship read from the appraisal itself (api/authz.py), never a role in a token.

Two sources: people named explicitly (with their roles), and every employee of the
agencies listed, looked up in the org master data (the Agency aggregates HR imports).
A JSON file can hold both: {"agencies": ["pemkot-palu"], "users": {"<nip>": {"name":
"...", "roles": ["hr"]}}}; its path comes from KINERJA_DEV_USERS_FILE.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STANDING_ROLES = ("hr", "auditor")


@dataclass(frozen=True)
class User:
    nip: str
    name: str = ""
    roles: tuple[str, ...] = ()
    unit_id: str = ""


@dataclass
class UserDirectory:
    """NIP -> user. Lookups only; HR edits the org data, never this object."""

    users: dict[str, User] = field(default_factory=dict)
    agencies: tuple[str, ...] = ()
    app: Any = None  # domain.application.Appraisals, to look employees up in the org data

    @classmethod
    def from_mapping(
        cls, entries: Mapping[str, Mapping[str, Any]], agencies: Iterable[str] = (), app: Any = None
    ) -> UserDirectory:
        """{"<nip>": {"name": ..., "roles": ["hr"], "unit_id": ...}}"""
        users = {
            nip: User(
                nip=nip,
                name=str(e.get("name", "")),
                unit_id=str(e.get("unit_id", "")),
                roles=tuple(r for r in e.get("roles", ()) if r in STANDING_ROLES),
            )
            for nip, e in entries.items()
        }
        return cls(users, tuple(agencies), app)

    @classmethod
    def from_file(cls, path: str | Path, app: Any = None) -> UserDirectory:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_mapping(document.get("users", {}), document.get("agencies", ()), app)

    def get(self, nip: str) -> User | None:
        found = self.users.get(nip)
        return found if found is not None else self._employee(nip)

    def _employee(self, nip: str) -> User | None:
        if self.app is None or not self.agencies:
            return None
        from readmodels.org_import import find_agency  # noqa: PLC0415 - the org data is optional

        for code in self.agencies:
            agency = find_agency(self.app, code)
            if agency is not None and nip in agency.employees:
                e = agency.employees[nip]
                return User(nip, e.get("name", ""), (), e.get("unit_id", ""))
        return None

    def add(self, user: User) -> None:
        self.users[user.nip] = user
