"""The careers commands of `kinerja` (#14), registered on its root app by cli.py.

kinerja careers what-if CYCLE_ID RULE_SET [--json]     # the finished cycle under another rule set, per unit and employee
kinerja careers export CYCLE_ID                        # queue its final results and deliver them (KINERJA_EXPORT_URL/DIR)
kinerja careers tukin CYCLE_ID YYYY-MM [--csv]         # the finance office's monthly recap per unit
kinerja careers migrate APPRAISAL_ID RULE_SET --reason TEXT --as NIP   # HR's recorded move to another rule set
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import NoReturn
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from domain.base import HR, Actor
from domain.career_results import RECAP_COLUMNS, export_records, final_results, recap_rows, tukin_recap, what_if
from domain.errors import DomainError
from domain.national_export import to_csv
from domain.rule_migration import MigrateRuleSet
from partitioning.store import open_appraisals
from readmodels.export_outbox import ExportOutbox, receiver_from
from readmodels.projector import make_engine
from settings import get_settings

console = Console()


def _fail(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    careers = typer.Typer(help="Careers: what-if under another rule set, national export, tukin recap, migration")
    root.add_typer(careers, name="careers")

    @careers.command("what-if")
    def what_if_command(
        cycle_id: UUID,
        rule_set_id: str,
        as_json: bool = typer.Option(False, "--json", help="print the whole comparison as JSON"),
    ) -> None:
        """Recompute a finished cycle's recorded ratings under another rule set: what would change."""

        app = open_appraisals(get_settings())
        try:
            found = what_if(final_results(app, app.cycle(cycle_id)), rule_set_id)
        except DomainError as e:
            _fail(str(e))
        if as_json:
            console.print_json(json.dumps(found))
            return
        units = Table("unit", "employees", "changed", "predikat before", "predikat after", "avg tukin cut")
        for u in found["units"]:
            before = ", ".join(f"{p} {n}" for p, n in u["before"].items() if n)
            after = ", ".join(f"{p} {n}" for p, n in u["after"].items() if n)
            cut = f"{u['average_cut_before']}% -> {u['average_cut_after']}%"
            units.add_row(u["unit_name"], str(u["employees"]), str(u["changed"]), before, after, cut)
        console.print(units)
        people = Table("NIP", "name", "predikat", "tukin cut", "changed")
        for row in found["employees"]:
            b, a = row["before"], row["after"]
            people.add_row(
                row["nip"],
                row["name"],
                f"{b['predikat']} -> {a['predikat']}",
                f"{b['tukin_cut_percent']}% -> {a['tukin_cut_percent']}%",
                ", ".join(row["changed"]) or "-",
            )
        console.print(people)

    @careers.command("export")
    def export_command(cycle_id: UUID) -> None:
        """Queue the cycle's final results and deliver what has not arrived (a repeat sends nothing twice)."""

        settings = get_settings()
        app = open_appraisals(settings)
        cycle = app.cycle(cycle_id)
        outbox = ExportOutbox(make_engine(settings.database_url))
        now = datetime.now(timezone.utc)
        queued = outbox.enqueue(export_records(cycle.agency_id, cycle.year, final_results(app, cycle)), now)
        receiver = receiver_from(settings.export_url, settings.export_dir, settings.export_timeout_seconds)
        sent = outbox.deliver(receiver, now, cycle.agency_id) if receiver else {"delivered": 0, "failed": 0}
        console.print({**queued, **sent, "status": outbox.status(cycle.agency_id)})
        if sent["failed"]:
            raise typer.Exit(1)

    @careers.command("tukin")
    def tukin_command(
        cycle_id: UUID,
        month: str,
        as_csv: bool = typer.Option(False, "--csv", help="print the CSV the finance office gets"),
    ) -> None:
        """The monthly tukin recap per unit from the cycle's final results."""

        app = open_appraisals(get_settings())
        cycle = app.cycle(cycle_id)
        try:
            recap = tukin_recap(final_results(app, cycle), month, cycle.year)
        except DomainError as e:
            _fail(str(e))
        if as_csv:
            typer.echo(to_csv(recap_rows(recap), RECAP_COLUMNS), nl=False)
            return
        table = Table("unit", "employees", "with a cut", "average cut")
        for u in recap["units"]:
            table.add_row(u["unit_name"], str(len(u["employees"])), str(u["with_cut"]), f"{u['average_cut_percent']}%")
        console.print(table)

    @careers.command("migrate")
    def migrate_command(
        appraisal_id: UUID,
        rule_set_id: str,
        reason: str = typer.Option(..., "--reason", help="why (recorded in the appraisal's log)"),
        hr_nip: str = typer.Option(..., "--as", help="NIP of the HR officer (recorded in the log)"),
        key: str = typer.Option("", "--key", help="idempotency key: a repeat with it records nothing"),
    ) -> None:
        """Move an in-flight appraisal to another rule set of the same calendar, recorded with who, when and why."""

        app = open_appraisals(get_settings())
        try:
            outcome = app.execute(
                appraisal_id,
                MigrateRuleSet(Actor(hr_nip, (HR,)), rule_set_id, reason),
                at=datetime.now(timezone.utc),
                key=key or f"cli:migrate:{appraisal_id}:{rule_set_id}",
            )
        except DomainError as e:
            _fail(str(e))
        console.print(f"appraisal {appraisal_id} runs under {rule_set_id} (version {outcome.version})")
