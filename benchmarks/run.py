"""``make bench``: every benchmark of issue 9 in one run against loopback sandboxes served by their
own process; prints one table (target, wanted, measured, verdict) and writes
``benchmarks/results/latest.json``. ``BENCH_QUICK=1`` uses smaller volumes.

    python -m benchmarks.run [--quick] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import figures as fig
from benchmarks.inbound import PAGE_SIZES, full_sync, incremental, unchanged_rerun
from benchmarks.measure import ROOT, Home
from benchmarks.payments import payments
from benchmarks.peers import dlt_peer, extraction, naive
from benchmarks.rate_budget import rate_budget
from benchmarks.sandboxes import Sandboxes
from benchmarks.webhook_latency import webhook_latency


@dataclass(frozen=True)
class Plan:
    """Volumes of one bench run."""

    small: int
    large: int
    payments: int
    edits: int
    edit_spacing_s: float
    budget_s: float
    timeout_s: float
    #: The peers read the large company (quick mode) or the small one: 10,000 invoices either way,
    #: where process start-up no longer decides the ratio.
    peers_on_large: bool = False


FULL = Plan(
    small=10_000, large=100_000, payments=1_000, edits=50, edit_spacing_s=1.0, budget_s=600, timeout_s=1800
)
QUICK = Plan(
    small=2_000,
    large=10_000,
    payments=100,
    edits=10,
    edit_spacing_s=1.0,
    budget_s=120,
    timeout_s=600,
    peers_on_large=True,
)


#: Where each finished benchmark is saved at once, so a run cut short still leaves its figures.
PARTIAL = ROOT / "benchmarks" / "results" / "partial.json"


def _step(results: dict[str, Any], name: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one benchmark; a failure is recorded (and shown) rather than ending the whole run."""
    print(f"[bench] {name} ...", flush=True)
    started = time.monotonic()
    try:
        value = action()
    except Exception as error:  # the table must still appear, with this row failed
        value = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    print(f"[bench] {name} done in {time.monotonic() - started:.1f} s", flush=True)
    results[name] = value
    PARTIAL.parent.mkdir(parents=True, exist_ok=True)
    PARTIAL.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return value


def _peers(results: dict[str, Any], sandboxes: Sandboxes, plan: Plan) -> None:
    """The read-half peers on 10,000 invoices: the same invoices on both sides make the ratio fair;
    at 2,000 process start-up decides it, and dlt at 100,000 rows needs minutes and gigabytes."""
    project = _step(results, "extraction", lambda: extraction(sandboxes, plan.timeout_s))
    _step(results, "dlt_peer", lambda: dlt_peer(sandboxes, project, plan.timeout_s))


def measure(plan: Plan) -> dict[str, Any]:
    """Every benchmark, in an order that reuses each seeded company as far as it stays honest."""
    results: dict[str, Any] = {}
    homes: list[Home] = []

    def home(label: str) -> Home:
        homes.append(Home(label))
        return homes[-1]

    sandboxes = Sandboxes(plan.small)
    try:
        sandboxes.lift_budgets()
        small = home("small")
        full_small = _step(results, "full_sync_small", lambda: full_sync(sandboxes, small, plan.timeout_s))
        if not plan.peers_on_large:
            _peers(results, sandboxes, plan)
        _step(results, "naive_baseline", lambda: naive(sandboxes, small, full_small, plan.timeout_s))
        _step(results, "payments", lambda: payments(sandboxes, small, plan.payments, plan.timeout_s))
        _step(
            results,
            "webhook_latency",
            lambda: webhook_latency(sandboxes, small, plan.edits, plan.edit_spacing_s, wait_s=120),
        )
        _step(
            results,
            "rate_budget",
            lambda: rate_budget(sandboxes, home("budget"), plan.timeout_s, sync=full_small),
        )

        print(f"[bench] seeding {plan.large} invoices ...", flush=True)
        sandboxes.reset(plan.large)
        large = home("large")
        full_large = _step(results, "full_sync_large", lambda: full_sync(sandboxes, large, plan.timeout_s))
        _step(results, "unchanged_rerun", lambda: unchanged_rerun(sandboxes, large, plan.timeout_s))
        if plan.peers_on_large:
            _peers(results, sandboxes, plan)
        _step(results, "incremental", lambda: incremental(sandboxes, large, full_large, plan.timeout_s))
    finally:
        sandboxes.stop()
        for h in homes:
            h.cleanup()
    return results


def targets(results: dict[str, Any], plan: Plan, total_s: float, quick: bool) -> list[fig.Target]:
    """The issue's targets with their verdicts, plus the figures it asks for without a target."""
    small, large = results.get("full_sync_small", {}), results.get("full_sync_large", {})
    rerun, inc = results.get("unchanged_rerun", {}), results.get("incremental", {})
    hooks, budget = results.get("webhook_latency", {}), results.get("rate_budget", {})
    extract, dlt = results.get("extraction", {}), results.get("dlt_peer", {})
    pay, nv = results.get("payments", {}), results.get("naive_baseline", {})
    growth = fig.ratio(large.get("peak_rss_mb"), small.get("peak_rss_mb"))
    n = f"{plan.large:,}"
    rows = [
        fig.info(
            f"full sync {plan.small:,}: wall s / invoices/s",
            f"{small.get('wall_s')} / {small.get('invoices_per_s')}",
        ),
        fig.at_most(f"full sync {plan.small:,}: calls / minimum", small.get("calls_to_min_ratio"), 1.2, "x"),
        fig.info(
            f"full sync {n}: wall s / invoices/s", f"{large.get('wall_s')} / {large.get('invoices_per_s')}"
        ),
        fig.info(
            f"full sync {n}: Visma / Airbase calls per 1,000",
            f"{large.get('visma_calls_per_1000')} / {large.get('airbase_calls_per_1000')}",
        ),
        fig.at_most(
            f"full sync {n}: calls / minimum",
            large.get("calls_to_min_ratio"),
            1.2,
            "x",
            f"{large.get('calls_total')} calls, minimum {large.get('min_calls')}",
        ),
        fig.at_least(f"full sync {n}: invoices/s end to end", large.get("invoices_per_s"), 2000),
        fig.below(f"full sync {n}: peak RSS", large.get("peak_rss_mb"), 400, " MB"),
        fig.below(f"peak RSS growth {plan.small:,} -> {n}", growth, 2.0, "x"),
        fig.at_most(
            "unchanged rerun: records written",
            rerun.get("records_written"),
            0,
            note=f"{rerun.get('read_calls')} read calls, {rerun.get('write_calls')} write calls",
        ),
        fig.at_most(
            "incremental (1 % edited): calls / minimum",
            inc.get("calls_to_min_ratio"),
            1.2,
            "x",
            f"{inc.get('calls_total')} calls, {inc.get('wall_s')} s; vs full: calls "
            f"{inc.get('calls_vs_full')}x, time {inc.get('time_vs_full')}x",
        ),
        fig.info(
            f"payments ({pay.get('posted_to_visma')} posted): s / calls per payment",
            f"{pay.get('wall_s')} / {pay.get('calls_per_payment')}",
        ),
        fig.below(
            f"webhook -> bill p95 ({hooks.get('updated')}/{hooks.get('edits')} edits)",
            hooks.get("p95_s"),
            15,
            " s",
            f"p50 {hooks.get('p50_s')} s",
        ),
        fig.at_most("rate budget: 429 answers", budget.get("status_429"), 0),
        fig.at_least(
            "rate budget: worst full window, share used",
            budget.get("worst_window_used"),
            1.0,
            note=(
                f"mean {budget.get('mean_window_used')} over {budget.get('full_windows')} full "
                f"windows of {budget.get('windows')} (x{budget.get('scale')} compressed)"
            ),
        ),
        fig.info(
            "rate budget: invoices/h at 500 Visma calls/h",
            budget.get("invoices_per_hour"),
            f"{budget.get('visma_calls_per_1000_invoices')} Visma calls per 1,000 invoices",
        ),
        fig.info(
            "naive baseline: time / calls vs project",
            f"{nv.get('time_vs_project')}x / {nv.get('calls_vs_project')}x",
        ),
    ]
    if "skipped" in dlt:
        rows.append(
            fig.Target("extraction faster than dlt", "dlt / project > 1", f"skipped: {dlt['skipped']}", None)
        )
    else:
        rows.append(fig.Target(
            f"extraction {extract.get('invoices_read', 0):,}: dlt time / project time", "> 1x",
            f"{dlt.get('time_vs_project')}x",
            None if dlt.get("time_vs_project") is None else dlt["time_vs_project"] > 1,
            f"project {extract.get('wall_s')} s, dlt {dlt.get('wall_s')} s",
        ))  # fmt: skip
    limit = plan.budget_s
    rows.append(
        fig.below(
            "BENCH_QUICK=1 wall time" if quick else "make bench wall time", round(total_s, 1), limit, " s"
        )
    )
    for name in (
        "full_sync_small",
        "full_sync_large",
        "unchanged_rerun",
        "incremental",
        "payments",
        "rate_budget",
    ):
        if results.get(name, {}).get("ok") is False:
            rows.append(
                fig.Target(
                    f"{name} run succeeded", "yes", "no", False, str(results[name].get("error", ""))[:80]
                )
            )
    return rows


def machine() -> dict[str, Any]:
    """Where and on what the figures were taken."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "visma_airbase_pipeline"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())  # fmt: skip
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "commit": commit,
        "package_dirty": dirty,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, write the JSON; exit 0 even when targets fail (they are reported)."""
    # Ctrl-C, and a kill, end every child (sandboxes, syncs, daemon, receiver) through the finally
    # blocks; started in the background a shell may have ignored SIGINT, so both are set here.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument(
        "--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "") not in ("", "0")
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    about = machine()
    print(f"[bench] {'quick' if args.quick else 'full'} run: {plan}", flush=True)
    started = time.monotonic()
    results = measure(plan)
    total = time.monotonic() - started
    about["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    rows = targets(results, plan, total, args.quick)
    print()
    print(fig.table(rows))
    report = {
        "mode": "quick" if args.quick else "full",
        "machine": about,
        "plan": plan.__dict__,
        "wall_s": round(total, 1),
        "api_limits": {
            **PAGE_SIZES,
            "airbase_bulk": fig.AIRBASE_BULK,
            "source": "api/visma.md section 6 (maxPageSize 500), api/airbase.md sections 4.2 and 7; "
            "client settings VAB_VISMA_PAGE_SIZE=500, VAB_AIRBASE_PAGE_SIZE=250, bulk chunks of 100",
            "min_calls": "sum over collections read of ceil(n / max page) (>= 1 each) + sum over kinds "
            "written of ceil(n / 100); calls counted = every non-admin call on both sandboxes",
            "rate_limits": "lifted (1,000,000 per window) except in rate_budget",
        },
        "results": results,
        "targets": [t.as_dict() for t in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    PARTIAL.unlink(missing_ok=True)
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"\nwritten {shown} in {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
