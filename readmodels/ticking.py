"""The worker's delivery loops (the notification dispatcher, the export relay): one round after another
until told to stop, outliving any round that fails."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

log = logging.getLogger(__name__)


class Ticking:
    """`tick` every `every_seconds` until `stop`. A failing round (the database gone) is kept as `last_error`,
    logged, and followed by a longer wait (`pause` rounds more) before the next."""

    what = "round"
    every_seconds = 5.0
    pause = 5
    last_error: str | None = None

    def tick(self, now: datetime | None = None) -> dict[str, int]:
        raise NotImplementedError

    def run(self, stop: threading.Event, every_seconds: float | None = None) -> None:
        every = self.every_seconds if every_seconds is None else every_seconds
        while not stop.is_set():
            try:
                self.tick()
                self.last_error = None
            except Exception as e:  # the loop outlives any one round
                self.last_error = f"{type(e).__name__}: {e}"[:300]
                log.exception("%s failed; retrying in %.0fs", self.what, every * (self.pause + 1))
                stop.wait(every * self.pause)
            stop.wait(every)
