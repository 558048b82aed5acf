"""The Airbase sandbox's memory: records by ``airbase_id`` with ERP-id indexes, and the session state
(sync bracket, idempotency keys, id generators) that a reset throws away.

Records are kept in read shape with money as ``Decimal``; an update always stores a *new* dict, so a
strict bulk upsert can roll back by putting the previous dicts back (see :class:`Journal`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from visma_airbase_pipeline.sandbox.airbase.wire import now_naive

Record = dict[str, Any]

COLLECTIONS = (
    "accounts",
    "tags",
    "vendors",
    "bills",
    "purchase_orders",
    "ledger_entries",
    "subsidiaries",
    "currencies",
    "employees",
)


def erp_key(value: Any) -> str | None:
    """The index key of an ERP id: ``null`` and ``""`` both mean "not linked" (section 3)."""
    if value is None or value == "":
        return None
    return str(value)


class Collection:
    """Records of one kind in insertion order (a stable list order), indexed by ERP id.

    ``keyed_by`` adds a second index (bills: vendor + invoice number for the duplicate rule).
    Single-create POSTs may create two records with one ERP id, so an index maps to a list.
    """

    def __init__(self, name: str, keyed_by: Callable[[Record], Hashable | None] | None = None) -> None:
        self.name = name
        self.records: dict[str, Record] = {}
        self._by_erp: dict[str, list[str]] = {}
        self._keyed_by = keyed_by
        self._by_key: dict[Hashable, list[str]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self.records.values()))

    def get(self, airbase_id: Any) -> Record | None:
        """The record with this Airbase id, if any."""
        return self.records.get(airbase_id) if isinstance(airbase_id, str) else None

    def by_erp(self, erp_id: Any) -> Record | None:
        """The first record linked to this ERP id (``None`` for a blank id)."""
        key = erp_key(erp_id)
        ids = self._by_erp.get(key, []) if key is not None else []
        return self.records[ids[0]] if ids else None

    def by_key(self, key: Hashable) -> list[Record]:
        """Records whose secondary key equals ``key``."""
        return [self.records[i] for i in self._by_key.get(key, [])]

    def put(self, record: Record, journal: Journal | None = None) -> Record:
        """Insert or replace a record (by its ``airbase_id``), keeping both indexes right."""
        airbase_id = record["airbase_id"]
        previous = self.records.get(airbase_id)
        if journal is not None:
            journal.entries.append((self, airbase_id, previous))
        if previous is not None:
            self._unindex(previous)
        self.records[airbase_id] = record
        self._index(record)
        return record

    def remove(self, airbase_id: str) -> None:
        """Forget a record (used by a rollback of a create)."""
        previous = self.records.pop(airbase_id, None)
        if previous is not None:
            self._unindex(previous)

    def _index(self, record: Record) -> None:
        key = erp_key(record.get("erp_reference_id"))
        if key is not None:
            self._by_erp.setdefault(key, []).append(record["airbase_id"])
        second = self._keyed_by(record) if self._keyed_by else None
        if second is not None:
            self._by_key.setdefault(second, []).append(record["airbase_id"])

    def _unindex(self, record: Record) -> None:
        key = erp_key(record.get("erp_reference_id"))
        if key is not None and record["airbase_id"] in self._by_erp.get(key, []):
            self._by_erp[key].remove(record["airbase_id"])
            if not self._by_erp[key]:
                del self._by_erp[key]
        second = self._keyed_by(record) if self._keyed_by else None
        if second is not None and record["airbase_id"] in self._by_key.get(second, []):
            self._by_key[second].remove(record["airbase_id"])
            if not self._by_key[second]:
                del self._by_key[second]


@dataclass
class Journal:
    """Undo log of one strict bulk call: put back what was there before, newest first."""

    entries: list[tuple[Collection, str, Record | None]] = field(default_factory=list)

    def rollback(self) -> None:
        """Restore every touched record to its state before the call."""
        for collection, airbase_id, previous in reversed(self.entries):
            if previous is None:
                collection.remove(airbase_id)
            else:
                collection.put(previous)
        self.entries.clear()


def _bill_key(record: Record) -> Hashable | None:
    vendor, number = erp_key(record.get("erp_vendor_reference_id")), record.get("invoice_number")
    return (vendor, str(number)) if vendor is not None and number not in (None, "") else None


@dataclass
class StoredResponse:
    """An answer kept for an ``Idempotency-Key`` (section 8): replayed for the same request."""

    fingerprint: str
    status: int
    body: bytes
    stored_at: float


class AirbaseStore:
    """Every collection plus the per-session state of one seeded Airbase company."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"vab-airbase-{seed}")
        self.collections: dict[str, Collection] = {
            name: Collection(name, _bill_key if name == "bills" else None) for name in COLLECTIONS
        }
        self.sync_session_open = False
        self.onboarded = False
        self.idempotency: dict[tuple[str, str], StoredResponse] = {}
        # Expense line numbers are opaque and not 1..n (section 6): a seeded, increasing counter.
        self._line_number = 4100 + self._rng.randrange(900)

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def new_id(self) -> str:
        """A fresh UUID-shaped Airbase id, deterministic for a seed so runs repeat."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def random_bits(self, bits: int) -> int:
        """Seeded randomness for ids of other kinds (webhook events)."""
        return self._rng.getrandbits(bits)

    def next_line_number(self) -> int:
        """The next opaque expense-line number."""
        self._line_number += 1
        return self._line_number

    def stamp_new(self, record: Record) -> Record:
        """Give a new record its ids and timestamps (keeping any the caller planted)."""
        airbase_id = record.get("airbase_id") or record.get("id") or self.new_id()
        record["airbase_id"] = record["id"] = str(airbase_id)
        now = now_naive()
        record.setdefault("created_date", now)
        record.setdefault("updated_date", record["created_date"])
        return record

    def subsidiary_base_currency(self, subsidiary_erp_id: Any) -> Record | None:
        """The currency row of a subsidiary's base currency (for ``subsidiary_amount``)."""
        subsidiary = self["subsidiaries"].by_erp(subsidiary_erp_id)
        if subsidiary is None:
            return None
        return self.currency(subsidiary.get("erp_currency_reference_id"))

    def currency(self, erp_id: Any) -> Record | None:
        """A currency pushed by the ERP (a blank-id row auto-created by Airbase never matches)."""
        return self["currencies"].by_erp(erp_id)

    def currency_by_iso(self, iso_code: Any) -> Record | None:
        """The preferred row of an ISO code: the one with an ERP id, else any (section 3)."""
        rows = [c for c in self["currencies"] if c.get("iso_code") == iso_code]
        rows.sort(key=lambda c: erp_key(c.get("erp_reference_id")) is None)
        return rows[0] if rows else None
