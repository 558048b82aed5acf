"""Engines for the state store: SQLite (WAL) by default, PostgreSQL by ``VAB_LEDGER_URL``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from visma_airbase_pipeline.settings import dagster_home


def default_ledger_url() -> str:
    """``sqlite:///$DAGSTER_HOME/vab-ledger.db``: the ledger lives beside the Dagster instance."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'vab-ledger.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a reader (the UI, `vab audit`) work beside a writing run; busy_timeout rides out
    # the short write locks of overlapping runs instead of failing them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the URL with the settings each backend needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A pooled connection stays open: closing the last one makes SQLite checkpoint and fsync
        # the WAL on every write (about 15x slower for the webhook inbox).
        engine = create_engine(url, pool_size=5, max_overflow=10, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, future=True)
