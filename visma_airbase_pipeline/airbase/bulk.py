"""Bulk upsert bookkeeping: chunks of 100, results mapped back to the caller's item indexes.

Airbase answers each chunk with ``created``/``updated`` (ids, no index) and ``validation_errors``
(index within the chunk). The caller wants one answer for its whole list: which of *its* items were
stored, which failed and why, and which the server silently skipped (stored only if listed).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BulkItem:
    """A stored item: the caller's index (None if it could not be matched) and its ids."""

    index: int | None
    airbase_id: str | None
    erp_reference_id: str | None


@dataclass(frozen=True)
class BulkItemError:
    """A rejected item: the caller's index and the field errors."""

    index: int
    errors: dict[str, list[str]]


@dataclass
class BulkUpsertResult:
    """Outcome of one logical bulk upsert across all its chunks."""

    submitted: int = 0
    calls: int = 0
    created: list[BulkItem] = field(default_factory=list)
    updated: list[BulkItem] = field(default_factory=list)
    validation_errors: list[BulkItemError] = field(default_factory=list)

    @property
    def stored_indexes(self) -> set[int]:
        """Indexes of items listed as created or updated."""
        return {i.index for i in [*self.created, *self.updated] if i.index is not None}

    @property
    def failed_indexes(self) -> set[int]:
        """Indexes of items with validation errors."""
        return {e.index for e in self.validation_errors}

    @property
    def unaccounted_indexes(self) -> set[int]:
        """Items neither stored nor rejected: not stored, per the contract; worth a retry or a look."""
        return set(range(self.submitted)) - self.stored_indexes - self.failed_indexes

    def errors_by_index(self) -> dict[int, dict[str, list[str]]]:
        """Field errors keyed by the caller's index."""
        return {e.index: e.errors for e in self.validation_errors}


def chunks(items: Sequence[Any], size: int) -> Iterator[tuple[int, Sequence[Any]]]:
    """(offset, chunk) pairs of at most ``size`` items."""
    for offset in range(0, len(items), size):
        yield offset, items[offset : offset + size]


def _errors(value: Any) -> dict[str, list[str]]:
    if isinstance(value, Mapping):
        return {str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in value.items()}
    if isinstance(value, list):
        return {"non_field_errors": [str(m) for m in value]}
    return {"non_field_errors": [str(value)]}


def _matcher(offset: int, chunk: Sequence[Mapping[str, Any]]) -> Any:
    unclaimed = list(range(len(chunk)))

    def claim(entry: Mapping[str, Any]) -> int | None:
        if isinstance(entry.get("index"), int) and entry["index"] in unclaimed:
            unclaimed.remove(entry["index"])
            return offset + entry["index"]
        for key in ("airbase_id", "erp_reference_id"):
            wanted = entry.get(key)
            for local in unclaimed:
                if wanted and chunk[local].get(key) == wanted:
                    unclaimed.remove(local)
                    return offset + local
        return None

    return claim


def record_chunk(
    result: BulkUpsertResult, offset: int, chunk: Sequence[Mapping[str, Any]], body: Any
) -> None:
    """Fold one chunk's response into ``result``, translating chunk positions to caller indexes."""
    body = body if isinstance(body, Mapping) else {}
    claim = _matcher(offset, chunk)
    for problem in body.get("validation_errors") or []:
        local = problem.get("index")
        if isinstance(local, int) and 0 <= local < len(chunk):
            raw = problem.get("errors", problem.get("error", problem))
            result.validation_errors.append(BulkItemError(index=offset + local, errors=_errors(raw)))
    for bucket, target in (("created", result.created), ("updated", result.updated)):
        for entry in body.get(bucket) or []:
            target.append(BulkItem(claim(entry), entry.get("airbase_id"), entry.get("erp_reference_id")))


def reject_chunk(result: BulkUpsertResult, offset: int, chunk: Sequence[Any], body: Any, reason: str) -> None:
    """A non-2xx chunk stored nothing: listed errors where given, ``reason`` for every other item."""
    listed_errors = body.get("validation_errors") if isinstance(body, Mapping) else None
    record_chunk(result, offset, [{} for _ in chunk], {"validation_errors": listed_errors})
    listed = result.failed_indexes
    for local in range(len(chunk)):
        if offset + local not in listed:
            result.validation_errors.append(BulkItemError(offset + local, {"non_field_errors": [reason]}))
