"""The chaos soak (``vab chaos``, ``make chaos``): the connector running by itself (the Dagster
daemon with the real schedules and sensors, the webhook receiver, both sandboxes) while users work
and faults rain down; then the faults stop, the connector catches up on its own, and the end
state is checked (``invariants.py``).

Everything runs on loopback in a throwaway DAGSTER_HOME. The first full sync of the seeded range
is set-up, not part of the soak: the soak is about what happens to a connector already live.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from visma_airbase_pipeline.chaos.injections import (
    STALE_ETAGS,
    TOKENS_REVOKED,
    Episode,
    FaultPlanter,
    Tally,
    episodes,
    status_counts,
    webhook_misbehaviour,
    webhook_tally,
)
from visma_airbase_pipeline.chaos.invariants import EndState, check_end_state
from visma_airbase_pipeline.chaos.processes import (
    Service,
    free_port,
    kill_pids,
    run_workers,
    venv_command,
    wait_healthy,
)
from visma_airbase_pipeline.chaos.workload import Workload
from visma_airbase_pipeline.instance import ensure_instance_config
from visma_airbase_pipeline.ledger import LedgerStore, inbox
from visma_airbase_pipeline.sandbox.admin_client import SandboxAdmin
from visma_airbase_pipeline.sandbox.environment import sandbox_environment, using_environment
from visma_airbase_pipeline.sandbox.server import RunningSandboxes, SandboxOptions, running_sandboxes
from visma_airbase_pipeline.settings import SANDBOX_HOST, load_settings

_SEEDED_DAYS = 91
#: An API fault episode moves on once it has answered the connector this many times.
_ENOUGH_HITS = 3
_READ_TIMEOUT_S = 4.0
#: The connector's knobs for the soak: a poller every minute, sensors every 10 s, a short read
#: timeout (so slow answers really time out) and short backoffs (so a 2-minute soak sees recovery).
SOAK_SETTINGS = {
    "VAB_POLL_CRON": "* * * * *",
    "VAB_SENSOR_INTERVAL_S": "10",
    "VAB_READ_TIMEOUT_S": str(_READ_TIMEOUT_S),
    "VAB_CONNECT_TIMEOUT_S": "2",
    "VAB_BACKOFF_BASE_S": "0.3",
    "VAB_BACKOFF_CAP_S": "3",
    "VAB_BACKOFF_JITTER_S": "0.3",
    "VAB_RETRY_AFTER_CAP_S": "3",
    "VAB_MAX_ATTEMPTS": "6",
    "VAB_MAX_RETRY_TIME_S": "60",
}
_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


@dataclass
class SoakOptions:
    """What ``vab chaos`` can set."""

    minutes: float = 10.0
    seed: int = 7
    invoices: int = 500
    #: Seconds between two user actions.
    action_interval_s: float = 1.5
    #: Each API fault episode lasts at least this long (until it has hit the connector a few times,
    #: at most 3 times as long), then the APIs behave for ``quiet_s``.
    episode_s: float = 12.0
    quiet_s: float = 5.0
    #: Mean seconds between kills of a run worker, and of the webhook receiver.
    worker_kill_every_s: float = 25.0
    receiver_kill_every_s: float = 40.0
    #: How long the connector may take to catch up once the faults stop.
    settle_timeout_s: float = 300.0
    #: Where DAGSTER_HOME (instance, ledger, process logs) lives; a temporary folder when None.
    home: Path | None = None
    progress: Callable[[str], None] = print
    #: Called with the live sandboxes once the end state is checked (tests read issued tokens).
    observe: Callable[[RunningSandboxes], None] | None = None


@dataclass
class SoakReport:
    """What was injected, what the connector did, and whether the end state holds."""

    options: SoakOptions
    tally: Tally
    end_state: EndState
    visma_statuses: Counter[int] = field(default_factory=Counter)
    airbase_statuses: Counter[int] = field(default_factory=Counter)
    webhooks: Counter[str] = field(default_factory=Counter)
    runs: Counter[str] = field(default_factory=Counter)
    settle_s: float = 0.0
    soak_s: float = 0.0
    logs: list[Path] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        """The end state holds."""
        return self.end_state.holds

    def fault_rows(self) -> list[tuple[str, str, str, str]]:
        """(fault, injected, what the connector does about it, survived) for the printed table."""
        ok = "yes" if self.survived else "NO"
        fired, kills, actions = self.tally.fired, self.tally.kills, self.tally.actions
        return [
            ("429 storms", f"{fired['429 storm']} x 429", "waits Retry-After, retries", ok),
            (
                "5xx, answers lost after commit",
                f"{fired['5xx and lost answers']} x 5xx",
                "retries; finds committed writes by ERP id / paymentRef",
                ok,
            ),
            (
                f"responses slower than the {_READ_TIMEOUT_S:g} s timeout",
                f"{fired['timeouts']} x",
                "times out, retries idempotently",
                ok,
            ),
            ("tokens revoked mid-run", f"{fired[TOKENS_REVOKED]} x 401", "fetches a new token, retries", ok),
            (
                "stale ETags (concurrent edits)",
                f"{fired[STALE_ETAGS]} x 412 (+ {actions['concurrent edit during approval']} clerk edits)",
                "re-reads, writes again with the new ETag",
                ok,
            ),
            ("webhooks dropped", str(self.webhooks["dropped"]), "the poller finds the change", ok),
            ("webhooks duplicated", str(self.webhooks["duplicated"]), "the inbox keeps one", ok),
            ("webhooks reordered", "30 % of deliveries", "runs fetch current state, not the event", ok),
            (
                "run worker killed",
                str(kills["run worker"]),
                "run marked failed; sensor or poller runs it again; journal stops a second payment",
                ok,
            ),
            (
                "webhook receiver killed",
                f"{kills['receiver']} ({self.webhooks['receiver down']} failed deliveries)",
                "the sender retries; the poller covers what gave up",
                ok,
            ),
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (``vab chaos --json``)."""
        return {
            "survived": self.survived,
            "minutes": self.options.minutes,
            "seed": self.options.seed,
            "soak_s": round(self.soak_s, 1),
            "settle_s": round(self.settle_s, 1),
            "faults": [
                {"fault": f, "injected": i, "handling": h, "survived": s} for f, i, h, s in self.fault_rows()
            ],
            "injected": self.tally.as_dict(),
            "visma_statuses": {str(k): n for k, n in sorted(self.visma_statuses.items())},
            "airbase_statuses": {str(k): n for k, n in sorted(self.airbase_statuses.items())},
            "webhooks": dict(self.webhooks),
            "runs": dict(self.runs),
            "end_state": {"figures": self.end_state.figures, "violations": self.end_state.violations},
        }


@contextlib.contextmanager
def _home(options: SoakOptions) -> Iterator[Path]:
    if options.home is not None:
        options.home.mkdir(parents=True, exist_ok=True)
        yield options.home
        return
    with tempfile.TemporaryDirectory(prefix="vab-chaos-") as folder:
        yield Path(folder)


def run_soak(options: SoakOptions) -> SoakReport:
    """Run the whole soak and return its report (the caller decides what a failure means)."""
    say = options.progress
    rng = random.Random(options.seed)
    tally = Tally()
    sandbox_options = SandboxOptions(
        visma_port=0, airbase_port=0, seed=options.seed, invoices=options.invoices
    )
    with _home(options) as home, running_sandboxes(sandbox_options) as sandboxes:
        env = {
            **sandbox_environment(sandboxes.visma_url, sandboxes.airbase_url),
            **SOAK_SETTINGS,
            "DAGSTER_HOME": str(home),
        }
        visma, airbase = SandboxAdmin(sandboxes.visma_url), SandboxAdmin(sandboxes.airbase_url)
        with using_environment(env):
            os.environ.pop("VAB_LEDGER_URL", None)
            os.environ.pop("VAB_DAGSTER_PG_URL", None)
            ensure_instance_config(home)
            for admin in (visma, airbase):
                admin.post("config", {"rate_limit": 1_000_000, "rate_window_s": 3600})
            _first_sync(say)
            store = LedgerStore(load_settings().ledger_url)
            child_env = dict(os.environ)
            port = free_port(SANDBOX_HOST)
            receiver = Service(
                "receiver",
                [venv_command("vab"), "webhooks", "serve", "--port", str(port)],
                child_env,
                home / "receiver.log",
            )
            daemon = Service(
                "daemon",
                [venv_command("dagster-daemon"), "run", "-m", "visma_airbase_pipeline.definitions"],
                child_env,
                home / "daemon.log",
            )
            report = SoakReport(options, tally, EndState(), logs=[receiver.log_path, daemon.log_path])
            try:
                receiver.start()
                wait_healthy(f"http://{SANDBOX_HOST}:{port}/health")
                hooks = {
                    visma: f"http://{SANDBOX_HOST}:{port}/webhooks/visma",
                    airbase: f"http://{SANDBOX_HOST}:{port}/webhooks/airbase",
                }
                for admin, url in hooks.items():
                    admin.post("webhooks", {"url": url, **webhook_misbehaviour(0.15, 0.2, 0.3)})
                daemon.start()
                say(f"Daemon and receiver up; soaking for {options.minutes:g} min (seed {options.seed}).")
                started = time.monotonic()
                _soak(options, rng, tally, visma, airbase, daemon, receiver, say)
                report.soak_s = time.monotonic() - started
                for admin, url in hooks.items():
                    admin.post("webhooks", {"url": url, **webhook_misbehaviour(0, 0, 0)})
                say("Faults stopped; waiting for the connector to catch up on its own.")
                settle_started = time.monotonic()
                with dg.DagsterInstance.from_config(str(home)) as instance:
                    report.end_state = _settle(options, instance, visma, airbase, store, say)
                    report.runs = _run_counts(instance)
                report.settle_s = time.monotonic() - settle_started
                if options.observe is not None:
                    options.observe(sandboxes)
            finally:
                daemon.stop()
                receiver.stop()
                store.close()
            report.visma_statuses = status_counts(visma)
            report.airbase_statuses = status_counts(airbase)
            report.webhooks = webhook_tally(visma) + webhook_tally(airbase)
            visma.close()
            airbase.close()
            return report


def _first_sync(say: Callable[[str], None]) -> None:
    from visma_airbase_pipeline.defs.inprocess import run_sync

    today = datetime.now(UTC).date()
    say(f"First full sync of {today - timedelta(days=_SEEDED_DAYS)}..{today} (set-up, no faults yet).")
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_sync(today - timedelta(days=_SEEDED_DAYS), today, instance=instance)
    if not outcome.success:
        raise RuntimeError("The first full sync failed before any fault was injected.")


def _soak(
    options: SoakOptions,
    rng: random.Random,
    tally: Tally,
    visma: SandboxAdmin,
    airbase: SandboxAdmin,
    daemon: Service,
    receiver: Service,
    say: Callable[[str], None],
) -> None:
    """User actions, API fault episodes, and kills, until the soak's time is up."""
    workload = Workload(visma, airbase, tally, random.Random(options.seed + 1))
    planter = FaultPlanter(visma, airbase, tally, options.seed)
    plan = episodes(_READ_TIMEOUT_S)
    now = started = time.monotonic()
    deadline = now + options.minutes * 60
    episode_index, episode_started, quiet_until = 0, now, now + 2 * options.quiet_s
    next_worker_kill = now + options.worker_kill_every_s * rng.uniform(0.5, 1.5)
    next_receiver_kill = now + options.receiver_kill_every_s * rng.uniform(0.5, 1.5)
    receiver_back_at: float | None = None
    try:
        # Past the deadline the faults go on (up to half as long again), with only the episodes
        # whose faults have not hit yet, until every kind has: a short soak must not end untested.
        while (now := time.monotonic()) < deadline or (
            now < deadline + options.minutes * 30
            and (_missing_kinds(tally, planter, plan) or not tally.kills["run worker"])
        ):
            if planter.current is None and now >= quiet_until:
                missing = _missing_kinds(tally, planter, plan) if now >= deadline else set()
                while missing and not missing & set(plan[episode_index % len(plan)].kinds()):
                    episode_index += 1
                planter.start(plan[episode_index % len(plan)])
                episode_started = now
                say(f"  {now - started:6.1f}s  {planter.current.name if planter.current else ''}")
            elif (
                planter.current is not None
                and now >= deadline
                and not (_missing_kinds(tally, planter, plan) & set(planter.current.kinds()))
            ):
                planter.stop()  # overtime is for the kinds still missing
                episode_index += 1
                quiet_until = now + options.quiet_s
            elif planter.current is not None:
                planter.tick(now)
                # An episode lasts until it has really hit the connector a few times (runs come and
                # go), within bounds, so that a short soak still sees every kind of fault.
                elapsed = now - episode_started
                if elapsed >= 3 * options.episode_s or (
                    elapsed >= options.episode_s and planter.own_hits() >= _ENOUGH_HITS
                ):
                    planter.stop()
                    episode_index += 1
                    quiet_until = now + options.quiet_s
            if now >= next_worker_kill and daemon.pid is not None:
                workers = run_workers(daemon.pid)
                if workers:
                    victim = rng.choice(workers)
                    if kill_pids(victim):
                        tally.kills["run worker"] += 1
                        say(f"  {now - started:6.1f}s  killed a run worker")
                    next_worker_kill = now + options.worker_kill_every_s * rng.uniform(0.5, 1.5)
            if receiver_back_at is None and now >= next_receiver_kill:
                receiver.kill()
                tally.kills["receiver"] += 1
                receiver_back_at = now + rng.uniform(2, 6)
                say(f"  {now - started:6.1f}s  killed the webhook receiver")
            if receiver_back_at is not None and now >= receiver_back_at:
                receiver.start()
                receiver_back_at = None
                next_receiver_kill = now + options.receiver_kill_every_s * rng.uniform(0.5, 1.5)
            # Overtime for stale ETags: a 2-minute soak may see too few approvals during the episodes.
            stale_missing = now >= deadline and STALE_ETAGS in _missing_kinds(tally, planter, plan)
            workload.act(approvals_only=stale_missing)
            time.sleep(max(0.0, options.action_interval_s * rng.uniform(0.5, 1.5)))
    finally:
        planter.stop()
        workload.finish()
        if not receiver.alive:
            receiver.start()
    if workload.errors:
        say(f"  {len(workload.errors)} user actions were refused by a sandbox (first: {workload.errors[0]})")


def _missing_kinds(tally: Tally, planter: FaultPlanter, plan: list[Episode]) -> set[str]:
    """API fault kinds that have not hit the connector yet."""
    hits = tally.fired + planter.hits()
    return {kind for episode in plan for kind in episode.kinds() if not hits[kind]}


def _settle(
    options: SoakOptions,
    instance: dg.DagsterInstance,
    visma: SandboxAdmin,
    airbase: SandboxAdmin,
    store: LedgerStore,
    say: Callable[[str], None],
) -> EndState:
    """Wait until a poller run that started after the faults stopped succeeded and nothing is left
    in flight, then check the end state (again after the next poller run if it does not hold yet)."""
    since = time.time()
    deadline = time.monotonic() + options.settle_timeout_s
    end_state = EndState()
    checked_after: str | None = None
    while time.monotonic() < deadline:
        poller_run = _poller_success_since(instance, since)
        busy = instance.get_runs_count(dg.RunsFilter(statuses=_ACTIVE))
        queued = sum(admin.get("webhooks")["pending"] for admin in (visma, airbase))
        pending = len(inbox.pending_events(store.engine, "visma")) + len(
            inbox.pending_events(store.engine, "airbase")
        )
        if poller_run and poller_run != checked_after and not busy and not queued and not pending:
            end_state = check_end_state(visma, airbase, store)
            checked_after = poller_run
            if end_state.holds:
                return end_state
            say(f"  not there yet after poller run {poller_run[:8]}: {end_state.violations[0]}")
        time.sleep(2)
    end_state = check_end_state(visma, airbase, store)
    if checked_after is None:
        end_state.fail(
            f"no poller run succeeded with nothing in flight within {options.settle_timeout_s:.0f} s"
        )
    return end_state


def _poller_success_since(instance: dg.DagsterInstance, since: float) -> str | None:
    records = instance.get_run_records(
        dg.RunsFilter(
            tags={"dagster/schedule_name": "poller"},
            statuses=[dg.DagsterRunStatus.SUCCESS],
            created_after=datetime.fromtimestamp(since, UTC),
        ),
        limit=1,
    )
    return records[0].dagster_run.run_id if records else None


def _run_counts(instance: dg.DagsterInstance) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in instance.get_run_records():
        run = record.dagster_run
        counts[f"{run.job_name} {run.status.value.lower()}"] += 1
    return counts
