"""The Visma side of the common admin API: ``state``, ``create_record`` and ``patch_record``.

Admin writes act like a user in the ERP's own screens: permissive (tests plant bad data, such as
an invoice on a GL account that does not exist), but they bump ``lastModifiedDateTime`` and the
ETag and send the webhook the real system would send for that change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from visma_airbase_pipeline.sandbox.framework import AdminError
from visma_airbase_pipeline.sandbox.visma import webhooks
from visma_airbase_pipeline.sandbox.visma.resources.invoice_writes import recompute
from visma_airbase_pipeline.sandbox.visma.store import KEY_FIELDS, Entry, next_int

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.visma.app import VismaSandbox

READ_ONLY = frozenset({"journaltransaction", "dimension"})
_INTERNAL_IDS = {
    "supplier": ("internalId", 5001),
    "account": ("accountID", 1001),
    "subaccount": ("subaccountId", 301),
}


_NUMBERS = frozenset(
    {"amount", "balance", "vatTotal", "paymentAmount", "unappliedBalance", "amountPaid", "cost", "quantity",
     "unitCost", "orderQty", "qtyOnReceipts", "receiptQty", "orderTotal", "exchangeRate"}
)  # fmt: skip
_LISTS = frozenset({"invoiceLines", "lines", "paymentLines", "segments", "purchaseReceipts"})
_REFERENCES = frozenset({"supplier", "account", "subaccount", "vatCode"})


def check_shape(value: Any, where: str = "body") -> None:
    """Permissive, not careless: planted data may be wrong, but never of a type that breaks the API."""
    if not isinstance(value, dict):
        raise AdminError(400, f"{where} must be a JSON object.")
    for key, item in value.items():
        name = f"{where}.{key}"
        if item is None:
            continue
        if key in _NUMBERS and (isinstance(item, bool) or not isinstance(item, int | Decimal)):
            raise AdminError(400, f"{name} must be a number.")
        if key in _REFERENCES and not isinstance(item, dict):
            raise AdminError(400, f"{name} must be an object.")
        if key in _LISTS:
            if not isinstance(item, list):
                raise AdminError(400, f"{name} must be an array.")
            for i, element in enumerate(item):
                check_shape(element, f"{name}[{i}]")


def state(sb: VismaSandbox, collection: str) -> list[dict[str, Any]]:
    """Every record of a collection in read shape, ``timeStamp`` included."""
    return [entry.read() for entry in sb.store[collection]]


def _defaults(sb: VismaSandbox, collection: str, data: dict[str, Any]) -> None:
    store = sb.store
    if collection == "supplier":
        data.setdefault("status", "Active")
        data.setdefault("currencyId", store.base_currency)
    elif collection == "supplierInvoice":
        data.setdefault("documentType", "Invoice")
        data.setdefault("status", "Balanced")
        data.setdefault("hold", data["status"] == "Hold")
        data.setdefault("released", data["status"] in ("Open", "Closed"))
        data.setdefault("currencyId", store.base_currency)
        data.setdefault("invoiceLines", [])
        if "amount" not in data:
            recompute(store, data)
        data.setdefault(
            "balance", Decimal("0.00") if data["status"] in ("Closed", "Voided") else data["amount"]
        )
    elif collection == "purchaseorder":
        data.setdefault("orderType", "RegularOrder")
        data.setdefault("status", "Open")
        data.setdefault("lines", [])
        data.setdefault("purchaseReceipts", [])
    elif collection == "PurchaseReceipt":
        data.setdefault("receiptType", "PoReceipt")
        data.setdefault("status", "Released")
        data.setdefault("lines", [])
    elif collection == "account":
        data.setdefault("type", "Expense")
        data.setdefault("active", True)
    elif collection == "subaccount":
        data.setdefault("active", True)
        data.setdefault("segments", [{"segmentId": 1, "segmentValue": data["subaccountNumber"]}])
    elif collection == "supplierPayment":
        data.setdefault("type", "Payment")
        data.setdefault("status", "Balanced")
        data.setdefault("released", data["status"] in ("Open", "Closed"))
        data.setdefault("paymentLines", [])
    if collection in _INTERNAL_IDS:
        name, first = _INTERNAL_IDS[collection]
        data.setdefault(name, next_int(store[collection], name, first))


def _receive(sb: VismaSandbox, receipt: dict[str, Any]) -> None:
    """A released receipt raises its orders' ``qtyOnReceipts`` and lists itself on them."""
    col = sb.store["purchaseorder"]
    for number in dict.fromkeys(str(ln.get("poOrderNbr")) for ln in receipt.get("lines") or []):
        order = col.get(number)
        if order is None:
            continue
        lines = [dict(ln) for ln in order.data.get("lines") or []]
        for rline in receipt.get("lines") or []:
            for line in lines:
                if str(rline.get("poOrderNbr")) == number and line.get("lineNbr") == rline.get(
                    "poOrderLineNbr"
                ):
                    line["qtyOnReceipts"] = Decimal(line.get("qtyOnReceipts") or 0) + Decimal(
                        rline.get("receiptQty") or 0
                    )
                    line["completed"] = line["qtyOnReceipts"] >= Decimal(line.get("orderQty") or 0)
        status = order.data.get("status")
        if status == "Open" and lines and all(ln.get("completed") for ln in lines):
            status = "Closed"
        ref = {"receiptNumber": receipt["receiptNbr"], "status": receipt.get("status")}
        changes = {
            "lines": lines,
            "status": status,
            "purchaseReceipts": [*order.data.get("purchaseReceipts", []), ref],
        }
        _change(sb, "purchaseorder", order, changes)


def _change(sb: VismaSandbox, collection: str, entry: Entry, changes: dict[str, Any]) -> None:
    old_status = entry.data.get("status")
    entry.data = {**entry.data, **changes}
    sb.store[collection].touch(entry, sb.store.clock)
    _notify(sb, collection, entry, old_status, created=False)


def _notify(sb: VismaSandbox, collection: str, entry: Entry, old_status: Any, *, created: bool) -> None:
    status_changed = not created and entry.data.get("status") != old_status
    if collection == "supplier":
        sb.notify(webhooks.SUPPLIER, webhooks.CREATED if created else webhooks.UPDATED, entry.key)
    elif collection == "supplierInvoice" and status_changed:
        sb.notify(
            webhooks.AP_INVOICE, webhooks.STATUS_CHANGED, entry.key, str(entry.data.get("documentType"))
        )
    elif collection == "purchaseorder":
        sb.notify(webhooks.PURCHASE_ORDER, webhooks.CHANGED, entry.key, str(entry.data.get("orderType")))
        if status_changed:
            event = webhooks.STATUS_CHANGED
            sb.notify(webhooks.PURCHASE_ORDER, event, entry.key, str(entry.data.get("orderType")))
    elif collection == "account":
        sb.notify(webhooks.ACCOUNT, webhooks.CHANGED, entry.key)


def create_record(sb: VismaSandbox, collection: str, body: dict[str, Any]) -> dict[str, Any]:
    """Store a read-shape record as given; the number comes from the series when omitted."""
    if collection in READ_ONLY:
        raise AdminError(405, f"{collection} records are created by the ERP itself (release documents).")
    check_shape(body)
    key_field = KEY_FIELDS[collection]
    data = dict(body)
    number = data.get(key_field)
    if number in (None, ""):
        if collection not in sb.store.series:
            raise AdminError(400, f"{key_field} is required for {collection}.")
        data[key_field] = sb.store.series[collection].next()
    else:
        data[key_field] = str(number)
        if sb.store[collection].get(data[key_field]) is not None:
            raise AdminError(409, f"{collection} {data[key_field]} already exists.")
        if collection in sb.store.series:
            sb.store.series[collection].seen(data[key_field])
    _defaults(sb, collection, data)
    entry = sb.store[collection].add(data, sb.store.clock)
    _notify(sb, collection, entry, None, created=True)
    if collection == "PurchaseReceipt" and data.get("status") == "Released":
        _receive(sb, data)
    return entry.read()


def patch_record(sb: VismaSandbox, collection: str, record_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the given read-shape fields, bump timestamp and ETag, send the real webhook."""
    if collection in READ_ONLY:
        raise AdminError(405, f"{collection} records cannot be patched.")
    entry = sb.store[collection].get(record_id)
    if entry is None:
        raise AdminError(404, f"No {collection} record {record_id!r}.")
    check_shape(body)
    key_field = KEY_FIELDS[collection]
    if key_field in body and str(body[key_field]) != entry.key:
        raise AdminError(400, f"{key_field} cannot change.")
    _change(sb, collection, entry, dict(body))
    return entry.read()
