"""Run one connector process and measure it: wall time, peak RSS of that process alone, the
sandboxes' API calls, and the figures it printed.

Peak RSS is the process's own ``VmHWM``, sampled from ``/proc`` once it runs its own program: the
``ru_maxrss`` that ``wait4`` reports starts from the harness's own size at the fork (Linux carries
it across ``exec``), so after the harness has held 100,000 invoices every child would look as big."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.figures import Calls
from benchmarks.sandboxes import Sandboxes
from benchmarks.sync_entry import MARKER

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measured:
    """One measured process."""

    wall_s: float
    peak_rss_mb: float
    returncode: int
    visma: Calls
    airbase: Calls
    figures: dict[str, Any] = field(default_factory=dict)
    tail: str = ""

    @property
    def ok(self) -> bool:
        """The process succeeded and reported success."""
        return self.returncode == 0 and bool(self.figures.get("success", True))


class Home:
    """A throwaway ``DAGSTER_HOME`` (instance, ledger) for one scenario; removed by cleanup()."""

    def __init__(self, label: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix=f"vab-bench-{label}-")
        self.path = Path(self._dir.name)

    def cleanup(self) -> None:
        """Delete the directory."""
        self._dir.cleanup()


def connector_env(sandboxes: Sandboxes, home: Home, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a connector process: sandbox URLs and credentials, its own home and ledger."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAB_")}
    env.update(sandboxes.environment())
    env["DAGSTER_HOME"] = str(home.path)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def run_measured(command: list[str], env: dict[str, str], sandboxes: Sandboxes, timeout_s: float) -> Measured:
    """Clear the sandboxes' stats, run ``command`` to the end, and collect what it cost."""
    sandboxes.clear_stats()
    started = time.monotonic()
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    peak = PeakRss(process.pid, command)
    peak.start()
    output: list[str] = []
    try:
        assert process.stdout is not None
        deadline = started + timeout_s
        for line in process.stdout:
            output.append(line)
            if time.monotonic() > deadline:
                process.kill()
                output.append(f"killed after {timeout_s:.0f} s\n")
                break
        peak.stop()  # the output has closed: the process is exiting, its memory already at its peak
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    except BaseException:
        peak.stop()
        if process.poll() is None:
            process.kill()
            process.wait()
        raise
    wall = time.monotonic() - started
    visma, airbase = sandboxes.calls()
    figures: dict[str, Any] = {}
    for line in output:
        if line.startswith(MARKER):
            figures = json.loads(line[len(MARKER) :])
    return Measured(
        wall_s=round(wall, 2),
        peak_rss_mb=round((peak.kib or usage.ru_maxrss) / 1024, 1),
        returncode=process.returncode,
        visma=visma,
        airbase=airbase,
        figures=figures,
        tail="".join(output[-15:]),
    )


class PeakRss(threading.Thread):
    """Samples a process's ``VmHWM`` (its peak resident size) every 50 ms from the moment ``/proc``
    shows it running ``command``; ``kib`` stays 0 where there is no ``/proc``."""

    def __init__(self, pid: int, command: list[str]) -> None:
        super().__init__(name=f"peak-rss-{pid}", daemon=True)
        self._proc = Path(f"/proc/{pid}")
        self._cmdline = ("\0".join(command) + "\0").encode()
        self._stopped = threading.Event()
        self.kib = 0

    def run(self) -> None:
        """Sample until stopped or the process is gone."""
        while not self._stopped.is_set():
            self.sample()
            self._stopped.wait(0.05)

    def sample(self) -> None:
        """One reading; before ``exec`` the process is still a copy of the harness: not counted."""
        try:
            if (self._proc / "cmdline").read_bytes() != self._cmdline:
                return
            status = (self._proc / "status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.kib = max(self.kib, int(line.split()[1]))

    def stop(self) -> None:
        """A last reading, then end the thread."""
        self.sample()
        self._stopped.set()


def sync_command(*args: str) -> list[str]:
    """``python -m benchmarks.sync_entry ARGS`` with this interpreter."""
    return [sys.executable, "-m", "benchmarks.sync_entry", *args]
