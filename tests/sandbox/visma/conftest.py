"""The sandboxes on free loopback ports for the session (as ``vab sandbox serve`` runs them), the
Visma one reset (data, config, webhook target) before every test, plus a tiny webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from visma_helpers import WEBHOOK_SECRET, Receiver, Visma

from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes

INVOICES = 300


@pytest.fixture(scope="session")
def visma_server() -> Iterator[Visma]:
    """One server for the session; tests reset it instead of restarting it (fast)."""
    options = SandboxOptions(visma_port=0, airbase_port=0, seed=42, invoices=INVOICES)
    with running_sandboxes(options) as running:
        yield Visma(running.visma_url, running.visma)


@pytest.fixture
def visma(visma_server: Visma) -> Visma:
    """A freshly seeded company, default config, no webhook target, and a logged-in client."""
    client = Visma(visma_server.url, visma_server.sandbox)
    assert client.admin("POST", "reset", {"seed": 42, "invoices": INVOICES}).status_code == 200
    assert client.admin("POST", "webhooks", {"url": None, "secret": WEBHOOK_SECRET}).status_code == 200
    client.login()
    return client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A ``http.server`` thread on loopback recording every POST (headers, raw body)."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            with state.arrived:
                failing = state.fail_first > 0
                state.fail_first -= 1 if failing else 0
                state.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                state.arrived.notify_all()
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/visma"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
