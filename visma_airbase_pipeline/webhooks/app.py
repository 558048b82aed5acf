"""The webhook receiver (DESIGN.md section 6): a Starlette app that checks each delivery and drops
it into the inbox, answering 202 within milliseconds. It never calls Visma or Airbase; Dagster
sensors pick the events up.

Per delivery, in this order: body over the cap -> 413 (the declared ``Content-Length`` first, then
the bytes actually streamed); missing, wrong or stale signature -> 401; not JSON or missing fields
-> 400; inbox unavailable -> 503 (the sender retries); else 202 ``{"status": "accepted",
"duplicate": bool}`` (a duplicate event id is a no-op). The inbox write runs in the threadpool so
the event loop never waits on the database. Rejections are logged with their reason, never with a
secret, a signature or the body.

Every rejection except "inbox unavailable" is also kept in the ledger quarantine (kind ``webhook``,
see ``rejections.py``) for ``vab quarantine``: 400, 401 and 503 "not configured" with the body and
the headers needed to verify it again (so a delivery refused for a missing or rotated secret can be
replayed once the secret is set, even after the sender gave up retrying); 413 without the body.
Keeping it is best effort: if the ledger cannot be written, the answer is the same 4xx/503.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from visma_airbase_pipeline.webhooks import events, rejections, signatures
from visma_airbase_pipeline.webhooks.events import EventError, ParsedEvent
from visma_airbase_pipeline.webhooks.rejections import Rejection
from visma_airbase_pipeline.webhooks.signatures import SecretLike, Secrets, SignatureError

log = logging.getLogger(__name__)

MAX_BODY: Final = 1024 * 1024
VISMA_PATH: Final = "/webhooks/visma"
AIRBASE_PATH: Final = "/webhooks/airbase"
HEALTH_PATH: Final = "/health"

SecretsArg = Secrets | SecretLike | Iterable[SecretLike] | None


class _TooLarge(Exception):
    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


def build_receiver(
    engine: Engine,
    visma_secrets: SecretsArg,
    airbase_secrets: SecretsArg,
    airbase_mode: str = "body",
    max_body: int = MAX_BODY,
    *,
    tolerance_s: float = signatures.TOLERANCE_S,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The receiver app writing to the inbox of ``engine``.

    Each source takes one secret or several (rotation: any of them is accepted). A source without
    a secret answers 503 ("not configured"), so its sender keeps retrying until one is set.
    """
    if airbase_mode not in signatures.AIRBASE_MODES:
        raise ValueError(
            f"Unknown Airbase signature mode {airbase_mode!r}; known: {', '.join(signatures.AIRBASE_MODES)}."
        )
    if max_body <= 0:
        raise ValueError("max_body must be positive.")
    visma_keys = Secrets(visma_secrets)
    airbase_keys = Secrets(airbase_secrets)

    async def visma(request: Request) -> JSONResponse:
        def check(raw: bytes) -> None:
            signatures.verify_visma(raw, request.headers.get(signatures.VISMA_SIGNATURE_HEADER), visma_keys)

        def parse(raw: bytes) -> ParsedEvent:
            return events.parse_visma(raw, request.headers.get(events.VISMA_NOTIFICATION_HEADER))

        return await _receive(request, events.VISMA, bool(visma_keys), check, parse)

    async def airbase(request: Request) -> JSONResponse:
        def check(raw: bytes) -> None:
            signatures.verify_airbase(
                raw,
                request.headers.get(signatures.AIRBASE_SIGNATURE_HEADER),
                request.headers.get(signatures.AIRBASE_TIMESTAMP_HEADER),
                airbase_keys,
                mode=airbase_mode,
                now=clock(),
                tolerance_s=tolerance_s,
            )

        return await _receive(request, events.AIRBASE, bool(airbase_keys), check, events.parse_airbase)

    async def _receive(
        request: Request,
        source: str,
        configured: bool,
        check: Callable[[bytes], None],
        parse: Callable[[bytes], ParsedEvent],
    ) -> JSONResponse:
        peer = request.client.host if request.client else "?"
        headers = rejections.kept_headers(source, request.headers)

        async def reject(
            status: int, detail: str, reason: str, raw: bytes | None, size: int | None
        ) -> JSONResponse:
            rejection = Rejection(source, status, reason, raw, size, headers, peer)
            try:
                await run_in_threadpool(rejections.keep, engine, rejection)
            except Exception as exc:  # keeping it is best effort: the answer stays the same
                log.error("%s webhook rejection (%d) not kept: %s", source, status, type(exc).__name__)
            return _answer(status, detail)

        try:
            raw = await _read_body(request, max_body)
        except _TooLarge as big:
            log.warning("%s webhook from %s rejected (413): body over %d bytes", source, peer, max_body)
            size = f"{big.size} bytes" if big.size is not None else "streamed"
            return await reject(
                413,
                f"The body is larger than {max_body} bytes.",
                f"the body ({size}) is over the {max_body}-byte cap, so it was not kept",
                None,
                big.size,
            )
        if not configured:
            log.warning("%s webhook from %s rejected (503): no secret is configured", source, peer)
            return await reject(
                503,
                f"The {source} webhook secret is not configured.",
                f"no {source} webhook secret is configured",
                raw,
                len(raw),
            )
        try:
            check(raw)
        except SignatureError as exc:
            log.warning("%s webhook from %s rejected (401): %s", source, peer, exc.reason)
            return await reject(401, f"Unauthorized: {exc.reason}.", exc.reason, raw, len(raw))
        try:
            event = parse(raw)
        except EventError as exc:
            log.warning("%s webhook from %s rejected (400, %d bytes): %s", source, peer, len(raw), exc)
            return await reject(400, str(exc), str(exc), raw, len(raw))
        try:
            new = await run_in_threadpool(events.store_event, engine, event)
        except Exception as exc:  # the database, not the delivery: let the sender retry
            log.error("%s webhook %s not stored (503): %s", source, event.event_id, type(exc).__name__)
            return _answer(503, "The inbox is unavailable; retry later.")
        outcome = "stored" if new else "duplicate"
        log.debug("%s webhook %s %s (%s)", source, event.event_id, outcome, event.event_type)
        return JSONResponse({"status": "accepted", "duplicate": not new}, status_code=202)

    async def health(request: Request) -> JSONResponse:
        try:
            await run_in_threadpool(_ping, engine)
        except Exception as exc:
            log.error("webhook receiver health check failed: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "detail": "The inbox is unavailable."}, 503)
        return JSONResponse(
            {"status": "ok", "visma": bool(visma_keys), "airbase": bool(airbase_keys)}, status_code=200
        )

    return Starlette(
        routes=[
            Route(VISMA_PATH, visma, methods=["POST"]),
            Route(AIRBASE_PATH, airbase, methods=["POST"]),
            Route(HEALTH_PATH, health, methods=["GET"]),
        ]
    )


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing a declared or streamed size over ``limit`` without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        raise _TooLarge(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge(None)
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _ping(engine: Engine) -> Any:
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar()
