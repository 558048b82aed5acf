"""Fixtures shared by the whole suite: a throwaway PostgreSQL 15 cluster and a DAGSTER_HOME."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)


def _pg_tool(name: str) -> str:
    for folder in _PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL 15 server binary {name!r} not found on PATH or in {_PG_BIN_DIRS}")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root; CI and sessions are root, so the cluster runs as `postgres`.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL 15 cluster of our own, on a free loopback port, for this test session only."""
    root = Path(tempfile.mkdtemp(prefix="vab-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        _as_postgres([_pg_tool("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres(
            [_pg_tool("pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([_pg_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private DAGSTER_HOME (vault, ledger, instance) for one test."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def sandboxes():
    """Both sandboxes on free loopback ports for the whole session (reset by ``sandbox_env``)."""
    from visma_airbase_pipeline.sandbox.server import SandboxOptions, running_sandboxes

    with running_sandboxes(SandboxOptions(visma_port=0, airbase_port=0, invoices=300)) as running:
        yield running


@pytest.fixture
def sandbox_env(sandboxes, dagster_home, monkeypatch):
    """Freshly reset sandboxes, and the ``VAB_*`` environment pointing the connector at them."""
    import requests

    from visma_airbase_pipeline.sandbox.environment import sandbox_environment

    for url in (sandboxes.visma_url, sandboxes.airbase_url):
        requests.post(
            f"{url}/_sandbox/reset", json={"seed": 42, "invoices": 300}, timeout=60
        ).raise_for_status()
        requests.delete(f"{url}/_sandbox/faults", timeout=10).raise_for_status()
    for name, value in sandbox_environment(sandboxes.visma_url, sandboxes.airbase_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VAB_LEDGER_URL", raising=False)
    return sandboxes


@pytest.fixture
def clock():
    """The client tests' controllable clock (see fake_clock.py)."""
    from fake_clock import FakeClock

    return FakeClock()


@pytest.fixture
def rsps():
    """A ``responses`` mock for client unit tests; unused routes are fine."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
