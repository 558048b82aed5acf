"""``vab audit <kind> <id>``: the history of one record from the ledger, as a table or JSON."""

from __future__ import annotations

import argparse
import sys

import simplejson

from visma_airbase_pipeline.audit import RecordAudit, audit_record
from visma_airbase_pipeline.commands.output import print_rows
from visma_airbase_pipeline.ledger import LedgerStore

_COLUMNS = ("time", "kind", "from", "to", "run_id", "partition", "reason")


def _short(value: object, width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def print_audit(audit: RecordAudit) -> None:
    """The history as an aligned table, then the crosswalk row, quarantine and journal."""
    print(f"{audit.alias} {audit.record_id}: {len(audit.history)} state changes")
    rows = [
        [
            _short(entry["time"], 32)[:19].replace("T", " "),
            entry["kind"],
            entry["from"] or "-",
            entry["to"],
            entry["run_id"] or "-",
            entry["partition"] or "-",
            entry["reason"] or "",
        ]
        for entry in audit.history
    ]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(_COLUMNS[:-1])]
    print("  " + "  ".join(name.ljust(w) for name, w in zip(_COLUMNS, widths, strict=False)) + "  reason")
    for row in rows:
        print(
            "  " + "  ".join(value.ljust(w) for value, w in zip(row, widths, strict=False)) + "  " + row[-1]
        )
    hashes = [
        (f"{e['time'][:19]} {e['to']}", f"{e['old_hash'] or '-'} -> {e['new_hash']}")
        for e in audit.history
        if e["new_hash"]
    ]
    if hashes:
        print("\nContent hashes (old -> new):")
        print_rows(hashes)
    links = sorted({e["dagster_url"] for e in audit.history if e["dagster_url"]})
    if links:
        print("\nDagster runs:")
        for link in links:
            print(f"  {link}")
    print("\nCrosswalk:")
    if audit.crosswalk:
        print_rows([(name, str(value)) for name, value in audit.crosswalk.items()])
    else:
        print("  (not linked)")
    if audit.journal:
        print("\nPayment journal:")
        print_rows([(name, str(value)) for name, value in audit.journal.items()])
    print("\nOpen quarantine:")
    if not audit.quarantine:
        print("  (none)")
    for item in audit.quarantine:
        print(
            f"  #{item['id']} {item['kind']} {item['record']}: {item['reason']}"
            f" (attempts {item['attempts']}, last seen {item['last_seen']})"
        )


def run(args: argparse.Namespace) -> int:
    """Exit 1 when the ledger knows nothing of the record."""
    store = LedgerStore()
    try:
        audit = audit_record(store, args.kind, args.record_id)
    finally:
        store.close()
    if not audit.known:
        print(f"The ledger knows nothing of {args.kind} {audit.record_id}.", file=sys.stderr)
        return 1
    if args.json:
        print(simplejson.dumps(audit.to_dict(), indent=2, default=str))
    else:
        print_audit(audit)
    return 0
