"""Run both sandboxes with uvicorn: in the foreground for ``vab sandbox serve``, or in background
threads on free loopback ports for tests and the demo.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette

if TYPE_CHECKING:
    from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox
    from visma_airbase_pipeline.sandbox.visma.app import VismaSandbox


@dataclass
class SandboxOptions:
    """Everything ``vab sandbox serve`` can set."""

    host: str = "127.0.0.1"
    visma_port: int = 8701
    airbase_port: int = 8702
    seed: int = 42
    invoices: int = 500
    token_ttl: int = 3600
    visma_webhook_url: str | None = None
    airbase_webhook_url: str | None = None


class _ThreadedServer:
    """One uvicorn server on an already bound socket, in a daemon thread."""

    def __init__(self, app: Starlette, sock: socket.socket) -> None:
        # A client that keeps a connection open (a keep-alive pool, a read past its timeout) must not
        # hold the stop: after a few seconds open connections are cut.
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=3
        )
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.thread = threading.Thread(target=self._run, daemon=True, name="sandbox-uvicorn")

    def _run(self) -> None:
        self.server.run(sockets=[self.sock])

    def start(self, timeout_s: float = 30.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The sandbox server did not start.")
            time.sleep(0.01)

    def stop(self) -> None:
        self.ask_to_stop()
        self.thread.join(timeout=10)

    def ask_to_stop(self) -> None:
        """Let the server begin its shutdown (stop() waits for it)."""
        self.server.should_exit = True


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class RunningSandboxes:
    """Two live sandboxes and their base URLs."""

    visma: VismaSandbox
    airbase: AirbaseSandbox
    visma_url: str
    airbase_url: str


@contextlib.contextmanager
def running_sandboxes(options: SandboxOptions | None = None) -> Iterator[RunningSandboxes]:
    """Start both sandboxes (port 0 = any free port), yield their URLs, and stop them afterwards."""
    # Imported here so one sandbox's tests can serve it alone (with _bind/_ThreadedServer).
    from visma_airbase_pipeline.sandbox.airbase.app import AirbaseSandbox
    from visma_airbase_pipeline.sandbox.visma.app import VismaSandbox

    options = options or SandboxOptions()
    visma = VismaSandbox(
        seed=options.seed,
        invoices=options.invoices,
        token_ttl=options.token_ttl,
        webhook_url=options.visma_webhook_url,
    )
    airbase = AirbaseSandbox(
        seed=options.seed, invoices=options.invoices, webhook_url=options.airbase_webhook_url
    )
    servers: list[_ThreadedServer] = []
    try:
        urls = []
        for sandbox, port in ((visma, options.visma_port), (airbase, options.airbase_port)):
            sock = _bind(options.host, port)
            server = _ThreadedServer(sandbox.build_app(), sock)
            server.start()
            servers.append(server)
            urls.append(f"http://{options.host}:{sock.getsockname()[1]}")
        yield RunningSandboxes(visma, airbase, urls[0], urls[1])
    finally:
        for server in servers:  # both shut down at once, not one after the other
            server.ask_to_stop()
        for server in servers:
            server.stop()
        visma.webhooks.stop()
        airbase.webhooks.stop()
