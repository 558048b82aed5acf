"""``vab quarantine list|show|replay``: the records the sync kept aside, and their replay."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from typing import TYPE_CHECKING, Any

import simplejson

from visma_airbase_pipeline.audit import quarantine_dict
from visma_airbase_pipeline.commands.output import print_json, print_table
from visma_airbase_pipeline.ledger import LedgerStore

if TYPE_CHECKING:
    from visma_airbase_pipeline.sync.replay import WebhookKeys


def _list(store: LedgerStore, args: argparse.Namespace) -> int:
    items = store.quarantined(args.kind, include_resolved=args.all)
    if args.json:
        print_json([quarantine_dict(item) for item in items])
        return 0
    if not items:
        print("No quarantined records." if args.all else "No open quarantine items.")
        return 0
    rows = []
    for item in items:
        found = quarantine_dict(item)
        rows.append(
            (
                item.id,
                item.kind,
                item.record_key,
                item.attempts,
                (found["first_seen"] or "")[:19].replace("T", " "),
                (found["last_seen"] or "")[:19].replace("T", " "),
                ("resolved: " if item.resolved_at else "") + item.error,
            )
        )
    columns = ("id", "kind", "record", "attempts", "first seen", "last seen", "reason")
    print_table(columns, rows, numeric=("id", "attempts"))
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
    from visma_airbase_pipeline.sync.replay import WEBHOOK, find_item, replay, replay_webhook
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
    webhooks = _webhook_keys(credentials)
    # Refused webhook deliveries need no API client (and no API credentials): only today's secrets.
    outcomes = [replay_webhook(i, store, ctx, webhooks) for i in items if i.kind == WEBHOOK]
    others = [i for i in items if i.kind != WEBHOOK]
    if others:
        with (
            VismaClient.from_credentials(credentials) as visma,
            AirbaseClient.from_credentials(credentials) as airbase,
        ):
            outcomes += replay(others, visma, airbase, store, ctx, webhooks)
    outcomes.sort(key=lambda outcome: outcome.item_id)
    for outcome in outcomes:
        state = "resolved" if outcome.resolved else f"open, attempts {outcome.attempts}"
        print(f"#{outcome.item_id} {outcome.kind} {outcome.record_key}: {outcome.message} [{state}]")
    return 0 if all(outcome.resolved for outcome in outcomes) else 1


def _webhook_keys(credentials: Any) -> WebhookKeys:
    """The webhook secrets and Airbase mode configured now, as the receiver would use them."""
    from visma_airbase_pipeline.sync.replay import WebhookKeys
    from visma_airbase_pipeline.webhooks.server import MODE_VARIABLE, split_secrets

    return WebhookKeys(
        secrets={
            "visma": split_secrets(credentials.visma_webhook_secret),
            "airbase": split_secrets(credentials.airbase_webhook_secret),
        },
        airbase_mode=os.environ.get(MODE_VARIABLE, "").strip() or "body",
    )


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
