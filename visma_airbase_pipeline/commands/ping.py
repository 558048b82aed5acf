"""``vab ping``: is each configured system reachable, authorised and within budget?"""

from __future__ import annotations

import argparse
import dataclasses

from visma_airbase_pipeline.commands.output import print_json, print_table
from visma_airbase_pipeline.ping import PingReport, ping


def print_report(report: PingReport) -> None:
    """One table row per check: status, system, check, what was found, latency, rate-limit headroom."""
    rows = []
    for check in report.checks:
        latency = f"{check.latency_ms:.0f} ms" if check.latency_ms is not None else ""
        headroom = f"{check.rate_remaining}/{check.rate_limit} left" if check.rate_limit else ""
        status = "ok" if check.ok else "FAIL"
        rows.append((status, check.system, check.name, check.message, latency, headroom))
    print_table(("", "system", "check", "result", "latency", "rate limit"), rows, numeric=("latency",))


def run(args: argparse.Namespace) -> int:
    """Exit 0 only when both systems work, 1 otherwise (each problem said in one plain sentence)."""
    report = ping(timeout_s=args.timeout)
    if args.json:
        print_json({"ok": report.ok, "checks": [dataclasses.asdict(check) for check in report.checks]})
    else:
        print_report(report)
        print("Both systems work." if report.ok else "Not ready: fix what FAIL says above.")
    return 0 if report.ok else 1
