"""``vab demo``: fresh sandboxes, a ping, and what the seeded company holds."""

from __future__ import annotations

import argparse
import time

from visma_airbase_pipeline.commands.output import print_rows
from visma_airbase_pipeline.ping import ping
from visma_airbase_pipeline.sandbox.environment import using_sandboxes
from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes
from visma_airbase_pipeline.sandbox.summary import summarize


def run(args: argparse.Namespace) -> int:
    """Start the sandboxes on free ports, check the connector reaches them, show their contents."""
    started = time.monotonic()
    options = SandboxOptions(visma_port=0, airbase_port=0, seed=args.seed, invoices=args.invoices)
    with running_sandboxes(options) as running, using_sandboxes(running.visma_url, running.airbase_url):
        print(f"Visma sandbox   {running.visma_url}")
        print(f"Airbase sandbox {running.airbase_url}")
        print("\nSeeded company (Nordic Trade AB, SEK):")
        print_rows(summarize(running.visma_url, running.airbase_url))
        print("\nvab ping against the sandboxes:")
        report = ping()
        for line in report.messages():
            print(f"  {line}")
        if not report.ok:
            return 1
    print(f"\nDone in {time.monotonic() - started:.1f}s; the sandboxes are stopped.")
    return 0
