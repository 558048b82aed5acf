"""Shared HTTP transport of both clients: session, timeouts, retry policy, rate pacer, call ledger."""

from visma_airbase_pipeline.transport.callstats import CallStats
from visma_airbase_pipeline.transport.http import (
    Transport,
    TransportConfig,
    decode_json,
    encode_query,
    expand,
)
from visma_airbase_pipeline.transport.pacing import RateBudget, RatePacer
from visma_airbase_pipeline.transport.redaction import Scrubber, safe_path
from visma_airbase_pipeline.transport.retry import RetryConfig, parse_retry_after
from visma_airbase_pipeline.transport.server_clock import ServerClock

__all__ = [
    "CallStats",
    "RateBudget",
    "RatePacer",
    "RetryConfig",
    "Scrubber",
    "ServerClock",
    "Transport",
    "TransportConfig",
    "decode_json",
    "encode_query",
    "expand",
    "parse_retry_after",
    "safe_path",
]
