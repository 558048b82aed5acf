"""The reconciliation report: Visma's open AP against what Airbase holds, per currency and vendor.

Visma side: invoices, debit and credit notes (and prepayments, as debits) with status Open, Balanced
or Hold, at their balance; released supplier payments carrying an Airbase ``paymentRef``. Airbase
side: each bill's open amount (``total_amount - amount_paid``; archived bills owe nothing) and the
``bill_payment`` ledger entries. Documents dated, or changed, in the range are compared one by one;
every difference is listed with its reason:

* ``quarantined``: an open quarantine item in the ledger for that bill, its approval or a payment
  of it (the item's error is the detail);
* ``skipped``: a prepayment or a voided document, which Airbase does not hold;
* ``in flight``: a payment in the journal not yet acknowledged, or an Airbase entry still waiting
  (``sync_ready``) to reach Visma;
* ``pending approval``: the bill awaits approval in Airbase while the invoice is on hold in Visma;
* ``unexplained``: anything else. Those are what an operator must look at.

Amounts are ``Decimal`` throughout (object columns of the DataFrames), never float.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from visma_airbase_pipeline.airbase.client import AirbaseClient
from visma_airbase_pipeline.airbase.models import Bill, LedgerEntry
from visma_airbase_pipeline.ledger import LedgerStore, QuarantineItem, journal
from visma_airbase_pipeline.mapping.bills import bill_reference_id
from visma_airbase_pipeline.visma.client import VismaClient
from visma_airbase_pipeline.visma.documents import SupplierInvoice, SupplierPayment

QUARANTINED = "quarantined"
PENDING_APPROVAL = "pending approval"
IN_FLIGHT = "in flight"
SKIPPED = "skipped"
UNEXPLAINED = "unexplained"
REASONS = (QUARANTINED, PENDING_APPROVAL, IN_FLIGHT, SKIPPED, UNEXPLAINED)

#: Ledger kinds of the quarantine items that explain a difference (as the sync steps write them).
BILL_KIND = "bill"
APPROVAL_KIND = "bill_approval"
PAYMENT_KIND = "payment"

OPEN_STATUSES = frozenset({"Open", "Balanced", "Hold"})
#: AP document types counted as open AP, and the sign of their balance (credits reduce what is owed).
_SIGN = {"Invoice": 1, "DebitAdj": 1, "CreditAdj": -1, "Prepayment": -1}
_WAITING_ENTRY = frozenset({"pending", "sync_ready"})
_ENTRY_STATUSES = ("pending", "sync_ready", "sync_error", "sync_complete")
_ZERO = Decimal(0)

SUMMARY_COLUMNS = ("currency", "vendor", "visma_open", "airbase_open", "difference")
TOTAL_COLUMNS = ("currency", "visma_open", "airbase_open", "difference")
DIFFERENCE_COLUMNS = (
    "record",
    "currency",
    "vendor",
    "visma_amount",
    "airbase_amount",
    "difference",
    "reason",
    "detail",
)
CSV_COLUMNS = (
    "section",
    "currency",
    "vendor",
    "record",
    "visma_amount",
    "airbase_amount",
    "difference",
    "reason",
    "detail",
)


def _frame(rows: list[dict[str, Any]], columns: Iterable[str]) -> pd.DataFrame:
    # Object dtype throughout: pandas would otherwise turn Decimals into float.
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


@dataclass
class ReconciliationReport:
    """Both sides per currency and vendor over ``first_day..last_day``, and every difference."""

    first_day: date
    last_day: date
    summary: pd.DataFrame
    differences: pd.DataFrame
    documents: int = 0
    payments: int = 0

    @property
    def totals(self) -> pd.DataFrame:
        """The summary summed per currency."""
        rows = []
        for currency, group in self.summary.groupby("currency", sort=True):
            visma = sum(group["visma_open"], _ZERO)
            airbase = sum(group["airbase_open"], _ZERO)
            rows.append(
                {
                    "currency": currency,
                    "visma_open": visma,
                    "airbase_open": airbase,
                    "difference": visma - airbase,
                }
            )
        return _frame(rows, TOTAL_COLUMNS)

    @property
    def unexplained(self) -> pd.DataFrame:
        """The differences nobody can account for."""
        return self.differences[self.differences["reason"] == UNEXPLAINED]

    @property
    def ok(self) -> bool:
        """True when every difference has a reason other than ``unexplained``."""
        return self.unexplained.empty

    def csv_rows(self) -> list[dict[str, str]]:
        """Summary, totals and differences as rows of one table, told apart by ``section``."""
        rows: list[dict[str, Any]] = []
        for row in self.summary.to_dict("records"):
            rows.append(
                {
                    "section": "summary",
                    "currency": row["currency"],
                    "vendor": row["vendor"],
                    "visma_amount": row["visma_open"],
                    "airbase_amount": row["airbase_open"],
                    "difference": row["difference"],
                }
            )
        for row in self.totals.to_dict("records"):
            rows.append(
                {
                    "section": "total",
                    "currency": row["currency"],
                    "visma_amount": row["visma_open"],
                    "airbase_amount": row["airbase_open"],
                    "difference": row["difference"],
                }
            )
        for row in self.differences.to_dict("records"):
            rows.append({"section": "difference", **row})
        return [{name: _text(row.get(name)) for name in CSV_COLUMNS} for row in rows]

    def to_csv(self, path: str | Path) -> Path:
        """Write summary (``section=summary``), per-currency totals (``total``) and differences
        (``difference``) as one CSV with a header; amounts as plain decimal strings."""
        target = Path(path)
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS))
            writer.writeheader()
            writer.writerows(self.csv_rows())
        return target

    def text(self) -> str:
        """The report for a terminal: totals, the per-vendor summary, then the differences."""
        lines = [
            f"Reconciliation {self.first_day}..{self.last_day}: "
            f"{self.documents} documents, {self.payments} payments compared"
        ]
        lines.append("")
        lines.append("Open AP per currency")
        lines += _table(self.totals, TOTAL_COLUMNS)
        lines.append("")
        lines.append("Open AP per currency and vendor")
        lines += _table(self.summary, SUMMARY_COLUMNS)
        lines.append("")
        if self.differences.empty:
            lines.append("No differences.")
        else:
            counts = self.differences["reason"].value_counts()
            told = ", ".join(f"{counts[r]} {r}" for r in REASONS if r in counts)
            lines.append(f"Differences ({told})")
            lines += _table(self.differences, DIFFERENCE_COLUMNS)
        lines.append("")
        lines.append(
            "Every difference is explained."
            if self.ok
            else f"{len(self.unexplained)} UNEXPLAINED difference(s): look at them."
        )
        return "\n".join(lines)


def _table(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    names = list(columns)
    cells = [[_text(value) for value in row] for row in frame[names].itertuples(index=False)]
    if not cells:
        return ["  (none)"]
    widths = [max(len(name), *(len(row[i]) for row in cells)) for i, name in enumerate(names)]
    amounts = {"visma_open", "airbase_open", "difference", "visma_amount", "airbase_amount"}

    def line(values: list[str]) -> str:
        parts = [
            value.rjust(width) if name in amounts else value.ljust(width)
            for name, value, width in zip(names, values, widths, strict=True)
        ]
        return ("  " + "  ".join(parts)).rstrip()

    return [line(names), *(line(row) for row in cells)]


# ---- gathering -----------------------------------------------------------------------------------


@dataclass
class _Pair:
    """One record as both systems hold it (None: that side has no such record)."""

    record: str
    currency: str
    vendor: str
    visma: Decimal | None
    airbase: Decimal | None

    @property
    def differs(self) -> bool:
        return (self.visma or _ZERO) != (self.airbase or _ZERO)

    @property
    def difference(self) -> Decimal:
        return (self.visma or _ZERO) - (self.airbase or _ZERO)


@dataclass
class _Ledger:
    """What the connector's ledger and Airbase's ledger entries know about records in motion."""

    quarantine: dict[tuple[str, str], QuarantineItem] = field(default_factory=dict)
    #: bill entry id -> bill key (``Invoice/000123``)
    bill_entries: dict[str, str] = field(default_factory=dict)
    bill_entry_of: dict[str, str] = field(default_factory=dict)
    payments: dict[str, LedgerEntry] = field(default_factory=dict)
    #: bill key -> payment ids applied to it (Airbase entries and the journal)
    payments_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    journal: dict[str, journal.JournalEntry] = field(default_factory=dict)

    def quarantined(self, kind: str, key: str | None) -> QuarantineItem | None:
        return self.quarantine.get((kind, key)) if key else None


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _within(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def _changed_on(stamp: str | None) -> date | None:
    try:
        return date.fromisoformat(stamp[:10]) if stamp else None
    except ValueError:
        return None


def _invoice_key(invoice: SupplierInvoice) -> str | None:
    if not invoice.document_type or not invoice.reference_number:
        return None
    return bill_reference_id(invoice.document_type, invoice.reference_number)


def _visma_open(invoice: SupplierInvoice) -> Decimal:
    sign = _SIGN.get(invoice.document_type or "")
    if sign is None or invoice.status not in OPEN_STATUSES:
        return _ZERO
    return sign * (invoice.balance if invoice.balance is not None else _ZERO)


def _airbase_open(bill: Bill) -> Decimal:
    if bill.is_archived or bill.approval_status == "archived":
        return _ZERO
    return (bill.total_amount or _ZERO) - (bill.amount_paid or _ZERO)


def _read_ledger(airbase: AirbaseClient, store: LedgerStore) -> _Ledger:
    ledger = _Ledger()
    for item in store.quarantined():
        ledger.quarantine[(item.kind, item.record_key)] = item
    entries = [
        entry
        for status in _ENTRY_STATUSES
        for entry in airbase.list_ledger_entries(status, types=["bill", "bill_payment"])
    ]
    for entry in entries:
        if entry.type == "bill" and entry.airbase_id and entry.erp_reference_id:
            ledger.bill_entries[entry.airbase_id] = entry.erp_reference_id
            ledger.bill_entry_of[entry.erp_reference_id] = entry.airbase_id
    for entry in entries:
        if entry.type != "bill_payment" or not entry.airbase_id:
            continue
        ledger.payments[entry.airbase_id] = entry
        for applied in entry.applied_to:
            key = ledger.bill_entries.get(applied.airbase_id or applied.id or "")
            if key:
                ledger.payments_of[key].add(entry.airbase_id)
    for row in journal.entries(store.engine):
        ledger.journal[row.airbase_payment_id] = row
        for key in filter(None, row.invoices.split(",")):
            ledger.payments_of[key].add(row.airbase_payment_id)
    return ledger


def _payment_waiting(ledger: _Ledger, payment_id: str) -> str | None:
    """Why a payment is still on its way to Visma, or None if it is not."""
    row = ledger.journal.get(payment_id)
    if row is not None and row.state != "acknowledged":
        return f"payment {payment_id} is {row.state} in the journal, not yet acknowledged"
    entry = ledger.payments.get(payment_id)
    if entry is not None and entry.status in _WAITING_ENTRY:
        return f"Airbase payment {payment_id} is {entry.status}, not yet in Visma"
    return None


def _document_reason(
    key: str, invoice: SupplierInvoice | None, bill: Bill | None, ledger: _Ledger
) -> tuple[str, str]:
    payments = sorted(ledger.payments_of.get(key, ()))
    held = [
        ledger.quarantined(BILL_KIND, key),
        ledger.quarantined(APPROVAL_KIND, ledger.bill_entry_of.get(key)),
    ]
    held += [ledger.quarantined(PAYMENT_KIND, pid) for pid in payments]
    for item in held:
        if item is not None:
            return QUARANTINED, f"{item.kind} {item.record_key}: {item.error}"
    if invoice is not None and invoice.document_type == "Prepayment":
        return SKIPPED, "prepayments are not billed"
    if invoice is not None and invoice.status == "Voided":
        return SKIPPED, "voided in Visma"
    for pid in payments:
        waiting = _payment_waiting(ledger, pid)
        if waiting:
            return IN_FLIGHT, waiting
    if (
        bill is not None
        and invoice is not None
        and bill.approval_status == "pending_approval"
        and (invoice.status == "Hold" or invoice.hold)
    ):
        return PENDING_APPROVAL, "bill pending approval in Airbase, invoice on hold in Visma"
    if bill is None:
        return UNEXPLAINED, "no bill in Airbase"
    if invoice is None:
        return UNEXPLAINED, "no document in Visma"
    return (
        UNEXPLAINED,
        f"Visma {invoice.status} balance {invoice.balance}, Airbase {bill.approval_status} "
        + (f"{bill.payment_status} (paid {bill.amount_paid})"),
    )


def _payment_reason(payment_id: str, visma: SupplierPayment | None, ledger: _Ledger) -> tuple[str, str]:
    item = ledger.quarantined(PAYMENT_KIND, payment_id)
    if item is not None:
        return QUARANTINED, f"{item.kind} {item.record_key}: {item.error}"
    waiting = _payment_waiting(ledger, payment_id)
    if waiting:
        return IN_FLIGHT, waiting
    if visma is not None and not visma.released:
        return IN_FLIGHT, f"Visma payment {visma.ref_nbr} is not released yet"
    if visma is None:
        return UNEXPLAINED, "no Visma payment carries this Airbase payment id"
    if payment_id not in ledger.payments:
        return UNEXPLAINED, f"Visma payment {visma.ref_nbr} names an Airbase payment Airbase does not have"
    return UNEXPLAINED, f"Visma payment {visma.ref_nbr} differs from the Airbase payment"


def _payment_keys(payment_id: str, visma: SupplierPayment | None, ledger: _Ledger) -> set[str]:
    keys = {key for key, ids in ledger.payments_of.items() if payment_id in ids}
    if visma is not None:
        keys |= {
            bill_reference_id(line.doc_type, line.invoice_ref_nbr)
            for line in visma.payment_lines
            if line.doc_type and line.invoice_ref_nbr
        }
    return keys


def reconcile(
    visma: VismaClient,
    airbase: AirbaseClient,
    store: LedgerStore,
    first_day: date | str,
    last_day: date | str,
) -> ReconciliationReport:
    """Compare both systems over the documents dated, or changed, in ``first_day..last_day``."""
    first, last = _day(first_day), _day(last_day)
    if last < first:
        raise ValueError(f"last day {last} is before first day {first}")
    invoices = {key: i for i in visma.iter_supplier_invoices() if (key := _invoice_key(i))}
    bills = {b.erp_reference_id: b for b in airbase.iter_bills() if b.erp_reference_id}
    ledger = _read_ledger(airbase, store)

    keys = {
        key
        for key, invoice in invoices.items()
        if _within(invoice.date, first, last)
        or _within(_changed_on(invoice.last_modified_date_time), first, last)
    }
    keys |= {key for key, bill in bills.items() if _within(bill.invoice_date, first, last)}

    groups: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [_ZERO, _ZERO])
    differences: list[dict[str, Any]] = []
    for key in sorted(keys):
        invoice, bill = invoices.get(key), bills.get(key)
        currency = (
            (invoice.currency_id if invoice else None)
            or (bill.erp_currency_reference_id if bill else None)
            or ""
        ).upper()
        vendor = (
            (invoice.supplier.number if invoice and invoice.supplier else None)
            or (bill.erp_vendor_reference_id if bill else None)
            or ""
        )
        pair = _Pair(
            key,
            currency,
            vendor,
            _visma_open(invoice) if invoice is not None else None,
            _airbase_open(bill) if bill is not None else None,
        )
        sums = groups[(currency, vendor)]
        sums[0] += pair.visma or _ZERO
        sums[1] += pair.airbase or _ZERO
        other_currency = (bill.erp_currency_reference_id or "").upper() if bill else currency
        if pair.differs or other_currency != currency:
            reason, detail = _document_reason(key, invoice, bill, ledger)
            if other_currency != currency:
                detail = f"currency {currency} in Visma, {other_currency} in Airbase; {detail}"
            differences.append(_difference(pair, reason, detail))

    visma_payments = {p.payment_ref: p for p in visma.iter_supplier_payments() if p.payment_ref}
    payments = 0
    for payment_id in sorted(set(visma_payments) | set(ledger.payments)):
        found, entry = visma_payments.get(payment_id), ledger.payments.get(payment_id)
        paid_on = [
            entry.payment_entry_date.date() if entry and entry.payment_entry_date else None,
            found.application_date if found else None,
        ]
        related = _payment_keys(payment_id, found, ledger)
        if not (related & keys or any(_within(day, first, last) for day in paid_on)):
            continue
        payments += 1
        currency = (
            (found.currency if found else None)
            or (entry.currency.iso_code if entry and entry.currency else None)
            or ""
        ).upper()
        vendor = (
            (found.supplier.number if found and found.supplier else None)
            or (entry.vendor.erp_reference_id if entry and entry.vendor else None)
            or ""
        )
        pair = _Pair(
            f"payment/{payment_id}",
            currency,
            vendor,
            (found.payment_amount or _ZERO) if found and found.released else (_ZERO if found else None),
            (entry.total_amount or _ZERO) if entry else None,
        )
        if pair.differs:
            reason, detail = _payment_reason(payment_id, found, ledger)
            differences.append(_difference(pair, reason, detail))

    summary = [
        {
            "currency": currency,
            "vendor": vendor,
            "visma_open": visma_open,
            "airbase_open": airbase_open,
            "difference": visma_open - airbase_open,
        }
        for (currency, vendor), (visma_open, airbase_open) in sorted(groups.items())
    ]
    return ReconciliationReport(
        first_day=first,
        last_day=last,
        summary=_frame(summary, SUMMARY_COLUMNS),
        differences=_frame(differences, DIFFERENCE_COLUMNS),
        documents=len(keys),
        payments=payments,
    )


def _difference(pair: _Pair, reason: str, detail: str) -> dict[str, Any]:
    return {
        "record": pair.record,
        "currency": pair.currency,
        "vendor": pair.vendor,
        "visma_amount": pair.visma,
        "airbase_amount": pair.airbase,
        "difference": pair.difference,
        "reason": reason,
        "detail": detail,
    }
