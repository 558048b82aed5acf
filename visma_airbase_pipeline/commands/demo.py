"""``vab demo``: fresh sandboxes, a ping, a full inbound sync of the seeded 90 days, and a rerun
that proves nothing is written twice. It runs in a throwaway DAGSTER_HOME and stops everything."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

import dagster as dg

from visma_airbase_pipeline.commands.demo_payments import approve_and_pay, payments_in_visma
from visma_airbase_pipeline.commands.output import console, print_table
from visma_airbase_pipeline.commands.ping import print_report
from visma_airbase_pipeline.commands.sync import print_outcome
from visma_airbase_pipeline.ping import ping
from visma_airbase_pipeline.sandbox.environment import using_sandboxes
from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes
from visma_airbase_pipeline.sandbox.summary import summarize

_SEEDED_DAYS = 90


def run(args: argparse.Namespace) -> int:
    """The whole cycle against sandboxes on free ports; exit 0 only if every step held."""
    started = time.monotonic()
    options = SandboxOptions(visma_port=0, airbase_port=0, seed=args.seed, invoices=args.invoices)
    with (
        tempfile.TemporaryDirectory(prefix="vab-demo-") as home,
        running_sandboxes(options) as running,
        using_sandboxes(running.visma_url, running.airbase_url),
    ):
        os.environ["DAGSTER_HOME"] = home
        os.environ.pop("VAB_LEDGER_URL", None)
        print(f"Visma sandbox   {running.visma_url}")
        print(f"Airbase sandbox {running.airbase_url}")
        print("\nSeeded company (Nordic Trade AB, SEK):")
        print_table(("what", "figures"), summarize(running.visma_url, running.airbase_url))
        print("\nvab ping:")
        report = ping()
        print_report(report)
        if not report.ok:
            return 1
        today = datetime.now(UTC).date()
        first = today - timedelta(days=_SEEDED_DAYS)
        # A bar over the steps at a terminal (gone once the run ends); nothing extra in a log.
        live = console().is_terminal
        with dg.DagsterInstance.ephemeral() as instance:
            from visma_airbase_pipeline.defs.inprocess import run_sync

            print(f"\nFull inbound sync of {first}..{today}, one run:")
            outcome = run_sync(first, today, instance=instance, progress=live, plain_progress=False)
            print_outcome(outcome)
            print("\nThe same range again (nothing changed, so nothing may be written):")
            again = run_sync(first, today, instance=instance, progress=live, plain_progress=False)
            print_outcome(again)
            print("\nIn Airbase, approvers approve and payers pay:")
            for line in approve_and_pay(running.airbase_url, running.visma_url):
                print(f"  {line}")
            print("\nThe next sync posts them to Visma (approvals off hold, payments released):")
            paid = run_sync(today, today, instance=instance, progress=live, plain_progress=False)
            print_outcome(paid)
        posted = payments_in_visma(running.visma_url)
        for payment in posted:
            print(
                f"  Visma payment {payment['refNbr']}: {payment['paymentAmount']}"
                f" {payment.get('currency', '')}"
                f" released={payment['released']} paymentRef={payment['paymentRef']}"
            )
        print("\nAfter the sync:")
        print_table(("what", "figures"), summarize(running.visma_url, running.airbase_url))
        ok = outcome.success and again.success and paid.success and again.writes == 0
        ok = ok and all(outcome.checks.values()) and all(paid.checks.values()) and len(posted) == 6
        print(f"\nSecond run wrote {again.writes} records. {'Demo passed' if ok else 'Demo FAILED'}", end="")
    print(f" in {time.monotonic() - started:.1f}s; the sandboxes are stopped.")
    return 0 if ok else 1
