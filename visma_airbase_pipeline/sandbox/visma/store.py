"""The sandbox's records: read-shape dicts with a per-record version (the ETag), parsed timestamps,
a collection version counter (what list caches key on), and number series that continue from the
seeded maxima (api/visma.md sections 5 and 7).
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from visma_airbase_pipeline.sandbox.jsonio import dumps

_ONE_MS = timedelta(milliseconds=1)
_EPOCH = datetime(1970, 1, 1)


def etag_of(version: int) -> str:
    """Base64 of the 8-byte version counter: the shape of Visma's ``AAAAAE0YIiI=`` row versions."""
    return base64.b64encode(version.to_bytes(8, "big")).decode()


def stamp(moment: datetime) -> str:
    """A Visma date-time string: naive, millisecond precision (``2025-03-14T09:21:07.513``)."""
    return moment.isoformat(timespec="milliseconds")


def record_time(value: Any) -> datetime | None:
    """A stored naive date-time string parsed; anything else (planted nonsense included) is None."""
    return _parse_time(value) if isinstance(value, str) and value else None


@lru_cache(maxsize=65536)
def _parse_time(value: str) -> datetime | None:
    # Cached: 100k invoices share a few hundred dates.
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


class Clock:
    """Naive UTC "now" that never repeats or goes backwards, so every change sorts after the last."""

    def __init__(self) -> None:
        self._last = _EPOCH

    def now(self) -> datetime:
        """The next instant, at least one millisecond after the previous one."""
        current = datetime.now(UTC).replace(tzinfo=None)
        current = current.replace(microsecond=current.microsecond // 1000 * 1000)
        self._last = max(current, self._last + _ONE_MS)
        return self._last


@dataclass(eq=False)
class Entry:
    """One stored record: its read-shape data plus the bookkeeping the API exposes indirectly."""

    key: str
    collection: str
    seq: int
    data: dict[str, Any]
    version: int = 1
    modified: datetime = _EPOCH
    created: datetime = _EPOCH

    @property
    def etag(self) -> str:
        """The record's ETag (and ``timeStamp``)."""
        return etag_of(self.version)

    # The JSON of read() without its closing brace, with the data dict and version it was made
    # from: every change replaces ``data`` or bumps ``version`` (the ETag), so a match is current.
    _wire: tuple[dict[str, Any], int, bytes] | None = field(default=None, repr=False)

    def read(self) -> dict[str, Any]:
        """The read shape as GET answers it (a shallow copy with ``timeStamp``)."""
        return {**self.data, "timeStamp": self.etag}

    def read_json_open(self) -> bytes | None:
        """``dumps(self.read())`` without the final ``}``, so list items can append ``metadata``.

        Kept until the record changes (a rerun pages through the same records again); None when
        the data itself holds ``metadata`` (then the item's key order is not a plain append).
        """
        cached = self._wire
        if cached is not None and cached[0] is self.data and cached[1] == self.version:
            return cached[2]
        if "metadata" in self.data:
            return None
        text = dumps(self.read())
        self._wire = (self.data, self.version, text[:-1])
        return text[:-1]


@dataclass
class Collection:
    """The records of one resource in insertion order (the stable "internal id" order of lists)."""

    name: str
    key_field: str
    entries: dict[str, Entry] = field(default_factory=dict)
    version: int = 0
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def get(self, key: str) -> Entry | None:
        """The record with this key, or None."""
        return self.entries.get(key)

    def add(self, data: dict[str, Any], clock: Clock | None = None) -> Entry:
        """Store a new record; missing timestamps are set to now (seeded ones are kept)."""
        if clock is not None:
            now = stamp(clock.now())
            data.setdefault("createdDateTime", now)
            data.setdefault("lastModifiedDateTime", data["createdDateTime"])
        key = str(data[self.key_field])
        entry = Entry(key, self.name, next(self._seq), data)
        entry.modified = record_time(data.get("lastModifiedDateTime")) or _EPOCH
        entry.created = record_time(data.get("createdDateTime")) or entry.modified
        self.entries[key] = entry
        self.version += 1
        return entry

    def touch(self, entry: Entry, clock: Clock) -> None:
        """Record a change: new version (ETag), ``lastModifiedDateTime`` moved forward, lists invalidated."""
        moment = max(clock.now(), entry.modified + _ONE_MS)
        entry.version += 1
        entry.modified = moment
        entry.data["lastModifiedDateTime"] = stamp(moment)
        self.version += 1


class NumberSeries:
    """Document numbers continuing from the largest seeded one, zero-padded to the same width."""

    def __init__(self, existing: Iterable[str], width: int = 6, first: int = 1) -> None:
        numbers = [n for n in existing if n and re.fullmatch(r"\d+", n)]
        self.width = max((len(n) for n in numbers), default=width)
        self.last = max((int(n) for n in numbers), default=first - 1)

    def next(self) -> str:
        """The next free number."""
        self.last += 1
        return str(self.last).zfill(self.width)

    def seen(self, number: str) -> None:
        """Keep the series ahead of a number chosen by hand (admin creates, manual numbering)."""
        if re.fullmatch(r"\d+", number):
            self.last = max(self.last, int(number))


def next_int(entries: Iterable[Entry], field_name: str, first: int = 1) -> int:
    """The next internal integer id (``internalId``, ``accountID``, ``subaccountId``)."""
    values = [e.data.get(field_name) for e in entries]
    return max((v for v in values if isinstance(v, int)), default=first - 1) + 1


KEY_FIELDS = {
    "supplier": "number",
    "supplierInvoice": "referenceNumber",
    "purchaseorder": "orderNbr",
    "PurchaseReceipt": "receiptNbr",
    "account": "accountCD",
    "subaccount": "subaccountNumber",
    "supplierPayment": "refNbr",
    "journaltransaction": "batchNumber",
    "dimension": "dimensionId",
}


class VismaStore:
    """One company's records, number series and lookups; mutated only on the event loop thread."""

    def __init__(self, tenant_id: str, company_id: str, base_currency: str) -> None:
        self.tenant_id = tenant_id
        self.company_id = company_id
        self.base_currency = base_currency
        self.clock = Clock()
        self.collections = {name: Collection(name, key) for name, key in KEY_FIELDS.items()}
        self.vat_codes: dict[str, dict[str, Any]] = {}
        # Latest exchange rate seen per currency, for documents created through the API.
        self.fx: dict[str, Decimal] = {base_currency: Decimal(1)}
        self.series: dict[str, NumberSeries] = {}
        self._segment_index: tuple[int, dict[frozenset[tuple[int, str]], Entry]] = (-1, {})

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    @classmethod
    def from_seed(cls, seed: Any) -> VismaStore:
        """Load a ``VismaSeed`` (read-shape dicts) and start every number series after its maximum."""
        store = cls(seed.tenant_id, seed.company_id, seed.base_currency)
        sources = {
            "supplier": seed.suppliers,
            "supplierInvoice": seed.supplier_invoices,
            "purchaseorder": seed.purchase_orders,
            "PurchaseReceipt": seed.purchase_receipts,
            "account": seed.accounts,
            "subaccount": seed.subaccounts,
            "dimension": seed.dimensions,
            "supplierPayment": getattr(seed, "supplier_payments", []),
        }
        for name, records in sources.items():
            for record in records:
                store[name].add(dict(record))
        store.vat_codes = {str(v["id"]): dict(v) for v in seed.vat_codes}
        for invoice in seed.supplier_invoices:
            if invoice.get("currencyId") and invoice.get("exchangeRate") is not None:
                store.fx[invoice["currencyId"]] = Decimal(invoice["exchangeRate"])
        keys = {name: list(store[name].entries) for name in KEY_FIELDS}
        store.series = {
            "supplier": NumberSeries(keys["supplier"], width=5, first=70001),
            "supplierInvoice": NumberSeries(keys["supplierInvoice"]),
            "supplierPayment": NumberSeries(keys["supplierPayment"]),
            "purchaseorder": NumberSeries(keys["purchaseorder"]),
            "PurchaseReceipt": NumberSeries(keys["PurchaseReceipt"]),
            "journaltransaction": NumberSeries(keys["journaltransaction"]),
        }
        return store

    def subaccount_by_segments(self, segments: Iterable[tuple[int, str]]) -> Entry | None:
        """The subaccount whose segment values are exactly these (how write DTOs address one)."""
        collection = self["subaccount"]
        version, index = self._segment_index
        if version != collection.version:
            index = {}
            for entry in collection:
                wanted = frozenset(
                    (int(s["segmentId"]), str(s["segmentValue"])) for s in entry.data.get("segments") or []
                )
                index[wanted] = entry
            self._segment_index = (collection.version, index)
        return index.get(frozenset(segments))
