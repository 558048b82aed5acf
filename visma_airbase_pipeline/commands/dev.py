"""``vab dev`` (``make dev``): sandboxes whose webhooks reach the receiver, the receiver, and
``dagster dev`` (webserver + daemon), all on localhost until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from visma_airbase_pipeline.instance import ensure_instance_config
from visma_airbase_pipeline.ledger import LedgerStore
from visma_airbase_pipeline.sandbox.environment import SANDBOX_CREDENTIALS, sandbox_environment
from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes
from visma_airbase_pipeline.settings import SANDBOX_HOST, dagster_home, load_settings
from visma_airbase_pipeline.webhooks.server import running_receiver


def _dagster() -> str:
    local = Path(sys.executable).parent / "dagster"
    return str(local) if local.exists() else (shutil.which("dagster") or "dagster")


def run(args: argparse.Namespace) -> int:
    """Everything a developer needs to watch the connector run by itself."""
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    ensure_instance_config(home)
    visma_url = f"http://{SANDBOX_HOST}:{args.visma_port}"
    airbase_url = f"http://{SANDBOX_HOST}:{args.airbase_port}"
    os.environ.update(sandbox_environment(visma_url, airbase_url))
    store = LedgerStore(load_settings().ledger_url)
    try:
        with running_receiver(
            store.engine,
            SANDBOX_CREDENTIALS["VAB_VISMA_WEBHOOK_SECRET"],
            SANDBOX_CREDENTIALS["VAB_AIRBASE_WEBHOOK_SECRET"],
            port=args.receiver_port,
        ) as receiver:
            options = SandboxOptions(
                visma_port=args.visma_port,
                airbase_port=args.airbase_port,
                invoices=args.invoices,
                visma_webhook_url=receiver.visma_url,
                airbase_webhook_url=receiver.airbase_url,
            )
            with running_sandboxes(options) as sandboxes:
                print(f"Visma sandbox     {sandboxes.visma_url}")
                print(f"Airbase sandbox   {sandboxes.airbase_url}")
                print(f"Webhook receiver  {receiver.url}")
                print(f"Dagster UI        http://{SANDBOX_HOST}:{args.ui_port}  (DAGSTER_HOME={home})")
                print("Edit an invoice or approve a bill through the sandbox admin API and watch the run.")
                print("Press Ctrl+C to stop everything.", flush=True)
                command = [
                    _dagster(),
                    "dev",
                    "-m",
                    "visma_airbase_pipeline.definitions",
                    "-p",
                    str(args.ui_port),
                ]
                process = subprocess.Popen(command, env=dict(os.environ))
                try:
                    return process.wait()
                except KeyboardInterrupt:
                    process.terminate()
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                    print("Stopped.")
                    return 0
    except OSError as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
