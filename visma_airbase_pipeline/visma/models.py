"""Read DTOs of Visma master data (suppliers, GL accounts, subaccounts, dimensions).

Visma GETs return camelCase JSON with nested reference objects; any field may be null or absent
and new fields appear without notice, so every field is optional, unknown fields are kept (in
``model_extra``) and nulls fall back to defaults. Money and quantities are ``Decimal`` (the client
parses JSON numbers with ``parse_float=Decimal``); ids are strings with their leading zeros.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel


def _empty_if_null(value: Any) -> Any:
    return [] if value is None else value


T = TypeVar("T")
#: A list Visma may send as ``null``: read as empty. Only lists need this (every other field
#: defaults to None); one field validator costs far less than a before-validator on every model.
NullList = Annotated[list[T], BeforeValidator(_empty_if_null)]


def _to_date(value: Any) -> Any:
    """Visma sends business dates as ``2025-03-10T00:00:00``; keep only the calendar date.

    A number is refused rather than read as a Unix time (``20250310`` is not 1970-08-23).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise ValueError("a number is not a date")
    if isinstance(value, str) and len(value) >= 10:
        return date.fromisoformat(value[:10])
    return value


VismaDate = Annotated[date | None, BeforeValidator(_to_date)]


class VismaModel(BaseModel):
    """Base of all Visma read DTOs: camelCase aliases, tolerant of nulls and unknown fields."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="allow",
        coerce_numbers_to_str=True,
    )


class Ref(VismaModel):
    """A reference by number, e.g. ``supplier: {number, name}`` or ``inventory: {number}``."""

    number: str | None = None
    name: str | None = None
    description: str | None = None


class IdRef(VismaModel):
    """A reference by id, e.g. ``creditTerms: {id}``, ``vatCode: {id}``, ``warehouse: {id}``."""

    id: str | None = None
    description: str | None = None


class SegmentPick(VismaModel):
    """One segment of a subaccount: ``{segmentId, segmentValue}``."""

    segment_id: int | None = None
    segment_value: str | None = None


class SubaccountRef(VismaModel):
    """A line's subaccount: ``{subaccountNumber, segments[]}`` (the cost centre lives in a segment)."""

    subaccount_id: int | None = None
    subaccount_number: str | None = None
    description: str | None = None
    segments: NullList[SegmentPick] = []


class Address(VismaModel):
    """A supplier address."""

    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: IdRef | None = None


class Tracked(VismaModel):
    """Fields every changeable record carries: delta watermark, version and error slot."""

    last_modified_date_time: str | None = None
    time_stamp: str | None = None
    error_info: Any = None


class Supplier(Tracked):
    """A Visma supplier (becomes an Airbase vendor)."""

    internal_id: int | None = None
    number: str | None = None
    name: str | None = None
    status: str | None = None
    vat_registration_id: str | None = None
    corporate_id: str | None = None
    currency_id: str | None = None
    credit_terms: IdRef | None = None
    payment_method: IdRef | None = None
    supplier_class: IdRef | None = None
    main_address: Address | None = None


class Account(Tracked):
    """A GL account (``accountCD`` is its number)."""

    account_id: int | None = Field(default=None, validation_alias=AliasChoices("accountID", "accountId"))
    account_cd: str | None = Field(default=None, validation_alias=AliasChoices("accountCD", "accountCd"))
    description: str | None = None
    type: str | None = None
    active: bool | None = None

    @property
    def number(self) -> str | None:
        """The account number as used in lines (``accountNumber``)."""
        return self.account_cd


class Subaccount(Tracked):
    """A subaccount: a combination of dimension segment values."""

    subaccount_id: int | None = None
    subaccount_number: str | None = None
    description: str | None = None
    active: bool | None = None
    segments: NullList[SegmentPick] = []


class SegmentValue(VismaModel):
    """One value of a dimension segment (a cost centre, a department)."""

    value_id: str | None = Field(default=None, validation_alias=AliasChoices("valueId", "value", "value_id"))
    description: str | None = None
    active: bool | None = None
    last_modified_date_time: str | None = None


class Segment(VismaModel):
    """A segment of a dimension, with its values when ``expandSegmentsValues=true``."""

    segment_id: int | None = None
    description: str | None = None
    length: int | None = None
    segment_values: NullList[SegmentValue] = []


class Dimension(VismaModel):
    """A dimension such as ``SUBACCOUNT`` and its segments."""

    dimension_id: str | None = Field(
        default=None, validation_alias=AliasChoices("dimensionId", "id", "dimension_id")
    )
    description: str | None = None
    length: int | None = None
    segments: NullList[Segment] = []
