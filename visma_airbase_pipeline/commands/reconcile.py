"""``vab reconcile``: Visma's open AP against Airbase for some days, every difference with its reason."""

from __future__ import annotations

import argparse

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.commands.days import day_range
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.reports.reconciliation import reconcile
from visma_airbase_pipeline.settings import load_settings
from visma_airbase_pipeline.visma import VismaClient


def run(args: argparse.Namespace) -> int:
    """Print the report (and write the CSV if asked); exit 0 unless a difference is unexplained."""
    days = day_range(args)
    if days is None:
        return 2
    first, last = days
    settings = load_settings()
    credentials = resolve_credentials(settings)
    store = LedgerStore(settings.ledger_url)
    try:
        with (
            VismaClient.from_credentials(credentials, settings) as visma,
            AirbaseClient.from_credentials(credentials, settings) as airbase,
        ):
            report = reconcile(visma, airbase, store, first, last)
    finally:
        store.close()
    print(report.text())
    if args.csv:
        print(f"CSV written to {report.to_csv(args.csv)}")
    return 0 if report.ok else 1
