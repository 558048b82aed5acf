"""GL accounts and cost centres: Visma reference data -> Airbase accounts and tags, and back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from visma_airbase_pipeline.mapping.checks import clean_text
from visma_airbase_pipeline.mapping.errors import MappingError
from visma_airbase_pipeline.visma.models import Account, SegmentValue
from visma_airbase_pipeline.visma.writes import SegmentValueWrite

#: Airbase tag type of the cost-centre segment.
COST_CENTER_TAG_TYPE = "cost_center"
_TAG_PREFIX = "CC-"


@dataclass(frozen=True)
class Company:
    """The ERP company as Airbase knows it: one subsidiary, its base currency, its AP account."""

    subsidiary_id: str = "1"
    base_currency: str = "SEK"
    ap_account: str = "2440"
    input_vat_account: str = "2640"
    cost_center_dimension: str = "SUBACCOUNT"
    cost_center_segment: int = 1

    def subsidiary_refs(self) -> list[dict[str, str]]:
        """The ``subsidiary_reference_ids`` list every reference item carries."""
        return [{"erp_reference_id": self.subsidiary_id}]


def cost_center_tag_id(segment_value: str) -> str:
    """The Airbase tag ERP id of a cost-centre segment value (``200`` -> ``CC-200``)."""
    return f"{_TAG_PREFIX}{segment_value}"


def segment_value_of_tag(erp_reference_id: str) -> str:
    """The Visma segment value behind a cost-centre tag id (``CC-200`` -> ``200``)."""
    if not erp_reference_id.startswith(_TAG_PREFIX) or len(erp_reference_id) <= len(_TAG_PREFIX):
        raise MappingError(f"tag {erp_reference_id!r} is not a cost-centre tag id")
    return erp_reference_id[len(_TAG_PREFIX) :]


def account_to_airbase(account: Account, company: Company) -> dict[str, Any]:
    """A Visma GL account as an Airbase account bulk-upsert item (read-only in Airbase)."""
    if not account.account_cd:
        raise MappingError("GL account has no number (accountCD)")
    clean_text(account.account_cd, "the GL account number")
    if not clean_text(account.description, f"the description of GL account {account.account_cd}").strip():
        raise MappingError(f"GL account {account.account_cd} has no description")
    return {
        "erp_reference_id": account.account_cd,
        "account_number": account.account_cd,
        "name": account.description,
        "type": account.type or "",
        "category": "",
        "erp_currency_reference_id": company.base_currency,
        "subsidiary_reference_ids": company.subsidiary_refs(),
        "is_active": bool(account.active) if account.active is not None else True,
    }


def segment_value_to_tag(value: SegmentValue, company: Company) -> dict[str, Any]:
    """A cost-centre segment value as an Airbase tag bulk-upsert item."""
    if not value.value_id:
        raise MappingError("cost-centre segment value has no id")
    clean_text(value.value_id, "the cost-centre code")
    clean_text(value.description, f"the description of cost centre {value.value_id}")
    return {
        "erp_reference_id": cost_center_tag_id(value.value_id),
        "name": value.description or value.value_id,
        "type": COST_CENTER_TAG_TYPE,
        "is_active": bool(value.active) if value.active is not None else True,
        "subsidiary_reference_ids": company.subsidiary_refs(),
    }


def tag_to_segment_insert(value_id: str, name: str, active: bool = True) -> SegmentValueWrite:
    """The Visma segment-value insert for a cost centre created in Airbase (PUT dimension segment)."""
    if not name.strip():
        raise MappingError("the Airbase tag has no name")
    return SegmentValueWrite(operation="Insert", value=value_id, description=name.strip(), active=active)


def next_segment_value(existing: set[str], length: int = 3) -> str:
    """A free numeric code for a new cost centre: the next ten above the highest numeric one
    (cost centres are numbered in tens, 100, 110, ...), else the lowest free code."""
    numeric = [int(v) for v in existing if v.isdigit()]
    start = (max(numeric) // 10 + 1) * 10 if numeric else 10
    candidates = [*range(start, 10**length, 10), *range(1, 10**length)]
    for candidate in candidates:
        code = str(candidate).zfill(length)
        if code not in existing:
            return code
    raise MappingError(f"no free cost-centre code of length {length} is left")
