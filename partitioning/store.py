"""Opening the event store as configured: one log, or one log per agency (KINERJA_PARTITIONED).

Every partition of a process shares one SQLAlchemy datastore (one connection pool, and on SQLite
one in-process write lock for the one file); each has its own events table, seals, key and proof
tables (`<partition>_events`, `_seals`, ...), named by `domain.partitions.partition_name`.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore

from domain.application import Appraisals
from domain.partitions import PartitionedAppraisals, partition_name
from partitioning.directory import SqlDirectory
from settings import Settings, event_store_env, get_settings
from transparency.persistence import SealingFactory
from transparency.wiring import integrity_check

SHARED_KEY = "PARTITION_DATASTORE"
_SHARED: dict[str, SQLAlchemyDatastore] = {}
_COUNTER = iter(range(1, 1 << 62))
_COUNTING = threading.Lock()


class PartitionFactory(SealingFactory):
    """SealingFactory over a datastore already open in this process (the partitioned store's)."""

    def __init__(self, env: Environment) -> None:
        datastore = _SHARED.get(env.get(SHARED_KEY) or "")
        if datastore is None:
            super().__init__(env)
            return
        InfrastructureFactory.__init__(self, env)
        self._schema_name = self.env.get(self.SQLALCHEMY_SCHEMA)
        self.datastore = datastore


class Partition(Appraisals):
    """`Appraisals` over one agency's log."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        super().__init__(env=env)


class Partitioned(PartitionedAppraisals):
    """The partitioned store, which forgets its shared datastore when closed."""

    name = Appraisals.name

    shared_key = ""

    def close(self) -> None:
        super().close()
        _SHARED.pop(self.shared_key, None)


def open_appraisals(settings: Settings | None = None, database_url: str | None = None) -> Appraisals:
    """The application service as configured: `Appraisals` over one log, or over one log per agency."""
    settings = settings or get_settings()
    url = database_url or settings.database_url
    env = event_store_env(url, settings)
    return open_partitioned(env, settings) if settings.partitioned else Appraisals(env=env)


def open_partitioned(
    env: dict[str, str], settings: Settings | None = None, *, check_reads: bool | None = None
) -> Partitioned:
    """One log per agency in the database of `env`; each partition's reads are checked as configured."""
    settings = settings or get_settings()
    check = settings.check_integrity_on_read if check_reads is None else check_reads
    with _COUNTING:
        key = f"store-{next(_COUNTER)}"

    def open_directory(store: Appraisals) -> SqlDirectory:
        datastore: SQLAlchemyDatastore = store.factory.datastore  # type: ignore[attr-defined]
        _SHARED[key] = datastore
        assert isinstance(datastore.engine, sa.Engine)
        return SqlDirectory(datastore.engine)

    def open_partition(code: str) -> Appraisals:
        part = Partition(
            partition_name(code), {**env, "PERSISTENCE_MODULE": f"{__name__}:PartitionFactory", SHARED_KEY: key}
        )
        if check:
            part.integrity_check = integrity_check(settings, part)
        return part

    store = Partitioned(env, open_directory=open_directory, open_partition=open_partition)
    store.shared_key = key
    return store


def logs_of(app: Appraisals) -> list[Appraisals]:
    """The stores whose logs hold the records: each agency's for a partitioned store, else the store itself."""
    return list(app.partitions().values()) if isinstance(app, PartitionedAppraisals) else [app]


def log_named(app: Appraisals, name: str) -> Appraisals:
    """The store of the log called `name` (a checkpoint workflow names its log); the store itself if none is."""
    return next((part for part in logs_of(app) if part.name.lower() == name), app)
