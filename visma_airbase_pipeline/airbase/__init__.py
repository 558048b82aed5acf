"""Airbase client: token auth, paging, bulk upserts, sync bracket, ledger entry status updates."""

from visma_airbase_pipeline.airbase.bulk import BulkItem, BulkItemError, BulkUpsertResult
from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.airbase.models import (
    Account,
    Amounts,
    AppliedTo,
    Bill,
    BillLine,
    Currency,
    ExpenseLine,
    LedgerEntry,
    Money,
    PurchaseOrder,
    PurchaseOrderLine,
    Tag,
    Vendor,
)
from visma_airbase_pipeline.airbase.paging import AirbasePager

__all__ = [
    "Account",
    "AirbaseClient",
    "AirbasePager",
    "Amounts",
    "AppliedTo",
    "Bill",
    "BillLine",
    "BulkItem",
    "BulkItemError",
    "BulkUpsertResult",
    "Currency",
    "ExpenseLine",
    "LedgerEntry",
    "Money",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Tag",
    "Vendor",
]
