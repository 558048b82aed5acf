"""Creating a record in Visma without ever creating its twin.

Visma has no idempotency key, so a create that got no answer (5xx, timeout) may or may not have
been stored. It is never replayed blind: the record is looked for again before the next attempt.
"""

from __future__ import annotations

from collections.abc import Callable

from visma_airbase_pipeline.errors import ServerError, TransportError
from visma_airbase_pipeline.sync.context import CREATE_ATTEMPTS


def create_without_twin(find: Callable[[], str | None], create: Callable[[], str]) -> tuple[str, bool]:
    """The record's id and whether this call created it: ``find`` first, ``create`` only when
    nothing is found, and after a create with no answer ``find`` again (bounded attempts)."""
    attempt = 1
    while True:
        found = find()
        if found:
            return found, attempt > 1  # found after a create with no answer: that create stored it
        try:
            return create(), True
        except (ServerError, TransportError):
            if attempt >= CREATE_ATTEMPTS:
                raise
            attempt += 1
