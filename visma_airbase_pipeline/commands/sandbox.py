"""``vab sandbox serve``: both sandboxes in the foreground."""

from __future__ import annotations

import argparse
import sys
import time

from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes


def serve(args: argparse.Namespace) -> int:
    """Serve both sandboxes until interrupted, printing their base URLs first."""
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
