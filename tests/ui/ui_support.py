"""Helpers of the browser test: Chromium present or not, the Dagster webserver and daemon as
subprocesses on the project's definitions, and a GraphQL call to cross-check what the page drew."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking flags Chromium keeps dialling out, and this network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "images"
DEFINITIONS = "visma_airbase_pipeline.definitions"


def browser_missing() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (the Makefile installs Debian's chromium with apt when it can)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed in this environment"
    return None


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM the process groups we started (webserver, daemon and their code servers), all at
    once so their shutdowns overlap; SIGKILL what is still there after 20 s."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def running_dagster(home: Path, env: dict[str, str], logs: Path) -> Iterator[str]:
    """``dagster-webserver`` (and ``dagster-daemon``: the project's instance queues runs, so a run
    launched from the UI waits for the daemon to dequeue it) on the project's definitions; yields
    the webserver's base URL once ``/server_info`` answers."""
    port = free_port()
    full_env = {**os.environ, **env, "DAGSTER_HOME": str(home)}
    logs.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen[bytes]] = []
    try:
        for name, argv in (
            ("webserver", [_tool("dagster-webserver"), "-h", "127.0.0.1", "-p", str(port)]),
            ("daemon", [_tool("dagster-daemon"), "run"]),
        ):
            with open(logs / f"{name}.log", "wb") as log:
                started.append(
                    subprocess.Popen(
                        [*argv, "-m", DEFINITIONS],
                        cwd=REPO,
                        env=full_env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if started[0].poll() is not None:
                raise RuntimeError(
                    f"dagster-webserver exited: {(logs / 'webserver.log').read_text()[-2000:]}"
                )
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/server_info", timeout=2).ok:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("dagster-webserver did not answer /server_info within 90 s")
            time.sleep(0.5)
        yield url
    finally:
        _stop(started)


def graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One GraphQL call to the webserver; raises on errors."""
    response = requests.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30
    )
    response.raise_for_status()
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return dict(body["data"])


ASSET_EDGES = """
query { assetNodes { assetKey { path } dependencyKeys { path } } }
"""

RUNS = """
query Runs($tag: String!) {
  runsOrError(filter: {tags: [{key: "dagster/partition", value: $tag}]}) {
    ... on Runs { results { runId status tags { key value } } }
  }
}
"""


def asset_edges(url: str) -> set[tuple[str, str]]:
    """(upstream, downstream) pairs of the code location the webserver loaded."""
    edges = set()
    for node in graphql(url, ASSET_EDGES)["assetNodes"]:
        target = "/".join(node["assetKey"]["path"])
        for dep in node["dependencyKeys"]:
            edges.add(("/".join(dep["path"]), target))
    return edges


def runs_of_partition(url: str, partition: str) -> list[dict[str, Any]]:
    """Runs tagged with this partition, newest first."""
    data = graphql(url, RUNS, {"tag": partition})["runsOrError"]
    return list(data.get("results", []))
