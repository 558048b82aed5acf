"""Airbase's outgoing webhooks (``api/airbase.md`` section 10): the event envelope and its signature.

The envelope is ``{"id": "evt_…", "object": "event", "type", "created_date": "…Z", "data"}``; ``data``
is only a hint, the receiver re-reads through the API. Deliveries are signed with
``X-Airbase-Signature: sha256=<hex>`` over the raw body (mode ``body``) or over
``"<timestamp>.<raw body>"`` (mode ``timestamped``), and always carry ``X-Airbase-Timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Record
from visma_airbase_pipeline.sandbox.airbase.wire import now_z, to_wire
from visma_airbase_pipeline.sandbox.webhooks import OutgoingEvent

WEBHOOK_SECRET = "vab-sandbox-airbase-webhook-secret"
SIGNATURE_HEADER = "X-Airbase-Signature"
TIMESTAMP_HEADER = "X-Airbase-Timestamp"
EVENT_TYPES = (
    "bill_approved",
    "bill_denied",
    "bill_sent_back",
    "bill_paid",
    "payment_failed",
    "ledger_entry_sync_ready",
    "vendor_created",
)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def signature(secret: str, raw: bytes, mode: str, timestamp: str) -> str:
    """The ``X-Airbase-Signature`` value a receiver recomputes to trust a delivery."""
    message = timestamp.encode() + b"." + raw if mode == "timestamped" else raw
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(raw: bytes, event: OutgoingEvent, secret: str, mode: str) -> dict[str, str]:
    """The framework's signer hook: signature and timestamp headers at delivery time."""
    timestamp = str(int(time.time()))
    return {
        SIGNATURE_HEADER: signature(secret, raw, mode, timestamp),
        TIMESTAMP_HEADER: timestamp,
        "User-Agent": "Airbase-Webhooks/1.0",
    }


def event_id(store: AirbaseStore) -> str:
    """``evt_`` plus a ULID-like id: 48 bits of milliseconds, 80 seeded random bits, Crockford base32.

    Time first, so ids sort roughly by creation, as ULIDs do.
    """
    value = (int(time.time() * 1000) << 80) | store.random_bits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "evt_" + "".join(reversed(chars))


def make_event(store: AirbaseStore, event_type: str, data: dict[str, Any]) -> OutgoingEvent:
    """One event in Airbase's envelope, ready for :meth:`Sandbox.emit`."""
    identifier = event_id(store)
    body = {
        "id": identifier,
        "object": "event",
        "type": event_type,
        "created_date": now_z(),
        "data": to_wire(data),
    }
    return OutgoingEvent(identifier, body, meta={"type": event_type})


def bill_data(bill: Record) -> dict[str, Any]:
    """The hint of a bill event: which bill and its statuses."""
    return {
        "object": "bill",
        "airbase_id": bill["airbase_id"],
        "erp_reference_id": bill.get("erp_reference_id"),
        "approval_status": bill.get("approval_status"),
        "payment_status": bill.get("payment_status"),
        "amount_paid": bill.get("amount_paid"),
    }


def entry_data(entry: Record) -> dict[str, Any]:
    """The hint of a ledger-entry event."""
    return {
        "object": "ledger_entry",
        "airbase_id": entry["airbase_id"],
        "erp_reference_id": entry.get("erp_reference_id"),
        "type": entry.get("type"),
        "status": entry.get("status"),
        "payment_status": entry.get("payment_status"),
    }


def vendor_data(vendor: Record) -> dict[str, Any]:
    """The hint of ``vendor_created``."""
    return {
        "object": "vendor",
        "airbase_id": vendor["airbase_id"],
        "erp_reference_id": vendor.get("erp_reference_id"),
        "name": vendor.get("name"),
    }
