"""The connector's own long-running processes during a soak, each one killable: the Dagster daemon
(schedules, sensors, run queue and run monitoring; its code server launches every run in a worker
process of its own) and the webhook receiver. Killing is SIGKILL: no cleanup code gets to run, as
when a container is evicted or a machine loses power."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests


def venv_command(name: str) -> str:
    """A console script of the interpreter's own environment (the venv), else the one on PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


@dataclass
class Service:
    """One supervised subprocess, its output appended to a log file (kept for the hygiene check)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0

    def start(self) -> None:
        """Start (or restart after a kill) the process."""
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        self.starts += 1

    @property
    def alive(self) -> bool:
        """Whether the process is running."""
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self.process.pid if self.alive and self.process else None

    def kill(self) -> None:
        """SIGKILL the process and everything it started (its session), then reap it."""
        if self.process is None:
            return
        _kill_group(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, grace_s: float = 20.0) -> None:
        """SIGTERM the whole session, wait up to ``grace_s``, then SIGKILL what is left."""
        if self.process is None or not self.alive:
            return
        _kill_group(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace_s)
        _kill_group(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _kill_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port free right now (for a server started a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout_s: float = 60.0) -> None:
    """Wait until ``GET url`` answers 200 (a freshly started server)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up within {timeout_s:.0f} s")
        time.sleep(0.2)


# ----- run workers --------------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (2nd field) may hold spaces and parentheses: split after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def run_workers(daemon_pid: int) -> list[list[int]]:
    """The run worker processes under the daemon, each with its own descendants (step processes).

    The daemon's code server (``dagster api grpc``) starts each run as a ``multiprocessing`` spawn
    child; that child is the run worker.
    """
    tree = _children()

    def below(pid: int) -> list[int]:
        found = []
        for child in tree.get(pid, []):
            found += [child, *below(child)]
        return found

    workers = []
    for server in below(daemon_pid):
        if "api grpc" not in _cmdline(server):
            continue
        for child in tree.get(server, []):
            if "spawn_main" in _cmdline(child):
                workers.append([child, *below(child)])
    return workers


def kill_pids(pids: list[int]) -> int:
    """SIGKILL each process; how many were still there to kill."""
    killed = 0
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    return killed
