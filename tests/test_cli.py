"""The ``vab`` command as a person runs it: real processes, real exit codes, real output."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import pytest
import requests

from visma_airbase_pipeline.sandbox.environment import sandbox_environment

VAB = [sys.executable, "-m", "visma_airbase_pipeline.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VAB, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)


@pytest.mark.integration
def test_sandbox_serve_prints_urls_serves_and_stops_on_ctrl_c():
    visma_port, airbase_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [
            *VAB,
            "sandbox",
            "serve",
            "--visma-port",
            str(visma_port),
            "--airbase-port",
            str(airbase_port),
            "--invoices",
            "50",
            "--seed",
            "7",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
        assert lines[0].strip() == f"Visma sandbox:   http://127.0.0.1:{visma_port}"
        assert lines[1].strip() == f"Airbase sandbox: http://127.0.0.1:{airbase_port}"
        health = requests.get(f"http://127.0.0.1:{visma_port}/_sandbox/health", timeout=5).json()
        assert health["seed"] == 7 and health["invoices"] == 50
        assert requests.get(f"http://127.0.0.1:{airbase_port}/_sandbox/health", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def test_sandbox_serve_says_plainly_when_the_port_is_taken():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = _run(
            "sandbox", "serve", "--visma-port", str(port), "--airbase-port", "0", env=dict(os.environ)
        )
    assert result.returncode == 2
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_credentials_round_trip_and_wrong_key(dagster_home):
    key = _run("credentials", "generate-key", env=dict(os.environ)).stdout.strip()
    env = {**os.environ, "VAB_MASTER_KEY": key}
    stored = _run("credentials", "set", "--field", "visma_client_id", env=env, stdin="vab-client\n")
    assert stored.returncode == 0, stored.stderr
    shown = _run("credentials", "show", env=env)
    assert shown.returncode == 0 and "vab-client" in shown.stdout
    vault = dagster_home / "vab-credentials.enc"
    assert vault.exists() and b"vab-client" not in vault.read_bytes()
    wrong = _run(
        "credentials",
        "show",
        env={**env, "VAB_MASTER_KEY": _run("credentials", "generate-key", env=env).stdout.strip()},
    )
    assert wrong.returncode == 1
    assert "cannot be decrypted with VAB_MASTER_KEY" in wrong.stderr and "Traceback" not in wrong.stderr


@pytest.mark.integration
def test_ping_exit_codes_against_the_sandboxes(sandbox_env):
    env = {**os.environ, **sandbox_environment(sandbox_env.visma_url, sandbox_env.airbase_url)}
    good = _run("ping", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Both systems work." in good.stdout
    bad = _run("ping", env={**env, "VAB_VISMA_CLIENT_SECRET": "not-the-secret-123"})
    assert bad.returncode == 1 and "FAIL" in bad.stdout
    assert "not-the-secret-123" not in bad.stdout + bad.stderr
    unreachable = _run(
        "ping", "--timeout", "2", env={**env, "VAB_AIRBASE_BASE_URL": f"http://127.0.0.1:{_free_port()}"}
    )
    assert unreachable.returncode == 1 and "airbase" in unreachable.stdout.lower()


@pytest.mark.integration
def test_sync_shows_live_progress_and_a_summary(sandbox_env, capsys):
    from visma_airbase_pipeline.cli import main

    assert main(["sync", "--date", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "[ 1/" in out and "done    airbase/bills" in out
    assert "airbase/bills" in out and "Sync succeeded." in out
    assert main(["sync", "--from", "2026-11-21", "--to", "2026-11-20"]) == 2


@pytest.mark.integration
def test_sync_reread_reads_the_days_whole_again(sandbox_env, capsys):
    from visma_airbase_pipeline.cli import main

    def invoices_read(*extra: str) -> int:
        assert main(["sync", "--from", "2026-11-10", "--to", "2026-11-20", "--json", *extra]) == 0
        outcome = json.loads(capsys.readouterr().out)
        return next(a["counts"]["read"] for a in outcome["assets"] if a["key"] == "visma/supplier_invoices")

    first = invoices_read()
    assert first > 0
    assert invoices_read() == 0  # those days were read to their end: nothing new can appear in them
    assert invoices_read("--reread") == first
