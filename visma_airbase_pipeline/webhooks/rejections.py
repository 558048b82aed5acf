"""Rejected deliveries, kept in the ledger quarantine (kind ``webhook``) so that nothing a sender
posted is lost: an operator sees why it was refused, and a replay puts it through the same checks
once the cause (typically a missing or rotated secret) is fixed.

One item per source and body: the record key is ``<source>:<sha256>`` of the body (for Visma the
notification id header is hashed with it, since it is the event's identity), so a sender retrying
the same delivery bumps the item's attempts and ``last_seen`` instead of adding rows. The item keeps
the body (already bounded by the receiver's cap), when and from where it arrived, and the headers
needed to verify it again. A body over the cap is not kept, only the fact (one item per source).

A replay never bypasses authentication: the kept body and signature are verified against the
secrets configured *now*, then parsed; only then does the event enter the inbox (a duplicate event
id is a no-op, so replaying twice changes nothing). The Airbase timestamp is judged against the
time the delivery arrived, not the time of the replay: freshness was a property of the delivery,
and a delivery already stale on arrival stays refused.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.engine import Engine

from visma_airbase_pipeline.ledger.store import LedgerWriter
from visma_airbase_pipeline.webhooks import events, signatures
from visma_airbase_pipeline.webhooks.events import EventError, ParsedEvent
from visma_airbase_pipeline.webhooks.signatures import Secrets, SignatureError

KIND: Final = "webhook"
VISMA_TIMESTAMP_HEADER: Final = "x-vwd-notification-timestamp"

#: Headers kept per source (lower case): what a replay needs to verify and parse the body again.
KEPT_HEADERS: Final = {
    events.VISMA: (
        signatures.VISMA_SIGNATURE_HEADER.lower(),
        events.VISMA_NOTIFICATION_HEADER.lower(),
        VISMA_TIMESTAMP_HEADER,
        "content-type",
    ),
    events.AIRBASE: (
        signatures.AIRBASE_SIGNATURE_HEADER.lower(),
        signatures.AIRBASE_TIMESTAMP_HEADER.lower(),
        "content-type",
    ),
}
_SIGNATURE_HEADERS: Final = frozenset(
    {signatures.VISMA_SIGNATURE_HEADER.lower(), signatures.AIRBASE_SIGNATURE_HEADER.lower()}
)
_MAX_HEADER = 2048


@dataclass(frozen=True)
class Rejection:
    """One refused delivery, as the receiver saw it."""

    source: str
    status: int
    reason: str
    body: bytes | None
    size: int | None
    headers: dict[str, str] = field(default_factory=dict)
    peer: str = "?"
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def record_key(self) -> str:
        """``<source>:<sha256>``; repeats of the same delivery share it (``<source>:over-cap``
        for bodies that were not read)."""
        if self.body is None:
            return f"{self.source}:over-cap"
        digest = hashlib.sha256()
        if self.source == events.VISMA:
            digest.update(self.headers.get(events.VISMA_NOTIFICATION_HEADER, "").encode() + b"\n")
        digest.update(self.body)
        return f"{self.source}:{digest.hexdigest()}"

    @property
    def error(self) -> str:
        """The reason as kept and listed: the answer's status, then the sentence."""
        words = _STATUS_WORDS.get(self.status)
        return f"{self.status} {words}: {self.reason}" if words else f"{self.status}: {self.reason}"

    def payload(self) -> dict[str, Any]:
        """What the quarantine keeps: JSON-ready, the body as text (base64 when not UTF-8)."""
        kept: dict[str, Any] = {
            "source": self.source,
            "status": self.status,
            "reason": self.reason,
            "received_at": self.received_at.isoformat(),
            "size": self.size,
            "peer": self.peer,
            "headers": {k: v[:_MAX_HEADER] for k, v in self.headers.items()},
            "body": None,
        }
        if self.body is not None:
            try:
                kept["body"] = self.body.decode("utf-8")
            except UnicodeDecodeError:
                kept["body_base64"] = base64.b64encode(self.body).decode("ascii")
        return kept


_STATUS_WORDS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    413: "Payload Too Large",
    503: "Not Configured",
}


def kept_headers(source: str, headers: Any) -> dict[str, str]:
    """The headers of ``source`` a replay needs (``headers`` is any case-insensitive mapping)."""
    found = {}
    for name in KEPT_HEADERS.get(source, ()):
        value = headers.get(name)
        if value is not None:
            found[name] = str(value)
    return found


def keep(engine: Engine, rejection: Rejection) -> None:
    """Write (or bump) the quarantine item of a refused delivery, in one transaction."""
    with engine.begin() as conn:
        LedgerWriter(conn).quarantine(KIND, rejection.record_key, rejection.payload(), rejection.error)


def redacted(payload: Any) -> Any:
    """The kept payload safe to print: each signature header shown only as present and its length."""
    if not isinstance(payload, dict) or not isinstance(payload.get("headers"), dict):
        return payload
    headers = {
        name: (f"<present, {len(str(value))} characters>" if name.lower() in _SIGNATURE_HEADERS else value)
        for name, value in payload["headers"].items()
    }
    return {**payload, "headers": headers}


def body_of(payload: dict[str, Any]) -> bytes | None:
    """The raw body as it arrived, or None when it was not kept (over the cap)."""
    if isinstance(payload.get("body_base64"), str):
        return base64.b64decode(payload["body_base64"])
    if isinstance(payload.get("body"), str):
        return str(payload["body"]).encode("utf-8")
    return None


@dataclass(frozen=True)
class ReplayResult:
    """What replaying one kept delivery did."""

    resolved: bool
    message: str
    event: ParsedEvent | None = None


def replay(
    engine: Engine,
    payload: dict[str, Any],
    secrets: dict[str, Secrets],
    *,
    airbase_mode: str = "body",
    tolerance_s: float = signatures.TOLERANCE_S,
) -> ReplayResult:
    """Verify the kept delivery with today's secrets, parse it and put it in the inbox.

    ``secrets`` maps each source to its configured secrets. Not resolved (with the reason) when
    the body was not kept, no secret is configured, the signature does not verify or the body
    does not parse; resolved when the event is in the inbox (new or already there).
    """
    source = str(payload.get("source") or "")
    if source not in KEPT_HEADERS:
        return ReplayResult(False, f"unknown webhook source {source!r}")
    raw = body_of(payload)
    if raw is None:
        return ReplayResult(
            False,
            f"the body was not kept (it was over the size cap, {payload.get('size') or 'unknown'} bytes); "
            "the sender must deliver it again",
        )
    keys = secrets.get(source) or Secrets()
    if not keys:
        return ReplayResult(False, f"no {source} webhook secret is configured")
    headers = {str(k).lower(): str(v) for k, v in (payload.get("headers") or {}).items()}
    try:
        if source == events.VISMA:
            signatures.verify_visma(raw, headers.get(signatures.VISMA_SIGNATURE_HEADER.lower()), keys)
            event = events.parse_visma(raw, headers.get(events.VISMA_NOTIFICATION_HEADER.lower()))
        else:
            signatures.verify_airbase(
                raw,
                headers.get(signatures.AIRBASE_SIGNATURE_HEADER.lower()),
                headers.get(signatures.AIRBASE_TIMESTAMP_HEADER.lower()),
                keys,
                mode=airbase_mode,
                now=_arrival(payload),
                tolerance_s=tolerance_s,
            )
            event = events.parse_airbase(raw)
    except SignatureError as exc:
        return ReplayResult(False, f"401 Unauthorized: {exc.reason}")
    except EventError as exc:
        return ReplayResult(False, f"400 Bad Request: {exc}")
    new = events.store_event(engine, event)
    where = "went into the inbox" if new else "was already in the inbox"
    return ReplayResult(True, f"{source} event {event.event_id} ({event.event_type}) {where}", event)


def _arrival(payload: dict[str, Any]) -> float:
    try:
        when = datetime.fromisoformat(str(payload.get("received_at")))
    except ValueError:
        return datetime.now(UTC).timestamp()
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
