"""Items 1-3 of the issue: a full inbound sync of N invoices (with suppliers, POs and receipts), the
unchanged rerun of the same range, and a delta sync after 1 % of the invoices were edited."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from benchmarks.figures import AIRBASE_MAX_PAGE, VISMA_MAX_PAGE, min_calls, per_thousand, ratio
from benchmarks.measure import Home, Measured, connector_env, run_measured, sync_command
from benchmarks.sandboxes import Sandboxes, get, patch

#: The seed puts every document in the 90 days before today; the demo syncs the same window.
SEEDED_DAYS = 91
_PAGES = {"visma/gl_accounts": 10**9, "visma/dimensions": 10**9}  # not paginated: one call each


def seeded_range() -> tuple[date, date]:
    """The UTC days the seed covers."""
    today = datetime.now(UTC).date()
    return today - timedelta(days=SEEDED_DAYS), today


def theoretical_minimum(figures: dict[str, Any]) -> int:
    """ceil(n / max page) reads per Visma collection read + ceil(n / bulk) writes per Airbase kind."""
    assets = figures.get("assets", {})
    read = {k: int(a["read"]) for k, a in assets.items() if k.startswith("visma/") and int(a["read"]) > 0}
    written = {k: int(a["writes"]) for k, a in assets.items() if k.startswith("airbase/")}
    pages = {k: _PAGES.get(k, VISMA_MAX_PAGE) for k in read}
    return min_calls(read, written, pages)


def summarize(run: Measured, invoices: int) -> dict[str, Any]:
    """The figures of one sync run, per the issue's list."""
    calls = run.visma.total + run.airbase.total
    minimum = theoretical_minimum(run.figures)
    return {
        "ok": run.ok,
        "invoices": invoices,
        "wall_s": run.wall_s,
        "invoices_per_s": round(invoices / run.wall_s, 1) if run.wall_s else None,
        "peak_rss_mb": run.peak_rss_mb,
        "visma_calls": run.visma.as_dict(),
        "airbase_calls": run.airbase.as_dict(),
        "visma_calls_per_1000": per_thousand(run.visma.total, invoices),
        "airbase_calls_per_1000": per_thousand(run.airbase.total, invoices),
        "calls_total": calls,
        "min_calls": minimum,
        "calls_to_min_ratio": ratio(calls, minimum),
        "records_written": run.figures.get("writes"),
        "status_429": run.visma.throttled + run.airbase.throttled,
        "assets": run.figures.get("assets", {}),
        **({} if run.ok else {"error_tail": run.tail}),
    }


def full_sync(sandboxes: Sandboxes, home: Home, timeout_s: float) -> dict[str, Any]:
    """Item 1: the whole seeded range as one run, into an empty ledger and an empty Airbase."""
    first, last = seeded_range()
    command = sync_command("--from", first.isoformat(), "--to", last.isoformat())
    run = run_measured(command, connector_env(sandboxes, home), sandboxes, timeout_s)
    return summarize(run, sandboxes.invoices)


def unchanged_rerun(sandboxes: Sandboxes, home: Home, timeout_s: float) -> dict[str, Any]:
    """Item 2: the same range again with nothing changed; nothing may be written."""
    first, last = seeded_range()
    command = sync_command("--from", first.isoformat(), "--to", last.isoformat())
    run = run_measured(command, connector_env(sandboxes, home), sandboxes, timeout_s)
    figures = summarize(run, sandboxes.invoices)
    figures["write_calls"] = run.visma.writes + run.airbase.writes
    figures["read_calls"] = run.visma.reads + run.airbase.reads
    return figures


def edit_invoices(sandboxes: Sandboxes, share: float, seed: int = 7) -> list[str]:
    """Change the description of ``share`` of the billable invoices, as a user would in Visma."""
    invoices = [
        i for i in get(sandboxes.visma_url, "state/supplierInvoice", timeout=900)
        if i.get("status") in ("Balanced", "Hold", "Open") and i.get("documentType") == "Invoice"
    ]  # fmt: skip
    count = max(1, round(sandboxes.invoices * share))
    chosen = random.Random(seed).sample(invoices, min(count, len(invoices)))
    with requests.Session() as session:
        for n, invoice in enumerate(chosen):
            body = {"description": f"bench edit {n}: {invoice.get('description') or ''}"[:250]}
            patch(session, sandboxes.visma_url, "supplierInvoice", str(invoice["referenceNumber"]), body)
    return [str(i["referenceNumber"]) for i in chosen]


def incremental(sandboxes: Sandboxes, home: Home, full: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Item 3: 1 % of invoices edited, then today's delta sync; compared with the full sync."""
    edited = edit_invoices(sandboxes, 0.01)
    today = datetime.now(UTC).date().isoformat()
    command = sync_command("--from", today, "--to", today)
    run = run_measured(command, connector_env(sandboxes, home), sandboxes, timeout_s)
    figures = summarize(run, sandboxes.invoices)
    # The work is the edited invoices: read them (pages of 500) and write their bills (bulks of 100).
    minimum = min_calls({"visma/supplier_invoices": len(edited)}, {"airbase/bills": len(edited)}, {})
    figures.update(
        edited=len(edited),
        min_calls=minimum,
        calls_to_min_ratio=ratio(figures["calls_total"], minimum),
        bills_updated=run.figures.get("assets", {}).get("airbase/bills", {}).get("writes"),
        calls_vs_full=ratio(figures["calls_total"], full.get("calls_total")),
        time_vs_full=ratio(run.wall_s, full.get("wall_s")),
        min_calls_note="ceil(edited / 500) Visma reads + ceil(edited / 100) Airbase bulk upserts",
    )
    return figures


PAGE_SIZES = {"visma_max_page": VISMA_MAX_PAGE, "airbase_max_page": AIRBASE_MAX_PAGE}
