"""Visma list reads: the page stop rule, delta parameters, whitelisted queries and dedupe.

Visma caps ``pageSize`` silently and documents no sort order, so: trust ``metadata.totalCount``,
stop on an empty page, and dedupe by key (keeping the newest ``timeStamp``). Unknown query
parameters are silently ignored by Visma (a typo turns a delta into a full pull), so queries are
built only from a per-endpoint whitelist.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

CONDITIONS = frozenset({">", "<", ">=", "<="})
DeltaValue = datetime | date | str
FilterValue = str | int | bool | date | datetime
_DELTA = "lastModifiedDateTime"


@dataclass(frozen=True)
class ListEndpoint:
    """A Visma collection: its path, accepted filters, record key and paging/delta behaviour."""

    template: str
    filters: frozenset[str]
    key: Callable[[Mapping[str, Any]], Hashable]
    paginated: bool = True
    delta_condition: bool = True


class VismaPager:
    """pageNumber/pageSize; the server caps pageSize silently, so trust totalCount (STYLE.md section 3)."""

    def __init__(self, page_size: int = 500) -> None:
        self.page, self.requested, self.done = 1, page_size, False
        self.total: int | None = None

    def advance(self, items: list[Any]) -> None:
        """Record one page and decide whether another one exists (visma.md section 6 stop rule)."""
        if not items:
            self.done = True
            return
        first = items[0] if isinstance(items[0], Mapping) else {}
        meta = first.get("metadata") or {}
        size = min(self.requested, int(meta.get("maxPageSize") or self.requested))
        total = meta.get("totalCount")
        self.total = int(total) if total is not None else None
        self.done = self.page * size >= self.total if self.total is not None else len(items) < size
        self.page += 1


def format_visma_datetime(value: DeltaValue) -> str:
    """Naive ``yyyy-MM-ddTHH:mm:ss`` as Visma wants; aware values are converted to UTC first.

    Strings are passed through untouched: the watermark is the server's own value, never our clock.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.isoformat()


def parse_visma_datetime(value: str) -> datetime:
    """A naive datetime from any format Visma returns (``2025-03-14T09:21:07.513``, ``... 09:21:07``)."""
    return datetime.fromisoformat(value.strip()).replace(tzinfo=None)


def overlap_window(watermark: DeltaValue, overlap: timedelta = timedelta(minutes=10)) -> str:
    """The ``since`` value for the next delta read: ``watermark - overlap`` (re-read, then dedupe)."""
    if isinstance(watermark, str):
        watermark = parse_visma_datetime(watermark)
    elif not isinstance(watermark, datetime):
        watermark = datetime.combine(watermark, datetime.min.time())
    return format_visma_datetime(watermark - overlap)


def delta_window(
    start: datetime, end: datetime, overlap: timedelta = timedelta(minutes=10)
) -> tuple[str, str]:
    """Partition D reads ``[D - overlap, D+1)``; duplicates are dropped by key + timeStamp."""
    return format_visma_datetime(start - overlap), format_visma_datetime(end)


def _render(value: FilterValue) -> str | int | bool:
    if isinstance(value, (datetime, date)):
        return format_visma_datetime(value)
    return value


def build_query(
    endpoint: ListEndpoint,
    filters: Mapping[str, FilterValue],
    *,
    since: DeltaValue | None = None,
    condition: str = ">=",
) -> list[tuple[str, str | int | bool]]:
    """Query pairs for a list read: delta first, then whitelisted filters by name.

    Raises ``ValueError`` for a filter the endpoint does not know (it would be silently ignored) and
    for a ``...Condition`` without its value or the other way round.
    """
    unknown = sorted(set(filters) - endpoint.filters)
    if unknown:
        allowed = ", ".join(sorted(endpoint.filters)) or "none"
        raise ValueError(
            f"unknown filter(s) {', '.join(unknown)} for {endpoint.template}; allowed: {allowed}"
        )
    for name, value in filters.items():
        if name.endswith("Condition"):
            if name.removesuffix("Condition") not in filters:
                raise ValueError(f"{name} given without {name.removesuffix('Condition')}")
            if value not in CONDITIONS:
                raise ValueError(f"{name} must be one of {sorted(CONDITIONS)}, not {value!r}")
        elif f"{name}Condition" in endpoint.filters and f"{name}Condition" not in filters:
            raise ValueError(f"{name} needs {name}Condition (one of {sorted(CONDITIONS)})")
    pairs: list[tuple[str, str | int | bool]] = []
    if since is not None:
        pairs.append((_DELTA, format_visma_datetime(since)))
        if endpoint.delta_condition:
            if condition not in CONDITIONS:
                raise ValueError(f"condition must be one of {sorted(CONDITIONS)}, not {condition!r}")
            pairs.append((f"{_DELTA}Condition", condition))
    pairs.extend((name, _render(filters[name])) for name in sorted(filters))
    return pairs


def timestamp_rank(stamp: str | None) -> int:
    """Order of Visma ``timeStamp`` values (base64 of a row version, compared as a big-endian number)."""
    if not stamp:
        return -1
    try:
        raw = base64.b64decode(stamp.strip('"').encode(), validate=False)
    except (binascii.Error, ValueError):
        return -1
    return int.from_bytes(raw, "big")


class Deduper:
    """Admits each key once, or again when a later copy carries a newer ``timeStamp``.

    Memory is one small int per distinct key, never the records: iteration stays lazy, and an upsert
    of the re-admitted copy leaves the newest version in place.
    """

    def __init__(self, key: Callable[[Mapping[str, Any]], Hashable]) -> None:
        self._key = key
        self._seen: dict[Hashable, int] = {}

    def admit(self, raw: Mapping[str, Any]) -> bool:
        """True if the record is new or newer than the copy already yielded."""
        key = self._key(raw)
        rank = timestamp_rank(raw.get("timeStamp"))
        previous = self._seen.get(key)
        if previous is not None and rank <= previous:
            return False
        self._seen[key] = rank
        return True

    @property
    def distinct(self) -> int:
        """Distinct keys seen so far."""
        return len(self._seen)
