"""The read-model tables: projections of the domain log, dropped and rebuilt at will.

Instants are stored as naive UTC (UtcDateTime) so SQLite and PostgreSQL give
back the same values; ids are UUID strings.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from domain.calendar import as_utc

metadata = sa.MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in, an aware UTC datetime out, on every backend."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return as_utc(value).replace(tzinfo=None) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def _id(name: str, **kw: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(36), **kw)


def _nip(name: str, **kw: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(18), **kw)


# One row per cycle: what the other projections look up (agency, year, deadlines, org predikat).
cycles = sa.Table(
    "rm_cycles",
    metadata,
    _id("cycle_id", primary_key=True),
    sa.Column("agency_id", sa.String(100), nullable=False, index=True),
    sa.Column("agency_name", sa.String(200), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("time_zone", sa.String(8), nullable=False),
    sa.Column("rule_set_id", sa.String(100), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("planning_due", UtcDateTime, nullable=False),
    sa.Column("review_due", UtcDateTime, nullable=False),
    sa.Column("follow_up_due", UtcDateTime, nullable=False),
    sa.Column("org_predikat", sa.JSON, nullable=False),  # unit_id -> organisation predikat
    sa.Column("units", sa.JSON, nullable=False),  # unit_id -> {"name", "participants"}
    sa.Column("version", sa.Integer, nullable=False),
)

# One row per check-in period of a cycle: when it falls due (domain/schedule.py, from the review opening
# the cycle recorded at its start); an inbox's check-in task is due at the earliest period not held yet.
check_in_dues = sa.Table(
    "rm_check_in_dues",
    metadata,
    _id("cycle_id", primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("due_at", UtcDateTime, nullable=False),
)

# One row per appraisal.
appraisals = sa.Table(
    "rm_appraisals",
    metadata,
    _id("appraisal_id", primary_key=True),
    _id("cycle_id", nullable=False),
    sa.Column("agency_id", sa.String(100), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    _nip("employee_nip", nullable=False, index=True),
    sa.Column("employee_name", sa.String(200), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("unit_name", sa.String(200), nullable=False),
    _nip("appraiser_nip", nullable=False, index=True),
    _nip("atasan_nip", nullable=False),
    sa.Column("stage", sa.String(30), nullable=False),
    sa.Column("skp_status", sa.String(20), nullable=False),
    sa.Column("predikat", sa.String(30)),
    sa.Column("results_rating", sa.String(20)),
    sa.Column("behaviour_rating", sa.String(20)),
    sa.Column("keberatan_status", sa.String(20)),  # filed, escalated, upheld, amended
    sa.Column("rule_set_id", sa.String(100), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),  # business time of the last event
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_rm_appraisals_cycle_unit", "cycle_id", "unit_id"),
    sa.Index("ix_rm_appraisals_agency_year_unit", "agency_id", "year", "unit_id"),
)

# One row per appraisal whose workflow is recorded as running (domain/opening.py): progress counts these as open.
workflows_running = sa.Table(
    "rm_workflows_running",
    metadata,
    _id("cycle_id", primary_key=True),
    _nip("employee_nip", primary_key=True),
)

# One row per predikat an appraisal holds: check-in periods (Q1.., M01..) and "annual".
appraisal_periods = sa.Table(
    "rm_appraisal_periods",
    metadata,
    _id("appraisal_id", primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("predikat", sa.String(30), nullable=False),
)

# One row per appraisal waiting for someone.
inbox = sa.Table(
    "rm_inbox",
    metadata,
    _id("appraisal_id", primary_key=True),
    _id("cycle_id", nullable=False),
    _nip("employee_nip", nullable=False),
    sa.Column("employee_name", sa.String(200), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("task", sa.String(30), nullable=False),
    sa.Column("assignee_nip", sa.String(18), nullable=False, index=True),  # a NIP, or "hr"
    sa.Column("due_at", UtcDateTime),
    sa.Column("stage", sa.String(30), nullable=False),
    sa.Index("ix_rm_inbox_cycle_task", "cycle_id", "task"),
)

cycle_progress = sa.Table(
    "rm_cycle_progress",
    metadata,
    _id("cycle_id", primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("stage", sa.String(30), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

distribution = sa.Table(
    "rm_distribution",
    metadata,
    _id("cycle_id", primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("predikat", sa.String(30), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

trends = sa.Table(
    "rm_trends",
    metadata,
    sa.Column("agency_id", sa.String(100), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("unit_id", sa.String(100), primary_key=True),
    sa.Column("predikat", sa.String(30), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# Every employee of every agency's org master data (who may sign in, and under which name).
employees = sa.Table(
    "rm_employees",
    metadata,
    _nip("nip", primary_key=True),
    sa.Column("agency_id", sa.String(100), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
)

# The position of each projection in the notification log, written in the same transaction as its rows.
projection_tracking = sa.Table(
    "rm_projection_tracking",
    metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("last_notification_id", sa.BigInteger, nullable=False),
)

# Aggregates whose projection failed for a reason retrying at once cannot cure (a value the database
# refuses, say a NUL written before the text rules existed): the projector records them here and goes
# on with the others, so one bad record never freezes every inbox; it retries each with backoff.
projection_failures = sa.Table(
    "rm_projection_failures",
    metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    _id("aggregate_id", primary_key=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),  # the aggregate's last event the attempt held
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("topic", sa.String(300), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("failed_at", UtcDateTime, nullable=False),
    sa.Column("retry_at", UtcDateTime, nullable=False),
)

# #15: one row per appraisal whose RHK utama wait for the superior's RHK ("menunggu RHK atasan"), and who they
# wait on (its pejabat penilai); the superior's own row in rm_appraisals says whether their RHK exist yet.
cascade_waits = sa.Table(
    "rm_cascade_waits",
    metadata,
    _id("appraisal_id", primary_key=True),
    _id("cycle_id", nullable=False),
    _nip("employee_nip", nullable=False),
    sa.Column("employee_name", sa.String(200), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("unit_name", sa.String(200), nullable=False),
    _nip("waits_on", nullable=False, index=True),
    sa.Column("rhk_ids", sa.JSON, nullable=False),
    sa.Column("skp_status", sa.String(20), nullable=False),
)

# #15: one row per appraisal with a wrong supervisor flagged and not yet answered: HR's task.
supervisor_flags = sa.Table(
    "rm_supervisor_flags",
    metadata,
    _id("appraisal_id", primary_key=True),
    _id("cycle_id", nullable=False, index=True),
    _nip("employee_nip", nullable=False),
    sa.Column("employee_name", sa.String(200), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    _nip("flagged_by", nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    _nip("appraiser_nip", nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("flagged_at", sa.String(40), nullable=False),
)

# #15: one row per transfer (mutasi), read by HR of both agencies and the employee, and the old appraiser's task
# to evaluate the months served (the inbox shows it while `evaluation_pending`; the escalation adds the atasan).
transfers = sa.Table(
    "rm_transfers",
    metadata,
    _id("transfer_id", primary_key=True),
    sa.Column("origin_agency_id", sa.String(100), nullable=False, index=True),
    sa.Column("destination_agency_id", sa.String(100), nullable=False, index=True),
    _nip("employee_nip", nullable=False, index=True),
    sa.Column("employee_name", sa.String(200), nullable=False),
    _id("origin_cycle_id", nullable=False),
    _id("origin_appraisal_id", nullable=False),
    sa.Column("origin_unit_id", sa.String(100), nullable=False),
    _nip("old_appraiser_nip", nullable=False, index=True),
    _nip("escalated_to", index=True),  # the old atasan, once the evaluation is overdue
    sa.Column("evaluation_pending", sa.Boolean, nullable=False),
    sa.Column("evaluation_due", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# Everything the projector rebuilds (the tracking table survives a rebuild and is reset instead).
READ_TABLES = (
    cycles,
    check_in_dues,
    appraisals,
    appraisal_periods,
    inbox,
    cycle_progress,
    distribution,
    trends,
    employees,
    workflows_running,
    cascade_waits,
    supervisor_flags,
    transfers,
)
