"""Reads and writes of the state store. Every write that belongs together happens in one
transaction, so a crash leaves either the whole step or none of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import simplejson
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from visma_airbase_pipeline.ledger import schema
from visma_airbase_pipeline.ledger import snapshots as _snapshots
from visma_airbase_pipeline.ledger.engine import default_ledger_url, make_engine
from visma_airbase_pipeline.ledger.snapshots import Snapshot
from visma_airbase_pipeline.settings import load_settings

_CHUNK = 500


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back naive; they were written as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass
class CrosswalkRow:
    """The link between one Visma record and its Airbase twin, and what was last written."""

    kind: str
    visma_id: str
    airbase_id: str | None = None
    content_hash: str | None = None
    etag: str | None = None
    source_modified: str | None = None
    state: str = "synced"
    updated_at: datetime | None = None


@dataclass
class Transition:
    """One state change of one record, with the run and partition that made it."""

    kind: str
    to_state: str
    visma_id: str | None = None
    airbase_id: str | None = None
    from_state: str | None = None
    run_id: str | None = None
    partition: str | None = None
    reason: str | None = None
    old_hash: str | None = None
    new_hash: str | None = None
    at: datetime = field(default_factory=_now)


@dataclass
class QuarantineItem:
    """A record that could not be processed, kept whole with the reason, for replay."""

    id: int
    kind: str
    record_key: str
    payload: Any
    error: str
    run_id: str | None
    partition: str | None
    first_seen: datetime
    last_seen: datetime
    attempts: int
    resolved_at: datetime | None
    replayed_at: datetime | None


class LedgerWriter:
    """Writes inside one open transaction (obtained from :meth:`LedgerStore.transaction`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _insert(self, table: Any) -> Any:
        dialect = self.conn.dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    def save_crosswalk(self, rows: Sequence[CrosswalkRow]) -> None:
        """Insert or update crosswalk rows (keyed by kind + Visma id): one statement, compiled once
        and cached, executed for many rows."""
        if not rows:
            return
        now = _now()
        statement = self._insert(schema.crosswalk)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "visma_id"],
            set_={
                name: getattr(excluded, name)
                for name in ("airbase_id", "content_hash", "etag", "source_modified", "state", "updated_at")
            },
        )
        for start in range(0, len(rows), _CHUNK):
            values = [{**row.__dict__, "updated_at": now} for row in rows[start : start + _CHUNK]]
            self.conn.execute(statement, values)

    def record_transitions(self, items: Iterable[Transition]) -> int:
        """Append transitions; returns how many were written."""
        values = [item.__dict__ for item in items]
        for start in range(0, len(values), _CHUNK):
            self.conn.execute(schema.transitions.insert(), values[start : start + _CHUNK])
        return len(values)

    def quarantine(
        self,
        kind: str,
        record_key: str,
        payload: Any,
        error: str,
        *,
        run_id: str | None = None,
        partition: str | None = None,
    ) -> None:
        """Keep a bad record with its reason; seeing it again bumps the attempt count."""
        now = _now()
        raw = simplejson.dumps(payload, use_decimal=True, default=str, sort_keys=True)
        statement = self._insert(schema.quarantine).values(
            kind=kind,
            record_key=record_key,
            payload=raw,
            error=error,
            run_id=run_id,
            partition=partition,
            first_seen=now,
            last_seen=now,
            attempts=1,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "record_key"],
            set_={
                "payload": statement.excluded.payload,
                "error": statement.excluded.error,
                "run_id": statement.excluded.run_id,
                "partition": statement.excluded.partition,
                "last_seen": now,
                "attempts": schema.quarantine.c.attempts + 1,
                "resolved_at": None,
            },
        )
        self.conn.execute(statement)

    def resolve_quarantine(self, kind: str, record_keys: Iterable[str], *, replayed: bool = False) -> int:
        """Mark open quarantine items as resolved (their record went through); returns the count."""
        keys = list(record_keys)
        now = _now()
        total = 0
        for start in range(0, len(keys), _CHUNK):
            values: dict[str, Any] = {"resolved_at": now}
            if replayed:
                values["replayed_at"] = now
            result = self.conn.execute(
                update(schema.quarantine)
                .where(
                    schema.quarantine.c.kind == kind,
                    schema.quarantine.c.record_key.in_(keys[start : start + _CHUNK]),
                    schema.quarantine.c.resolved_at.is_(None),
                )
                .values(**values)
            )
            total += result.rowcount or 0
        return total

    def save_snapshots(self, items: list[Snapshot]) -> None:
        """Keep the pulled version of these Visma records."""
        _snapshots.save_snapshots(self.conn, items)

    def forget_cursors(self, names: Sequence[str]) -> int:
        """Delete the named cursors; returns how many existed."""
        table, forgotten = schema.cursors, 0
        for start in range(0, len(names), _CHUNK):
            result = self.conn.execute(table.delete().where(table.c.name.in_(names[start : start + _CHUNK])))
            forgotten += result.rowcount
        return forgotten

    def set_cursor(self, name: str, value: str) -> None:
        """Move a named cursor (high-water mark or sensor cursor)."""
        statement = self._insert(schema.cursors).values(name=name, value=value, updated_at=_now())
        statement = statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
        self.conn.execute(statement)


class LedgerStore:
    """The state store behind one URL (default: `VAB_LEDGER_URL`, else SQLite in DAGSTER_HOME);
    the schema is created on first use."""

    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.url = url or load_settings().ledger_url or default_ledger_url()
        self.engine = engine or make_engine(self.url)
        schema.metadata.create_all(self.engine)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[LedgerWriter]:
        """One all-or-nothing unit of writes."""
        with self.engine.begin() as conn:
            yield LedgerWriter(conn)

    # ----- reads ---------------------------------------------------------------------------
    def crosswalk(self, kind: str, visma_ids: Iterable[str] | None = None) -> dict[str, CrosswalkRow]:
        """Crosswalk rows of a kind by Visma id (all of them when no ids are given)."""
        table = schema.crosswalk
        found: dict[str, CrosswalkRow] = {}
        with self.engine.connect() as conn:
            if visma_ids is None:
                batches: list[list[str] | None] = [None]
            else:
                ids = list(dict.fromkeys(visma_ids))
                batches = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
            for batch in batches:
                query = select(table).where(table.c.kind == kind)
                if batch is not None:
                    query = query.where(table.c.visma_id.in_(batch))
                for row in conn.execute(query).mappings():
                    item = CrosswalkRow(**row)
                    item.updated_at = _aware(item.updated_at)
                    found[item.visma_id] = item
        return found

    def by_airbase_id(self, kind: str, airbase_id: str) -> CrosswalkRow | None:
        """The crosswalk row of an Airbase record, if it is linked."""
        table = schema.crosswalk
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(table).where(table.c.kind == kind, table.c.airbase_id == airbase_id))
                .mappings()
                .first()
            )
        return CrosswalkRow(**row) if row else None

    def transitions(
        self, *, kind: str | None = None, visma_id: str | None = None, run_id: str | None = None
    ) -> list[Transition]:
        """Transitions matching the filters, oldest first."""
        table = schema.transitions
        query = select(table).order_by(table.c.id)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        if visma_id is not None:
            query = query.where(table.c.visma_id == visma_id)
        if run_id is not None:
            query = query.where(table.c.run_id == run_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        result = []
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            values["at"] = _aware(values["at"])
            result.append(Transition(**values))
        return result

    def quarantined(self, kind: str | None = None, *, include_resolved: bool = False) -> list[QuarantineItem]:
        """Quarantine items (open ones unless asked), oldest first."""
        table = schema.quarantine
        query = select(table).order_by(table.c.id)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        if not include_resolved:
            query = query.where(table.c.resolved_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        items = []
        for row in rows:
            values = dict(row)
            values["payload"] = simplejson.loads(values["payload"], use_decimal=True)
            for name in ("first_seen", "last_seen", "resolved_at", "replayed_at"):
                values[name] = _aware(values[name])
            items.append(QuarantineItem(**values))
        return items

    def source_hashes(self, kind: str, visma_ids: Iterable[str]) -> dict[str, str]:
        """The stored source hash of each pulled record, by Visma id."""
        return _snapshots.source_hashes(self.engine, kind, visma_ids)

    def snapshots(
        self,
        kind: str,
        *,
        first_day: str | None = None,
        last_day: str | None = None,
        visma_ids: Iterable[str] | None = None,
    ) -> Iterator[Snapshot]:
        """Pulled records of a kind, by the day of their change or by id, streamed."""
        return _snapshots.iter_snapshots(
            self.engine, kind, first_day=first_day, last_day=last_day, visma_ids=visma_ids
        )

    def snapshot_ids(self, kind: str, *, first_day: str, last_day: str) -> Iterator[str]:
        """The ids of a kind's snapshots whose day is in ``[first_day, last_day]``, streamed (the
        payloads left unread)."""
        return _snapshots.iter_snapshot_ids(self.engine, kind, first_day=first_day, last_day=last_day)

    def cursors(self, names: Iterable[str]) -> dict[str, str]:
        """The values of those named cursors that have moved, by name."""
        table = schema.cursors
        wanted = list(dict.fromkeys(names))
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(table.c.name, table.c.value).where(
                    table.c.name.in_(wanted[start : start + _CHUNK])
                )
                found.update({row.name: row.value for row in conn.execute(query)})
        return found

    def cursor(self, name: str) -> str | None:
        """The value of a named cursor, or None before its first move."""
        table = schema.cursors
        with self.engine.connect() as conn:
            return conn.execute(select(table.c.value).where(table.c.name == name)).scalar_one_or_none()
