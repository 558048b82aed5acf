"""Per-item validation of Airbase writes, in Django REST Framework's error shape.

A :class:`Checker` cleans one item field by field and collects ``{"field": ["msg"]}`` errors, so a
bulk upsert can report every problem of every item by index (section 4.2). Updates merge onto the
stored record: a field the item leaves out keeps its stored value and is not "required" again.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from visma_airbase_pipeline.sandbox.airbase import wire
from visma_airbase_pipeline.sandbox.airbase.store import AirbaseStore, Record, erp_key

Errors = dict[str, Any]

# Long enough for any ERP memo or line text; longer input is a DRF max_length error.
_MAX_LENGTH = 1024


class Checker:
    """Cleans one write item against the store; ``clean`` holds accepted fields, ``errors`` the rest."""

    def __init__(self, store: AirbaseStore, item: dict[str, Any], existing: Record | None = None) -> None:
        self.store = store
        self.item = item
        self.existing = existing
        self.clean: Record = {}
        self.errors: Errors = {}

    # ----- plumbing ------------------------------------------------------------------------------
    def error(self, field: str, message: str) -> None:
        """Add one message under a field (DRF lists every message of a field)."""
        self.errors.setdefault(field, []).append(message)

    def merged(self, field: str) -> Any:
        """The value a field will have after the write (the item's, else the stored one)."""
        if field in self.clean:
            return self.clean[field]
        return self.existing.get(field) if self.existing is not None else None

    def given(self, field: str, required: bool) -> bool:
        """Whether the item carries the field; a missing required field is an error on creates."""
        if field in self.item:
            return True
        if required and (self.existing is None or self.existing.get(field) in (None, "")):
            self.error(field, wire.REQUIRED)
        return False

    # ----- scalar fields ---------------------------------------------------------------------------
    def string(self, field: str, *, required: bool = False, blank: bool = True, null: bool = True) -> None:
        """A CharField: strings, and numbers turned into strings as DRF does."""
        if not self.given(field, required):
            return
        value = self.item[field]
        if value is None:
            if not null or required:
                self.error(field, wire.NULL)
            else:
                self.clean[field] = None
            return
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            self.error(field, wire.NOT_STRING)
            return
        text = str(value).strip()
        if "\x00" in text:
            self.error(field, "Null characters are not allowed.")
        elif not text and (required or not blank):
            self.error(field, wire.BLANK)
        elif len(text) > _MAX_LENGTH:
            self.error(field, f"Ensure this field has no more than {_MAX_LENGTH} characters.")
        else:
            self.clean[field] = text

    def boolean(self, field: str) -> None:
        """A BooleanField (``is_active``)."""
        if self.given(field, False):
            try:
                self.clean[field] = wire.parse_bool(self.item[field])
            except ValueError as exc:
                self.error(field, str(exc))

    def money(self, field: str, *, required: bool = False) -> None:
        """A decimal amount: a decimal string or a JSON number, stored as ``Decimal``."""
        if not self.given(field, required):
            return
        value = self.item[field]
        if value is None:
            if required:
                self.error(field, wire.NULL)
            else:
                self.clean[field] = None
            return
        try:
            self.clean[field] = wire.parse_money(value)
        except ValueError as exc:
            self.error(field, str(exc))

    def date(self, field: str, *, required: bool = False) -> None:
        """A ``YYYY-MM-DD`` business date, kept as the string."""
        if not self.given(field, required):
            return
        value = self.item[field]
        if value is None and not required:
            self.clean[field] = None
            return
        try:
            wire.parse_date(value)
        except ValueError as exc:
            self.error(field, wire.NULL if value is None else str(exc))
        else:
            self.clean[field] = value

    def choice(self, field: str, choices: Iterable[str], *, required: bool = False) -> None:
        """A ChoiceField."""
        if not self.given(field, required):
            return
        value = self.item[field]
        if isinstance(value, str) and value in choices:
            self.clean[field] = value
        else:
            self.error(field, f'"{value}" is not a valid choice.')

    def integer(self, field: str, *, required: bool = False) -> None:
        """An IntegerField (``line_number``): integers and digit strings."""
        if not self.given(field, required):
            return
        value = self.item[field]
        if value is None and not required:
            self.clean[field] = None
        elif isinstance(value, int) and not isinstance(value, bool):
            self.clean[field] = value
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            self.clean[field] = int(value)
        else:
            self.error(field, wire.NOT_INTEGER)

    # ----- references --------------------------------------------------------------------------
    def subsidiary_refs(self, field: str = "subsidiary_reference_ids") -> None:
        """``[{"airbase_id", "erp_reference_id"}]``: by ``airbase_id`` when given, else ERP id."""
        if not self.given(field, False):
            return
        value = self.item[field]
        if not isinstance(value, list):
            self.error(field, f'Expected a list of items but got type "{wire.type_name(value)}".')
            return
        resolved: list[Record] = []
        subsidiaries = self.store["subsidiaries"]
        for ref in value:
            if not isinstance(ref, dict):
                self.error(field, f"Invalid data. Expected a dictionary, but got {wire.type_name(ref)}.")
                continue
            airbase_id, erp_id = ref.get("airbase_id"), ref.get("erp_reference_id")
            found = subsidiaries.get(airbase_id) if airbase_id else subsidiaries.by_erp(erp_id)
            if found is None:
                self.error(field, f"Unknown subsidiary '{airbase_id or erp_id}'.")
            else:
                resolved.append(
                    {"airbase_id": found["airbase_id"], "erp_reference_id": found.get("erp_reference_id")}
                )
        if field not in self.errors:
            self.clean[field] = resolved

    def erp_ref(
        self, field: str, collection: str, label: str, *, required: bool = False, active: bool = False
    ) -> Record | None:
        """A scalar ``erp_<thing>_reference_id``: must name an existing (and active) record."""
        self.string(field, required=required)
        value = self.clean.get(field)
        if field not in self.item or value in (None, ""):
            return None
        return self._lookup(field, collection, label, value, active)

    def _lookup(self, field: str, collection: str, label: str, value: str, active: bool) -> Record | None:
        found = self.store[collection].by_erp(value)
        if found is None:
            self.error(field, f"Unknown {label} '{value}'.")
        elif active and found.get("is_active") is False:
            self.error(field, f"{label.capitalize()} '{value}' is inactive.")
        return found

    def erp_ref_list(self, field: str, collection: str, label: str, *, active: bool = False) -> None:
        """A list of ERP ids (``erp_tag_reference_ids``), each naming an existing record."""
        if not self.given(field, False):
            return
        value = self.item[field]
        if value is None:
            self.clean[field] = []
            return
        if not isinstance(value, list):
            self.error(field, f'Expected a list of items but got type "{wire.type_name(value)}".')
            return
        for ref in value:
            if isinstance(ref, bool) or not isinstance(ref, (str, int)) or str(ref).strip() == "":
                self.error(field, f"Invalid {label} reference {ref!r}.")
            else:
                self._lookup(field, collection, label, str(ref).strip(), active)
        if field not in self.errors:
            self.clean[field] = [str(ref).strip() for ref in value]

    def currency(self, field: str = "erp_currency_reference_id", *, required: bool = False) -> None:
        """A currency the ERP pushed (blank-id rows auto-created by Airbase do not count)."""
        self.string(field, required=required)
        value = self.clean.get(field)
        if field in self.item and value not in (None, "") and self.store.currency(value) is None:
            self.error(field, f"Unknown currency '{value}'.")

    def unique_erp_id(self, collection: str, label: str) -> None:
        """An ERP id may link only one record of a kind (bulk upserts and link-by-``airbase_id``)."""
        value = erp_key(self.clean.get("erp_reference_id"))
        if value is None:
            return
        other = self.store[collection].by_erp(value)
        if other is not None and (
            self.existing is None or other["airbase_id"] != self.existing["airbase_id"]
        ):
            self.error("erp_reference_id", f"{label} with this erp reference id already exists.")

    def keep_linked_erp_id(self) -> None:
        """Once set, ``erp_reference_id`` cannot be changed (section 3): a new value is ignored."""
        if self.existing is not None and erp_key(self.existing.get("erp_reference_id")) is not None:
            self.clean.pop("erp_reference_id", None)
