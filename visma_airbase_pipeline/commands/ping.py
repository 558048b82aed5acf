"""``vab ping``: is each configured system reachable, authorised and within budget?"""

from __future__ import annotations

import argparse

from visma_airbase_pipeline.ping import ping


def run(args: argparse.Namespace) -> int:
    """Print one line per check; exit 0 only when both systems work."""
    report = ping(timeout_s=args.timeout)
    for check in report.checks:
        status = "ok  " if check.ok else "FAIL"
        latency = f" ({check.latency_ms:.0f} ms)" if check.latency_ms is not None else ""
        headroom = ""
        if check.rate_limit:
            headroom = f" [rate limit {check.rate_remaining}/{check.rate_limit} left]"
        print(f"{status} {check.system:7} {check.name:12} {check.message}{latency}{headroom}")
    print("Both systems work." if report.ok else "Not ready: fix what FAIL says above.")
    return 0 if report.ok else 1
