"""Issue 8: the chaos soak, in small (2 minutes of faults; ``make chaos`` runs 10), with its
end-state invariants asserted; then the secret-hygiene sweep over everything the soak left behind
(daemon and receiver logs, the Dagster event log, run configs and materialization metadata in
DAGSTER_HOME, compute logs, the ledger). What ``vab demo`` prints is swept in test_secret_hygiene.py.

The soak is ``make chaos``'s own code (``run_soak``), called in-process so the test can collect
the access tokens the Visma sandbox issued and look for them too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_secret_hygiene import KNOWN_SANDBOX_SECRETS as KNOWN_SECRETS
from test_secret_hygiene import MASTER_KEY

from visma_airbase_pipeline.chaos.injections import STALE_ETAGS, TOKENS_REVOKED
from visma_airbase_pipeline.chaos.soak import SoakOptions, SoakReport, run_soak
from visma_airbase_pipeline.sandbox.server import RunningSandboxes

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

MINUTES = float(os.environ.get("VAB_CHAOS_TEST_MINUTES", "2"))


@pytest.fixture(scope="session")
def soak(tmp_path_factory: pytest.TempPathFactory) -> tuple[SoakReport, Path, list[str]]:
    """One soak for these tests (session-scoped: xdist may run other tests between them, which
    would tear a module fixture down and soak again): its report, its DAGSTER_HOME, the tokens."""
    home = tmp_path_factory.mktemp("chaos") / "home"
    tokens: list[str] = []

    def observe(sandboxes: RunningSandboxes) -> None:
        tokens.extend(sandboxes.visma.tokens.issued())

    saved = os.environ.get("VAB_MASTER_KEY")
    os.environ["VAB_MASTER_KEY"] = MASTER_KEY
    try:
        report = run_soak(SoakOptions(minutes=MINUTES, home=home, observe=observe))
    finally:
        if saved is None:
            os.environ.pop("VAB_MASTER_KEY", None)
        else:
            os.environ["VAB_MASTER_KEY"] = saved
    print(report.as_dict())
    return report, home, tokens


def test_every_invariant_holds_after_the_soak(soak):
    report, _, _ = soak
    assert report.end_state.violations == []
    figures = report.end_state.figures
    assert figures["billed"] > 400 and figures["webhook events pending"] == 0
    assert figures["Airbase payments"] == figures["Visma payments posted"] > 0


def test_the_soak_really_injected_every_kind_of_fault(soak):
    report, _, _ = soak
    assert set(report.tally.episodes) == {"429 storm", "5xx and lost answers", "timeouts"}
    for kind in (*report.tally.episodes, TOKENS_REVOKED, STALE_ETAGS):
        assert report.tally.fired[kind] > 0, kind
    assert report.tally.kills["run worker"] >= 1 and report.tally.kills["receiver"] >= 1
    assert report.webhooks["dropped"] > 0 and report.webhooks["duplicated"] > 0
    assert report.tally.actions["bill paid"] + report.tally.actions["bill paid (partially)"] > 0
    assert report.tally.actions["concurrent edit during approval"] > 0


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_no_secret_in_any_log_run_config_metadata_or_event_log(soak):
    _, home, tokens = soak
    assert len(tokens) > 1, "the soak should have fetched several Visma tokens"
    files = _files(home)
    names = {path.name for path in files}
    assert {"daemon.log", "receiver.log", "vab-ledger.db", "runs.db"} <= names, names
    assert any(path.suffix == ".db" and path.parent.name == "runs" for path in files), "no event log"
    assert any("compute_logs" in path.parts for path in files), "no compute logs"
    for path in files:
        content = path.read_bytes()
        for secret in [*KNOWN_SECRETS, *tokens]:
            assert secret.encode() not in content, f"a secret is in {path.relative_to(home)}"
