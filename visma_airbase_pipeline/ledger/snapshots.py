"""Snapshots: the last pulled version of each Visma record, kept for the assets that write it on."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import simplejson
from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from visma_airbase_pipeline.ledger import schema

_CHUNK = 500


@dataclass
class Snapshot:
    """One Visma record as last read, with the day its change belongs to."""

    kind: str
    visma_id: str
    day: str
    payload: dict[str, Any]
    source_hash: str
    source_modified: str | None = None
    run_id: str | None = None


def source_hashes(engine: Engine, kind: str, visma_ids: Iterable[str]) -> dict[str, str]:
    """The stored source hash per Visma id (to tell changed records from re-reads)."""
    ids = list(dict.fromkeys(visma_ids))
    table = schema.snapshots
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            query = select(table.c.visma_id, table.c.source_hash).where(
                table.c.kind == kind, table.c.visma_id.in_(ids[start : start + _CHUNK])
            )
            found.update({row.visma_id: row.source_hash for row in conn.execute(query)})
    return found


def save_snapshots(conn: Connection, items: list[Snapshot]) -> None:
    """Insert or replace snapshots inside the caller's transaction (one statement, compiled once and
    cached, executed for many rows)."""
    if not items:
        return
    now = datetime.now(UTC)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(schema.snapshots)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "visma_id"],
        set_={
            name: getattr(statement.excluded, name)
            for name in ("day", "payload", "source_hash", "source_modified", "run_id", "pulled_at")
        },
    )
    for start in range(0, len(items), _CHUNK):
        values = [
            {**item.__dict__, "payload": _dump(item.payload), "pulled_at": now}
            for item in items[start : start + _CHUNK]
        ]
        conn.execute(statement, values)


def iter_snapshots(
    engine: Engine,
    kind: str,
    *,
    first_day: str | None = None,
    last_day: str | None = None,
    visma_ids: Iterable[str] | None = None,
) -> Iterator[Snapshot]:
    """Snapshots of a kind, optionally only days in ``[first_day, last_day]`` or given ids."""
    table = schema.snapshots
    query = select(table).where(table.c.kind == kind).order_by(table.c.visma_id)
    if first_day is not None:
        query = query.where(table.c.day >= first_day)
    if last_day is not None:
        query = query.where(table.c.day <= last_day)
    batches: list[list[str] | None] = [None]
    if visma_ids is not None:
        ids = list(dict.fromkeys(visma_ids))
        batches = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    with engine.connect() as conn:
        for batch in batches:
            chunk_query = query if batch is None else query.where(table.c.visma_id.in_(batch))
            for row in conn.execution_options(yield_per=1000).execute(chunk_query).mappings():
                yield Snapshot(
                    kind=row["kind"],
                    visma_id=row["visma_id"],
                    day=row["day"],
                    payload=simplejson.loads(row["payload"], use_decimal=True),
                    source_hash=row["source_hash"],
                    source_modified=row["source_modified"],
                    run_id=row["run_id"],
                )


def iter_snapshot_ids(engine: Engine, kind: str, *, first_day: str, last_day: str) -> Iterator[str]:
    """Ids of a kind's snapshots with a day in ``[first_day, last_day]``, in id order."""
    table = schema.snapshots
    query = (
        select(table.c.visma_id)
        .where(table.c.kind == kind, table.c.day >= first_day, table.c.day <= last_day)
        .order_by(table.c.visma_id)
    )
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query):
            yield row.visma_id


def _dump(payload: dict[str, Any]) -> str:
    return str(simplejson.dumps(payload, use_decimal=True, default=str, separators=(",", ":")))
