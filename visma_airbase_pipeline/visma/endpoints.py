"""Visma collections the connector reads, with the query filters each one accepts (visma.md section 5).

Kept as data in one place so a filter Visma does not document is rejected before it is sent, and
so a path change is a one-line edit. ``lastModifiedDateTime`` (+ condition), ``pageNumber`` and
``pageSize`` are added by the client and need no listing here.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from visma_airbase_pipeline.visma.paging import ListEndpoint


def _field(*names: str) -> Any:
    def key(raw: Mapping[str, Any]) -> Hashable:
        return tuple(raw.get(name) for name in names)

    return key


def _first(*names: str) -> Any:
    def key(raw: Mapping[str, Any]) -> Hashable:
        return next((raw[name] for name in names if raw.get(name) is not None), None)

    return key


SUPPLIERS = ListEndpoint(
    "/v1/supplier", frozenset({"status", "name", "vatRegistrationId", "corporateId"}), _field("number")
)
SUPPLIER_INVOICES = ListEndpoint(
    "/v1/supplierInvoice",
    frozenset(
        {
            "supplier",
            "documentType",
            "status",
            "released",
            "docDate",
            "docDateCondition",
            "dueDate",
            "dueDateCondition",
        }
    ),
    _field("documentType", "referenceNumber"),
)
PURCHASE_ORDERS = ListEndpoint(
    "/v1/purchaseorder",
    frozenset({"orderStatus", "orderType", "supplier", "orderDate", "orderDateCondition"}),
    _first("orderNbr", "orderNumber"),
)
PURCHASE_RECEIPTS = ListEndpoint(
    "/v1/PurchaseReceipt",
    frozenset({"status", "receiptType", "supplier", "poOrderNbr"}),
    _first("receiptNbr", "receiptNumber"),
)
SUBACCOUNTS = ListEndpoint(
    "/v1/subaccount", frozenset({"active"}), _first("subaccountNumber", "subaccountId")
)
SUPPLIER_PAYMENTS = ListEndpoint(
    "/v1/supplierPayment",
    frozenset({"supplier", "paymentType", "status", "invoiceRefNbr", "docDate", "docDateCondition"}),
    _field("type", "refNbr"),
)
# pageSize counts lines here and lastModifiedDateTime means "since" (no condition parameter).
JOURNAL_TRANSACTIONS = ListEndpoint(
    "/v2/journaltransaction",
    frozenset({"periodId", "module", "status", "branch"}),
    _first("batchNumber"),
    delta_condition=False,
)
ACCOUNTS = ListEndpoint(
    "/v1/account", frozenset({"active"}), _first("accountCD", "accountID"), paginated=False
)

SUPPLIER = "/v1/supplier/{number}"
SUPPLIER_INVOICE = "/v1/supplierInvoice/{documentType}/{number}"
SUPPLIER_INVOICE_RELEASE = "/v1/supplierInvoice/{documentType}/{number}/action/release"
SUPPLIER_PAYMENT = "/v1/supplierPayment/{number}"
SUPPLIER_PAYMENT_TYPED = "/v1/supplierPayment/{paymentType}/{number}"
SUPPLIER_PAYMENT_RELEASE = "/v1/supplierPayment/{number}/action/release"
DIMENSION = "/v1/dimension/{dimensionId}"
DIMENSION_SEGMENT = "/v1/dimension/{dimensionId}/{segmentId}"
