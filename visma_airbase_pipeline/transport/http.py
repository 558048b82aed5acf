"""One HTTP transport per client: a ``requests.Session`` with timeouts, retries, pacing and counting.

Clients (``visma/``, ``airbase/``) build paths and headers; the transport sends, retries what may be
retried (``retry.py``), paces against the rate budget (``pacing.py``), counts every attempt
(``callstats.py``) and turns error responses into typed errors (``errors.py``). Sleep, clocks and the
jitter source are injected so tests never wait.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import requests
import simplejson

from visma_airbase_pipeline import __version__
from visma_airbase_pipeline.errors import (
    RemoteError,
    TransportError,
    TransportFailure,
    error_for_status,
    parse_error_body,
)
from visma_airbase_pipeline.transport.callstats import CallStats
from visma_airbase_pipeline.transport.failures import classify_failure, describe_failure
from visma_airbase_pipeline.transport.pacing import RateBudget, RatePacer
from visma_airbase_pipeline.transport.redaction import Scrubber, safe_path
from visma_airbase_pipeline.transport.retry import (
    RetryConfig,
    build_retrying,
    parse_retry_after,
    parse_throttle_hint,
)

if TYPE_CHECKING:
    from visma_airbase_pipeline.settings import Settings

logger = logging.getLogger(__name__)

QueryValue = str | int | bool
Query = Iterable[tuple[str, QueryValue]] | Mapping[str, QueryValue]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REQUEST_ID_HEADERS = ("X-Request-Id", "Request-Id", "X-Correlation-Id", "X-Amzn-RequestId")


@dataclass(frozen=True)
class TransportConfig:
    """Timeouts, retry policy and pacing of one transport."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    retry: RetryConfig = field(default_factory=RetryConfig)
    rate_limit_reserve: float = 0.0
    pacing_idle_s: float = 1.0
    max_pacing_sleep_s: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TransportConfig:
        """The configuration the ``VAB_*`` settings describe."""
        return cls(
            connect_timeout_s=settings.connect_timeout_s,
            read_timeout_s=settings.read_timeout_s,
            retry=RetryConfig(
                max_attempts=settings.max_attempts,
                max_total_s=settings.max_retry_time_s,
                backoff_base_s=settings.backoff_base_s,
                backoff_cap_s=settings.backoff_cap_s,
                jitter_s=settings.backoff_jitter_s,
                retry_after_cap_s=settings.retry_after_cap_s,
            ),
            rate_limit_reserve=settings.rate_limit_reserve,
        )


def expand(template: str, **params: object) -> str:
    """Fill a path template, quoting each value whole (ids may hold ``/`` or spaces)."""
    return template.format(**{name: quote(str(value), safe="") for name, value in params.items()})


def encode_query(query: Query | None) -> str:
    """Query string in the given order; ``:`` kept readable, operators such as ``>=`` percent-encoded."""
    if not query:
        return ""
    pairs = query.items() if isinstance(query, Mapping) else query
    rendered = [(k, ("true" if v else "false") if isinstance(v, bool) else str(v)) for k, v in pairs]
    return urlencode(rendered, quote_via=quote, safe=":")


def decode_json(response: requests.Response) -> Any:
    """The response body as JSON with every non-integer number a ``Decimal`` (money is never float)."""
    if not response.content or not response.content.strip():
        return None
    return json.loads(response.content, parse_float=Decimal)


class Transport:
    """Sends requests for one client, with its own session, budget and call ledger."""

    def __init__(
        self,
        base_url: str,
        *,
        system: str,
        config: TransportConfig | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        scrubber: Scrubber | None = None,
        session: requests.Session | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.system = system
        self.config = config or TransportConfig()
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self._rng = rng or random.Random()
        self.scrub = scrubber or Scrubber()
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": f"vab/{__version__}"})
        self.stats = CallStats(system)
        # One logical call (with its retries) at a time: a page read ahead on a worker thread must
        # not race the pacer.
        self._one_at_a_time = threading.Lock()
        self.pacer = RatePacer(
            reserve=self.config.rate_limit_reserve,
            sleep=sleep,
            clock=clock,
            wall=wall,
            idle_without_reset_s=self.config.pacing_idle_s,
            max_sleep_s=self.config.max_pacing_sleep_s,
            budget=budget,
        )

    def __repr__(self) -> str:
        parts = urlsplit(self.base_url)
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        return f"Transport(system={self.system!r}, base_url='{parts.scheme}://{host}{parts.path}')"

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        template: str | None = None,
        query: Query | None = None,
        json_body: Any = None,
        json_default: Callable[[Any], Any] | None = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        url: str | None = None,
    ) -> requests.Response:
        """Send one logical request (retried per policy) and return the 2xx/3xx response.

        ``idempotent`` marks a write that may be replayed (PUT with If-Match, bulk upsert, PATCH);
        reads are always replay-safe. ``json_default`` encodes what JSON cannot (Decimals are
        JSON numbers unless it says otherwise). ``url`` sends to another host (the token endpoint) while
        ``template`` names the endpoint in the call ledger. Raises a typed ``RemoteError``.
        """
        method = method.upper()
        target = url or f"{self.base_url}{path}"
        query_string = encode_query(query)
        if query_string:
            target = f"{target}{'&' if '?' in target else '?'}{query_string}"
        template = template or path
        shown = safe_path(target)
        send_headers = dict(headers or {})
        body: bytes | Mapping[str, str] | None = None
        if json_body is not None:
            body = simplejson.dumps(
                json_body,
                use_decimal=json_default is None,
                default=json_default,
                namedtuple_as_object=False,
                separators=(",", ":"),
            ).encode()
            send_headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            body = form
        retrying = build_retrying(
            self.config.retry,
            replay_safe=method in _SAFE_METHODS or idempotent,
            sleep=self._sleep,
            clock=self._clock,
            rng=self._rng,
            on_retry=lambda error, attempt, wait: self._on_retry(method, template, error, attempt, wait),
        )
        with self._one_at_a_time:
            response: requests.Response = retrying(
                self._attempt, method, target, template, shown, body, send_headers
            )
        return response

    def _attempt(
        self,
        method: str,
        target: str,
        template: str,
        shown: str,
        body: bytes | Mapping[str, str] | None,
        headers: dict[str, str],
    ) -> requests.Response:
        waited = self.pacer.before_request()
        if waited:
            self.stats.record_pacing(waited)
            logger.info(
                "%s rate budget low: paused %.1f s before %s %s", self.system, waited, method, template
            )
        timeout = (self.config.connect_timeout_s, self.config.read_timeout_s)
        try:
            response = self.session.request(method, target, data=body, headers=headers, timeout=timeout)
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as error:
            raise ValueError(f"{self.system} URL is not valid: {safe_path(target)}") from error
        except requests.exceptions.RequestException as error:
            kind = classify_failure(error)
            self.stats.record_call(method, template, kind)
            raise self._transport_error(kind, method, shown, target) from error
        self.stats.record_call(method, template, response.status_code)
        self.pacer.observe(response.headers)
        self.stats.observe_rate(self.pacer.window.limit, self.pacer.window.remaining)
        if response.status_code >= 400:
            raise self._error(method, shown, response)
        return response

    def _transport_error(
        self, kind: TransportFailure, method: str, shown: str, target: str
    ) -> TransportError:
        text = describe_failure(kind, target, self.config.connect_timeout_s, self.config.read_timeout_s)
        return TransportError(f"{self.system}: {text}", kind=kind, method=method, path=shown)

    def _error(self, method: str, shown: str, response: requests.Response) -> RemoteError:
        text = response.text or ""
        try:
            body = json.loads(text, parse_float=Decimal) if text.strip() else None
        except ValueError:
            body = None
        message, code, body_request_id, field_errors = parse_error_body(body, text)
        message = self.scrub(message) or f"HTTP {response.status_code} {response.reason or ''}".strip()
        request_id = next((response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None)
        retry_after = None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._wall())
            if retry_after is None:
                retry_after = parse_throttle_hint(message)
        return error_for_status(
            response.status_code,
            message,
            method=method,
            path=shown,
            code=code,
            request_id=request_id or body_request_id,
            details=body,
            field_errors=field_errors,
            retry_after=retry_after,
        )

    def _on_retry(self, method: str, template: str, error: BaseException, attempt: int, wait: float) -> None:
        self.stats.record_retry(method, template, wait)
        reason = getattr(error, "status", None) or getattr(error, "kind", None) or type(error).__name__
        logger.warning(
            "%s %s %s failed (%s); retry %d in %.1f s", self.system, method, template, reason, attempt, wait
        )
