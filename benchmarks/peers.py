"""Item 7: the two peers measured in the same run as the project, each as a ratio to it: (a) the
naive one-call-per-record connector, (b) dlt's ``rest_api`` source for the Visma read half."""

from __future__ import annotations

import sys
import tempfile
from typing import Any

import requests

from benchmarks.figures import ratio
from benchmarks.inbound import seeded_range
from benchmarks.measure import ROOT, Home, connector_env, run_measured, sync_command
from benchmarks.sandboxes import Sandboxes

DLT_VENV = ROOT / ".venv-bench-dlt"


def naive(sandboxes: Sandboxes, home: Home, project: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """The naive baseline over the same (already synced) company, against the project's full sync."""
    command = [sys.executable, "-m", "benchmarks.naive"]
    run = run_measured(command, connector_env(sandboxes, home), sandboxes, timeout_s)
    calls = run.visma.total + run.airbase.total
    return {
        "ok": run.ok,
        "wall_s": run.wall_s,
        "invoices": sandboxes.invoices,
        "visma_calls": run.visma.total,
        "airbase_calls": run.airbase.total,
        "calls_total": calls,
        "figures": run.figures,
        "time_vs_project": ratio(run.wall_s, project.get("wall_s")),
        "calls_vs_project": ratio(calls, project.get("calls_total")),
        "note": "project = the full sync of the same invoices (which also syncs suppliers, POs, receipts)",
        **({} if run.ok else {"error_tail": run.tail}),
    }


def _token(sandboxes: Sandboxes) -> str:
    env = sandboxes.environment()
    response = requests.post(
        env["VAB_VISMA_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": env["VAB_VISMA_CLIENT_ID"],
            "client_secret": env["VAB_VISMA_CLIENT_SECRET"],
            "tenant_id": env["VAB_VISMA_TENANT_ID"],
            "scope": "vismanet_erp_service_api:read",
        },
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def extraction(sandboxes: Sandboxes, timeout_s: float) -> dict[str, Any]:
    """The project's read half alone: ``visma/supplier_invoices`` over the seeded range, fresh ledger
    (every invoice read, hashed and kept as a snapshot, as dlt reads and loads each one)."""
    home = Home("extract")
    try:
        first, last = seeded_range()
        command = sync_command(
            "--select", "visma/supplier_invoices", "--from", first.isoformat(), "--to", last.isoformat()
        )
        run = run_measured(command, connector_env(sandboxes, home), sandboxes, timeout_s)
    finally:
        home.cleanup()
    read = run.figures.get("assets", {}).get("visma/supplier_invoices", {}).get("read", 0)
    return {
        "ok": run.ok,
        "wall_s": run.wall_s,
        "invoices_read": read,
        "invoices_per_s": round(read / run.wall_s, 1) if run.wall_s else None,
        "peak_rss_mb": run.peak_rss_mb,
        "visma_calls": run.visma.total,
        **({} if run.ok else {"error_tail": run.tail}),
    }


def dlt_peer(sandboxes: Sandboxes, project: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """dlt reading the same invoices into DuckDB; skipped (with the reason) when its venv is missing."""
    python = DLT_VENV / "bin" / "python"
    if not (DLT_VENV / ".installed-stamp").exists():
        return {"skipped": f"{DLT_VENV.name} is missing (make bench builds it from requirements-dlt.lock)"}
    with tempfile.TemporaryDirectory(prefix="vab-bench-dlt-") as work:
        env = {
            **connector_env(sandboxes, Home("dlt")),
            "BENCH_VISMA_TOKEN": _token(sandboxes),
            "BENCH_DLT_DIR": work,
            "RUNTIME__LOG_LEVEL": "WARNING",
        }
        command = [str(python), str(ROOT / "benchmarks" / "dlt_peer.py")]
        try:
            run = run_measured(command, env, sandboxes, timeout_s)
        except OSError as error:
            return {"skipped": f"dlt could not start: {error}"}
    if not run.ok:
        return {"skipped": f"dlt run failed (exit {run.returncode})", "error_tail": run.tail}
    rows = int(run.figures.get("rows", 0))
    return {
        "ok": rows == project.get("invoices_read"),
        "dlt_version": run.figures.get("dlt"),
        "rows": rows,
        "wall_s": run.wall_s,
        "load_s": run.figures.get("elapsed_s"),
        "invoices_per_s": round(rows / run.wall_s, 1) if run.wall_s else None,
        "peak_rss_mb": run.peak_rss_mb,
        "visma_calls": run.visma.total,
        "time_vs_project": ratio(run.wall_s, project.get("wall_s")),
        "note": "whole processes timed on both sides (interpreter start, imports, read, store)",
    }
