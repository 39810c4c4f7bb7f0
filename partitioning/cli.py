"""The partition commands of `kinerja` (registered on its root app by cli.py).

kinerja partitions list              # every agency's log: rows, projection position
kinerja partitions move [--resume]   # the single log (kinerja_events) into one log per agency, then verified
kinerja partitions rollup [--year Y] # the national roll-up: appraisals by agency, stage and predikat
kinerja partitions project           # one projection loop per agency's log (a process of its own)
kinerja partitions rebuild           # the read models from every agency's log, from zero
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

console = Console()


def _store() -> Any:
    from partitioning.store import open_partitioned
    from settings import event_store_env, get_settings

    settings = get_settings()
    return settings, open_partitioned(event_store_env(settings.database_url, settings), settings, check_reads=False)


def register(root: typer.Typer) -> None:
    partitions_app = typer.Typer(help="The event store's partitions (one log per agency)", no_args_is_help=True)
    root.add_typer(partitions_app, name="partitions")

    @partitions_app.command("list")
    def list_partitions() -> None:
        """Every agency's log: its table, rows and the read models' position in it."""
        from partitioning.projection import positions
        from readmodels.projector import make_engine

        settings, store = _store()
        at = positions(make_engine(settings.database_url))
        for code, part in sorted(store.partitions().items()):
            head = part.recorder.max_notification_id() or 0
            console.print(f"{code}\t{part.name}_events\thead {head}\tprojected {at.get(code, 0)}", markup=False)

    @partitions_app.command("move")
    def move(
        resume: bool = typer.Option(False, "--resume", help="go on with a move that stopped half-way"),
    ) -> None:
        """Copy the single log into one log per agency (writers stopped), verify each, sign their first checkpoints."""
        from partitioning.move import Move, MoveRefused
        from transparency.wiring import publisher

        settings, store = _store()
        try:
            report = Move(store, say=console.print).run(
                resume=resume, publish=lambda part: publisher(settings, part).publish("moved from the single log")
            )
        except MoveRefused as refused:
            console.print(f"[red]{refused}[/red]")
            raise typer.Exit(1) from None
        if report.already_done:
            console.print("already moved: every agency's log holds its rows; nothing copied")
        for code in sorted(report.rows):
            console.print(f"{code}: {report.rows[code]} rows ({report.copied[code]} copied now)", markup=False)
        if not report.ok:
            for finding in report.findings:
                console.print(f"[red]{finding}[/red]")
            raise typer.Exit(2)
        from partitioning.outbox import sent_before_the_move
        from readmodels.projector import make_engine

        heads = {code: part.recorder.max_notification_id() or 0 for code, part in store.partitions().items()}
        sent_before_the_move(make_engine(settings.database_url), heads)  # the single log's outbox sent those
        console.print(
            f"{report.source_rows} rows in {len(report.rows)} agencies' logs, verified; "
            "set KINERJA_PARTITIONED=true and run `kinerja projections rebuild`"
        )

    @partitions_app.command("rollup")
    def rollup(year: int | None = typer.Option(None, help="one cycle year; all years if omitted")) -> None:
        """The national roll-up over every agency's read models (JSON)."""
        from readmodels.national import national_rollup
        from readmodels.projector import make_engine
        from settings import get_settings

        console.print_json(json.dumps(national_rollup(make_engine(get_settings().database_url), year)))

    @partitions_app.command("project")
    def project(every: float = typer.Option(1.0, help="seconds between catch-ups of each agency's log")) -> None:
        """Run one projection loop per agency's log (each with its own position) until interrupted."""
        import threading

        from partitioning.projection import run_partitions
        from readmodels.projector import make_engine

        settings, store = _store()
        stop = threading.Event()
        try:
            run_partitions(store, make_engine(settings.database_url), stop, every)
        except KeyboardInterrupt:
            stop.set()

    @partitions_app.command("rebuild")
    def rebuild() -> None:
        """Drop the read models and project every agency's log again from its first row."""
        from partitioning.projection import rebuild_all
        from readmodels.projector import make_engine

        settings, store = _store()
        count = rebuild_all(store, make_engine(settings.database_url))
        console.print(f"read models rebuilt from {len(store.partitions())} agencies' logs: {count} events projected")
