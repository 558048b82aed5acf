"""The Airbase sandbox served alone on a free loopback port, reset before every test, plus a tiny
webhook receiver, and the reference data bills need (helpers live in ``airbase_helpers``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from airbase_helpers import ACCOUNTS, SUBSIDIARY, TAGS, VENDORS, Airbase, Receiver

from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox
from visma_airbase_pipeline.sandbox.airbase.webhooks import WEBHOOK_SECRET
from visma_airbase_pipeline.sandbox.server import _bind, _ThreadedServer


@pytest.fixture(scope="session")
def airbase_server() -> Iterator[Airbase]:
    """One server for the session; tests reset it instead of restarting it (fast)."""
    sandbox = AirbaseSandbox(seed=42, invoices=0)
    sock = _bind("127.0.0.1", 0)
    server = _ThreadedServer(sandbox.build_app(), sock)
    server.start()
    try:
        yield Airbase(f"http://127.0.0.1:{sock.getsockname()[1]}", sandbox)
    finally:
        server.stop()
        sandbox.webhooks.stop()


@pytest.fixture
def airbase(airbase_server: Airbase) -> Airbase:
    """A freshly seeded sandbox with default config and no webhook target."""
    client = airbase_server
    assert client.admin("POST", "reset", {"seed": 42, "invoices": 0}).status_code == 200
    config = {"rate_limit": 500, "rate_window_s": 60, "bulk_mode": "partial", "max_page_size": 250}
    assert client.admin("POST", "config", {**config, "approval_steps": 1}).status_code == 200
    hooks = {"url": None, "secret": WEBHOOK_SECRET, "mode": "body"}
    assert client.admin("POST", "webhooks", hooks).status_code == 200
    return client


@pytest.fixture
def reference(airbase: Airbase) -> Airbase:
    """Accounts, tags and vendors pushed as the connector would, so bills can reference them."""
    for resource, items in (("accounts", ACCOUNTS), ("tags", TAGS), ("vendors", VENDORS)):
        result = airbase.upsert(resource, *({**i, "subsidiary_reference_ids": SUBSIDIARY} for i in items))
        assert not result["validation_errors"], result
    return airbase


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A tiny ``http.server`` thread that records every POST (headers, raw body)."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            with state.arrived:
                failing = state.fail_first > 0
                state.fail_first -= 1 if failing else 0
                state.received.append((dict(self.headers.items()), raw))
                state.arrived.notify_all()
            self.send_response(503 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
