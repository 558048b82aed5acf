"""Validation of the reference resources (``api/airbase.md`` section 4.3): GL accounts, tags,
vendors, subsidiaries and currencies, each a few :class:`Checker` rules.

An ERP id, once linked, is kept (a PATCH or upsert cannot move it), and one ERP id links one record
of a kind, except through the single-create ``POST /vendors/``, which is not idempotent.
"""

from __future__ import annotations

from typing import Any

from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Record
from visma_airbase_pipeline.sandbox.airbase.validation import Checker

TAG_TYPES = ("cost_center", "department", "project")


def check_account(store: AirbaseStore, item: dict[str, Any], existing: Record | None) -> Checker:
    """A GL account of ``accounts/bulk_upsert``."""
    check = Checker(store, item, existing)
    check.string("erp_reference_id", required=True)
    check.keep_linked_erp_id()
    check.string("account_number")
    check.string("name", required=True)
    check.string("type")
    check.string("category")
    check.subsidiary_refs()
    check.currency()
    check.boolean("is_active")
    check.unique_erp_id("accounts", "account")
    return check


def check_tag(store: AirbaseStore, item: dict[str, Any], existing: Record | None) -> Checker:
    """A tag (cost centre, department, project) of ``tags/bulk_upsert``."""
    check = Checker(store, item, existing)
    check.string("erp_reference_id", required=True)
    check.keep_linked_erp_id()
    check.string("name", required=True)
    check.choice("type", TAG_TYPES, required=True)
    check.subsidiary_refs()
    check.boolean("is_active")
    check.unique_erp_id("tags", "tag")
    return check


def check_vendor(
    store: AirbaseStore,
    item: dict[str, Any],
    existing: Record | None,
    *,
    erp_required: bool = True,
    unique: bool = True,
) -> Checker:
    """A vendor of ``vendors/bulk_upsert``, ``POST /vendors/`` or ``PATCH /vendors/{id}/``.

    The single-create POST neither needs an ERP id nor checks it (it is not idempotent, section 4.3).
    """
    check = Checker(store, item, existing)
    check.string("erp_reference_id", required=erp_required)
    check.keep_linked_erp_id()
    check.string("name", required=True)
    check.subsidiary_refs()
    check.string("erp_parent_reference_id")
    check.string("email")
    email = check.clean.get("email")
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        check.error("email", "Enter a valid email address.")
    check.boolean("is_active")
    if unique:
        check.unique_erp_id("vendors", "vendor")
    return check


def check_subsidiary(store: AirbaseStore, item: dict[str, Any], existing: Record | None) -> Checker:
    """A subsidiary of ``POST``/``PATCH /subsidiaries/``: ISO 3166 alpha-2 country required."""
    check = Checker(store, item, existing)
    check.string("erp_reference_id", required=True)
    check.keep_linked_erp_id()
    check.string("name", required=True)
    check.currency(required=True)
    check.string("iso_code", required=True)
    code = check.clean.get("iso_code")
    if code is not None and not (len(code) == 2 and code.isalpha() and code.isupper()):
        check.error("iso_code", "Enter a two-letter ISO 3166 country code.")
    check.unique_erp_id("subsidiaries", "subsidiary")
    return check


def check_currency(store: AirbaseStore, item: dict[str, Any]) -> Checker:
    """A currency of ``POST /currencies/``: ISO 4217 code, one row per ERP id."""
    check = Checker(store, item)
    check.string("erp_reference_id", required=True)
    check.string("iso_code", required=True)
    code = check.clean.get("iso_code")
    if code is not None and not (len(code) == 3 and code.isalpha() and code.isupper()):
        check.error("iso_code", "Enter a three-letter ISO 4217 currency code.")
    check.unique_erp_id("currencies", "currency")
    return check
