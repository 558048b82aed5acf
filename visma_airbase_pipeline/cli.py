"""``vab``: the operator's command line. Parses arguments and hands each command to its module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date

from visma_airbase_pipeline.settings import SANDBOX_AIRBASE_PORT, SANDBOX_HOST, SANDBOX_VISMA_PORT


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _add_day_range(parser: argparse.ArgumentParser) -> None:
    """``--date D`` or ``--from D --to D`` (UTC days, both ends inclusive)."""
    parser.add_argument("--date", type=_day, default=None, help="one UTC day (default: today)")
    parser.add_argument("--from", dest="first", type=_day, default=None, help="first UTC day")
    parser.add_argument("--to", dest="last", type=_day, default=None, help="last UTC day (inclusive)")


EXIT_CODES = """exit codes:
  0  done: the systems work, the sync and its checks passed, nothing unexplained
  1  done, and something is wrong: a system that does not answer (ping), a failed asset, check
     or replay; an unexplained difference; a record the ledger does not know; a vault that
     the key cannot open
  2  usage or configuration error: bad arguments, a day range that is no range, a bad setting,
     a server that cannot start (port taken)

--json (ping, sync, reconcile, audit, quarantine list, chaos) prints one JSON document on stdout;
logs go to stderr."""


def build_parser() -> argparse.ArgumentParser:
    """The whole ``vab`` command tree."""
    parser = argparse.ArgumentParser(
        prog="vab",
        description="Visma.net ERP <-> Airbase connector",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help="the local Visma and Airbase sandboxes")
    sandbox_actions = sandbox.add_subparsers(dest="action", required=True)
    serve = sandbox_actions.add_parser("serve", help="serve both sandboxes until interrupted")
    serve.add_argument("--host", default=SANDBOX_HOST)
    serve.add_argument("--visma-port", type=int, default=SANDBOX_VISMA_PORT)
    serve.add_argument("--airbase-port", type=int, default=SANDBOX_AIRBASE_PORT)
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--invoices", type=int, default=500)
    serve.add_argument("--token-ttl", type=int, default=3600, help="Visma token lifetime, seconds")
    serve.add_argument("--visma-webhook-url", default=None)
    serve.add_argument("--airbase-webhook-url", default=None)

    credentials = commands.add_parser("credentials", help="the encrypted credentials vault")
    credential_actions = credentials.add_subparsers(dest="action", required=True)
    store = credential_actions.add_parser("set", help="prompt for credentials (secrets without echo)")
    store.add_argument("--field", action="append", help="only this field (repeatable)")
    credential_actions.add_parser("show", help="show stored credentials, secrets redacted")
    rotate = credential_actions.add_parser("rotate-key", help="re-encrypt the vault under a new key")
    rotate.add_argument("--new-key", default=None, help="the new Fernet key (generated if omitted)")
    credential_actions.add_parser("generate-key", help="print a new Fernet key for VAB_MASTER_KEY")

    check = commands.add_parser("ping", help="check both configured systems end to end")
    check.add_argument("--timeout", type=float, default=None, help="seconds per call")
    check.add_argument("--json", action="store_true", help="print JSON instead of a table")

    sync = commands.add_parser("sync", help="sync reference data and the given UTC days now")
    _add_day_range(sync)
    sync.add_argument("--json", action="store_true", help="print the outcome as JSON (no progress bar)")
    sync.add_argument(
        "--reread",
        action="store_true",
        help="read these days from Visma whole again (by default only what changed since the last read)",
    )

    webhooks = commands.add_parser("webhooks", help="the webhook receiver")
    webhook_actions = webhooks.add_subparsers(dest="action", required=True)
    receiver = webhook_actions.add_parser("serve", help="receive Visma and Airbase webhooks into the inbox")
    receiver.add_argument("--host", default=SANDBOX_HOST)
    receiver.add_argument("--port", type=int, default=8703)

    dev = commands.add_parser("dev", help="sandboxes, webhook receiver and dagster dev, until Ctrl-C")
    dev.add_argument("--ui-port", type=int, default=3000)
    dev.add_argument("--receiver-port", type=int, default=8703)
    dev.add_argument("--visma-port", type=int, default=SANDBOX_VISMA_PORT)
    dev.add_argument("--airbase-port", type=int, default=SANDBOX_AIRBASE_PORT)
    dev.add_argument("--invoices", type=int, default=500)

    instance = commands.add_parser("instance", help="the Dagster instance config in DAGSTER_HOME")
    instance_actions = instance.add_subparsers(dest="action", required=True)
    instance_actions.add_parser("init", help="install the project's dagster.yaml into DAGSTER_HOME")

    demo = commands.add_parser("demo", help="run the demo against fresh sandboxes")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--invoices", type=int, default=500)
    chaos = commands.add_parser("chaos", help="soak the connector in faults, then verify the end state")
    chaos.add_argument("--minutes", type=float, default=10.0, help="how long faults are injected")
    chaos.add_argument("--seed", type=int, default=7)
    chaos.add_argument("--invoices", type=int, default=500)
    chaos.add_argument("--keep", default=None, metavar="DIR", help="keep DAGSTER_HOME and logs in DIR")
    chaos.add_argument("--json", action="store_true", help="print the report as JSON")
    reconcile = commands.add_parser("reconcile", help="Visma open AP against Airbase, differences explained")
    _add_day_range(reconcile)
    reconcile.add_argument("--csv", default=None, help="also write the report to this CSV file")
    reconcile.add_argument("--json", action="store_true", help="print the report as JSON")

    audit = commands.add_parser("audit", help="the ledger history of one record")
    audit.add_argument("kind", choices=("invoice", "bill", "supplier", "vendor", "payment"))
    audit.add_argument("record_id", metavar="id", help="e.g. Invoice/000123 (or 000123), 10001, a payment id")
    audit.add_argument("--json", action="store_true", help="print JSON instead of a table")

    quarantine = commands.add_parser("quarantine", help="records kept aside by the sync, and their replay")
    quarantine_actions = quarantine.add_subparsers(dest="action", required=True)
    listing = quarantine_actions.add_parser("list", help="open quarantine items")
    listing.add_argument("--kind", default=None, help="only this kind (bill, supplier, gl_account, ...)")
    listing.add_argument("--all", action="store_true", help="resolved items too")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    show = quarantine_actions.add_parser("show", help="one item's kept payload and reason, as JSON")
    show.add_argument("id", type=int)
    replay = quarantine_actions.add_parser("replay", help="run quarantined records through the sync again")
    replay.add_argument("id", type=int, nargs="?", default=None)
    replay.add_argument("--all", action="store_true", help="every open item")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vab`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        from visma_airbase_pipeline.commands import sandbox

        return sandbox.serve(args)
    if args.command == "credentials":
        from visma_airbase_pipeline.commands import credentials

        return credentials.run(args)
    if args.command == "ping":
        from visma_airbase_pipeline.commands import ping

        return ping.run(args)
    if args.command == "sync":
        from visma_airbase_pipeline.commands import sync

        return sync.run(args)
    if args.command == "webhooks":
        from visma_airbase_pipeline.webhooks.server import serve

        return serve(args.host, args.port)
    if args.command == "dev":
        from visma_airbase_pipeline.commands import dev

        return dev.run(args)
    if args.command == "instance":
        from visma_airbase_pipeline.instance import ensure_instance_config

        try:
            print(f"Dagster instance config: {ensure_instance_config()}")
        except ValueError as error:
            print(str(error), file=sys.stderr)
            return 2
        return 0
    if args.command == "chaos":
        from visma_airbase_pipeline.commands import chaos

        return chaos.run(args)
    if args.command == "demo":
        from visma_airbase_pipeline.commands import demo

        return demo.run(args)
    if args.command == "reconcile":
        from visma_airbase_pipeline.commands import reconcile

        return reconcile.run(args)
    if args.command == "audit":
        from visma_airbase_pipeline.commands import audit

        return audit.run(args)
    if args.command == "quarantine":
        from visma_airbase_pipeline.commands import quarantine

        return quarantine.run(args)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
