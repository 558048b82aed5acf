"""Optimistic locking: read with ETag, change, PUT with If-Match, and start over on 412.

Visma answers 412 when the record changed between our read and our write. The helper re-reads and
re-applies the caller's intended change to the fresh record, at most three times; the change
function decides whether it still applies (returning ``None`` aborts with ``Conflict``, e.g. the
invoice is now Closed) or is already in place (``UNCHANGED``: nothing to write, e.g. a replay).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from visma_airbase_pipeline.errors import Conflict, NotFound, RemoteError, StaleEtag

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """A record read by a single GET and the ETag to send back as If-Match."""

    record: T
    etag: str | None


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()
"""Returned by a mutate function when the record already has the intended state."""


@dataclass(frozen=True)
class EtagUpdate:
    """Outcome of ``update_with_etag``: whether a PUT happened, the newest ETag, attempts used."""

    written: bool
    etag: str | None
    attempts: int


def quote_etag(etag: str) -> str:
    """ETags travel quoted in If-Match; accept them with or without quotes."""
    etag = etag.strip()
    return etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'


def update_with_etag(
    get: Callable[[], Versioned[T] | None],
    mutate: Callable[[T], Any],
    put: Callable[[Any, str], str | None],
    *,
    attempts: int = 3,
    what: str = "record",
) -> EtagUpdate:
    """Read-modify-write under If-Match, retrying on 412 with a fresh read (visma.md section 7).

    Raises ``NotFound`` if the record disappears, ``Conflict`` if ``mutate`` returns ``None``, and
    ``StaleEtag`` when every one of ``attempts`` PUTs met a newer version.
    """
    stale: StaleEtag | None = None
    for attempt in range(1, attempts + 1):
        current = get()
        if current is None:
            raise NotFound(f"{what} no longer exists")
        change = mutate(current.record)
        if change is None:
            raise Conflict(f"{what} changed and the update no longer applies")
        if change is UNCHANGED:
            return EtagUpdate(written=False, etag=current.etag, attempts=attempt)
        if not current.etag:
            raise RemoteError(f"{what} was read without an ETag; refusing an unguarded PUT")
        try:
            new_etag = put(change, current.etag)
        except StaleEtag as error:
            stale = error
            logger.info("%s changed under us (412), attempt %d of %d; re-reading", what, attempt, attempts)
            continue
        return EtagUpdate(written=True, etag=new_etag, attempts=attempt)
    assert stale is not None
    raise StaleEtag(
        f"{what} kept changing: still stale after {attempts} attempts",
        method=stale.method,
        path=stale.path,
        status=stale.status,
        request_id=stale.request_id,
    )
