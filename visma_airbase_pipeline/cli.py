"""``vab``: the operator's command line (sandboxes, credentials, ping, demo)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from visma_airbase_pipeline.settings import SANDBOX_AIRBASE_PORT, SANDBOX_HOST, SANDBOX_VISMA_PORT


def _sandbox_parser(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser("sandbox", help="the local Visma and Airbase sandboxes")
    actions = sandbox.add_subparsers(dest="action", required=True)
    serve = actions.add_parser("serve", help="serve both sandboxes until interrupted")
    serve.add_argument("--host", default=SANDBOX_HOST)
    serve.add_argument("--visma-port", type=int, default=SANDBOX_VISMA_PORT)
    serve.add_argument("--airbase-port", type=int, default=SANDBOX_AIRBASE_PORT)
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--invoices", type=int, default=500)
    serve.add_argument("--token-ttl", type=int, default=3600, help="Visma token lifetime, seconds")
    serve.add_argument("--visma-webhook-url", default=None)
    serve.add_argument("--airbase-webhook-url", default=None)


def _print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    """Serve both sandboxes in the foreground, printing their base URLs."""
    from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes

    options = SandboxOptions(
        host=args.host,
        visma_port=args.visma_port,
        airbase_port=args.airbase_port,
        seed=args.seed,
        invoices=args.invoices,
        token_ttl=args.token_ttl,
        visma_webhook_url=args.visma_webhook_url,
        airbase_webhook_url=args.airbase_webhook_url,
    )
    try:
        with running_sandboxes(options) as running:
            print(f"Visma sandbox:   {running.visma_url}", flush=True)
            print(f"Airbase sandbox: {running.airbase_url}", flush=True)
            print("Press Ctrl+C to stop.", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopped.")
        return 0
    except OSError as exc:
        print(f"Could not start the sandboxes: {exc}", file=sys.stderr)
        return 2


def cmd_demo(args: argparse.Namespace) -> int:
    """Start the sandboxes on free ports, show what the seeded company holds, and stop them."""
    from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes
    from visma_airbase_pipeline.sandbox.summary import summarize

    started = time.monotonic()
    options = SandboxOptions(visma_port=0, airbase_port=0, seed=args.seed, invoices=args.invoices)
    with running_sandboxes(options) as running:
        print(f"Visma sandbox   {running.visma_url}")
        print(f"Airbase sandbox {running.airbase_url}")
        print("Seeded company (Nordic Trade AB, SEK):")
        _print_rows(summarize(running.visma_url, running.airbase_url))
    print(f"Done in {time.monotonic() - started:.1f}s.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The whole ``vab`` command tree."""
    parser = argparse.ArgumentParser(prog="vab", description="Visma.net ERP <-> Airbase connector")
    commands = parser.add_subparsers(dest="command", required=True)
    _sandbox_parser(commands)
    demo = commands.add_parser("demo", help="run the demo against fresh sandboxes")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--invoices", type=int, default=500)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vab`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "sandbox" and args.action == "serve":
        return cmd_sandbox_serve(args)
    if args.command == "demo":
        return cmd_demo(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
