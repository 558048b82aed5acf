"""The retry policy: what is retried, how long to wait, and when to give up.

- 429 is always retried (the remote did not process the request): wait ``Retry-After`` (seconds or
  an HTTP date, capped), else exponential backoff; jitter on top so parallel runs do not stampede.
- 5xx, connection errors and timeouts are retried only when replaying is safe: reads, and writes the
  caller marked idempotent (PUT with If-Match, bulk upserts, ledger PATCH). A POST create or action
  is never replayed blind: the caller must look the record up first.
- Every other 4xx is final. Attempts and total time (virtual: measured on the injected clock, so a
  fake sleep in tests bounds it as well) are both capped.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import tenacity

from visma_airbase_pipeline.errors import RateLimited, ServerError, TransportError

_THROTTLE_HINT = re.compile(r"available in (\d+(?:\.\d+)?) seconds?", re.I)


@dataclass(frozen=True)
class RetryConfig:
    """Knobs of the policy; defaults follow both contracts (5 attempts, 300 s, Retry-After cap 120 s)."""

    max_attempts: int = 5
    max_total_s: float = 300.0
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    jitter_s: float = 1.0
    retry_after_cap_s: float = 120.0


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header given as seconds or as an HTTP date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def parse_throttle_hint(message: str) -> float | None:
    """Seconds from DRF's "Request was throttled. Expected available in 12 seconds." (no Retry-After)."""
    match = _THROTTLE_HINT.search(message)
    return float(match.group(1)) if match else None


def is_retryable(error: BaseException, *, replay_safe: bool) -> bool:
    """True if another attempt may succeed and cannot duplicate a write."""
    if isinstance(error, RateLimited):
        return True
    if isinstance(error, (ServerError, TransportError)):
        return replay_safe
    return False


def backoff_s(error: BaseException | None, attempt: int, config: RetryConfig, rng: random.Random) -> float:
    """Wait before attempt ``attempt + 1``: Retry-After if the remote gave one, else 1-2-4-8... s."""
    jitter = rng.uniform(0.0, config.jitter_s) if config.jitter_s > 0 else 0.0
    if isinstance(error, RateLimited) and error.retry_after is not None:
        return min(error.retry_after, config.retry_after_cap_s) + jitter
    exponential = config.backoff_base_s * (2 ** max(0, attempt - 1))
    return min(exponential, config.backoff_cap_s) + jitter


def build_retrying(
    config: RetryConfig,
    *,
    replay_safe: bool,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    rng: random.Random,
    on_retry: Callable[[BaseException, int, float], None],
) -> tenacity.Retrying:
    """A tenacity ``Retrying`` for one logical request; re-raises the last typed error on give-up."""
    started = clock()

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return backoff_s(error, state.attempt_number, config, rng)

    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= config.max_attempts:
            return True
        return clock() - started + state.upcoming_sleep > config.max_total_s

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if error is not None:
            on_retry(error, state.attempt_number, state.upcoming_sleep)

    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: is_retryable(e, replay_safe=replay_safe)),
        wait=wait,
        stop=stop,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
