"""The Airbase client: static-token auth, paged reads, bulk upserts, sync bracket, ledger updates.

Bulk upserts and PATCHes replay safely and are retried on 5xx/timeouts; single-create POSTs are not
(look the record up by ``erp_reference_id`` before trying again). Every write carries a fresh
``Idempotency-Key`` (never relied upon: the header is not evidenced in the real API).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from visma_airbase_pipeline.airbase.base import AirbaseBase, P, _wire
from visma_airbase_pipeline.airbase.bulk import BulkUpsertResult, chunks, record_chunk, reject_chunk
from visma_airbase_pipeline.airbase.models import Account, Bill, LedgerEntry, PurchaseOrder, Tag, Vendor
from visma_airbase_pipeline.errors import Conflict, NotFound, ValidationFailed
from visma_airbase_pipeline.transport import ServerClock, decode_json

if TYPE_CHECKING:
    pass

BULK_RESOURCES = frozenset({"accounts", "tags", "vendors", "bills", "purchase_orders"})


class AirbaseClient(AirbaseBase):
    """Typed access to the Airbase accounting API (airbase.md)."""

    # -- reference data ------------------------------------------------------------------------------

    def iter_accounts(self, **filters: Any) -> Iterator[Account]:
        """GL accounts in Airbase (pushed from Visma); filters: erp_reference_id, is_active."""
        return self._list("accounts", Account, filters)

    def iter_tags(self, **filters: Any) -> Iterator[Tag]:
        """Tags (cost centres ...); filters: erp_reference_id, type, is_active."""
        return self._list("tags", Tag, filters)

    def iter_vendors(self, **filters: Any) -> Iterator[Vendor]:
        """Vendors; filters: erp_reference_id, name, is_active."""
        return self._list("vendors", Vendor, filters)

    def iter_unlinked_vendors(self) -> Iterator[Vendor]:
        """Vendors created in Airbase, without an ERP id yet (``?erp_reference_id=``, empty value)."""
        return (v for v in self._list("vendors", Vendor, {"erp_reference_id": ""}) if not v.is_linked)

    def create_vendor(self, payload: Mapping[str, Any]) -> Vendor:
        """Create one vendor; not retried blind (look it up by erp_reference_id first)."""
        response = self._call("POST", f"{P}/vendors/", body=payload, idempotent=False)
        return Vendor.model_validate(decode_json(response) or {})

    def patch_vendor(self, airbase_id: str, fields: Mapping[str, Any]) -> Vendor:
        """Change vendor fields (``erp_reference_id`` cannot change once set)."""
        return self._patch("vendors", airbase_id, fields, Vendor)

    def bulk_upsert(self, resource: str, items: Sequence[Mapping[str, Any] | BaseModel]) -> BulkUpsertResult:
        """Upsert any number of items in chunks of 100; one result with the caller's indexes."""
        if resource not in BULK_RESOURCES:
            raise ValueError(f"no bulk upsert for Airbase {resource}")
        wire = [_wire(item) for item in items]
        result = BulkUpsertResult(submitted=len(wire))
        for offset, chunk in chunks(wire, self.bulk_size):
            result.calls += 1
            try:
                response = self._call(
                    "POST", f"{P}/{resource}/bulk_upsert/", body={"entities": list(chunk)}, idempotent=True
                )
            except ValidationFailed as error:
                reject_chunk(
                    result,
                    offset,
                    chunk,
                    error.details,
                    f"batch rejected ({error.status}): nothing in this chunk was stored",
                )
                continue
            record_chunk(result, offset, chunk, decode_json(response))
        return result

    def upsert_accounts(self, items: Sequence[Mapping[str, Any]]) -> BulkUpsertResult:
        """Bulk upsert GL accounts."""
        return self.bulk_upsert("accounts", items)

    def upsert_tags(self, items: Sequence[Mapping[str, Any]]) -> BulkUpsertResult:
        """Bulk upsert tags (cost centres)."""
        return self.bulk_upsert("tags", items)

    def upsert_vendors(self, items: Sequence[Mapping[str, Any]]) -> BulkUpsertResult:
        """Bulk upsert vendors (also links Airbase-born vendors: item carries airbase_id + new ERP id)."""
        return self.bulk_upsert("vendors", items)

    def upsert_bills(self, items: Sequence[Mapping[str, Any]]) -> BulkUpsertResult:
        """Bulk upsert bills by erp_reference_id."""
        return self.bulk_upsert("bills", items)

    def upsert_purchase_orders(self, items: Sequence[Mapping[str, Any]]) -> BulkUpsertResult:
        """Bulk upsert purchase orders by erp_reference_id."""
        return self.bulk_upsert("purchase_orders", items)

    def start_sync(self) -> bool:
        """Open the reference-data sync session; False when 409 says onboarding is done (carry on)."""
        try:
            self._call("POST", f"{P}/entity/sync/", body={"action": "START"}, idempotent=True)
        except Conflict:
            return False
        return True

    def complete_sync(self) -> bool:
        """Close the sync session; False when 404 says none is open (carry on)."""
        try:
            self._call("PATCH", f"{P}/entity/sync/", body={"action": "COMPLETE"}, idempotent=True)
        except NotFound:
            return False
        return True

    # -- bills and purchase orders -------------------------------------------------------------------

    def iter_bills(self, *, clock: ServerClock | None = None, **filters: Any) -> Iterator[Bill]:
        """Bills; filters: erp_reference_id, approval_status, payment_status, updated_since. A
        ``clock`` learns when Airbase answered the first page (where a next ``updated_since`` starts)."""
        return self._list("bills", Bill, filters, clock)

    def get_bill(self, airbase_id: str) -> Bill | None:
        """One bill, or None."""
        return self._get("bills", airbase_id, Bill)

    def patch_bill(self, airbase_id: str, fields: Mapping[str, Any]) -> Bill:
        """Edit a bill (only while pending_approval/sent_back; 409 after approval)."""
        return self._patch("bills", airbase_id, fields, Bill)

    def iter_purchase_orders(self, **filters: Any) -> Iterator[PurchaseOrder]:
        """Purchase orders; filters: erp_reference_id, status, updated_since."""
        return self._list("purchase_orders", PurchaseOrder, filters)

    def get_purchase_order(self, airbase_id: str) -> PurchaseOrder | None:
        """One purchase order, or None."""
        return self._get("purchase_orders", airbase_id, PurchaseOrder)

    def patch_purchase_order(self, airbase_id: str, fields: Mapping[str, Any]) -> PurchaseOrder:
        """Edit a purchase order."""
        return self._patch("purchase_orders", airbase_id, fields, PurchaseOrder)

    # -- ledger entries ------------------------------------------------------------------------------

    def list_ledger_entries(
        self, status: str = "sync_ready", types: Sequence[str] | None = None
    ) -> list[LedgerEntry]:
        """All entries in ``status`` (optionally of ``types``), read to the end before returning.

        Listed completely first because marking entries while paging would shift later pages. A
        single type is also sent as ``?type=``; the type filter is always re-applied here.
        """
        filters: dict[str, Any] = {"status": status}
        if types and len(types) == 1:
            filters["type"] = types[0]
        entries = list(self._list("ledger_entries", LedgerEntry, filters))
        return [e for e in entries if not types or e.type in types]

    def get_ledger_entry(self, airbase_id: str) -> LedgerEntry | None:
        """One ledger entry (re-read before acting: skip if already sync_complete), or None."""
        return self._get("ledger_entries", airbase_id, LedgerEntry)

    def mark_ledger_entry_synced(self, airbase_id: str, erp_reference_id: str) -> LedgerEntry:
        """Record success with the ERP id; 409 (already synced with another id) raises ``Conflict``."""
        return self._patch(
            "ledger_entries",
            airbase_id,
            {"status": "sync_complete", "erp_reference_id": erp_reference_id},
            LedgerEntry,
        )

    def mark_ledger_entry_error(self, airbase_id: str, message: str) -> LedgerEntry:
        """Record a failure Airbase users can read (``sync_error`` with the message)."""
        return self._patch(
            "ledger_entries", airbase_id, {"status": "sync_error", "error_message": message}, LedgerEntry
        )
