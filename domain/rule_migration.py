"""Moving an in-flight appraisal to another rule set (#14): only by HR's explicit command, recorded with who,
when and why (`RuleSetMigrated`, topic `domain.rule_migration:RuleSetMigrated`).

An appraisal records the rule set it was opened under and nothing recorded changes meaning (domain/rules.py).
A migration is the one way an appraisal's rules change, and it is refused:
- for an appraisal finalised, or whose follow-up is decided: its consequences were drawn under the old rules;
- to an unknown rule set, or the one it already has;
- to a rule set whose calendar differs (deadlines, reminders, check-in periods, escalation, cascade days): the
  appraisal's workflow set its clocks under the old calendar, and a migration changes no clock.
An appraisal already rated keeps its rating; the event records the predikat the new rule set gives the same
ratings (the auditor's recomputation follows the rule set in force at each rating, domain/audit.py).
A migration changes no stage and no task, so it goes straight to the domain (services/gateway.py `record`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.base import Actor, KinerjaAggregate
from domain.errors import InvalidInput, WrongStage, refusal
from domain.rules import RuleSet, rule_set
from domain.stages import FINALISED, AppraisalState, text
from domain.text import Code, Text

ONLY_HR_MIGRATES = refusal("migration.who", "only HR (pengelola kinerja) moves an appraisal to another rule set")
MIGRATE_WHEN = refusal(
    "migration.when", "an appraisal moves to another rule set only before its follow-up is decided (it is {stage})"
)
SAME_RULES = refusal("migration.same", "the appraisal already runs under {rule_set_id}")
OTHER_CALENDAR = refusal(
    "migration.calendar",
    "{rule_set_id} keeps another calendar ({fields}); the appraisal's clocks were set under {current}",
)

# What the appraisal's workflow set its clocks by: a migration keeps every one of them.
CALENDAR_FIELDS = (
    "period",
    "periods",
    "review_opens",
    "planning_deadline",
    "review_deadline",
    "follow_up_deadline",
    "keberatan_filing_days",
    "keberatan_decision_days",
    "reminder_days_before",
    "check_in_reminder_days_before",
    "cascade_days_before",
    "cascade_days_per_level",
    "escalation",
)


@dataclass(frozen=True)
class MigrateRuleSet:
    """HR moves an in-flight appraisal to another registered rule set, saying why."""

    by: Actor
    rule_set_id: Code
    reason: Text


def calendar_differences(current: RuleSet, target: RuleSet) -> list[str]:
    """The calendar fields the two rule sets disagree on (empty: a migration between them keeps every clock)."""
    return [f for f in CALENDAR_FIELDS if _plain(getattr(current, f)) != _plain(getattr(target, f))]


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


class RuleSetMigrated(KinerjaAggregate.Event):
    """HR moved the appraisal from one rule set to another; `predikat` is what the new one gives (or None)."""

    by: str
    from_rule_set: str
    to_rule_set: str
    reason: str
    predikat: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.rule_set_id = self.to_rule_set
        if self.predikat is not None:
            aggregate.predikat = self.predikat
        migrations = aggregate.__dict__.setdefault("rule_migrations", [])
        migrations.append(
            {
                "by": self.by,
                "from": self.from_rule_set,
                "to": self.to_rule_set,
                "reason": self.reason,
                "at": self.timestamp.isoformat(),
            }
        )


class RuleMigration(AppraisalState):
    """The migration command's rules."""

    def migrate_rule_set(self, cmd: MigrateRuleSet, at: datetime) -> None:
        self._require_hr(cmd.by, ONLY_HR_MIGRATES)
        if self.stage == FINALISED or self.follow_up is not None:
            raise WrongStage(MIGRATE_WHEN, stage=self.stage)
        target = rule_set(cmd.rule_set_id)
        if target.id == self.rule_set_id:
            raise InvalidInput("rule_set_id", SAME_RULES, rule_set_id=target.id)
        differs = calendar_differences(self.rules, target)
        if differs:
            raise InvalidInput(
                "rule_set_id",
                OTHER_CALENDAR,
                rule_set_id=target.id,
                fields=", ".join(differs),
                current=self.rule_set_id,
            )
        reason = text("reason", cmd.reason)
        predikat = None
        if self.rating is not None:
            behaviour = target.behaviour_rating(self.rating["behaviour_values"])
            predikat = target.predikat(self.rating["results"], behaviour)
        self.trigger_event(
            RuleSetMigrated,
            by=cmd.by.nip,
            from_rule_set=self.rule_set_id,
            to_rule_set=target.id,
            reason=reason,
            predikat=predikat,
            timestamp=at,
        )

    if TYPE_CHECKING:

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...
