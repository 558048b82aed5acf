"""Dagster's SQLite instance storage, each database's SQLAlchemy engine kept instead of rebuilt.

Dagster's ``SqliteEventLogStorage`` builds a new engine for every event it stores (and for every
``has_table`` question), so no statement is ever compiled twice from its cache. A 91-day backfill
stores ~1,000 events, and building engines and compiling inserts was a fifth of the run's time at
2,000 invoices. Here each database file keeps one engine for the process (NullPool as before: every
event still opens, commits and closes its connection, so the file changes as the webserver's
watcher expects). Same files, same layout as Dagster's default ``storage: sqlite``: an instance can
switch between the two either way.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Self

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from dagster._utils import mkdir_p
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

#: Engines kept per process: one per run database in use, plus the index. A webserver browsing
#: thousands of runs keeps only the most recent ones.
ENGINES_KEPT = 64


class EngineReusingSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with one engine per database file, and the tables it has seen."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            self._engines[shard] = engine
            while len(self._engines) > ENGINES_KEPT:
                self._engines.popitem(last=False)[1].dispose()
        else:
            self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """Dagster's ``_connect``, the engine kept: one transaction on a fresh connection."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Whether the index has the table; a table once there is not looked up again."""
        if table_name in self._tables:
            return True
        found = super().has_table(table_name)
        if found:
            self._tables.add(table_name)
        return found

    def _forget_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
            self._tables.clear()

    def wipe(self) -> None:
        """Dagster's wipe deletes the files: their engines and known tables go with them."""
        super().wipe()
        self._forget_engines()

    def dispose(self) -> None:
        """Release the engines with the rest of the storage."""
        super().dispose()
        self._forget_engines()


class EngineReusingSqliteStorage(DagsterSqliteStorage):
    """Dagster's ``storage: sqlite`` with the engine-reusing event log; configure it as
    ``storage: custom`` with ``base_dir`` (the instance's home, as ``storage: sqlite`` takes)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # DagsterSqliteStorage.__init__ would build (and initialise) a plain event log first.
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = EngineReusingSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> Self:
        """Built from the ``config`` of ``storage: custom``."""
        return cls.from_local(inst_data=inst_data, **config_value)

    @classmethod
    def from_local(cls, base_dir: str, inst_data: ConfigurableClassData | None = None) -> Self:
        """The storage under ``base_dir``, created if missing."""
        mkdir_p(base_dir)
        return cls(base_dir, inst_data=inst_data)
