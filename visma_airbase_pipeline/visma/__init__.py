"""Visma.net ERP client: auth, lazy paging, delta reads, ETag updates, typed read/write DTOs."""

from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.documents import (
    ActionResult,
    JournalTransaction,
    JournalTransactionLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    SupplierInvoice,
    SupplierInvoiceLine,
    SupplierPayment,
    SupplierPaymentLine,
)
from visma_airbase_pipeline.visma.etag import UNCHANGED, EtagUpdate, Versioned, update_with_etag
from visma_airbase_pipeline.visma.models import (
    Account,
    Dimension,
    Segment,
    SegmentValue,
    Subaccount,
    Supplier,
)
from visma_airbase_pipeline.visma.paging import (
    VismaPager,
    delta_window,
    format_visma_datetime,
    overlap_window,
)
from visma_airbase_pipeline.visma.results import ActionOutcome, Created, number_from_location
from visma_airbase_pipeline.visma.writes import (
    AddressWrite,
    SegmentValueWrite,
    SubaccountSegment,
    SupplierInvoiceLineWrite,
    SupplierInvoiceWrite,
    SupplierPaymentLineWrite,
    SupplierPaymentWrite,
    SupplierWrite,
    round_money,
)

__all__ = [
    "UNCHANGED",
    "Account",
    "ActionOutcome",
    "ActionResult",
    "AddressWrite",
    "Created",
    "Dimension",
    "EtagUpdate",
    "JournalTransaction",
    "JournalTransactionLine",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseReceipt",
    "PurchaseReceiptLine",
    "Segment",
    "SegmentValue",
    "SegmentValueWrite",
    "Subaccount",
    "SubaccountSegment",
    "Supplier",
    "SupplierInvoice",
    "SupplierInvoiceLine",
    "SupplierInvoiceLineWrite",
    "SupplierInvoiceWrite",
    "SupplierPayment",
    "SupplierPaymentLine",
    "SupplierPaymentLineWrite",
    "SupplierPaymentWrite",
    "SupplierWrite",
    "Versioned",
    "VismaClient",
    "VismaPager",
    "delta_window",
    "format_visma_datetime",
    "number_from_location",
    "overlap_window",
    "round_money",
    "update_with_etag",
]
