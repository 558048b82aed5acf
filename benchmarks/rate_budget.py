"""Item 6: the full sync with the sandboxes' rate budgets enforced, time-compressed.

Visma's test budget is 500 calls an hour (api/visma.md section 8); Airbase's sandbox budget is 500
a minute. An hour is too long to wait, so both budgets run ``SCALE`` times faster: Visma allows
``VISMA_LIMIT`` calls per ``WINDOW_S`` seconds (= 500/h x SCALE) and Airbase 500/min x SCALE. The
connector sees real ``X-RateLimit-*`` headers and paces itself; the figures are extrapolated back
to real time by multiplying elapsed time by SCALE (conservative: compute time is scaled too).
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks.inbound import seeded_range
from benchmarks.measure import Home, connector_env, run_measured, sync_command
from benchmarks.sandboxes import Sandboxes

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


def rate_budget(sandboxes: Sandboxes, home: Home, timeout_s: float) -> dict[str, Any]:
    """A full sync of the seeded range on a fresh company under the compressed budgets."""
    sandboxes.reset()
    visma, airbase = compressed_budgets()
    sandboxes.configure(visma=visma, airbase=airbase)
    first, last = seeded_range()
    command = sync_command("--from", first.isoformat(), "--to", last.isoformat())
    run = run_measured(command, connector_env(sandboxes, home), sandboxes, timeout_s)
    sandboxes.reset()  # lift the budgets again for whatever runs next
    windows = max(1, math.ceil(run.wall_s / WINDOW_S))
    visma_ok = run.visma.total - run.visma.throttled
    real_hours = run.wall_s * SCALE / 3600
    per_invoice = visma_ok / sandboxes.invoices if sandboxes.invoices else None
    return {
        "ok": run.ok,
        "invoices": sandboxes.invoices,
        "scale": round(SCALE, 2),
        "visma_budget": visma,
        "airbase_budget": airbase,
        "wall_s": run.wall_s,
        "extrapolated_real_s": round(run.wall_s * SCALE, 1),
        "invoices_per_hour": round(sandboxes.invoices / real_hours) if real_hours else None,
        "visma_calls": run.visma.as_dict(),
        "airbase_calls": run.airbase.as_dict(),
        "status_429": run.visma.throttled + run.airbase.throttled,
        "visma_budget_used": round(visma_ok / (VISMA_LIMIT * windows), 3),
        "budget_bound_invoices_per_hour": round(VISMA_BUDGET_PER_HOUR / per_invoice) if per_invoice else None,
        "note": (
            "visma_budget_used = Visma calls / (limit x windows elapsed): below 1.0 where the run "
            "spends windows computing rather than calling; budget_bound_invoices_per_hour = 500 / "
            "(Visma calls per invoice), the ceiling if every call of the hour were spent"
        ),
        **({} if run.ok else {"error_tail": run.tail}),
    }
