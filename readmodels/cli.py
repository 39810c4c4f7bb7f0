"""The read side's commands of `kinerja` (registered on its root app by cli.py).

kinerja projections run              # the projector's own process: follow the log(s) into the read models
kinerja projections rebuild          # drop the read models and project the whole domain log again
kinerja notifications list           # the outbox's pending and dead-lettered mails
kinerja notifications retry ID       # send a dead one again
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import Progress

if TYPE_CHECKING:
    from readmodels.outbox import Outbox

console = Console()


def _log_and_engine() -> tuple[Any, Any]:
    """(application, read-model engine) as configured; imported lazily so `kinerja --help` stays quick."""
    from partitioning.store import open_appraisals
    from readmodels.projector import make_engine
    from settings import get_settings

    settings = get_settings()
    return open_appraisals(settings), make_engine(settings.database_url)


def _outbox() -> Outbox:
    from readmodels.outbox import Outbox

    return Outbox(*_log_and_engine(), start_at_head=True)


def register(root: typer.Typer) -> None:
    projections_app = typer.Typer(help="Read models", no_args_is_help=True)
    notifications_app = typer.Typer(help="The notification outbox (mails to people)", no_args_is_help=True)
    root.add_typer(projections_app, name="projections")
    root.add_typer(notifications_app, name="notifications")

    @projections_app.command("rebuild")
    def projections_rebuild() -> None:
        """Drop the read models and project the whole domain log again."""
        from domain.partitions import PartitionedAppraisals
        from partitioning.projection import rebuild_all
        from readmodels.projector import Projector

        store, engine = _log_and_engine()
        if isinstance(store, PartitionedAppraisals):  # one projector per agency's log, each from its first row
            console.print(f"read models rebuilt: {rebuild_all(store, engine)} events of every agency's log projected")
            return
        projector = Projector(store, engine)
        with Progress(console=console, transient=True) as progress:
            progress.add_task("rebuilding read models", total=None)
            count = projector.rebuild()
        console.print(f"read models rebuilt: {count} events projected, position {projector.position()}")

    @projections_app.command("run")
    def projections_run(
        every: float | None = typer.Option(
            None, help="seconds an idle loop waits before it looks again (default: KINERJA_PROJECTOR_EVERY_SECONDS)"
        ),
        agency: list[str] = typer.Option(
            [], help="partitioned store: project only this agency's log (repeat it; default: every agency's)"
        ),
    ) -> None:
        """The projector's own process: follow the log(s) into the read models until SIGTERM or Ctrl-C."""
        import signal
        import threading

        from domain.partitions import PartitionedAppraisals
        from partitioning.projection import projector_for, run_partitions
        from readmodels.projector import Projector, run
        from readmodels.wakeup import listen
        from settings import get_settings

        store, engine = _log_and_engine()
        every = every if every is not None else get_settings().projector_every_seconds
        stop = threading.Event()

        discover = threading.Event()  # a wake-up for a log without a loop: look for new agencies at once

        def stopping(*_: object) -> None:
            stop.set()
            discover.set()

        signal.signal(signal.SIGTERM, stopping)
        signal.signal(signal.SIGINT, stopping)
        loops: list[threading.Thread] = []
        projectors: dict[str, Projector] = {}  # by log name ("" for the single log), for the wake-ups
        if isinstance(store, PartitionedAppraisals) and not agency:
            console.print(f"projecting every agency's log (idle poll {every:g}s)", markup=False)
            loops.append(
                threading.Thread(
                    target=run_partitions,
                    args=(store, engine, stop, every),
                    kwargs={"projectors": projectors, "discover": discover},
                    name="projectors",
                )
            )
        elif isinstance(store, PartitionedAppraisals):
            for code in agency:  # one process per agency (or a few): each its own loop and tracking row
                projector = projectors[store.partition(code).name] = projector_for(store, code, engine)
                loops.append(threading.Thread(target=run, args=(projector, stop, every), name=f"projector {code}"))
            console.print(f"projecting the logs of {', '.join(agency)} (idle poll {every:g}s)", markup=False)
        else:
            if agency:
                console.print("[red]--agency needs a partitioned store (KINERJA_PARTITIONED=true)[/red]")
                raise typer.Exit(2)
            projector = projectors[""] = Projector(store, engine)
            loops.append(threading.Thread(target=run, args=(projector, stop, every), name="projector"))
            console.print(f"projecting the log (idle poll {every:g}s)", markup=False)
        for loop in loops:
            loop.start()

        # PostgreSQL: the API's pg_notify after a write starts the named log's catch-up at once (readmodels/wakeup.py).
        def wake(log_name: str) -> None:
            woken = projectors.get(log_name)
            if woken is not None:
                woken.wake.set()
            elif log_name:
                discover.set()

        listen(engine, wake, stop)
        while not stop.wait(0.5):
            pass
        for loop in loops:
            loop.join(timeout=15)
        store.close()
        console.print("projector stopped")

    @notifications_app.command("list")
    def notifications_list() -> None:
        """Mails still pending or dead-lettered, with their attempts and last error."""
        outbox = _outbox()
        status = outbox.status(datetime.now(timezone.utc))
        for m in outbox.listing():  # one line each, whole (for grep)
            console.print(
                f"{m['message_id']}\t{m['state']}\tto {m['recipient']}\tattempts {m['attempts']}\t"
                f"{m['last_error'] or '-'}\t{m['subject']}",
                soft_wrap=True,
                markup=False,
                highlight=False,
            )
        console.print(
            f"{status['delivered']} delivered, {status['pending']} pending, {status['dead']} dead, "
            f"{status['waiting_for_digest']} reminders waiting for their digest"
        )

    @notifications_app.command("retry")
    def notifications_retry(message_id: str) -> None:
        """Send a dead-lettered mail again (pending from now, attempts from zero)."""
        if not _outbox().retry(message_id, datetime.now(timezone.utc)):
            console.print(
                f"[red]no dead-lettered notification {message_id!r} (kinerja notifications list shows them)[/red]"
            )
            raise typer.Exit(1)
        console.print(f"{message_id}: pending again; the worker sends it within seconds")
