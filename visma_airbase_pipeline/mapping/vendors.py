"""Suppliers <-> vendors. Visma is the master: its fields win on conflicting edits."""

from __future__ import annotations

from typing import Any

from visma_airbase_pipeline.mapping.checks import clean_text
from visma_airbase_pipeline.mapping.errors import MappingError
from visma_airbase_pipeline.mapping.reference import Company
from visma_airbase_pipeline.visma.models import Supplier


def supplier_to_vendor(supplier: Supplier, company: Company) -> dict[str, Any]:
    """A Visma supplier as an Airbase vendor bulk-upsert item (the contract's vendor fields)."""
    if not supplier.number:
        raise MappingError("supplier has no number")
    clean_text(supplier.number, "the supplier number")
    name = clean_text(supplier.name, f"the name of supplier {supplier.number}").strip()
    if not name:
        raise MappingError(f"supplier {supplier.number} has no name")
    item: dict[str, Any] = {
        "erp_reference_id": supplier.number,
        "name": name,
        "is_active": supplier.status != "Inactive",
        "subsidiary_reference_ids": company.subsidiary_refs(),
    }
    email = _contact_email(supplier)
    if email:
        item["email"] = email
    return item


def _contact_email(supplier: Supplier) -> str | None:
    extra = supplier.model_extra or {}
    for key in ("mainContact", "contact"):
        contact = extra.get(key)
        if isinstance(contact, dict) and isinstance(contact.get("email"), str) and contact["email"]:
            return clean_text(str(contact["email"]), f"the {key} email").strip() or None
    return None


def vendor_to_supplier_create(
    name: str, company: Company, *, email: str | None = None, currency: str | None = None
) -> dict[str, Any]:
    """The Visma supplier create DTO for a vendor that was created in Airbase."""
    clean = name.strip()
    if not clean:
        raise MappingError("the Airbase vendor has no name")
    payload: dict[str, Any] = {
        "name": {"value": clean},
        "status": {"value": "Active"},
        "currencyId": {"value": currency or company.base_currency},
        "supplierClassId": {"value": "DOM"},
        "creditTermsId": {"value": "30D"},
    }
    if email:
        payload["mainContact"] = {"value": {"email": {"value": email}}}
    return payload
