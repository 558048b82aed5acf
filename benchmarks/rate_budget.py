"""Item 6: how much of the rate budget the connector can use, with no 429 of its own making.

Visma's test budget is 500 calls an hour (api/visma.md section 8). An hour is too long to wait, so
the budget runs ``SCALE`` times faster: ``VISMA_LIMIT`` calls per ``WINDOW_S`` seconds (= 500/h x
SCALE; Airbase's 500/min likewise). At the real budget a full sync of 10,000 invoices needs about 50
Visma calls, a tenth of one hour's window, and its minute of computing is nothing next to the hour:
the connector is bound by the budget. Compressed 7.2x, the same sync's computing would fill most
windows, and "calls / (limit x windows elapsed)" measured the machine, not the pacer.

So the measured process (``python -m benchmarks.rate_budget``) runs a budget-bound workload: the
Visma reads of a full sync of the seeded range (accounts, the cost-centre dimension, suppliers,
invoices, purchase orders, receipts), each collection from a fresh client of one ``VismaResource``
as the steps of one run get theirs, so the window is handed from step to step. It needs more calls
than one window allows and computes little. Every response's ``X-RateLimit-*`` headers are
recorded; a window ends where ``Remaining`` goes up again. Each window but the last ended with the
workload still wanting calls, so its share used (``(limit - lowest Remaining) / limit``) is what
the pacer left on the table: the worst and the mean of those windows are reported, and the
sandbox's own count of 429 answers. Invoices per hour at the real budget follow from the Visma
calls per invoice of a full sync (the ``full_sync_small`` run, when given) and the mean share.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from benchmarks.inbound import seeded_range
from benchmarks.measure import Home, connector_env, run_measured
from benchmarks.sandboxes import Sandboxes
from benchmarks.sync_entry import MARKER

VISMA_BUDGET_PER_HOUR = 500
AIRBASE_BUDGET_PER_MINUTE = 500
WINDOW_S = 10.0
VISMA_LIMIT = 10
#: How much faster than real the compressed budget runs: (10 calls / 10 s) / (500 calls / 3600 s).
SCALE = (VISMA_LIMIT / WINDOW_S) / (VISMA_BUDGET_PER_HOUR / 3600)


def compressed_budgets() -> tuple[dict[str, float], dict[str, float]]:
    """(Visma, Airbase) ``POST /_sandbox/config`` bodies of the compressed budgets."""
    airbase_limit = math.floor(AIRBASE_BUDGET_PER_MINUTE / 60 * SCALE * WINDOW_S)
    return (
        {"rate_limit": VISMA_LIMIT, "rate_window_s": WINDOW_S},
        {"rate_limit": airbase_limit, "rate_window_s": WINDOW_S},
    )


def windows(observed: Iterable[tuple[int, int, int]]) -> list[dict[str, int]]:
    """Group ``(limit, remaining, reset_s)`` of successive answers into fixed windows: a window ends
    where ``Remaining`` or ``Reset`` goes up, or ``Remaining`` above 0 repeats (each counted call
    lowers it within a window: the budget was renewed). Each window's ``used`` = limit - lowest
    Remaining, the calls the budget counted in it (a 429 answers Remaining 0 and spends nothing)."""
    result: list[dict[str, int]] = []
    previous: tuple[int, int] | None = None
    for limit, remaining, reset_s in observed:
        renewed = previous is not None and (
            remaining > previous[0] or reset_s > previous[1] or remaining == previous[0] > 0
        )
        if previous is None or renewed:
            result.append({"limit": limit, "used": 0, "answers": 0})
        current = result[-1]
        current["limit"] = limit
        current["used"] = max(current["used"], limit - remaining)
        current["answers"] += 1
        previous = (remaining, reset_s)
    return result


def window_usage(spans: Sequence[dict[str, int]]) -> dict[str, Any]:
    """Worst and mean share used over the full windows (every window but the last, which the
    workload ended in, not the budget)."""
    full = [w["used"] / w["limit"] for w in spans[:-1] if w["limit"]]
    return {
        "windows": len(spans),
        "full_windows": len(full),
        "calls_per_window": [w["used"] for w in spans],
        "worst_window_used": round(min(full), 3) if full else None,
        "mean_window_used": round(sum(full) / len(full), 3) if full else None,
    }


def budgeted_calls(sync: dict[str, Any] | None) -> int | None:
    """Visma calls of a full sync that spend the budget: all but token fetches and 429 answers."""
    calls = (sync or {}).get("visma_calls") or {}
    if not calls.get("total"):
        return None
    return int(calls["total"]) - int(calls.get("auth", 0)) - int(calls.get("status_429", 0))


def rate_budget(
    sandboxes: Sandboxes, home: Home, timeout_s: float, sync: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The budget-bound workload on the seeded company under the compressed budgets.

    ``sync`` is the figures of a full sync of the same company (``full_sync`` of the same
    sandboxes): its Visma calls per invoice turn the share used into invoices per hour.
    """
    visma, airbase = compressed_budgets()
    sandboxes.configure(visma=visma, airbase=airbase)  # windows restart: the first one is whole
    first, _ = seeded_range()
    command = [sys.executable, "-m", "benchmarks.rate_budget", "--from", first.isoformat()]
    try:
        run = run_measured(command, connector_env(sandboxes, home), sandboxes, timeout_s)
    finally:
        sandboxes.lift_budgets()  # for whatever runs next
    usage = window_usage(run.figures.get("windows", []))
    sync_calls = budgeted_calls(sync)
    workload_calls = run.visma.total - run.visma.auth - run.visma.throttled
    per_invoice = (sync_calls or workload_calls) / sandboxes.invoices if sandboxes.invoices else None
    share = usage["mean_window_used"]
    per_hour = VISMA_BUDGET_PER_HOUR * share / per_invoice if per_invoice and share else None
    return {
        "ok": run.ok and usage["full_windows"] > 0,
        "invoices": sandboxes.invoices,
        "scale": round(SCALE, 2),
        "visma_budget": visma,
        "airbase_budget": airbase,
        "wall_s": run.wall_s,
        "visma_calls": run.visma.as_dict(),
        "airbase_calls": run.airbase.as_dict(),
        "status_429": run.visma.throttled + run.airbase.throttled,
        **usage,
        "pacing_wait_s": run.figures.get("pacing_wait_s"),
        "records_read": run.figures.get("read"),
        "full_sync_visma_calls": sync_calls,
        # Without a full sync's figures, this workload's reads stand in (a sync also writes: fewer
        # invoices per hour than shown).
        "calls_per_invoice_from": "full sync" if sync_calls else "workload reads only",
        "visma_calls_per_1000_invoices": round(per_invoice * 1000, 2) if per_invoice else None,
        "invoices_per_hour": round(per_hour) if per_hour else None,
        "invoices_per_hour_ceiling": round(VISMA_BUDGET_PER_HOUR / per_invoice) if per_invoice else None,
        "note": (
            "window shares from the X-RateLimit headers of every Visma answer; full windows = all "
            "but the last; invoices_per_hour = 500 x mean share / (Visma calls per invoice of a full "
            "sync, token fetches excluded); the ceiling assumes every call of the hour spent"
        ),
        **({} if run.ok else {"error_tail": run.tail}),
    }


# ----- the measured process --------------------------------------------------------------------


def _reads(since: datetime) -> list[tuple[str, Callable[[Any], Iterable[Any]]]]:
    """The Visma reads of a full sync of the range starting at ``since``, one step each."""
    return [
        ("accounts", lambda client: client.list_accounts()),
        ("dimension", lambda client: [client.get_dimension()]),
        ("suppliers", lambda client: client.iter_suppliers()),
        ("supplier_invoices", lambda client: client.iter_supplier_invoices(since=since)),
        ("purchase_orders", lambda client: client.iter_purchase_orders(since=since)),
        ("purchase_receipts", lambda client: client.iter_purchase_receipts(since=since)),
    ]


def workload(first: date) -> dict[str, Any]:
    """Read every collection once through one ``VismaResource``; record each answer's budget."""
    from visma_airbase_pipeline.defs.resources import VismaResource

    observed: list[tuple[int, int, int]] = []

    def record(response: Any, *args: Any, **kwargs: Any) -> None:
        values = [response.headers.get(f"X-RateLimit-{name}") for name in ("Limit", "Remaining", "Reset")]
        if all(value is not None for value in values):
            limit, remaining, reset_s = (int(float(value)) for value in values)
            observed.append((limit, remaining, reset_s))

    resource = VismaResource()
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    read: dict[str, int] = {}
    waited = 0.0
    started = time.monotonic()
    for name, reader in _reads(since):
        with resource.get_client() as client:
            client.transport.session.hooks["response"].append(record)
            read[name] = sum(1 for _ in reader(client))
            waited += client.stats.pacing_wait_s
    return {
        "success": True,
        "read": read,
        "wall_s": round(time.monotonic() - started, 2),
        "pacing_wait_s": round(waited, 2),
        "windows": windows(observed),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the workload and print its figures as one line for the harness."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rate_budget")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
    args = parser.parse_args(argv)
    print(MARKER + json.dumps(workload(args.first), default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
