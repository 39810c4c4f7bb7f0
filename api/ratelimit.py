"""A small in-process token bucket per client address (citizen feedback needs no login).

Each client may burst `capacity` requests and then gets `refill_per_second` more.
In-process only: with N API replicas a client gets N buckets, which is enough to
stop a script from flooding one unit's survey; a shared limit belongs in the proxy.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    capacity: float = 10
    refill_per_second: float = 10 / 60
    max_clients: int = 50_000
    clock: Callable[[], float] = time.monotonic
    buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)

    def take(self, client: str) -> float:
        """Spend one token; 0.0 if allowed, else the seconds to wait for the next token."""
        now = self.clock()
        tokens, last = self.buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
        if tokens >= 1:
            self.buckets[client] = (tokens - 1, now)
            self.buckets.move_to_end(client)
            while len(self.buckets) > self.max_clients:
                self.buckets.popitem(last=False)
            return 0.0
        self.buckets[client] = (tokens, now)
        return (1 - tokens) / self.refill_per_second
