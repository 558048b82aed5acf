"""``vab chaos`` (``make chaos``): the bounded soak, its table of faults injected and survived, and
the end-state verdict. Exit 0 only when every invariant holds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from visma_airbase_pipeline.chaos.soak import SoakOptions, SoakReport, run_soak


def print_report(report: SoakReport) -> None:
    """The faults table, the run and end-state figures, and every violation."""
    rows = [("fault", "injected", "what the connector does", "survived"), *report.fault_rows()]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print()
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))
    print("\nUser actions: " + ", ".join(f"{name} {count}" for name, count in report.tally.actions.items()))
    for system, statuses in (("Visma", report.visma_statuses), ("Airbase", report.airbase_statuses)):
        print(f"{system} answered: " + ", ".join(f"{code} x {n}" for code, n in sorted(statuses.items())))
    print("Runs: " + ", ".join(f"{name} {count}" for name, count in sorted(report.runs.items())))
    print("End state: " + ", ".join(f"{name} {count}" for name, count in report.end_state.figures.items()))
    for violation in report.end_state.violations:
        print(f"  VIOLATION: {violation}")
    verdict = "survived: every invariant holds" if report.survived else "FAILED: invariants violated"
    print(f"\nSoak {report.soak_s:.0f} s, caught up in {report.settle_s:.0f} s; {verdict}.")


def run(args: argparse.Namespace) -> int:
    """Soak, print the report (or JSON), exit 0 when the end state holds."""
    options = SoakOptions(
        minutes=args.minutes,
        seed=args.seed,
        invoices=args.invoices,
        home=Path(args.keep) if args.keep else None,
        progress=(lambda line: print(line, file=sys.stderr, flush=True))
        if args.json
        else (lambda line: print(line, flush=True)),
    )
    if options.minutes <= 0:
        print("--minutes must be positive.", file=sys.stderr)
        return 2
    report = run_soak(options)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_report(report)
    return 0 if report.survived else 1
