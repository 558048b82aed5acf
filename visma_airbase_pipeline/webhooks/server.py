"""Run the webhook receiver with uvicorn: in the foreground for ``vab webhooks serve``, or in a
background thread on a free loopback port for tests and ``make dev``.

Secrets come from :func:`resolve_credentials` (``VAB_VISMA_WEBHOOK_SECRET`` and
``VAB_AIRBASE_WEBHOOK_SECRET`` or the vault). During a rotation a value may list several secrets
separated by commas (``new,old``); any of them is accepted. ``VAB_AIRBASE_WEBHOOK_MODE`` picks the
Airbase signature mode (``body``, the default, or ``timestamped``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from visma_airbase_pipeline.webhooks.app import AIRBASE_PATH, MAX_BODY, VISMA_PATH, SecretsArg, build_receiver
from visma_airbase_pipeline.webhooks.signatures import AIRBASE_MODES, Secrets

MODE_VARIABLE = "VAB_AIRBASE_WEBHOOK_MODE"


def split_secrets(value: SecretStr | str | None) -> Secrets:
    """One configured value as secrets: ``"new,old"`` during a rotation, blanks ignored."""
    if value is None:
        return Secrets()
    plain = value.get_secret_value() if isinstance(value, SecretStr) else value
    return Secrets(part.strip() for part in plain.split(","))


@dataclass
class RunningReceiver:
    """A live receiver: its base URL and the two webhook URLs to give the senders."""

    url: str
    app: Starlette

    @property
    def visma_url(self) -> str:
        """Where Visma posts: ``{url}/webhooks/visma``."""
        return self.url + VISMA_PATH

    @property
    def airbase_url(self) -> str:
        """Where Airbase posts: ``{url}/webhooks/airbase``."""
        return self.url + AIRBASE_PATH


@contextlib.contextmanager
def running_receiver(
    engine: Engine,
    visma_secrets: SecretsArg,
    airbase_secrets: SecretsArg,
    *,
    airbase_mode: str = "body",
    max_body: int = MAX_BODY,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> Iterator[RunningReceiver]:
    """Serve the receiver in a daemon thread (port 0 = any free port) until the block ends."""
    app = build_receiver(engine, visma_secrets, airbase_secrets, airbase_mode, max_body, **options)
    sock = _bind(host, port)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="vab-webhooks")
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The webhook receiver did not start.")
            time.sleep(0.01)
        yield RunningReceiver(_base_url(host, sock), app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(host: str, port: int) -> int:
    """``vab webhooks serve``: the receiver in the foreground until Ctrl+C; returns an exit code."""
    from visma_airbase_pipeline.credentials import resolve_credentials
    from visma_airbase_pipeline.ledger.store import LedgerStore
    from visma_airbase_pipeline.settings import load_settings
    from visma_airbase_pipeline.vault import VaultError

    try:
        settings = load_settings()
        credentials = resolve_credentials(settings)
    except VaultError as exc:
        return _fail(f"Could not read the webhook secrets: {_plain(exc)}")
    except ValueError as exc:  # a malformed VAB_* variable; the message may quote values, so not shown
        return _fail(f"Could not read the settings ({type(exc).__name__}); check the VAB_* variables.")
    visma = split_secrets(credentials.visma_webhook_secret)
    airbase = split_secrets(credentials.airbase_webhook_secret)
    missing = [
        name
        for name, keys in (("VAB_VISMA_WEBHOOK_SECRET", visma), ("VAB_AIRBASE_WEBHOOK_SECRET", airbase))
        if not keys
    ]
    if missing:
        return _fail(
            f"No webhook secret is configured for {' and '.join(missing)}: "
            "set the variable or run `vab credentials set`."
        )
    mode = os.environ.get(MODE_VARIABLE, "").strip() or "body"
    if mode not in AIRBASE_MODES:
        return _fail(f"{MODE_VARIABLE} must be one of {', '.join(AIRBASE_MODES)}, not {mode!r}.")
    try:
        store = LedgerStore(settings.ledger_url)
    except Exception as exc:
        return _fail(f"Could not open the ledger ({type(exc).__name__}); check VAB_LEDGER_URL.")
    try:
        try:
            sock = _bind(host, port)
        except OSError as exc:
            return _fail(f"Could not start the webhook receiver: {exc}")
        app = build_receiver(store.engine, visma, airbase, mode)
        server = uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="off"))
        base = _base_url(host, sock)
        print(f"Webhook receiver: {base}{VISMA_PATH} and {base}{AIRBASE_PATH}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
        print("Stopped.")
        return 0
    finally:
        store.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({exc.strerror or exc}).") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _base_url(host: str, sock: socket.socket) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{sock.getsockname()[1]}"


def _fail(sentence: str) -> int:
    print(sentence, file=sys.stderr)
    return 2


def _plain(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if text.endswith(".") else text + "."
