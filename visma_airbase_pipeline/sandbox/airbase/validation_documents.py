"""Validation of bills and purchase orders (``api/airbase.md`` section 5), item by item.

Beyond field types: referenced vendors, accounts and tags exist by ERP id and are active, lines sum
to ``total_amount`` exactly (Decimal), ``due_date`` is not before ``invoice_date``, and one vendor's
``invoice_number`` may belong to one bill only. Vendor credits carry negative amounts.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.airbase import wire
from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Record, erp_key
from visma_airbase_pipeline.sandbox.airbase.validation import Checker

PO_STATUSES = ("open", "closed", "cancelled")


def _bill_line(check: Checker) -> None:
    check.integer("line_number")
    check.string("description")
    check.money("amount", required=True)
    check.erp_ref("erp_account_reference_id", "accounts", "account", required=True, active=True)
    check.erp_ref_list("erp_tag_reference_ids", "tags", "tag", active=True)


def _po_line(check: Checker) -> None:
    check.integer("line_number")
    check.string("erp_reference_id")
    check.string("description")
    for field in ("quantity", "unit_price", "received_quantity"):
        check.money(field, required=field != "received_quantity")
    for field in ("quantity", "received_quantity"):
        value = check.clean.get(field)
        if isinstance(value, Decimal) and value < 0:
            check.error(field, "Ensure this value is greater than or equal to 0.")
    check.clean.setdefault("received_quantity", Decimal(0))
    check.money("amount", required=True)
    check.erp_ref("erp_account_reference_id", "accounts", "account", required=True, active=True)
    check.erp_ref_list("erp_tag_reference_ids", "tags", "tag", active=True)


def _lines(check: Checker, line_rules: Callable[[Checker], None]) -> None:
    """``lines``: a non-empty list; errors as DRF's nested list (``{}`` for a good line)."""
    if not check.given("lines", True):
        return
    value = check.item["lines"]
    if not isinstance(value, list):
        check.error("lines", f'Expected a list of items but got type "{wire.type_name(value)}".')
        return
    if not value:
        check.error("lines", "This list may not be empty.")
        return
    cleaned: list[Record] = []
    problems: list[dict[str, Any]] = []
    for line in value:
        if not isinstance(line, dict):
            problems.append(
                {
                    "non_field_errors": [
                        f"Invalid data. Expected a dictionary, but got {wire.type_name(line)}."
                    ]
                }
            )
            continue
        line_check = Checker(check.store, line)
        line_rules(line_check)
        line_check.clean.setdefault("erp_tag_reference_ids", [])
        problems.append(line_check.errors)
        cleaned.append(line_check.clean)
    if any(problems):
        check.errors["lines"] = problems
    if len(cleaned) == len(value):
        # Kept even with errors: a locked bill compares it to decide "unchanged" (bills.write_bill).
        check.clean["lines"] = cleaned


def _lines_sum_to_total(check: Checker) -> None:
    total, lines = check.merged("total_amount"), check.merged("lines")
    if "total_amount" in check.errors or "lines" in check.errors or total is None or not lines:
        return
    line_sum = sum((wire.money_or_zero(line.get("amount")) for line in lines), Decimal(0))
    if line_sum != total:
        check.error(
            "total_amount",
            f"Lines sum to {wire.money_str(line_sum)}, not {wire.money_str(total)}.",
        )


def _no_duplicate_invoice(check: Checker) -> None:
    vendor, number = check.merged("erp_vendor_reference_id"), check.merged("invoice_number")
    if erp_key(vendor) is None or number in (None, ""):
        return
    own_erp = erp_key(check.merged("erp_reference_id"))
    own_id = check.existing["airbase_id"] if check.existing else None
    for other in check.store["bills"].by_key((erp_key(vendor), str(number))):
        if other["airbase_id"] == own_id or other.get("approval_status") == "archived":
            continue
        if erp_key(other.get("erp_reference_id")) != own_erp:
            check.error(
                "invoice_number",
                f"Bill with invoice number '{number}' already exists for vendor '{vendor}'.",
            )
            return


def check_bill(store: AirbaseStore, item: dict[str, Any], existing: Record | None) -> Checker:
    """A bill of ``bills/bulk_upsert`` or ``PATCH /bills/{id}/`` (lock rules live in ``bills.py``)."""
    check = Checker(store, item, existing)
    check.string("erp_reference_id", required=True)
    check.keep_linked_erp_id()
    check.string("invoice_number", required=True)
    check.erp_ref("erp_vendor_reference_id", "vendors", "vendor", required=True, active=True)
    check.erp_ref("erp_subsidiary_reference_id", "subsidiaries", "subsidiary", required=True)
    check.currency(required=True)
    check.erp_ref("erp_ap_account_reference_id", "accounts", "account", active=True)
    check.erp_ref("erp_purchase_order_reference_id", "purchase_orders", "purchase order")
    check.date("invoice_date", required=True)
    check.date("due_date", required=True)
    check.money("total_amount", required=True)
    check.string("memo")
    _lines(check, _bill_line)
    invoice_date, due_date = check.merged("invoice_date"), check.merged("due_date")
    dates_clean = invoice_date and due_date and not {"invoice_date", "due_date"} & check.errors.keys()
    if dates_clean and wire.parse_date(due_date) < wire.parse_date(invoice_date):
        check.error("due_date", "Due date cannot be before the invoice date.")
    _lines_sum_to_total(check)
    _no_duplicate_invoice(check)
    return check


def check_purchase_order(store: AirbaseStore, item: dict[str, Any], existing: Record | None) -> Checker:
    """A purchase order of ``purchase_orders/bulk_upsert`` (receipts are higher received quantities)."""
    check = Checker(store, item, existing)
    check.string("erp_reference_id", required=True)
    check.keep_linked_erp_id()
    check.string("po_number", required=True)
    check.erp_ref("erp_vendor_reference_id", "vendors", "vendor", required=True, active=True)
    check.erp_ref("erp_subsidiary_reference_id", "subsidiaries", "subsidiary", required=True)
    check.currency(required=True)
    check.date("order_date", required=True)
    check.choice("status", PO_STATUSES, required=True)
    check.money("total_amount", required=True)
    check.string("memo")
    _lines(check, _po_line)
    _lines_sum_to_total(check)
    return check
