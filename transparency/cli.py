"""The proof commands of `kinerja` (registered on its `audit` group and as `kinerja witness`).

kinerja audit verify [RECORD_ID]        # the whole log (chains, seals, checkpoints, witnesses), or one record
kinerja audit verify --read-models      # the read models rebuilt from the log in a scratch place, row by row
kinerja audit checkpoint [--reason R]   # sign a checkpoint now (of every agency's log, when partitioned), send it
kinerja audit receipt RECORD_ID VERSION # an event's receipt (JSON) from its record's log, with its proof once checkpointed
kinerja audit verify-receipt FILE       # check a receipt: offline, then against the log (unless --offline)
kinerja audit keys                      # the public keys (each agency's log's, when partitioned) for witnesses, verifiers
kinerja witness serve --data DIR --name NAME --log-key VKEY
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
from rich.console import Console

console = Console()


def _proof() -> tuple[Any, Any, Any]:
    """(settings, application, log) as configured; imported lazily so `kinerja --help` stays quick."""
    from partitioning.store import open_appraisals
    from settings import get_settings
    from transparency.log import Log

    settings = get_settings()
    app = open_appraisals(settings)
    return settings, app, Log.of(app)


def _emit(document: dict[str, Any]) -> None:
    console.print_json(json.dumps(document, ensure_ascii=False, default=str))


def register(audit_app: typer.Typer, root: typer.Typer) -> None:
    witness_app = typer.Typer(help="The Kinerja witness service", no_args_is_help=True)
    root.add_typer(witness_app, name="witness")

    @audit_app.command("verify")
    def verify(
        record_id: UUID | None = typer.Argument(None, help="one record; omit to verify the whole log"),
        read_models: bool = typer.Option(
            False,
            "--read-models",
            help="rebuild the read models from the log in a scratch place; name every row that differs",
        ),
    ) -> None:
        """Verify every chain and seal, then the log against the checkpoints each witness holds; name what broke.

        With --read-models: the read models (inbox, HR lists, distribution, trends) against the log instead.
        """
        from transparency.integrity import RecordCheck
        from transparency.verify import LogVerifier
        from transparency.wiring import log_keys, origin_of, witnesses

        settings, app, log = _proof()
        if read_models:
            from readmodels.projector import make_engine
            from readmodels.verify import verify_read_models

            if record_id is not None:
                console.print("[red]--read-models checks every read table: give no record id[/red]")
                raise typer.Exit(1)
            found = verify_read_models(app, make_engine(settings.database_url))
            _emit(found.as_dict())
            if not found.ok:
                raise typer.Exit(2)
            return
        from partitioning.store import logs_of
        from transparency.log import Log

        if record_id is not None:
            home = app.home(record_id)  # the record's own log (its agency's, when partitioned)
            log = Log.of(home)
            keys = log_keys(settings, log)
            reports = [RecordCheck(home, origin_of(settings, log), keys).check(record_id)]
        else:
            reports = []
            for store in logs_of(app):  # every agency's log on its own, when partitioned
                log = Log.of(store)
                keys = log_keys(settings, log)
                reports.append(LogVerifier(store, origin_of(settings, log), keys, witnesses(settings, keys)).run())
        _emit(reports[0].as_dict() if len(reports) == 1 else {"logs": [r.as_dict() for r in reports]})
        if not all(r.ok for r in reports):
            raise typer.Exit(2)

    @audit_app.command("checkpoint")
    def checkpoint(reason: str = typer.Option("manual", help="recorded with the checkpoint")) -> None:
        """Sign a checkpoint of everything written so far and send it to every witness; a partitioned store: of
        every agency's log, each with its own key."""
        from services.proof import Proof
        from transparency.wiring import publisher

        settings, app, _ = _proof()
        proof = Proof(settings, app)
        if not proof.partitioned:
            _emit(publisher(settings, app).publish(reason).as_dict())
            return
        published = [
            {"agency_id": code, "log": log.name, **publisher(settings, store).publish(reason).as_dict()}
            for code, (store, log, _, _, _) in proof.logs()
        ]
        _emit({"logs": published})

    @audit_app.command("receipt")
    def receipt(record_id: UUID, version: int, output: Path | None = typer.Option(None, "-o", "--output")) -> None:
        """The receipt of one event (JSON) from the record's own log (its agency's, when partitioned), completed
        with its inclusion proof once a checkpoint covers it."""
        from domain.errors import NotFound
        from services.proof import Proof

        settings, app, _ = _proof()
        try:
            document = json.dumps(Proof(settings, app).receipt(record_id, version), indent=1)
        except NotFound as e:
            console.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
        if output is None:
            typer.echo(document)
        else:
            output.write_text(document + "\n", encoding="utf-8")
            console.print(f"receipt written to {output}")

    @audit_app.command("verify-receipt")
    def verify_receipt_file(
        file: Path,
        offline: bool = typer.Option(False, help="check only the file, not the log it came from"),
        log_key: list[str] = typer.Option([], help="the agency's public key (default: the configured one)"),
        witness_key: list[str] = typer.Option([], help="a witness's public key (default: the configured ones)"),
    ) -> None:
        """Check a receipt: the agency's seal, the checkpoint and inclusion proof, and that the log still has it."""
        from services.proof import Proof
        from transparency.note import Verifier
        from transparency.receipt_check import verify_receipt
        from transparency.wiring import witness_keys

        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            console.print(f"[red]cannot read {file}: {e}[/red]")
            raise typer.Exit(1) from None
        keys = [Verifier.parse(k) for k in log_key]
        wkeys = [Verifier.parse(k) for k in witness_key]
        against = None
        if not offline or not keys:  # the log of the record it names (its agency's, when partitioned): its keys,
            settings, app, _ = _proof()  # its witnesses, and (online) its rows
            _, _, home_keys, _, receipts = Proof(settings, app).home_named_by(document)
            keys = keys or home_keys
            wkeys = wkeys or witness_keys(settings)
            against = None if offline else receipts
        result = verify_receipt(document, keys, wkeys, against)
        _emit(result.as_dict())
        if not result.ok:
            raise typer.Exit(2)

    @audit_app.command("keys")
    def keys() -> None:
        """The log's public key(s) and the configured witnesses: what witnesses and verifiers must trust."""
        from services.proof import Proof
        from transparency.wiring import log_keys, log_signer, origin_of, witness_keys

        settings, app, _ = _proof()
        proof = Proof(settings, app)
        logs = []
        for code, (_, log, _, _, _) in proof.logs():  # every agency's log, when partitioned: each has its own key
            log_signer(settings, log)  # created on first use
            keys = {"origin": origin_of(settings, log), "log_keys": [str(k) for k in log_keys(settings, log)]}
            logs.append({"agency_id": code, **keys} if proof.partitioned else keys)
        witnesses = {"witness_keys": [str(k) for k in witness_keys(settings)]}
        _emit({"logs": logs, **witnesses} if proof.partitioned else {**logs[0], **witnesses})

    @witness_app.command("serve")
    def serve(
        data: Path = typer.Option(..., help="the witness's own folder: its key and its SQLite file"),
        name: str = typer.Option(..., help="the witness's key name, e.g. inspektorat.example.go.id/witness"),
        log_key: list[str] = typer.Option(..., help="public key of a log it witnesses (repeat for several)"),
        host: str = "127.0.0.1",
        port: int = 8100,
    ) -> None:
        """Run the witness: it keeps every checkpoint it accepts and cosigns consistent ones."""
        import uvicorn

        from transparency.note import Verifier
        from transparency.witness_service import create_witness_app

        witness = create_witness_app(data, name, [Verifier.parse(k) for k in log_key])
        console.print(f"witness {name}: key {witness.state.cosigner.verifier()}")
        uvicorn.run(witness, host=host, port=port, log_level="warning")
