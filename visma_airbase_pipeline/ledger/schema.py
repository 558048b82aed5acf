"""One schema for SQLite and PostgreSQL, created on first use. Every table name starts with ``vab_``
so the ledger can share a PostgreSQL database with Dagster's own storage (which has a ``snapshots``
table of its own)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: (kind, visma_id) <-> airbase_id, with the hash of the last payload written and the last ETag seen.
crosswalk = Table(
    "vab_crosswalk",
    metadata,
    Column("kind", String(40), primary_key=True),
    Column("visma_id", String(120), primary_key=True),
    Column("airbase_id", String(64), nullable=True),
    Column("content_hash", String(64), nullable=True),
    Column("etag", String(120), nullable=True),
    Column("source_modified", String(40), nullable=True),
    Column("state", String(40), nullable=False, default="synced"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "airbase_id", name="vab_uq_crosswalk_airbase"),
)

#: One row per record state change; the audit trail behind every materialization.
transitions = Table(
    "vab_transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("visma_id", String(120), nullable=True),
    Column("airbase_id", String(64), nullable=True),
    Column("from_state", String(40), nullable=True),
    Column("to_state", String(40), nullable=False),
    Column("run_id", String(64), nullable=True),
    Column("partition", String(40), nullable=True),
    Column("reason", Text, nullable=True),
    Column("old_hash", String(64), nullable=True),
    Column("new_hash", String(64), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("vab_ix_transitions_record", "kind", "visma_id"),
    Index("vab_ix_transitions_run", "run_id"),
)

#: Records or events that failed validation, kept whole for replay.
quarantine = Table(
    "vab_quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("record_key", String(160), nullable=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("run_id", String(64), nullable=True),
    Column("partition", String(40), nullable=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("replayed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("kind", "record_key", name="vab_uq_quarantine_record"),
)

#: The last version of each Visma record pulled, as read (the hand-over from visma/* to airbase/*
#: assets, so a record read once is not read again to be written).
snapshots = Table(
    "vab_snapshots",
    metadata,
    Column("kind", String(40), primary_key=True),
    Column("visma_id", String(120), primary_key=True),
    Column("day", String(10), nullable=False),
    Column("payload", Text, nullable=False),
    Column("source_hash", String(64), nullable=False),
    Column("source_modified", String(40), nullable=True),
    Column("run_id", String(64), nullable=True),
    Column("pulled_at", DateTime(timezone=True), nullable=False),
    Index("vab_ix_snapshots_day", "kind", "day"),
)

#: Write-ahead intent per Airbase payment: pending -> posted (Visma number) -> released -> acknowledged.
payment_journal = Table(
    "vab_payment_journal",
    metadata,
    Column("airbase_payment_id", String(64), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("visma_payment_nbr", String(40), nullable=True),
    Column("supplier", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", String(40), nullable=False),
    Column("invoices", Text, nullable=False),
    Column("run_id", String(64), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Webhook events as received (verified), before a sensor turns them into runs.
inbox = Table(
    "vab_inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(20), nullable=False),
    Column("event_id", String(160), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("entity", String(80), nullable=True),
    Column("entity_id", String(160), nullable=True),
    Column("payload", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=True),
    Column("run_id", String(64), nullable=True),
    UniqueConstraint("source", "event_id", name="vab_uq_inbox_event"),
    Index("vab_ix_inbox_pending", "source", "processed_at", "id"),
)

#: Per-asset high-water marks and sensor cursors.
cursors = Table(
    "vab_cursors",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
