"""Helpers of the payments-back end-to-end tests: the sandboxes' admin API (approver, payer, planted
edits, faults, stats), what Visma and Airbase hold afterwards, and the connector run both ways
(library steps, or one Dagster run of every asset)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import requests
import simplejson

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.defs.inprocess import SyncOutcome, run_sync
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sandbox.environment import SANDBOX_CREDENTIALS
from visma_airbase_pipeline.sync.approvals import sync_bill_approvals
from visma_airbase_pipeline.sync.bills import pull_supplier_invoices, push_bills
from visma_airbase_pipeline.sync.context import RunContext, Window
from visma_airbase_pipeline.sync.payments import sync_payments
from visma_airbase_pipeline.sync.purchase_orders import (
    pull_purchase_orders,
    pull_purchase_receipts,
    push_purchase_orders,
)
from visma_airbase_pipeline.sync.reference import pull_dimensions, pull_gl_accounts, push_accounts, push_tags
from visma_airbase_pipeline.sync.report import SyncReport
from visma_airbase_pipeline.sync.vendors import pull_suppliers, push_vendors
from visma_airbase_pipeline.visma import VismaClient

ACCOUNTS_PAYABLE = "2440"
CENT = Decimal("0.01")
#: The Airbase sandbox's rate budget as the session's sandboxes start (a reset does not restore it).
AIRBASE_DEFAULT_BUDGET = {"rate_limit": 500, "rate_window_s": 60}


class WorkerKilled(BaseException):
    """The worker process dies here (not an ``Exception``: nothing in the connector may catch it)."""


# ----- admin API --------------------------------------------------------------------------------
def _json(response: requests.Response) -> Any:
    assert response.status_code < 400, f"{response.request.method} {response.url}: {response.text}"
    return simplejson.loads(response.content, use_decimal=True) if response.content.strip() else None


def admin(url: str, path: str, body: Any = None) -> Any:
    """``POST {url}/_sandbox/{path}`` (an approver's or payer's action, faults, config, reset)."""
    data = simplejson.dumps(body if body is not None else {}, use_decimal=True)
    headers = {"Content-Type": "application/json"}
    return _json(requests.post(f"{url}/_sandbox/{path}", data=data, headers=headers, timeout=120))


def state(url: str, collection: str) -> list[dict[str, Any]]:
    """Every record of a sandbox collection (numbers as Decimal)."""
    return list(_json(requests.get(f"{url}/_sandbox/state/{collection}", timeout=60)))


def patch(url: str, collection: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a record as a user of the product would (``PATCH /_sandbox/records/...``)."""
    data = simplejson.dumps(changes, use_decimal=True)
    headers = {"Content-Type": "application/json"}
    target = f"{url}/_sandbox/records/{collection}/{record_id}"
    return dict(_json(requests.patch(target, data=data, headers=headers, timeout=30)))


def create(url: str, collection: str, record: dict[str, Any]) -> dict[str, Any]:
    """Create a record as a user of the product would (``POST /_sandbox/records/...``)."""
    return dict(admin(url, f"records/{collection}", record))


def install_faults(url: str, *rules: dict[str, Any]) -> None:
    """Fault rules on every matching call from now on."""
    admin(url, "faults", {"rules": list(rules)})


def clear_faults(*urls: str) -> None:
    """No more faults."""
    for url in urls:
        assert requests.delete(f"{url}/_sandbox/faults", timeout=10).status_code < 300


def faults_fired(url: str) -> int:
    """How often the installed fault rules answered instead of the API."""
    return sum(
        int(rule["fired"]) for rule in _json(requests.get(f"{url}/_sandbox/faults", timeout=10))["rules"]
    )


def reset_stats(*urls: str) -> None:
    """Forget the sandboxes' call counts."""
    for url in urls:
        assert requests.delete(f"{url}/_sandbox/stats", timeout=10).status_code < 300


def call_counts(url: str) -> Counter[tuple[str, str, int]]:
    """Calls per (method, route template, status) since the last reset."""
    counts: Counter[tuple[str, str, int]] = Counter()
    for row in _json(requests.get(f"{url}/_sandbox/stats", timeout=10)):
        counts[(row["method"], row["path"], int(row["status"]))] += int(row["count"])
    return counts


# ----- the approver and the payer in Airbase ----------------------------------------------------
def approve(airbase_url: str, bill: dict[str, Any]) -> dict[str, Any]:
    """Final approval of a bill: its ``bill`` ledger entry (sync_ready)."""
    answer = admin(airbase_url, f"bills/{bill['airbase_id']}/approve")
    assert answer["bill"]["approval_status"] == "approved", answer
    return dict(answer["ledger_entry"])


def pay(airbase_url: str, bill: dict[str, Any], **body: Any) -> dict[str, Any]:
    """Pay an approved bill (in full unless ``amount`` is given): its ``bill_payment`` entry."""
    answer = admin(airbase_url, f"bills/{bill['airbase_id']}/pay", body)
    return dict(answer["ledger_entry"])


# ----- what the two systems hold ----------------------------------------------------------------
def invoices(visma_url: str) -> dict[str, dict[str, Any]]:
    """Visma AP documents by their bill's ERP id (``Invoice/000123``)."""
    return {f"{i['documentType']}/{i['referenceNumber']}": i for i in state(visma_url, "supplierInvoice")}


def invoice(visma_url: str, number: str) -> dict[str, Any]:
    """One AP document as Visma holds it now."""
    (found,) = [i for i in state(visma_url, "supplierInvoice") if i["referenceNumber"] == number]
    return found


def entry(airbase_url: str, airbase_id: str) -> dict[str, Any]:
    """One Airbase ledger entry as Airbase holds it now."""
    (found,) = [e for e in state(airbase_url, "ledger_entries") if e["airbase_id"] == airbase_id]
    return found


def payments_applied_to(visma_url: str, number: str) -> list[dict[str, Any]]:
    """Visma supplier payments with a line on AP document ``number``."""
    return [
        p
        for p in state(visma_url, "supplierPayment")
        if any(line.get("invoiceRefNbr") == number for line in p.get("paymentLines") or [])
    ]


def payments_carrying(visma_url: str, airbase_id: str) -> list[dict[str, Any]]:
    """Visma supplier payments whose ``paymentRef`` is this Airbase payment id."""
    return [p for p in state(visma_url, "supplierPayment") if p.get("paymentRef") == airbase_id]


@dataclass(frozen=True)
class Bill:
    """An Airbase bill and the Visma invoice it mirrors."""

    bill: dict[str, Any]
    invoice: dict[str, Any]

    @property
    def number(self) -> str:
        """The Visma document number."""
        return str(self.invoice["referenceNumber"])

    @property
    def amount(self) -> Decimal:
        """The invoice amount (== the bill's ``total_amount``)."""
        return Decimal(self.invoice["amount"])

    @property
    def currency(self) -> str:
        """The invoice currency."""
        return str(self.invoice["currencyId"])

    @property
    def supplier(self) -> str:
        """The Visma supplier number."""
        return str(self.invoice["supplier"]["number"])


def bills(env: Any, predicate: Callable[[dict[str, Any]], bool], count: int = 1) -> list[Bill]:
    """``count`` pending Airbase bills whose Visma invoice matches ``predicate`` (invoice number order)."""
    by_erp = invoices(env.visma_url)
    found = []
    for bill in sorted(state(env.airbase_url, "bills"), key=lambda b: b["erp_reference_id"]):
        visma_invoice = by_erp.get(bill["erp_reference_id"])
        if visma_invoice and bill["approval_status"] == "pending_approval" and predicate(visma_invoice):
            found.append(Bill(bill, visma_invoice))
            if len(found) == count:
                return found
    raise AssertionError(f"only {len(found)} seeded bills of {count} match")


def payable(status: str = "Open", currency: str | None = None) -> Callable[[dict[str, Any]], bool]:
    """An Invoice (not a credit note) in this status (and currency), with a cent-exact amount."""

    def match(visma_invoice: dict[str, Any]) -> bool:
        return (
            visma_invoice["documentType"] == "Invoice"
            and visma_invoice["status"] == status
            and (currency is None or visma_invoice["currencyId"] == currency)
            and Decimal(visma_invoice["balance"]) == Decimal(visma_invoice["amount"]) > 0
        )

    return match


# ----- the general ledger, through the real API -------------------------------------------------
def visma_token(visma_url: str) -> str:
    """A Visma Connect token with the sandbox's well-known client credentials."""
    form = {
        "grant_type": "client_credentials",
        "client_id": SANDBOX_CREDENTIALS["VAB_VISMA_CLIENT_ID"],
        "client_secret": SANDBOX_CREDENTIALS["VAB_VISMA_CLIENT_SECRET"],
        "tenant_id": SANDBOX_CREDENTIALS["VAB_VISMA_TENANT_ID"],
        "scope": "vismanet_erp_service_api:read",
    }
    return str(_json(requests.post(f"{visma_url}/connect/token", data=form, timeout=30))["access_token"])


def journal_lines(visma_url: str, since: datetime, payment_number: str) -> list[dict[str, Any]]:
    """GL lines Visma posted since ``since`` for payment ``payment_number`` (``GET
    /v2/journaltransaction`` with a bearer token; invoices and payments are numbered apart, so the
    line text ``Payment <number>`` tells the payment's lines from an invoice's)."""
    headers = {"Authorization": f"Bearer {visma_token(visma_url)}", "Accept": "application/json"}
    lines: list[dict[str, Any]] = []
    page = 1
    while True:
        params: dict[str, Any] = {
            "lastModifiedDateTime": since.strftime("%Y-%m-%d %H:%M:%S"),
            "pageNumber": page,
            "pageSize": 500,
        }
        target = f"{visma_url}/v2/journaltransaction"
        batches = _json(requests.get(target, params=params, headers=headers, timeout=30))
        if not batches:
            return lines
        for batch in batches:
            lines += [
                {**line, "batch": batch["batchNumber"], "currency": batch["currencyId"]}
                for line in batch["journalTransactionLines"]
                if line["referenceNumber"] == payment_number
                and line["transactionDescription"] == f"Payment {payment_number}"
            ]
        page += 1


def utc_now_naive() -> datetime:
    """The sandbox's clock is UTC, its timestamps naive."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# ----- the connector ----------------------------------------------------------------------------
@dataclass
class Connector:
    """Clients and the ledger of one worker process."""

    visma: VismaClient
    airbase: AirbaseClient
    store: LedgerStore

    def approvals(self, run_id: str = "approvals") -> SyncReport:
        """One pass of ``visma/invoice_approvals``."""
        return sync_bill_approvals(self.airbase, self.visma, self.store, RunContext(run_id=run_id))

    def payments(self, run_id: str = "payments") -> SyncReport:
        """One pass of ``visma/supplier_payments``."""
        return sync_payments(self.airbase, self.visma, self.store, RunContext(run_id=run_id))


@contextmanager
def connector() -> Iterator[Connector]:
    """A fresh worker: new clients (settings read from the environment now) on the default ledger
    (``$DAGSTER_HOME/vab-ledger.db``, the one the Dagster runs use too)."""
    credentials = resolve_credentials()
    store = LedgerStore()
    try:
        with (
            VismaClient.from_credentials(credentials) as visma,
            AirbaseClient.from_credentials(credentials) as airbase,
        ):
            yield Connector(visma, airbase, store)
    finally:
        store.close()


def seeded_window() -> Window:
    """The seeded 90 days and today."""
    today = datetime.now(UTC).date()
    return Window.days(today - timedelta(days=91), today)


def inbound_sync(worker: Connector) -> None:
    """Every inbound step in dependency order, through the library (bills land in Airbase)."""
    visma, airbase, store = worker.visma, worker.airbase, worker.store
    ctx, window = RunContext(run_id="inbound"), seeded_window()
    for step in (
        lambda: pull_gl_accounts(visma, store, ctx),
        lambda: push_accounts(airbase, store, ctx),
        lambda: pull_dimensions(visma, store, ctx),
        lambda: push_tags(airbase, visma, store, ctx),
        lambda: pull_suppliers(visma, store, ctx),
        lambda: push_vendors(airbase, visma, store, ctx),
        lambda: pull_purchase_orders(visma, store, ctx, window),
        lambda: pull_purchase_receipts(visma, store, ctx, window),
        lambda: push_purchase_orders(airbase, store, ctx, window),
        lambda: pull_supplier_invoices(visma, store, ctx, window),
        lambda: push_bills(airbase, visma, store, ctx, window),
    ):
        step()


def dagster_run(first: date, last: date | None = None) -> SyncOutcome:
    """Every asset (inbound for UTC days ``first..last``, approvals, payments) as one Dagster run."""
    return run_sync(first, last or first, instance=dg.DagsterInstance.ephemeral())


def sums_by_currency(items: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Decimal sum per currency."""
    sums: dict[str, Decimal] = {}
    for currency, amount in items:
        sums[currency] = sums.get(currency, Decimal(0)) + amount
    return sums
