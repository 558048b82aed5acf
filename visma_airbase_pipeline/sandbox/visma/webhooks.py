"""Visma's outgoing webhook notifications (api/visma.md section 10): the body that identifies a
record without carrying it, the ``x-vwd-*`` headers, and the HMAC-SHA256 signature.

Only the events the real system sends exist here: Supplier Created/Updated, AP Invoice Status
Changed, Purchase Order Changed/Status Changed, Account Changed, Dimension Changed and Segment
Value Changed. Payments, receipts, subaccounts and journal transactions are silent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime

from visma_airbase_pipeline.sandbox.webhooks import OutgoingEvent

DEFAULT_SECRET = "vab-sandbox-visma-webhook-secret"
SUBSCRIPTION_ID = "vab-sandbox-visma-subscription"

SUPPLIER = "Supplier"
AP_INVOICE = "AP Invoice"
PURCHASE_ORDER = "Purchase Order"
ACCOUNT = "Account"
DIMENSION = "Dimension"

CREATED = "Created"
UPDATED = "Updated"
CHANGED = "Changed"
STATUS_CHANGED = "Status Changed"
SEGMENT_VALUE_CHANGED = "Segment Value Changed"


def signature(secret: str, raw: bytes) -> str:
    """``base64(HMAC-SHA256(key = secret as UTF-8, msg = raw body))``: ``x-vwd-signature-v1``."""
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def sign(raw: bytes, event: OutgoingEvent, secret: str, mode: str) -> dict[str, str]:
    """The headers of one delivery; retries and duplicates reuse the notification id and timestamp."""
    return {
        "x-vwd-signature-v1": signature(secret, raw),
        "x-vwd-notification-id": event.event_id,
        "x-vwd-notification-timestamp": event.meta["notification_timestamp"],
        "x-vwd-event-id": event.meta["event_id"],
        "x-vwd-tenant-id": event.meta["tenant_id"],
        "x-vwd-subscription-id": SUBSCRIPTION_ID,
    }


def notification(
    tenant_id: str, entity: str, event: str, record_id: str, document_type: str | None = None
) -> OutgoingEvent:
    """One notification: ``{"tenantId","entity","event"[,"documentType"],"id","timestamp"}``."""
    now = datetime.now(UTC)
    body: dict[str, str] = {"tenantId": tenant_id, "entity": entity, "event": event}
    if document_type is not None:
        body["documentType"] = document_type
    body["id"] = record_id
    body["timestamp"] = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    meta = {
        "notification_timestamp": str(int(now.timestamp() * 1000)),
        "event_id": f"{entity}.{event}",
        "tenant_id": tenant_id,
    }
    return OutgoingEvent(event_id=str(uuid.uuid4()), body=body, meta=meta)
