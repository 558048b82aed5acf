"""Outgoing webhooks of a sandbox: signed, delivered in the background, retried, and on request
dropped, duplicated, delayed, reordered or badly signed, as real senders sometimes are.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from pydantic import BaseModel, ConfigDict, Field

from visma_airbase_pipeline.sandbox.jsonio import dumps

log = logging.getLogger(__name__)

#: (raw body, event, secret, mode, attempt) -> headers to send (signature and event headers).
Signer = Callable[[bytes, "OutgoingEvent", str, str], dict[str, str]]

_RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class WebhookTarget(BaseModel):
    """Where events go and how the delivery misbehaves (``POST /_sandbox/webhooks``)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    secret: str
    mode: str = "body"
    drop: float = Field(default=0.0, ge=0, le=1)
    duplicate: float = Field(default=0.0, ge=0, le=1)
    reorder: float = Field(default=0.0, ge=0, le=1)
    bad_signature: float = Field(default=0.0, ge=0, le=1)
    delay_s: float = Field(default=0.0, ge=0, le=60)
    max_attempts: int = Field(default=len(_RETRY_DELAYS_S) + 1, ge=1, le=20)
    timeout_s: float = Field(default=5.0, gt=0, le=60)


@dataclass
class OutgoingEvent:
    """One event as the real system would send it: an id, a JSON body and a few facts for headers."""

    event_id: str
    body: dict[str, Any]
    meta: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""


@dataclass
class DeliveryRecord:
    """What happened to one delivery of one event (readable through ``GET /_sandbox/webhooks``)."""

    event_id: str
    url: str | None
    attempts: int = 0
    statuses: list[int | str] = field(default_factory=list)
    delivered: bool = False
    dropped: bool = False
    bad_signature: bool = False
    copy: int = 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return dict(self.__dict__)


class WebhookSender:
    """A background dispatcher: events queue up instantly; a thread delivers and retries them."""

    def __init__(self, signer: Signer, default_secret: str, seed: int = 0) -> None:
        self._signer = signer
        self._lock = threading.Condition()
        self._queue: list[tuple[float, int, OutgoingEvent, DeliveryRecord, WebhookTarget]] = []
        self._seq = itertools.count()
        self._rng = random.Random(seed)
        self._events: dict[str, OutgoingEvent] = {}
        self._records: list[DeliveryRecord] = []
        self._target = WebhookTarget(secret=default_secret)
        self._session = requests.Session()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    @property
    def target(self) -> WebhookTarget:
        """The current delivery settings."""
        return self._target

    def configure(self, target: WebhookTarget) -> None:
        """Replace the delivery settings; queued deliveries keep the settings they were made with."""
        with self._lock:
            self._target = target

    def emit(self, event: OutgoingEvent) -> None:
        """Queue an event for delivery (no-op without a target URL, but the event is still kept)."""
        event.raw = dumps(event.body)
        with self._lock:
            self._events[event.event_id] = event
            target = self._target
            if not target.url:
                return
            record = DeliveryRecord(event.event_id, target.url)
            self._records.append(record)
            if self._rng.random() < target.drop:
                record.dropped = True
                return
            delay = target.delay_s
            if self._rng.random() < target.reorder:
                delay += 0.3 + self._rng.random()
            self._push(time.monotonic() + delay, event, record, target)
            if self._rng.random() < target.duplicate:
                twin = DeliveryRecord(event.event_id, target.url, copy=2)
                self._records.append(twin)
                self._push(time.monotonic() + delay + 0.05, event, twin, target)

    def redeliver(self, event_id: str) -> bool:
        """Send a known event again now; False when the id is unknown."""
        with self._lock:
            event = self._events.get(event_id)
            if event is None or not self._target.url:
                return False
            record = DeliveryRecord(event_id, self._target.url, copy=0)
            self._records.append(record)
            self._push(time.monotonic(), event, record, self._target.model_copy(update={"drop": 0.0}))
            return True

    def deliveries(self) -> list[dict[str, Any]]:
        """Every delivery so far, oldest first."""
        with self._lock:
            return [r.as_dict() for r in self._records]

    def events(self) -> list[dict[str, Any]]:
        """Every event emitted so far (delivered or not), oldest first."""
        with self._lock:
            return [{"event_id": e.event_id, "body": e.body, "meta": e.meta} for e in self._events.values()]

    def pending(self) -> int:
        """How many deliveries are still queued."""
        with self._lock:
            return len(self._queue)

    def clear(self) -> None:
        """Forget queued deliveries, events and records (on reset)."""
        with self._lock:
            self._queue.clear()
            self._events.clear()
            self._records.clear()

    def stop(self) -> None:
        """End the delivery thread."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._thread.join(timeout=5)
        self._session.close()

    def _push(self, due: float, event: OutgoingEvent, record: DeliveryRecord, target: WebhookTarget) -> None:
        heapq.heappush(self._queue, (due, next(self._seq), event, record, target))
        self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopping and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._lock.wait(timeout)
                if self._stopping:
                    return
                _, _, event, record, target = heapq.heappop(self._queue)
                bad = record.attempts == 0 and self._rng.random() < target.bad_signature
            self._deliver(event, record, target, bad)

    def _deliver(
        self, event: OutgoingEvent, record: DeliveryRecord, target: WebhookTarget, bad: bool
    ) -> None:
        secret = target.secret + "-wrong" if bad else target.secret
        headers = {"Content-Type": "application/json", **self._signer(event.raw, event, secret, target.mode)}
        status: int | str
        try:
            response = self._session.post(
                str(target.url), data=event.raw, headers=headers, timeout=target.timeout_s
            )
            status = response.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        with self._lock:
            record.attempts += 1
            record.statuses.append(status)
            record.bad_signature = record.bad_signature or bad
            if isinstance(status, int) and 200 <= status < 300:
                record.delivered = True
            elif record.attempts < target.max_attempts:
                delay = _RETRY_DELAYS_S[min(record.attempts - 1, len(_RETRY_DELAYS_S) - 1)]
                self._push(time.monotonic() + delay, event, record, target)
            else:
                log.warning("webhook %s gave up after %d attempts", event.event_id, record.attempts)
