"""The Appraisal's events declared outside domain/appraisal.py (#15 on), each in the module of its rules.

domain/appraisal.py keeps only the `@event`s stored before; a newer event is a class of its own module
(topic `domain.<module>:<Event>`), triggered on the Appraisal. Readers that pick an appraisal's rows by topic (the
projector, the log's labels) ask `TOPICS` as well as the `domain.appraisal:Appraisal.` prefix.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic

from domain.acting_facts import ActingFacts
from domain.cascade import RhkLinked
from domain.rule_migration import RuleSetMigrated
from domain.supervisor_flag import SupervisorFlagged, SupervisorFlagResolved

# The acting heads' events are a base class's of Appraisal (domain/acting_facts.py), topics ActingFacts.<Event>.
ACTING: tuple[type, ...] = (vars(ActingFacts)["ActingBegan"], vars(ActingFacts)["ActingEnded"])  # made by @event
ELSEWHERE = (RhkLinked, SupervisorFlagged, SupervisorFlagResolved, *ACTING, RuleSetMigrated)
TOPICS = frozenset(get_topic(cls) for cls in ELSEWHERE)
