"""Applying a supplier-invoice write DTO: header fields, line operations (Insert/Update/Delete by
``lineNumber``) and the server-side totals (amount = line costs + VAT from the VAT codes' rates).

Every reference is checked the way the ERP checks it: the supplier, each line's ``accountNumber``,
``subaccount`` segments and ``vatCodeId`` must exist and be active, else 400 naming the field.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.seed.reference import CREDIT_TERMS
from visma_airbase_pipeline.sandbox.visma.dto import UNSET, Dto, invalid
from visma_airbase_pipeline.sandbox.visma.posting import money
from visma_airbase_pipeline.sandbox.visma.store import VismaStore

DOCUMENT_TYPES = ("Invoice", "CreditAdj", "DebitAdj", "Prepayment")
# What may still change once a document is released (header text and the due date).
# ``hold`` is judged by the handler: clearing it on a released document is a harmless no-op.
RELEASED_EDITABLE = frozenset({"supplierReference", "description", "dueDate", "documentType", "hold"})
# The write DTO's fields; anything else in a body is ignored, as the ERP ignores unknown fields.
WRITABLE = frozenset(
    {"documentType", "referenceNumber", "supplierNumber", "supplierReference", "description", "date",
     "dueDate", "currencyId", "hold", "invoiceLines"}
)  # fmt: skip
_ZERO = Decimal("0.00")


def supplier_ref(store: VismaStore, number: str, field: str) -> dict[str, Any]:
    """The read-shape ``{number, name}`` of an existing, usable supplier."""
    entry = store["supplier"].get(number)
    if entry is None:
        raise invalid(field, f"Supplier '{number}' does not exist.")
    if entry.data.get("status") == "Inactive":
        raise invalid(field, f"Supplier '{number}' is inactive.")
    return {"number": entry.key, "name": entry.data.get("name")}


def account_ref(store: VismaStore, number: str, field: str) -> dict[str, Any]:
    """The read-shape ``{number, description}`` of an existing, active GL account."""
    entry = store["account"].get(number)
    if entry is None:
        raise invalid(field, f"Account '{number}' does not exist.")
    if entry.data.get("active") is False:
        raise invalid(field, f"Account '{number}' is inactive.")
    return {"number": entry.key, "description": entry.data.get("description")}


def subaccount_ref(store: VismaStore, dto: Dto) -> Any:
    """The unwrapped ``subaccount: [{segmentId, segmentValue}]`` resolved to an existing subaccount."""
    field = dto.name("subaccount")
    raw = dto.body.get("subaccount", UNSET)
    if raw is UNSET:
        return UNSET
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise invalid(field, 'must be a non-empty array of {"segmentId": n, "segmentValue": "..."}.')
    segments = []
    for i, seg in enumerate(raw):
        if not isinstance(seg, dict):
            raise invalid(f"{field}[{i}]", "must be an object.")
        seg_id, value = seg.get("segmentId"), seg.get("segmentValue")
        if not isinstance(seg_id, int) or isinstance(seg_id, bool):
            raise invalid(f"{field}[{i}].segmentId", "must be an integer.")
        if not isinstance(value, str) or not value:
            raise invalid(f"{field}[{i}].segmentValue", "must be a non-empty string.")
        segments.append((seg_id, value))
    entry = store.subaccount_by_segments(segments)
    shown = "-".join(v for _, v in segments)
    if entry is None:
        raise invalid(field, f"Subaccount '{shown}' does not exist.")
    if entry.data.get("active") is False:
        raise invalid(field, f"Subaccount '{shown}' is inactive.")
    return {"subaccountNumber": entry.key, "segments": [dict(s) for s in entry.data.get("segments") or []]}


def _apply_line(store: VismaStore, line: dict[str, Any], dto: Dto, *, inserting: bool) -> None:
    text = dto.text("transactionDescription", max_len=255)
    if text is not UNSET:
        line["transactionDescription"] = text
    quantity = dto.decimal("quantity")
    unit_cost = dto.decimal("unitCostInCurrency")
    cost = dto.decimal("costInCurrency")
    if quantity is not UNSET:
        line["quantity"] = quantity if quantity is not None else Decimal(1)
    if unit_cost is not UNSET:
        line["unitCost"] = unit_cost if unit_cost is not None else _ZERO
    if cost is not UNSET and cost is not None:
        line["cost"] = money(cost)
    elif inserting or quantity is not UNSET or unit_cost is not UNSET:
        line["cost"] = money(Decimal(line.get("quantity") or 0) * Decimal(line.get("unitCost") or 0))
    account = dto.text("accountNumber", required=inserting)
    if account is None:
        raise invalid(dto.name("accountNumber"), "is required and cannot be null.")
    if account is not UNSET:
        line["account"] = account_ref(store, account, dto.name("accountNumber"))
    sub = subaccount_ref(store, dto)
    if sub is not UNSET:
        line["subaccount"] = sub
    vat = dto.text("vatCodeId")
    if vat is not UNSET:
        if vat is not None and vat not in store.vat_codes:
            raise invalid(dto.name("vatCodeId"), f"VAT code '{vat}' does not exist.")
        line["vatCode"] = {"id": vat} if vat is not None else None


def apply_lines(store: VismaStore, current: list[dict[str, Any]], dtos: list[Dto]) -> list[dict[str, Any]]:
    """A new line list after the operations (copy-on-write: the stored lines are never mutated)."""
    lines = [dict(line) for line in current]
    for dto in dtos:
        operation = dto.operation()
        number = dto.line_number(required=operation != "Insert")
        index = next((i for i, ln in enumerate(lines) if ln.get("lineNumber") == number), None)
        if operation == "Insert":
            if number is not None and index is not None:
                raise invalid(dto.name("lineNumber"), f"Line {number} already exists.")
            new = {"lineNumber": number or max((ln.get("lineNumber") or 0 for ln in lines), default=0) + 1}
            new.update({"quantity": Decimal(1), "unitCost": _ZERO, "subaccount": None, "vatCode": None})
            _apply_line(store, new, dto, inserting=True)
            lines.append(new)
        elif index is None:
            raise invalid(dto.name("lineNumber"), f"Line {number} does not exist.")
        elif operation == "Delete":
            del lines[index]
        else:
            _apply_line(store, lines[index], dto, inserting=False)
    return lines


def recompute(store: VismaStore, data: dict[str, Any]) -> None:
    """Totals the server owns: ``vatTotal`` per line rounded, ``amount``, and (unreleased) ``balance``."""
    lines = data.get("invoiceLines") or []
    cost = sum((Decimal(ln.get("cost") or 0) for ln in lines), _ZERO)
    vat = _ZERO
    for line in lines:
        code = store.vat_codes.get(str((line.get("vatCode") or {}).get("id")))
        if code is not None:
            vat += money(Decimal(line.get("cost") or 0) * Decimal(code["rate"]))
    data["vatTotal"] = vat
    data["amount"] = cost + vat
    data["balance"] = cost + vat


def apply_invoice(store: VismaStore, data: dict[str, Any], dto: Dto, *, creating: bool) -> None:
    """Copy a supplier-invoice write DTO onto a read-shape record and recompute the totals."""
    released = bool(data.get("released"))
    if released:
        fixed = sorted((set(dto.body) & WRITABLE) - RELEASED_EDITABLE)
        if fixed:
            raise invalid(fixed[0], "cannot change: the document is released.")
    doc_type = dto.choice("documentType", DOCUMENT_TYPES)
    if doc_type is not UNSET and doc_type is not None and not creating and doc_type != data["documentType"]:
        raise invalid("documentType", "cannot change on an existing document.")
    supplier_number = dto.text("supplierNumber", required=creating)
    if supplier_number is not UNSET and supplier_number is not None:
        data["supplier"] = supplier_ref(store, supplier_number, "supplierNumber")
    supplier = store["supplier"].get(str((data.get("supplier") or {}).get("number")))
    for field in ("supplierReference", "description"):
        value = dto.text(field, max_len=255)
        if value is not UNSET:
            data[field] = value
    doc_date = dto.date("date")
    if doc_date is not UNSET:
        data["date"] = doc_date or data.get("date")
    if creating and not data.get("date"):
        data["date"] = store.clock.now().date().isoformat() + "T00:00:00"
    data["financialPeriod"] = str(data["date"])[:4] + str(data["date"])[5:7]
    due = dto.date("dueDate")
    if due is not UNSET:
        data["dueDate"] = due
    if creating and not data.get("dueDate"):
        term = ((supplier.data.get("creditTerms") or {}).get("id") if supplier else None) or "30D"
        days = CREDIT_TERMS.get(term, ("", 30))[1]
        data["dueDate"] = (date.fromisoformat(str(data["date"])[:10]) + timedelta(days=days)).isoformat()
        data["dueDate"] += "T00:00:00"
    currency = dto.currency("currencyId")
    if currency is not UNSET:
        data["currencyId"] = currency or (supplier.data.get("currencyId") if supplier else None)
    if creating and not data.get("currencyId"):
        data["currencyId"] = supplier.data.get("currencyId") if supplier else store.base_currency
    if creating or currency is not UNSET:
        data["exchangeRate"] = store.fx.get(str(data["currencyId"]), Decimal(1))
    lines = dto.items("invoiceLines")
    if lines is not UNSET:
        data["invoiceLines"] = apply_lines(store, data.get("invoiceLines") or [], lines)
    if not released:
        recompute(store, data)
