"""The Kinerja witness: a small HTTP service, run by another party (e.g. the Inspektorat), that cosigns.

    kinerja witness serve --data /srv/witness --name inspektorat.example.go.id/witness \\
        --log-key 'kinerja.example.go.id/kinerja+1a2b3c4d+AUd...' --port 8100

It speaks c2sp.org/tlog-witness: `POST /add-checkpoint` with "old <size>", the consistency
proof lines, a blank line and the checkpoint. It keeps every checkpoint it accepts in its
own SQLite file, refuses one not consistent with the last (409/422), and answers with a
timestamped Ed25519 cosignature (c2sp.org/tlog-cosignature) from its own key, created in
its data folder on first start. `GET /latest?origin=` and `GET /checkpoints?origin=` let
an auditor read what it holds. Accepting is atomic: one submission at a time per process,
so run one process per data folder.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from transparency.checkpoint import open_checkpoint
from transparency.keys import load_or_create
from transparency.note import COSIGNATURE_V1, Verifier
from transparency.witnessing import WitnessConflict, WitnessError, check_submission, parse_submission

metadata = sa.MetaData()
accepted = sa.Table(
    "accepted_checkpoints",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("origin", sa.String(300), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("origin", "size"),
)
MAX_BODY = 64 * 1024


def create_witness_app(
    data: Path, name: str, log_keys: list[Verifier], clock: Callable[[], float] = time.time
) -> FastAPI:
    data.mkdir(parents=True, exist_ok=True)
    cosigner = load_or_create(data / "witness.key", name, COSIGNATURE_V1)
    engine = sa.create_engine(f"sqlite:///{data / 'witness.db'}", connect_args={"timeout": 30})
    metadata.create_all(engine)
    lock = threading.Lock()
    app = FastAPI(title="Kinerja witness", description=__doc__)

    def latest_row(conn: sa.Connection, origin: str) -> sa.Row[Any] | None:
        return conn.execute(
            sa.select(accepted).where(accepted.c.origin == origin).order_by(accepted.c.id.desc()).limit(1)
        ).first()

    @app.get("/")
    def about() -> dict[str, object]:
        """The witness's name, its public key and the logs it witnesses."""
        return {"name": name, "key": str(cosigner.verifier()), "logs": sorted({k.name for k in log_keys})}

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return PlainTextResponse("the request is too large\n", status_code=413)
        try:
            old, proof, note = parse_submission(raw.decode("utf-8"))
            with lock, engine.begin() as conn:
                origin = note.split("\n", 1)[0]
                row = latest_row(conn, origin)
                latest = open_checkpoint(row.note, log_keys) if row is not None else None
                signed = check_submission(old, proof, note, log_keys, latest)
                now = int(clock())
                line = cosigner.signature_line(signed.note.text, timestamp=now)
                if latest is None or latest.checkpoint.size != signed.checkpoint.size:
                    conn.execute(
                        sa.insert(accepted).values(
                            origin=origin,
                            size=signed.checkpoint.size,
                            root=signed.checkpoint.root,
                            note=str(signed.note.with_lines(line)),
                            accepted_at=datetime.fromtimestamp(now, timezone.utc),
                        )
                    )
            return PlainTextResponse(line)
        except UnicodeDecodeError:
            return PlainTextResponse("the body is not UTF-8\n", status_code=400)
        except WitnessConflict as e:
            return Response(f"{e.size}\n", status_code=409, headers={"Content-Type": "text/x.tlog.size"})
        except WitnessError as e:
            return PlainTextResponse(f"{e}\n", status_code=e.status)

    @app.get("/latest", response_class=PlainTextResponse)
    def latest(origin: str = Query(max_length=300)) -> Response:
        """The newest checkpoint accepted for a log, with the log's signature and this witness's cosignature."""
        with engine.connect() as conn:
            row = latest_row(conn, origin)
        if row is None:
            return PlainTextResponse(f"no checkpoint of {origin}\n", status_code=404)
        return PlainTextResponse(row.note)

    @app.get("/checkpoints")
    def checkpoints(origin: str = Query(max_length=300)) -> JSONResponse:
        """Every checkpoint accepted for a log, oldest first."""
        with engine.connect() as conn:
            rows = conn.execute(sa.select(accepted).where(accepted.c.origin == origin).order_by(accepted.c.id)).all()
        return JSONResponse(
            {
                "origin": origin,
                "checkpoints": [
                    {
                        "size": r.size,
                        "root": base64.b64encode(r.root).decode(),
                        "accepted_at": r.accepted_at.isoformat(),
                    }
                    for r in rows
                ],
            }
        )

    app.state.engine, app.state.cosigner = engine, cosigner
    return app
