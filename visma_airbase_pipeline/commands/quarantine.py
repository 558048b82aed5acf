"""``vab quarantine list|show|replay``: the records the sync kept aside, and their replay."""

from __future__ import annotations

import argparse
import sys
import uuid

import simplejson

from visma_airbase_pipeline.audit import quarantine_dict
from visma_airbase_pipeline.ledger import LedgerStore


def _list(store: LedgerStore, args: argparse.Namespace) -> int:
    items = store.quarantined(args.kind, include_resolved=args.all)
    if not items:
        print("No quarantined records." if args.all else "No open quarantine items.")
        return 0
    header = ("id", "kind", "record", "attempts", "first seen", "last seen")
    rows = []
    for item in items:
        found = quarantine_dict(item)
        rows.append(
            (
                str(item.id),
                item.kind,
                item.record_key,
                str(item.attempts),
                (found["first_seen"] or "")[:19].replace("T", " "),
                (found["last_seen"] or "")[:19].replace("T", " "),
                ("resolved: " if item.resolved_at else "") + item.error,
            )
        )
    widths = [max(len(name), *(len(row[i]) for row in rows)) for i, name in enumerate(header)]
    print("  ".join(name.ljust(w) for name, w in zip(header, widths, strict=True)) + "  reason")
    for row in rows:
        print("  ".join(value.ljust(w) for value, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0


def _show(store: LedgerStore, args: argparse.Namespace) -> int:
    from visma_airbase_pipeline.sync.replay import find_item

    item = find_item(store, args.id)
    if item is None:
        print(f"There is no quarantine item {args.id}.", file=sys.stderr)
        return 1
    print(simplejson.dumps(quarantine_dict(item, payload=True), indent=2, default=str, use_decimal=True))
    return 0


def _replay(store: LedgerStore, args: argparse.Namespace) -> int:
    from visma_airbase_pipeline.airbase import AirbaseClient
    from visma_airbase_pipeline.credentials import resolve_credentials
    from visma_airbase_pipeline.sync.context import RunContext
    from visma_airbase_pipeline.sync.replay import find_item, replay
    from visma_airbase_pipeline.visma import VismaClient

    if (args.id is None) == (not args.all):
        print("Give a quarantine item id or --all, not both.", file=sys.stderr)
        return 2
    if args.all:
        items = store.quarantined()
        if not items:
            print("No open quarantine items to replay.")
            return 0
    else:
        item = find_item(store, args.id)
        if item is None:
            print(f"There is no quarantine item {args.id}.", file=sys.stderr)
            return 1
        items = [item]
    ctx = RunContext(run_id=f"replay-{uuid.uuid4().hex[:12]}")
    credentials = resolve_credentials()
    with (
        VismaClient.from_credentials(credentials) as visma,
        AirbaseClient.from_credentials(credentials) as airbase,
    ):
        outcomes = replay(items, visma, airbase, store, ctx)
    for outcome in outcomes:
        state = "resolved" if outcome.resolved else f"open, attempts {outcome.attempts}"
        print(f"#{outcome.item_id} {outcome.kind} {outcome.record_key}: {outcome.message} [{state}]")
    return 0 if all(outcome.resolved for outcome in outcomes) else 1


def run(args: argparse.Namespace) -> int:
    """Dispatch ``list``, ``show`` and ``replay``."""
    store = LedgerStore()
    try:
        if args.action == "list":
            return _list(store, args)
        if args.action == "show":
            return _show(store, args)
        return _replay(store, args)
    finally:
        store.close()
