"""What Visma writes answer: the number of a created record, and the settled outcome of an action.

Creates answer ``201`` with a ``Location`` naming the new record (its host may differ from ours).
Actions answer ``200`` with ``actionResult``: ``Done``; ``Failed`` or a non-null ``errorInfo`` is an
error; ``Queued``/``InProcess`` means "look again later", so the record is re-read until it shows the
action's effect (Visma checks If-Match on actions only in background mode: trust the re-read).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import unquote, urlsplit

import requests

from visma_airbase_pipeline.errors import ActionFailed
from visma_airbase_pipeline.transport import decode_json
from visma_airbase_pipeline.transport.redaction import safe_path
from visma_airbase_pipeline.visma.documents import ActionResult
from visma_airbase_pipeline.visma.etag import Versioned

logger = logging.getLogger(__name__)

T = TypeVar("T")
_PENDING = frozenset({"Queued", "InProcess"})


@dataclass(frozen=True)
class Created:
    """A record created by POST: its number (last segment of ``Location``) and first ETag."""

    number: str
    etag: str | None
    location: str


@dataclass(frozen=True)
class ActionOutcome(Generic[T]):
    """An action's result; for Queued/InProcess, the re-read record and whether it completed."""

    result: str
    action_id: str | None
    etag: str | None
    record: T | None = None
    completed: bool = True


def number_from_location(location: str) -> str:
    """The new record's number: last path segment of ``Location``, any host, ``b64()`` decoded."""
    segment = unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])
    if segment.startswith("b64(") and segment.endswith(")"):
        encoded = segment[4:-1]
        segment = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    if not segment:
        raise ValueError(f"no record number in Location {location!r}")
    return segment


def _error_text(error_info: Any) -> str:
    if isinstance(error_info, dict):
        return str(error_info.get("message") or error_info.get("Message") or error_info)
    return str(error_info)


def settle_action(
    response: requests.Response,
    *,
    reread: Callable[[], Versioned[T] | None],
    done: Callable[[T], bool],
    sleep: Callable[[float], None],
    poll_waits: tuple[float, ...],
) -> ActionOutcome[T]:
    """Interpret an action answer: raise on failure, re-read (with pauses) while it is pending."""
    result = ActionResult.model_validate(decode_json(response) or {})
    etag = response.headers.get("ETag")
    state = result.action_result or "Done"
    if state == "Failed" or result.error_info not in (None, "", {}, []):
        raise ActionFailed(
            f"Visma action {state}: {_error_text(result.error_info or 'no error info')}",
            method="POST",
            path=safe_path(response.url or ""),
            status=response.status_code,
            action_result=state,
        )
    if state not in _PENDING:
        return ActionOutcome(result=state, action_id=result.action_id, etag=etag)
    current: Versioned[T] | None = None
    for wait in poll_waits:
        sleep(wait)
        current = reread()
        if current is not None and done(current.record):
            return ActionOutcome(state, result.action_id, current.etag, current.record, completed=True)
    logger.warning("Visma action still %s after %d re-reads", state, len(poll_waits))
    if current is None:
        return ActionOutcome(state, result.action_id, etag, None, completed=False)
    return ActionOutcome(state, result.action_id, current.etag, current.record, completed=False)
