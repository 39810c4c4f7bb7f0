"""`kinerja`: the operator's command line (typer, rich progress for long work).

kinerja dev                          # embedded bring-up: Temporal dev server, worker, API, demo agency
kinerja import FILE.csv              # org master data, with a validation report
kinerja cycle create AGENCY YEAR     # define a cycle from the agency's org chart
kinerja cycle start CYCLE_ID         # start the cycle workflow (opens every appraisal)
kinerja cycle status CYCLE_ID
kinerja audit verify [ID]            # the whole log against its checkpoints and witnesses, or one record
kinerja audit replay|export ID
kinerja audit checkpoint|receipt|verify-receipt|keys, kinerja witness serve   (transparency/cli.py)
kinerja projections rebuild            (readmodels/cli.py)
kinerja partitions list|move|rollup|project   (partitioning/cli.py)
kinerja accounts issue NIP [--role hr]   # a local account; prints the initial password once
kinerja notifications list|retry ID      # the outbox's pending and dead-lettered mails (readmodels/cli.py)
kinerja careers what-if|export|tukin|migrate   # #14 (readmodels/careers_cli.py)

Every failure ends in one sentence on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from domain.application import Appraisals
from domain.audit import Audit, history_csv
from domain.base import HR, Actor
from domain.errors import DomainError
from partitioning import cli as partition_commands
from readmodels import careers_cli as career_commands
from readmodels import cli as read_side_commands
from settings import get_settings
from transparency import cli as proof_commands

app = typer.Typer(help="Kinerja: appraisal cycles of Indonesian civil servants", no_args_is_help=True)
cycle_app = typer.Typer(help="Appraisal cycles", no_args_is_help=True)
audit_app = typer.Typer(help="Audit the domain log", no_args_is_help=True)
accounts_app = typer.Typer(help="Local accounts (agencies without single sign-on)", no_args_is_help=True)
app.add_typer(cycle_app, name="cycle")
app.add_typer(audit_app, name="audit")
app.add_typer(accounts_app, name="accounts")
console = Console()
proof_commands.register(audit_app, app)
read_side_commands.register(app)
career_commands.register(app)
partition_commands.register(app)
HR_NIP_OPTION = typer.Option("system-hr", "--as", help="NIP of the HR officer acting (recorded in the log)")


def _app() -> Appraisals:
    from partitioning.store import open_appraisals

    return open_appraisals(get_settings())


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)


@app.command()
def dev(demo: bool = typer.Option(True, help="seed the demo agency and its cycle")) -> None:
    """Run Kinerja on the embedded default: Temporal dev server + SQLite + worker + API."""
    from devserver import run

    run(seed=demo)


@app.command("import")
def import_org(file: Path, hr_nip: str = HR_NIP_OPTION) -> None:
    """Import agencies, units and employees from CSV (all or nothing)."""
    result = _app().import_org(file.read_text(encoding="utf-8"), by=Actor(hr_nip, (HR,)), at=_now())
    if not result.ok:
        table = Table("line", "field", "reason", title="Nothing imported: fix these lines")
        for p in result.problems:
            table.add_row(str(p.line), p.field, p.reason)
        console.print(table)
        raise typer.Exit(1)
    console.print(
        f"imported {', '.join(result.agencies)}: {result.events} new events, "
        f"{len(result.supervisor_changes)} supervisor changes"
    )


@cycle_app.command("create")
def cycle_create(agency: str, year: int, hr_nip: str = HR_NIP_OPTION) -> None:
    """Define the agency's cycle for a year from its org chart."""
    appraisals = _app()
    try:
        definition, people = appraisals.cycle_definition(agency, year, by=Actor(hr_nip, (HR,)))
        cycle_id = appraisals.define_cycle(definition, at=_now(), key=f"cli:define:{agency}:{year}")
    except DomainError as e:
        _fail(str(e))
    for nip, reason in people.skipped:
        console.print(f"[yellow]left out {nip}: {reason}[/yellow]")
    console.print(f"cycle {cycle_id}: {len(people.participants)} participants")
    if people.skipped:  # unit heads whose superior is outside the file: HR names their appraisers on a page
        page = f"{get_settings().public_base_url.rstrip('/')}/hr/siklus/{cycle_id}/peserta"
        console.print(
            f"add the {len(people.skipped)} left out, with their pejabat penilai and atasan, at {page} "
            f"once the cycle has started (kinerja cycle start {cycle_id})"
        )


@cycle_app.command("start")
def cycle_start(cycle_id: UUID, hr_nip: str = HR_NIP_OPTION) -> None:
    """Start the cycle workflow, which opens one appraisal workflow per participant."""
    from temporalio.client import Client
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from workflows.cycle import CycleWorkflow
    from workflows.cycle_runtime import CycleInput
    from workflows.ids import cycle_workflow_id, start_once

    try:
        _app().cycle(cycle_id)  # an unknown id is refused here, before any workflow is started for it
    except DomainError as e:
        _fail(f"{e}: nothing started (kinerja cycle create prints the id of a new cycle)")

    async def start() -> str:
        settings = get_settings()
        client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        workflow_id = cycle_workflow_id(cycle_id)
        try:
            await start_once(
                client,
                CycleWorkflow.run,
                CycleInput(str(cycle_id), hr_nip),
                id=workflow_id,
                task_queue=settings.task_queue,
            )
        except WorkflowAlreadyStartedError:
            return f"{workflow_id} was already started: nothing to do"
        return f"started {workflow_id}"

    console.print(asyncio.run(start()))


@cycle_app.command("status")
def cycle_status(cycle_id: UUID) -> None:
    """Counts per stage and failures per employee, from the cycle workflow."""
    from temporalio.client import Client

    from workflows.cycle import CycleWorkflow
    from workflows.ids import cycle_workflow_id

    async def query() -> dict:
        settings = get_settings()
        client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        return await client.get_workflow_handle(cycle_workflow_id(cycle_id)).query(CycleWorkflow.progress)

    console.print_json(json.dumps(asyncio.run(query()), default=str))


@audit_app.command("replay")
def audit_replay(record_id: UUID, at: datetime | None = None, version: int | None = None) -> None:
    """Replay the log: the state at a version or a moment (default: now), and the rating recomputed."""
    audit = Audit(_app())
    at = at.replace(tzinfo=at.tzinfo or timezone.utc) if at else None
    console.print_json(json.dumps({"state": audit.state_at(record_id, version=version, at=at)}))
    try:
        console.print_json(json.dumps({"recomputed": audit.recompute(record_id)}))
    except DomainError:
        pass  # a cycle has no rating to recompute


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


@audit_app.command("export")
def audit_export(record_id: UUID, fmt: ExportFormat = typer.Option("json", "--format", help="json or csv")) -> None:
    """Export the event history as JSON or CSV."""
    history = Audit(_app()).history(record_id)
    if fmt is ExportFormat.json:
        typer.echo(json.dumps(history, indent=2))
        return
    typer.echo(history_csv(history), nl=False)


@accounts_app.command("issue")
def accounts_issue(
    nip: str,
    name: str = typer.Option("", help="the holder's name"),
    role: list[str] = typer.Option([], help="standing role: hr or auditor (repeatable)"),
    hr_nip: str = HR_NIP_OPTION,
) -> None:
    """Issue (or reset) a local account; the first HR account of a new installation is issued here."""
    from domain.nip import check_nip
    from identity.stores import identity_stores
    from readmodels.projector import make_engine
    from services.users import standing_roles

    try:
        check_nip(nip, "nip")
    except DomainError as e:
        _fail(str(e))
    roles = standing_roles(role)
    if len(roles) != len(role):
        _fail("--role: only hr and auditor")
    sessions, accounts = identity_stores(get_settings(), make_engine(get_settings().database_url))
    password = accounts.issue(nip, name, roles, hr_nip)
    sessions.end_all(nip)
    console.print(f"account {nip} issued; initial password (shown once, to be changed at first sign-in): {password}")


def main() -> None:
    """The `kinerja` entry point: a refused or failed command says why in one sentence, never a traceback."""
    try:
        app()
    except DomainError as e:
        Console(stderr=True).print(f"[red]{e}[/red]")
        raise SystemExit(1) from None
    except Exception as e:  # noqa: BLE001 - an operator gets a sentence; the details are in the logs
        Console(stderr=True).print(f"[red]kinerja failed: {type(e).__name__}: {str(e)[:500]}[/red]")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
