"""What an incoming webhook is about: the two senders' bodies (api/visma.md and api/airbase.md,
section 10) parsed into one shape for the inbox. Pure functions; a body that is not JSON, not an
object, or lacks a field the inbox needs raises :class:`EventError` (answered with 400).

- Visma: event id = header ``x-vwd-notification-id``; type = ``"<entity>.<event>"``; entity = body
  ``entity``; entity id = ``"<documentType>/<id>"`` for an AP Invoice, else ``id``.
- Airbase: event id = body ``id``; type = body ``type``; entity = ``data.object``; entity id =
  ``data.airbase_id`` (``data.erp_reference_id`` stays in the payload).

Every field above is required (400 when missing). The payload kept is the whole body: notifications
only name a record; sensors re-fetch it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy.engine import Engine

from visma_airbase_pipeline.ledger.inbox import record_event

VISMA: Final = "visma"
AIRBASE: Final = "airbase"
VISMA_NOTIFICATION_HEADER: Final = "x-vwd-notification-id"
AP_INVOICE: Final = "AP Invoice"

# Column widths of the inbox table (ledger/schema.py).
_MAX_EVENT_ID = 160
_MAX_EVENT_TYPE = 80
_MAX_ENTITY = 80
_MAX_ENTITY_ID = 160


class EventError(ValueError):
    """A delivery whose body cannot be understood (answered with 400)."""


@dataclass(frozen=True)
class ParsedEvent:
    """One delivery as the inbox stores it."""

    source: str
    event_id: str
    event_type: str
    entity: str | None
    entity_id: str | None
    payload: dict[str, Any]


def parse_visma(raw: bytes, notification_id: str | None) -> ParsedEvent:
    """A Visma notification: ``{"tenantId","entity","event"[,"documentType"],"id","timestamp"}``."""
    body = _json_object(raw)
    event_id = (notification_id or "").strip()
    if not event_id:
        raise EventError(f"The {VISMA_NOTIFICATION_HEADER} header is missing.")
    entity = _text(body, "entity")
    event = _text(body, "event")
    record_id = _text(body, "id")
    entity_id = f"{_text(body, 'documentType')}/{record_id}" if entity == AP_INVOICE else record_id
    return _checked(VISMA, event_id, f"{entity}.{event}", entity, entity_id, body)


def parse_airbase(raw: bytes) -> ParsedEvent:
    """An Airbase event: ``{"id","object","type","created_date","data":{"object","airbase_id",…}}``."""
    body = _json_object(raw)
    event_id = _text(body, "id")
    event_type = _text(body, "type")
    data = body.get("data")
    if not isinstance(data, dict):
        raise EventError("The field 'data' is missing or not an object.")
    entity = _text(data, "object", where="data.")
    entity_id = _text(data, "airbase_id", where="data.")
    return _checked(AIRBASE, event_id, event_type, entity, entity_id, body)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise EventError("The body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise EventError("The body is not a JSON object.")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _text(body: dict[str, Any], name: str, *, where: str = "") -> str:
    """A required identifying field: a non-empty string (or an integer, as some ids are)."""
    value = body.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"The field '{where}{name}' is missing or not a non-empty string.")
    return value.strip()


def _checked(
    source: str, event_id: str, event_type: str, entity: str, entity_id: str, payload: dict[str, Any]
) -> ParsedEvent:
    for label, value, limit in (
        ("event id", event_id, _MAX_EVENT_ID),
        ("event type", event_type, _MAX_EVENT_TYPE),
        ("entity", entity, _MAX_ENTITY),
        ("entity id", entity_id, _MAX_ENTITY_ID),
    ):
        if len(value) > limit:
            raise EventError(f"The {label} is longer than {limit} characters.")
    return ParsedEvent(source, event_id, event_type, entity, entity_id, payload)


def store_event(engine: Engine, event: ParsedEvent) -> bool:
    """Put a verified, parsed event into the inbox (the receiver and a replay alike); False when
    its id was already there."""
    return record_event(
        engine,
        source=event.source,
        event_id=event.event_id,
        event_type=event.event_type,
        entity=event.entity,
        entity_id=event.entity_id,
        payload=event.payload,
    )
