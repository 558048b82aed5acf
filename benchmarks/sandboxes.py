"""Both sandboxes served by ``vab sandbox serve`` in their own process, so the measured process holds
only the connector, and the admin calls (``/_sandbox/...``) the benchmarks drive them with."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
import simplejson

from benchmarks.figures import Calls, tally
from visma_airbase_pipeline.sandbox.environment import sandbox_environment

#: A budget no benchmark reaches: throughput and call counts are measured without pacing; the
#: rate-budget benchmark sets the real one (scaled) explicitly.
UNLIMITED = 1_000_000
_URL = re.compile(r"(Visma|Airbase) sandbox:\s+(http://\S+)")


def _vab() -> str:
    return str(Path(sys.executable).parent / "vab")


class Sandboxes:
    """A ``vab sandbox serve`` child process on free ports; stop() (or the with-block) ends it."""

    def __init__(self, invoices: int, seed: int = 42, timeout_s: float = 600.0) -> None:
        command = [_vab(), "sandbox", "serve", "--visma-port", "0", "--airbase-port", "0"]
        command += ["--invoices", str(invoices), "--seed", str(seed)]
        self.invoices, self.seed = invoices, seed
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        urls: dict[str, str] = {}
        deadline = time.monotonic() + timeout_s
        assert self.process.stdout is not None
        while len(urls) < 2:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError(f"vab sandbox serve exited with {self.process.returncode}")
            match = _URL.search(line)
            if match:
                urls[match.group(1).lower()] = match.group(2)
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandboxes did not start in time")
        self.visma_url, self.airbase_url = urls["visma"], urls["airbase"]

    def __enter__(self) -> Sandboxes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """End the sandbox process (its own session, so nothing else is touched)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)

    @property
    def urls(self) -> tuple[str, str]:
        """(Visma, Airbase) base URLs."""
        return self.visma_url, self.airbase_url

    def environment(self) -> dict[str, str]:
        """The ``VAB_*`` variables that point a connector process at these sandboxes."""
        return sandbox_environment(self.visma_url, self.airbase_url)

    # ----- admin API ------------------------------------------------------------------------------
    def reset(self, invoices: int | None = None) -> None:
        """Re-seed both (clears faults, stats, webhook log and config) and lift the rate budgets."""
        self.invoices = invoices if invoices is not None else self.invoices
        for url in self.urls:
            post(url, "reset", {"seed": self.seed, "invoices": self.invoices}, timeout=900)
        self.lift_budgets()

    def lift_budgets(self) -> None:
        """No pacing: throughput and call counts are measured on their own (item 6 sets budgets)."""
        self.configure(visma={"rate_limit": UNLIMITED}, airbase={"rate_limit": UNLIMITED})

    def configure(self, visma: dict[str, Any], airbase: dict[str, Any]) -> None:
        """``POST /_sandbox/config`` on each."""
        post(self.visma_url, "config", visma)
        post(self.airbase_url, "config", airbase)

    def clear_stats(self) -> None:
        """Start a measured interval."""
        for url in self.urls:
            requests.delete(f"{url}/_sandbox/stats", timeout=30).raise_for_status()

    def calls(self) -> tuple[Calls, Calls]:
        """(Visma, Airbase) calls since the last ``clear_stats``."""
        return tally(get(self.visma_url, "stats")), tally(get(self.airbase_url, "stats"))


def get(url: str, path: str, timeout: float = 300) -> Any:
    """``GET {url}/_sandbox/{path}`` as JSON (numbers as Decimal)."""
    response = requests.get(f"{url}/_sandbox/{path}", timeout=timeout)
    response.raise_for_status()
    return simplejson.loads(response.content, use_decimal=True)


def post(url: str, path: str, body: Any = None, timeout: float = 60) -> Any:
    """``POST {url}/_sandbox/{path}`` with a JSON body."""
    data = simplejson.dumps(body if body is not None else {}, use_decimal=True)
    response = requests.post(
        f"{url}/_sandbox/{path}", data=data, headers={"Content-Type": "application/json"}, timeout=timeout
    )
    response.raise_for_status()
    return simplejson.loads(response.content, use_decimal=True) if response.content.strip() else None


def patch(session: requests.Session, url: str, collection: str, record_id: str, body: dict[str, Any]) -> None:
    """``PATCH /_sandbox/records/{collection}/{id}``: change a record as a user would."""
    response = session.patch(
        f"{url}/_sandbox/records/{collection}/{record_id}",
        data=simplejson.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
