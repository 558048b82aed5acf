"""Helpers of the end-to-end tests: the sandboxes' admin API, Dagster runs, and what a bill should be."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import requests
import simplejson
from dagster._core.events import DagsterEventType

from visma_airbase_pipeline.defs.inprocess import SyncOutcome, run_sync
from visma_airbase_pipeline.sync.context import Window

#: Document types the connector bills, and the sign their amounts take in Airbase.
BILLED_SIGN = {"Invoice": 1, "CreditAdj": -1}
NOT_BILLED_STATUSES = ("Voided", "Closed")
INPUT_VAT_ACCOUNT = "2640"
VISMA_PAGE = 500
CENT = Decimal("0.01")


# ----- the sandboxes' admin API -----------------------------------------------------------------
def _json(response: requests.Response) -> Any:
    assert response.status_code < 400, f"{response.request.method} {response.url}: {response.text}"
    return simplejson.loads(response.content, use_decimal=True) if response.content.strip() else None


def state(url: str, collection: str) -> list[dict[str, Any]]:
    """Every record of a sandbox collection (numbers as Decimal)."""
    return list(_json(requests.get(f"{url}/_sandbox/state/{collection}", timeout=30)))


def create(url: str, collection: str, record: dict[str, Any]) -> dict[str, Any]:
    """Create a record as a user of the product would (``POST /_sandbox/records/...``)."""
    body = simplejson.dumps(record, use_decimal=True)
    headers = {"Content-Type": "application/json"}
    return dict(_json(requests.post(f"{url}/_sandbox/records/{collection}", data=body, headers=headers)))


def patch(url: str, collection: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a record as a user would (bumps its timestamp and ETag)."""
    body = simplejson.dumps(changes, use_decimal=True)
    headers = {"Content-Type": "application/json"}
    target = f"{url}/_sandbox/records/{collection}/{record_id}"
    return dict(_json(requests.patch(target, data=body, headers=headers, timeout=30)))


def reseed(url: str) -> None:
    """Back to the seeded company the ``sandbox_env`` fixture starts from (faults and stats cleared)."""
    _json(requests.post(f"{url}/_sandbox/reset", json={"seed": 42, "invoices": 300}, timeout=60))


def reset_stats(*urls: str) -> None:
    """Forget the sandboxes' call counts."""
    for url in urls:
        assert requests.delete(f"{url}/_sandbox/stats", timeout=10).status_code == 204


def call_counts(url: str) -> Counter[tuple[str, str]]:
    """Calls per (method, route template) since the last reset, whatever their status."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in _json(requests.get(f"{url}/_sandbox/stats", timeout=10)):
        counts[(row["method"], row["path"])] += int(row["count"])
    return counts


def install_faults(url: str, rules: list[dict[str, Any]]) -> None:
    """Fault rules on every matching call from now on."""
    _json(requests.post(f"{url}/_sandbox/faults", json={"rules": rules}, timeout=10))


def faults_fired(url: str) -> list[int]:
    """How often each installed fault rule answered instead of the API, in installation order."""
    rules = _json(requests.get(f"{url}/_sandbox/faults", timeout=10))["rules"]
    return [int(rule["fired"]) for rule in rules]


# ----- time and windows -------------------------------------------------------------------------
def utc_today() -> date:
    """Today's partition (UTC)."""
    return datetime.now(UTC).date()


def full_range() -> tuple[date, date]:
    """The seeded 90 days plus one: today-91 .. today."""
    today = utc_today()
    return today - timedelta(days=91), today


def in_window(record: dict[str, Any], first: date, last: date) -> bool:
    """Whether a Visma record's last change falls in the delta read of days ``first..last``."""
    window = Window.days(first, last)
    modified = datetime.fromisoformat(str(record["lastModifiedDateTime"])).replace(tzinfo=UTC)
    return window.pull_since <= modified < window.end


def list_calls_expected(records: int) -> int:
    """List calls one delta query needs for ``records`` records (a first page even when empty)."""
    return max(1, math.ceil(records / VISMA_PAGE))


# ----- Dagster ----------------------------------------------------------------------------------
@dataclass
class Synced:
    """One ``run_sync`` with the instance it ran on."""

    outcome: SyncOutcome
    instance: dg.DagsterInstance

    def asset(self, key: str) -> Any:
        """The figures of one asset (``airbase/bills``)."""
        found = [a for a in self.outcome.assets if a.key == key]
        assert found, f"{key} was not materialized; got {[a.key for a in self.outcome.assets]}"
        return found[0]

    def metadata(self) -> dict[str, dict[str, Any]]:
        """Each asset's materialization metadata (its first partition's: a range repeats the figures)."""
        return materialization_metadata(self.instance, self.outcome.run_id)


def sync(first: date, last: date | None = None) -> Synced:
    """All assets for UTC days ``first..last`` as one run, on a fresh ephemeral instance."""
    instance = dg.DagsterInstance.ephemeral()
    return Synced(run_sync(first, last or first, instance=instance), instance)


def materialization_metadata(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict[str, Any]]:
    """Plain metadata values per asset key string, from a run's materialization events."""
    found: dict[str, dict[str, Any]] = {}
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        materialization = record.asset_materialization
        assert materialization is not None
        key = materialization.asset_key.to_user_string()
        if key not in found:
            found[key] = {name: getattr(v, "value", v) for name, v in materialization.metadata.items()}
    return found


def materialized_partitions(instance: dg.DagsterInstance, run_id: str, key: str) -> list[str]:
    """The partitions of one asset a run materialized."""
    partitions = []
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        materialization = record.asset_materialization
        assert materialization is not None
        if materialization.asset_key.to_user_string() == key and materialization.partition:
            partitions.append(materialization.partition)
    return sorted(partitions)


# ----- what a bill must be ----------------------------------------------------------------------
def billable(invoice: dict[str, Any]) -> bool:
    """A Visma AP document the connector mirrors as an Airbase bill."""
    return invoice["documentType"] in BILLED_SIGN and invoice["status"] not in NOT_BILLED_STATUSES


def bill_id(invoice: dict[str, Any]) -> str:
    """The bill's ERP id: ``Invoice/000123``."""
    return f"{invoice['documentType']}/{invoice['referenceNumber']}"


def signed_amount(invoice: dict[str, Any]) -> Decimal:
    """The invoice amount as Airbase holds it (credit notes negative), to the cent."""
    return BILLED_SIGN[invoice["documentType"]] * Decimal(invoice["amount"]).quantize(CENT)


def expected_lines(invoice: dict[str, Any]) -> list[tuple[str, list[str], Decimal]]:
    """(GL account, cost-centre tags, signed amount) per bill line: the invoice lines, then VAT."""
    sign = BILLED_SIGN[invoice["documentType"]]
    lines = []
    for line in invoice["invoiceLines"]:
        segments = (line.get("subaccount") or {}).get("segments") or []
        tags = [f"CC-{s['segmentValue']}" for s in segments if s.get("segmentId") in (None, 1)]
        cost = line["cost"] if line.get("cost") is not None else line["amount"]
        lines.append((line["account"]["number"], tags, sign * Decimal(cost).quantize(CENT)))
    vat = Decimal(invoice.get("vatTotal") or 0).quantize(CENT)
    if vat > 0:
        lines.append((INPUT_VAT_ACCOUNT, [], sign * vat))
    return lines


def actual_lines(bill: dict[str, Any]) -> list[tuple[str, list[str], Decimal]]:
    """(GL account, tags, amount) per line of an Airbase bill, in line order."""
    ordered = sorted(bill["lines"], key=lambda line: line["line_number"])
    return [
        (line["erp_account_reference_id"], list(line["erp_tag_reference_ids"]), Decimal(line["amount"]))
        for line in ordered
    ]


def sums_by_currency(items: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Decimal sum per currency."""
    sums: dict[str, Decimal] = {}
    for currency, amount in items:
        sums[currency] = sums.get(currency, Decimal(0)) + amount
    return sums


def bill_projection(bill: dict[str, Any]) -> dict[str, Any]:
    """What a bill says, without the ids and times Airbase assigns."""
    return {
        "total_amount": Decimal(bill["total_amount"]),
        "currency": bill["erp_currency_reference_id"],
        "vendor": bill["erp_vendor_reference_id"],
        "memo": bill.get("memo"),
        "lines": actual_lines(bill),
    }
