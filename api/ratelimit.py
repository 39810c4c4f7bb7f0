"""Limits on the public pages (no login): the citizens' survey, per client address and per rated
employee, and the check of a document, per client address; and on each employee's daily log entries
(an AddressLimiter keyed by the NIP: the evidence files they carry fill a disk).

Per address: a moving one-hour window (the `limits` library, in this process's memory; with N
replicas an address gets N windows, still a bound). The address is the TCP peer, or the one a
proxy listed in KINERJA_TRUSTED_PROXIES forwarded (api/edge.py): a client cannot choose it.
Per rated employee: a moving 24-hour window counted in the survey table itself, so it holds
across replicas and restarts. Either way the answer is 429 with Retry-After in seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from limits import RateLimitItemPerHour
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

DAY = timedelta(days=1)


class AddressLimiter:
    """A moving one-hour window per client address, for one kind of public request."""

    def __init__(self, per_hour: int, kind: str, clock: Callable[[], float] = time.time) -> None:
        self.kind, self.clock = kind, clock
        self.item = RateLimitItemPerHour(per_hour)
        self.window = MovingWindowRateLimiter(MemoryStorage())

    def wait(self, client: str) -> int:
        """Count one request from `client`: 0 if allowed, else the whole seconds until one is."""
        if self.window.hit(self.item, self.kind, client):
            return 0
        reset, _ = self.window.get_window_stats(self.item, self.kind, client)
        return max(1, math.ceil(reset - self.clock()))


class SurveyLimiter:
    def __init__(
        self, per_address_per_hour: int = 10, per_employee_per_day: int = 50, clock: Callable[[], float] = time.time
    ) -> None:
        self.per_employee_per_day, self.clock = per_employee_per_day, clock
        self.addresses = AddressLimiter(per_address_per_hour, "survey-address", clock)

    def address_wait(self, client: str) -> int:
        """Count one survey from `client`: 0 if allowed, else the whole seconds until one is."""
        return self.addresses.wait(client)

    def employee_wait(self, received: list[datetime], now: datetime) -> int:
        """Given when the surveys about one employee in the last 24 hours arrived: 0, or the seconds to wait."""
        recent = sorted(t for t in received if t > now - DAY)
        if len(recent) < self.per_employee_per_day:
            return 0
        frees_at = recent[len(recent) - self.per_employee_per_day] + DAY
        return max(1, math.ceil((frees_at - now).total_seconds()))
