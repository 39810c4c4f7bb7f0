"""What every Kinerja aggregate shares: the hash chain, idempotency keys, actors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from domain.chain import ChainedAggregate
from domain.errors import NotAllowed, Refusal
from domain.text import refuse_control_characters

HR, AUDITOR, SYSTEM_ROLE = "hr", "auditor", "system"


@dataclass(frozen=True)
class Actor:
    """Who asks: a NIP and the roles the caller was authenticated with; for HR, the agency they administer
    (services/authz.py binds them to it; "" when the user directory names none: no agency's records; "*" for
    a central pengelola, named so in the users file: every agency's)."""

    nip: str
    roles: tuple[str, ...] = ()
    agency: str = ""

    @property
    def is_hr(self) -> bool:
        return HR in self.roles

    @property
    def is_system(self) -> bool:
        return SYSTEM_ROLE in self.roles


# Deadlines, reminders and escalations act as the system, never as a person.
SYSTEM = Actor("system", (SYSTEM_ROLE,))


class KinerjaAggregate(ChainedAggregate):
    """A hash-chained aggregate that remembers which command keys it applied."""

    class Event(ChainedAggregate.Event):
        command_key: str

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            if self.command_key:
                aggregate.__dict__.setdefault("applied_keys", {})[self.command_key] = self.originator_version
            return aggregate

    class Created(Event, ChainedAggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("command_key", "")
        refuse_control_characters(kwargs)
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs["command_key"] = self.__dict__.get("_command_key", "")
        refuse_control_characters(kwargs)  # the last net: no NUL ever reaches the log
        super().trigger_event(event_class, **kwargs)

    def applied_version(self, key: str) -> int | None:
        """The version a command with this key produced, if it was applied."""
        applied: dict[str, int] = self.__dict__.get("applied_keys", {})
        return applied.get(key)

    @contextmanager
    def command(self, key: str) -> Iterator[None]:
        """Tag the events of one command with its idempotency key."""
        self.__dict__["_command_key"] = key
        try:
            yield
        finally:
            self.__dict__.pop("_command_key", None)


def require(condition: bool, said: Refusal, **params: Any) -> None:
    if not condition:
        raise NotAllowed(said, **params)
