"""Building the proof machinery of a log from Kinerja's settings (one place, for the CLI, worker and API)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain.application import Appraisals
from settings import Settings, log_keys_dir, witness_configs
from transparency.integrity import RecordCheck
from transparency.keys import load_or_create, public_keys
from transparency.log import Log
from transparency.note import COSIGNATURE_V1, Signer, Verifier
from transparency.persistence import SealingRecorder
from transparency.publish import Publisher
from transparency.timestamps import TimeStamper, load_chain
from transparency.witnesses import DirectoryWitness, HttpWitness, Witness


def origin_of(settings: Settings, log: Log) -> str:
    return f"{settings.log_origin_prefix}/{log.name}"


def log_signer(settings: Settings, log: Log) -> Signer:
    return load_or_create(log_keys_dir(settings) / f"{log.name}.key", origin_of(settings, log))


def log_keys(settings: Settings, log: Log) -> list[Verifier]:
    """The log's current public key and every earlier one still trusted (key rotation)."""
    folder = log_keys_dir(settings)
    return public_keys([folder / f"{log.name}.pub", folder / f"{log.name}.key"], settings.trusted_log_keys)


def witness_keys(settings: Settings) -> list[Verifier]:
    return [Verifier.parse(w.key) for w in witness_configs(settings) if w.kind == "http"]


def witnesses(settings: Settings, keys: list[Verifier]) -> list[Witness]:
    out: list[Witness] = []
    for w in witness_configs(settings):
        if w.kind == "directory":
            out.append(DirectoryWitness(w.path, keys))
        else:
            key = Verifier.parse(w.key)
            if key.algorithm != COSIGNATURE_V1:
                raise ValueError(f"witness {w.url}: its key must be a cosignature key (type 0x04)")
            out.append(HttpWitness(w.url, key))
    return out


def stamper(settings: Settings) -> TimeStamper | None:
    if not settings.tsa_url:
        return None
    return TimeStamper(settings.tsa_url, load_chain(settings.tsa_certificate))


def integrity_check(settings: Settings, app: Appraisals) -> Callable[[UUID], Sequence[StoredEvent]] | None:
    """The check every read runs first (IntegrityBroken), for a store that seals its rows; else None."""
    recorder = app.recorder
    if not isinstance(recorder, SealingRecorder) or recorder.sealer is None:
        return None
    log = Log.of(app)
    return RecordCheck(app, origin_of(settings, log), log_keys(settings, log)).require_intact


def publisher(settings: Settings, app: Application[Any]) -> Publisher:
    log = Log.of(app)
    signer = log_signer(settings, log)
    return Publisher(log, signer, witnesses(settings, log_keys(settings, log)), stamper(settings))
