"""The benchmark harness's pure arithmetic: call tallies, the theoretical minimum, verdicts, the
table. No benchmark runs here, and nothing is timed."""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ is a top-level folder next to the package, not installed with it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import figures as fig
from benchmarks.rate_budget import budgeted_calls, window_usage, windows
from benchmarks.webhook_latency import percentile


def test_min_calls_is_pages_read_plus_bulks_written() -> None:
    read = {"visma/supplier_invoices": 10_000, "visma/suppliers": 250, "visma/gl_accounts": 46}
    pages = {"visma/supplier_invoices": 500, "visma/suppliers": 500, "visma/gl_accounts": 10**9}
    written = {"airbase/bills": 9_810, "airbase/vendors": 253, "airbase/tags": 0}
    # 20 + 1 + 1 reads, 99 + 3 writes (nothing written costs nothing)
    assert fig.min_calls(read, written, pages) == 22 + 102


def test_min_calls_counts_one_read_even_for_an_empty_collection() -> None:
    assert fig.min_calls({"visma/purchase_orders": 0}, {}, {}) == 1
    assert fig.min_calls({"visma/supplier_invoices": 501}, {"airbase/bills": 101}, {}) == 2 + 2


def test_tally_separates_record_writes_from_tokens_and_the_sync_bracket() -> None:
    stats = [
        {"method": "GET", "path": "/v1/supplierInvoice", "status": 200, "count": 20},
        {"method": "GET", "path": "/v1/supplierInvoice", "status": 429, "count": 2},
        {"method": "POST", "path": "/connect/token", "status": 200, "count": 3},
        {"method": "POST", "path": "/v1/accounting/entity/sync/", "status": 409, "count": 1},
        {"method": "POST", "path": "/v1/accounting/bills/bulk_upsert/", "status": 200, "count": 99},
    ]
    calls = fig.tally(stats)
    assert (calls.reads, calls.writes, calls.auth, calls.bracket, calls.throttled) == (22, 99, 3, 1, 2)
    assert calls.total == 125
    assert calls.by_route["GET /v1/supplierInvoice"] == 22


def test_ratios_and_per_thousand() -> None:
    assert fig.per_thousand(58, 10_000) == 5.8
    assert fig.per_thousand(5, 0) == 0.0
    assert fig.ratio(345, 176) == 1.96
    assert fig.ratio(1, 0) is None and fig.ratio(None, 3) is None


def test_verdicts() -> None:
    assert fig.at_most("calls", 1.2, 1.2, "x").verdict == "PASS"
    assert fig.at_most("calls", 1.21, 1.2, "x").verdict == "FAIL"
    assert fig.below("rss", 400, 400, " MB").verdict == "FAIL"
    assert fig.at_least("rate", 2000, 2000).verdict == "PASS"
    assert fig.at_least("rate", None, 2000).verdict == "SKIP"
    assert fig.info("naive", "3x").verdict == "INFO"


def test_table_shows_every_row_with_its_verdict() -> None:
    text = fig.table([fig.at_most("writes", 0, 0), fig.below("p95", 20.5, 15, " s", "p50 9 s")])
    lines = text.splitlines()
    assert lines[0].split() == ["target", "wanted", "measured", "verdict"]
    assert "PASS" in lines[2] and "FAIL  (p50 9 s)" in lines[3] and "20.5 s" in lines[3]


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile([3.0], 0.95) == 3.0


def test_rate_windows_split_where_remaining_or_reset_goes_up() -> None:
    answers = [(10, 9, 10), (10, 5, 8), (10, 0, 6), (10, 0, 1)]  # spent to 0, then a 429 (Remaining 0)
    answers += [(10, 9, 10), (10, 0, 9)]  # the reset: Remaining up again
    answers += [(10, 9, 10), (10, 9, 10)]  # Remaining repeated above 0: another window (one call each)
    spans = windows(answers)
    assert [w["used"] for w in spans] == [10, 10, 1, 1]
    usage = window_usage(spans)
    assert usage["windows"] == 4 and usage["full_windows"] == 3
    assert usage["worst_window_used"] == 0.1 and usage["mean_window_used"] == 0.7
    # Reset up with Remaining down: a new window where another client spent 4 calls before ours.
    assert [w["used"] for w in windows([(10, 7, 9), (10, 6, 9), (10, 5, 10)])] == [4, 5]


def test_rate_window_usage_ignores_the_last_window_and_copes_with_one() -> None:
    spans = windows([(10, 9, 10), (10, 0, 9), (10, 8, 10)])
    assert window_usage(spans)["worst_window_used"] == 1.0
    assert window_usage(windows([(10, 5, 10)]))["worst_window_used"] is None


def test_budgeted_calls_leave_out_tokens_and_429s() -> None:
    assert budgeted_calls({"visma_calls": {"total": 51, "auth": 1, "status_429": 2}}) == 48
    assert budgeted_calls(None) is None and budgeted_calls({"visma_calls": {"total": 0}}) is None
