"""The history of one record, from the ledger: every state change with the run that made it, the
crosswalk row as it is now, and any open quarantine item (what ``vab audit`` shows)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select

from visma_airbase_pipeline.ledger import CrosswalkRow, LedgerStore, QuarantineItem, journal, schema
from visma_airbase_pipeline.webhooks.rejections import KIND as WEBHOOK_KIND
from visma_airbase_pipeline.webhooks.rejections import redacted

#: The Dagster UI the run links point at when ``VAB_DAGSTER_UI_URL`` is not set.
DEFAULT_UI_URL = "http://127.0.0.1:3000"

INVOICE_ALIASES = ("invoice", "bill")
SUPPLIER_ALIASES = ("supplier", "vendor")
PAYMENT_ALIASES = ("payment",)
ALIASES = INVOICE_ALIASES + SUPPLIER_ALIASES + PAYMENT_ALIASES

_INVOICE, _BILL, _APPROVAL, _SUPPLIER, _PAYMENT = (
    "supplier_invoice",
    "bill",
    "bill_approval",
    "supplier",
    "payment",
)
_DAGSTER_RUN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class RecordAudit:
    """Everything the ledger knows of one record."""

    alias: str
    record_id: str
    history: list[dict[str, Any]] = field(default_factory=list)
    crosswalk: dict[str, Any] | None = None
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    journal: dict[str, Any] | None = None

    @property
    def known(self) -> bool:
        """False when the ledger has nothing at all on the record."""
        return bool(self.history or self.crosswalk or self.quarantine or self.journal)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def ui_url() -> str:
    """The Dagster UI base URL (``VAB_DAGSTER_UI_URL``, else the local default)."""
    return (os.environ.get("VAB_DAGSTER_UI_URL") or DEFAULT_UI_URL).rstrip("/")


def run_link(run_id: str | None) -> str | None:
    """The Dagster UI page of a run; None for steps that did not run in Dagster (a CLI replay)."""
    if not run_id or not _DAGSTER_RUN_ID.match(run_id):
        return None
    return f"{ui_url()}/runs/{run_id}"


def normalize_id(alias: str, record_id: str) -> str:
    """``000123`` -> ``Invoice/000123`` for invoices; other ids unchanged (trimmed)."""
    record_id = record_id.strip()
    if alias in INVOICE_ALIASES and "/" not in record_id:
        return f"Invoice/{record_id}"
    return record_id


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back naive; they were written as UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _iso(value: datetime | None) -> str | None:
    value = _aware(value)
    return value.isoformat() if value is not None else None


def _entry(row: Any) -> dict[str, Any]:
    return {
        "time": _iso(row["at"]),
        "kind": row["kind"],
        "from": row["from_state"],
        "to": row["to_state"],
        "run_id": row["run_id"],
        "dagster_url": run_link(row["run_id"]),
        "partition": row["partition"],
        "old_hash": row["old_hash"],
        "new_hash": row["new_hash"],
        "reason": row["reason"],
        "visma_id": row["visma_id"],
        "airbase_id": row["airbase_id"],
    }


def _transitions(
    store: LedgerStore, kind: str, *, visma_ids: Iterable[str] = (), airbase_ids: Iterable[str] = ()
) -> list[Any]:
    table = schema.transitions
    visma, airbase = [v for v in visma_ids if v], [a for a in airbase_ids if a]
    if not visma and not airbase:
        return []
    matches = []
    if visma:
        matches.append(table.c.visma_id.in_(visma))
    if airbase:
        matches.append(table.c.airbase_id.in_(airbase))
    query = select(table).where(table.c.kind == kind, or_(*matches)).order_by(table.c.id)
    with store.engine.connect() as conn:
        return list(conn.execute(query).mappings().all())


def _crosswalk(row: CrosswalkRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "kind": row.kind,
        "visma_id": row.visma_id,
        "airbase_id": row.airbase_id,
        "content_hash": row.content_hash,
        "etag": row.etag,
        "source_modified": row.source_modified,
        "state": row.state,
        "updated_at": _iso(row.updated_at),
    }


def quarantine_dict(item: QuarantineItem, *, payload: bool = False) -> dict[str, Any]:
    """A quarantine item as a JSON-ready dict (its kept payload only when asked)."""
    found: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "record": item.record_key,
        "reason": item.error,
        "attempts": item.attempts,
        "run_id": item.run_id,
        "partition": item.partition,
        "first_seen": _iso(item.first_seen),
        "last_seen": _iso(item.last_seen),
        "resolved_at": _iso(item.resolved_at),
        "replayed_at": _iso(item.replayed_at),
    }
    if payload:
        # A kept webhook delivery carries its signature header: shown only as present, with its length.
        found["payload"] = redacted(item.payload) if item.kind == WEBHOOK_KIND else item.payload
    return found


def _open_items(store: LedgerStore, kind: str, match: Any) -> list[dict[str, Any]]:
    return [quarantine_dict(item) for item in store.quarantined(kind) if match(item)]


def _payment_dict(entry: journal.JournalEntry) -> dict[str, Any]:
    found = asdict(entry)
    found["amount"] = f"{entry.amount:f}"
    return found


def _audit_invoice(store: LedgerStore, audit: RecordAudit) -> None:
    key = audit.record_id
    bill = store.crosswalk(_BILL, [key]).get(key)
    audit.crosswalk = _crosswalk(bill)
    approval_rows = _transitions(store, _APPROVAL, visma_ids=[key])
    # A refused approval is kept under the Airbase id of the bill's ledger entry.
    entry_ids = {r["airbase_id"] for r in approval_rows if r["airbase_id"]}
    open_approvals = [
        item
        for item in store.quarantined(_APPROVAL)
        if isinstance(item.payload, dict) and item.payload.get("erp_reference_id") == key
    ]
    entry_ids.update(item.record_key for item in open_approvals)
    refused = _transitions(store, _APPROVAL, visma_ids=entry_ids)
    payments = [
        j for j in journal.entries(store.engine) if key in {part.strip() for part in j.invoices.split(",")}
    ]
    payment_rows = _transitions(store, _PAYMENT, airbase_ids=[p.airbase_payment_id for p in payments])
    rows = (
        _transitions(store, _INVOICE, visma_ids=[key])
        + _transitions(store, _BILL, visma_ids=[key])
        + approval_rows
        + refused
        + payment_rows
    )
    audit.history = _history(rows)
    audit.quarantine = _open_items(store, _BILL, lambda item: item.record_key == key) + [
        quarantine_dict(item) for item in open_approvals
    ]
    paid = {p.airbase_payment_id for p in payments}
    audit.quarantine += _open_items(store, _PAYMENT, lambda item: item.record_key in paid)


def _audit_supplier(store: LedgerStore, audit: RecordAudit) -> None:
    number = audit.record_id
    row = store.crosswalk(_SUPPLIER, [number]).get(number) or store.by_airbase_id(_SUPPLIER, number)
    audit.crosswalk = _crosswalk(row)
    visma_ids = {number, f"airbase:{number}"}
    airbase_ids = {number}
    if row is not None:
        visma_ids.add(row.visma_id)
        if row.airbase_id:
            airbase_ids.add(row.airbase_id)
            visma_ids.add(f"airbase:{row.airbase_id}")
    audit.history = _history(_transitions(store, _SUPPLIER, visma_ids=visma_ids, airbase_ids=airbase_ids))
    audit.quarantine = _open_items(store, _SUPPLIER, lambda item: item.record_key in visma_ids)


def _audit_payment(store: LedgerStore, audit: RecordAudit) -> None:
    wanted = audit.record_id
    entry = journal.get(store.engine, wanted) or next(
        (j for j in journal.entries(store.engine) if j.visma_payment_nbr == wanted), None
    )
    airbase_ids = {wanted}
    visma_ids = {wanted}
    if entry is not None:
        audit.journal = _payment_dict(entry)
        airbase_ids.add(entry.airbase_payment_id)
        if entry.visma_payment_nbr:
            visma_ids.add(entry.visma_payment_nbr)
    rows = _transitions(store, _PAYMENT, visma_ids=visma_ids, airbase_ids=airbase_ids)
    # A payment's own quarantine transition names the Airbase id as its record.
    rows += _transitions(store, _PAYMENT, visma_ids=airbase_ids)
    audit.history = _history(rows)
    audit.quarantine = _open_items(store, _PAYMENT, lambda item: item.record_key in airbase_ids)


def _history(rows: list[Any]) -> list[dict[str, Any]]:
    unique = {row["id"]: row for row in rows}
    ordered = sorted(unique.values(), key=lambda row: (_aware(row["at"]), row["id"]))
    return [_entry(row) for row in ordered]


def audit_record(store: LedgerStore, kind_alias: str, record_id: str) -> RecordAudit:
    """The history, crosswalk row, open quarantine items (and payment journal row) of a record."""
    alias = kind_alias.strip().lower()
    if alias not in ALIASES:
        raise ValueError(f"unknown record kind {kind_alias!r} (one of {', '.join(ALIASES)})")
    audit = RecordAudit(alias, normalize_id(alias, record_id))
    if alias in INVOICE_ALIASES:
        _audit_invoice(store, audit)
    elif alias in SUPPLIER_ALIASES:
        _audit_supplier(store, audit)
    else:
        _audit_payment(store, audit)
    return audit


def record_history(store: LedgerStore, kind_alias: str, record_id: str) -> list[dict[str, Any]]:
    """Every ledger transition of one record, oldest first (see :func:`audit_record` for the rest)."""
    return audit_record(store, kind_alias, record_id).history
