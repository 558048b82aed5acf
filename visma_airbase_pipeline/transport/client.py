"""What every API client that owns one ``Transport`` shares: a context-managed session and its
call stats, so assets can use ``with client:`` and report API cost the same way for both systems."""

from __future__ import annotations

from typing import Self

from visma_airbase_pipeline.transport.callstats import CallStats
from visma_airbase_pipeline.transport.http import Transport


class TransportClient:
    """Base of the Visma and Airbase clients: lifecycle and stats of their one session."""

    transport: Transport

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session (for Visma the token dies with it: the next session gets a new one)."""
        self.transport.close()

    @property
    def stats(self) -> CallStats:
        """Calls, retries, waits and statuses of this session, per endpoint template."""
        return self.transport.stats
