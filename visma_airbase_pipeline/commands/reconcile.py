"""``vab reconcile``: Visma's open AP against Airbase for some days, every difference with its reason."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.commands.days import day_range
from visma_airbase_pipeline.commands.output import console, print_json, print_table
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.reports.reconciliation import (
    DIFFERENCE_COLUMNS,
    REASONS,
    SUMMARY_COLUMNS,
    TOTAL_COLUMNS,
    ReconciliationReport,
    reconcile,
)
from visma_airbase_pipeline.settings import load_settings
from visma_airbase_pipeline.visma import VismaClient

_AMOUNTS = ("visma_open", "airbase_open", "difference", "visma_amount", "airbase_amount")


def _cell(value: Any) -> Any:
    return "" if value is None or (isinstance(value, float) and value != value) else value


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[list[Any]]:
    return [[_cell(value) for value in row] for row in frame[list(columns)].itertuples(index=False)]


def print_report(report: ReconciliationReport) -> None:
    """Totals per currency, the per-vendor summary and the differences, as tables."""
    out = console()
    out.print(
        f"Reconciliation {report.first_day}..{report.last_day}: "
        f"{report.documents} documents, {report.payments} payments compared\n"
    )
    out.print("Open AP per currency")
    print_table(TOTAL_COLUMNS, _records(report.totals, TOTAL_COLUMNS), numeric=_AMOUNTS)
    out.print("Open AP per currency and vendor")
    print_table(SUMMARY_COLUMNS, _records(report.summary, SUMMARY_COLUMNS), numeric=_AMOUNTS)
    if report.differences.empty:
        out.print("No differences.")
    else:
        counts = report.differences["reason"].value_counts()
        out.print(f"Differences ({', '.join(f'{counts[r]} {r}' for r in REASONS if r in counts)})")
        print_table(DIFFERENCE_COLUMNS, _records(report.differences, DIFFERENCE_COLUMNS), numeric=_AMOUNTS)
    out.print(
        "Every difference is explained."
        if report.ok
        else f"{len(report.unexplained)} UNEXPLAINED difference(s): look at them."
    )


def report_dict(report: ReconciliationReport) -> dict[str, Any]:
    """The report for ``--json``: the verdict, totals, per-vendor summary and every difference."""
    return {
        "ok": report.ok,
        "first_day": report.first_day,
        "last_day": report.last_day,
        "documents": report.documents,
        "payments": report.payments,
        "totals": report.totals.to_dict("records"),
        "summary": report.summary.to_dict("records"),
        "differences": report.differences.to_dict("records"),
    }


def run(args: argparse.Namespace) -> int:
    """Print the report (and write the CSV if asked); exit 0 unless a difference is unexplained (1),
    2 when the days given make no range."""
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
    written = report.to_csv(args.csv) if args.csv else None
    if args.json:
        print_json({**report_dict(report), "csv": str(written) if written else None})
    else:
        print_report(report)
        if written:
            print(f"CSV written to {written}")
    return 0 if report.ok else 1
