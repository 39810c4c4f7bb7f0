"""The checkpoint activity: grow the log's tree, sign a checkpoint, send it to the witnesses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from temporalio import activity

from transparency.publish import Publisher


@dataclass
class PublishRequest:
    log: str
    reason: str


class CheckpointActivities:
    """Publishes for the logs this worker serves (today one: the `kinerja` application's log)."""

    def __init__(self, publisher_for: Callable[[str], Publisher], interval_seconds: Callable[[], int]) -> None:
        self.publisher_for, self.interval_seconds = publisher_for, interval_seconds
        self.publishers: dict[str, Publisher] = {}

    @activity.defn
    def publish_checkpoint(self, request: PublishRequest) -> dict[str, Any]:
        """The checkpoint (or the last one offered again), and the interval until the next one."""
        if request.log not in self.publishers:  # built on first use: key, witnesses and TSA from the settings
            self.publishers[request.log] = self.publisher_for(request.log)
        publisher = self.publishers[request.log]
        return {**publisher.publish(request.reason).as_dict(), "interval_seconds": self.interval_seconds()}
