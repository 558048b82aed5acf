"""The webhook inbox: events land here durably (once per event id) and wait for a sensor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import simplejson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from visma_airbase_pipeline.ledger import schema


@dataclass(frozen=True)
class InboxEvent:
    """One received webhook event."""

    id: int
    source: str
    event_id: str
    event_type: str
    entity: str | None
    entity_id: str | None
    payload: dict[str, Any]
    received_at: datetime
    processed_at: datetime | None


def record_event(
    engine: Engine,
    *,
    source: str,
    event_id: str,
    event_type: str,
    entity: str | None,
    entity_id: str | None,
    payload: dict[str, Any],
) -> bool:
    """Store an event unless its id is already there; True when it is new (duplicates are no-ops)."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(schema.inbox)
        .values(
            source=source,
            event_id=event_id,
            event_type=event_type,
            entity=entity,
            entity_id=entity_id,
            payload=simplejson.dumps(payload, use_decimal=True, default=str),
            received_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["source", "event_id"])
    )
    with engine.begin() as conn:
        return bool(conn.execute(statement).rowcount)


def pending_events(engine: Engine, source: str, *, after_id: int = 0, limit: int = 1000) -> list[InboxEvent]:
    """Unprocessed events of a source with ids above the cursor, oldest first."""
    table = schema.inbox
    query = (
        select(table)
        .where(table.c.source == source, table.c.processed_at.is_(None), table.c.id > after_id)
        .order_by(table.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [_event(dict(row)) for row in rows]


def events(engine: Engine, source: str | None = None) -> list[InboxEvent]:
    """Every event (of a source), oldest first: for audits and tests."""
    table = schema.inbox
    query = select(table).order_by(table.c.id)
    if source is not None:
        query = query.where(table.c.source == source)
    with engine.connect() as conn:
        return [_event(dict(row)) for row in conn.execute(query).mappings()]


def mark_processed(engine: Engine, ids: Iterable[int], run_id: str | None) -> int:
    """Mark events handled by a successful run; returns how many were still pending."""
    id_list = list(ids)
    if not id_list:
        return 0
    table = schema.inbox
    with engine.begin() as conn:
        result = conn.execute(
            update(table)
            .where(table.c.id.in_(id_list), table.c.processed_at.is_(None))
            .values(processed_at=datetime.now(UTC), run_id=run_id)
        )
    return int(result.rowcount or 0)


def _event(row: dict[str, Any]) -> InboxEvent:
    received = row["received_at"]
    processed = row["processed_at"]
    return InboxEvent(
        id=int(row["id"]),
        source=row["source"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        payload=simplejson.loads(row["payload"], use_decimal=True),
        received_at=received if received.tzinfo else received.replace(tzinfo=UTC),
        processed_at=(processed if processed.tzinfo else processed.replace(tzinfo=UTC))
        if processed
        else None,
    )
