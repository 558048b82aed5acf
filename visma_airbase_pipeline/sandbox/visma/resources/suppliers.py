"""``/v1/supplier``: list, single GET, create and update (api/visma.md section 5).

Writes come as wrapped DTOs whose names differ from the read shape (``creditTermsId`` ->
``creditTerms: {id}``); reference ids are checked against the company's setup, so a typo fails
with a 400 naming the field instead of creating a half-configured supplier.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from visma_airbase_pipeline.sandbox.seed.reference import CREDIT_TERMS, PAYMENT_METHODS, SUPPLIER_CLASSES
from visma_airbase_pipeline.sandbox.visma import webhooks
from visma_airbase_pipeline.sandbox.visma.dto import UNSET, Dto, invalid
from visma_airbase_pipeline.sandbox.visma.query import DELTA_FILTERS, Filter, ListSpec
from visma_airbase_pipeline.sandbox.visma.resources.common import (
    ApiRoute,
    Call,
    check_if_match,
    created,
    list_response,
    not_found,
    single,
    updated,
)
from visma_airbase_pipeline.sandbox.visma.store import Entry, next_int

STATUSES = ("Active", "OnHold", "HoldPayments", "Inactive", "OneTime")
_REFERENCES = {
    "supplierClassId": ("supplierClass", SUPPLIER_CLASSES),
    "creditTermsId": ("creditTerms", {k: v[0] for k, v in CREDIT_TERMS.items()}),
    "paymentMethodId": ("paymentMethod", PAYMENT_METHODS),
}
_ADDRESS_FIELDS = ("addressLine1", "addressLine2", "addressLine3", "city", "postalCode")

SPEC = ListSpec(
    "supplier",
    (
        Filter("status", "choice", lambda e: e.data.get("status"), STATUSES),
        Filter("name", "text", lambda e: e.data.get("name")),
        Filter("vatRegistrationId", "text", lambda e: e.data.get("vatRegistrationId")),
        Filter("corporateId", "text", lambda e: e.data.get("corporateId")),
        *DELTA_FILTERS,
    ),
)


def _address(current: dict[str, Any] | None, dto: Dto) -> dict[str, Any]:
    address = dict(current or {})
    for name in _ADDRESS_FIELDS:
        value = dto.text(name, max_len=100)
        if value is not UNSET:
            address[name] = value
    country = dto.text("countryId")
    if country is not UNSET:
        if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
            raise invalid(dto.name("countryId"), f"'{country}' is not a two-letter country code.")
        address["country"] = {"id": country.upper()} if country else None
    return address


def apply_supplier(data: dict[str, Any], dto: Dto, *, creating: bool) -> None:
    """Copy a supplier write DTO onto a read-shape record (omitted = unchanged, null = cleared)."""
    name = dto.text("name", required=creating, max_len=255)
    if name is None:
        raise invalid(dto.name("name"), "is required and cannot be null.")
    if name is not UNSET:
        data["name"] = name
    status = dto.choice("status", STATUSES)
    if status is None:
        raise invalid(dto.name("status"), "cannot be null.")
    if status is not UNSET:
        data["status"] = status
    currency = dto.currency("currencyId")
    if currency is None:
        raise invalid(dto.name("currencyId"), "cannot be null.")
    if currency is not UNSET:
        data["currencyId"] = currency
    for field, (target, known) in _REFERENCES.items():
        ref = dto.text(field)
        if ref is UNSET:
            continue
        if ref is not None and ref not in known:
            raise invalid(dto.name(field), f"'{ref}' does not exist (known: {', '.join(known)}).")
        data[target] = {"id": ref, "description": known[ref]} if ref is not None else None
    for field in ("vatRegistrationId", "corporateId", "note"):
        value = dto.text(field, max_len=50 if field != "note" else 4000)
        if value is not UNSET:
            data[field] = value
    address = dto.obj("mainAddress")
    if address is not UNSET:
        data["mainAddress"] = _address(data.get("mainAddress"), address) if address is not None else None
    contact = dto.obj("mainContact")
    if contact is not UNSET:
        merged = dict(data.get("mainContact") or {})
        if contact is not None:
            for field in ("name", "email", "phone1"):
                value = contact.text(field, max_len=255)
                if value is not UNSET:
                    merged[field] = value
        data["mainContact"] = merged if contact is not None else None


def _find(call: Call) -> Entry:
    number = call.key("number")
    entry = call.store["supplier"].get(number)
    if entry is None:
        raise not_found(f"Supplier {number}")
    return entry


async def list_suppliers(call: Call) -> Response:
    """``GET /v1/supplier``."""
    col = call.store["supplier"]
    return list_response(call, SPEC, lambda: col, col.version)


async def get_supplier(call: Call) -> Response:
    """``GET /v1/supplier/{supplierCd}`` with its ETag."""
    entry = _find(call)
    return single(entry.read(), entry)


async def create_supplier(call: Call) -> Response:
    """``POST /v1/supplier``: number from the series unless given; webhook Supplier Created."""
    dto = await call.body()
    col = call.store["supplier"]
    series = call.store.series["supplier"]
    number = dto.key("number", max_len=30)
    if number is None:
        number = series.next()
    elif col.get(number) is not None:
        raise invalid("number", f"Supplier {number} already exists.")
    series.seen(number)
    data: dict[str, Any] = {
        "internalId": next_int(col, "internalId", 5001),
        "number": number,
        "status": "Active",
        "currencyId": call.store.base_currency,
        "supplierClass": {"id": "DOM", "description": SUPPLIER_CLASSES["DOM"]},
        "creditTerms": {"id": "30D", "description": CREDIT_TERMS["30D"][0]},
        "paymentMethod": {"id": "BG", "description": PAYMENT_METHODS["BG"]},
    }
    apply_supplier(data, dto, creating=True)
    entry = col.add(data, call.store.clock)
    call.sb.notify(webhooks.SUPPLIER, webhooks.CREATED, number)
    return created(call, f"supplier/{number}", entry)


async def update_supplier(call: Call) -> Response:
    """``PUT /v1/supplier/{supplierCd}``: If-Match checked; webhook Supplier Updated."""
    entry = _find(call)
    check_if_match(call, entry)
    dto = await call.body()
    data = dict(entry.data)
    apply_supplier(data, dto, creating=False)
    entry.data = data
    call.store["supplier"].touch(entry, call.store.clock)
    call.sb.notify(webhooks.SUPPLIER, webhooks.UPDATED, entry.key)
    return updated(entry)


ROUTES = [
    ApiRoute("/supplier", "GET", list_suppliers),
    ApiRoute("/supplier", "POST", create_supplier, "create"),
    ApiRoute("/supplier/{number}", "GET", get_supplier),
    ApiRoute("/supplier/{number}", "PUT", update_supplier, "update"),
]
