"""The notification outbox of a partitioned store: fed from every agency's log, each at its own position.

The outbox's tables, delivery and digests are one for all agencies (readmodels/outbox.py); only
its feed (the log -> items) follows each agency's log with a tracking row of its own,
`outbox@<agency>`. A new agency's log is followed from its first row; a log written by
`kinerja partitions move` from the row after the moved ones (the single log's outbox sent those).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.application import Appraisals
from domain.partitions import PartitionedAppraisals
from readmodels.outbox import Outbox
from readmodels.outbox_tables import Policy
from readmodels.projector import create_tables
from readmodels.tables import projection_tracking

PREFIX = "outbox@"


def feed_name(agency_code: str) -> str:
    return f"{PREFIX}{agency_code}"[:100]


class PartitionedOutbox(Outbox):
    """One outbox; its catch-up reads each agency's log."""

    def __init__(
        self, store: PartitionedAppraisals, engine: sa.Engine, policy: Policy | None = None, **kw: Any
    ) -> None:
        super().__init__(store, engine, policy, **kw)
        self.store = store
        self.feeds: dict[str, Outbox] = {}

    def catch_up(self) -> int:
        self.ensure_tables()
        added = 0
        for code, part in self.store.partitions().items():
            feed = self.feeds.get(code)
            if feed is None:
                feed = self.feeds[code] = Outbox(part, self.engine, self.policy, batch=self.batch)
                feed.name = feed_name(code)
            added += feed.catch_up()
        return added


def outbox_for(app: Appraisals, engine: sa.Engine, policy: Policy | None = None, *, start_at_head: bool) -> Outbox:
    """The outbox over the store as configured."""
    if isinstance(app, PartitionedAppraisals):
        return PartitionedOutbox(app, engine, policy, start_at_head=start_at_head)
    return Outbox(app, engine, policy, start_at_head=start_at_head)


def sent_before_the_move(engine: sa.Engine, heads: dict[str, int]) -> None:
    """After a move: each agency's outbox feed starts after the moved rows (set once, never moved back)."""
    create_tables(engine, projection_tracking.metadata, [projection_tracking])
    for code, head in heads.items():
        try:
            with engine.begin() as conn:
                conn.execute(projection_tracking.insert().values(projection=feed_name(code), last_notification_id=head))
        except sa.exc.IntegrityError:
            pass  # a feed that ran already, or a move run again: its position stands
