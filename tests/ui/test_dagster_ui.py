"""The Dagster UI as an operator sees it, through a real browser: after a sync of the last days, the
webserver on the project's definitions shows the asset graph of DESIGN section 2 with its edges, the
materialized days of ``visma/supplier_invoices``, the audit metadata of a materialization, the
schedules and sensors running, and a one-partition run launched from the page succeeds.

Headless Debian Chromium driven by Playwright. Screenshots go to a temporary folder, and to
``docs/images/`` with ``VAB_UPDATE_SCREENSHOTS=1`` (``make screenshots``)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from ui_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    VIEWPORT,
    asset_edges,
    browser_missing,
    graphql,
    running_dagster,
    runs_of_partition,
)

_MISSING = browser_missing()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(_MISSING is not None, reason=f"browser test skipped: {_MISSING}"),
    # One webserver for the whole module: with ``--dist loadfile`` every test here runs on one worker.
]

#: Days synced before the webserver starts (today and the 29 before it).
SYNCED_DAYS = 10
TIMEOUT_MS = 60_000

#: DESIGN section 2: every asset, as the graph draws it (group, name) -> asset key.
DESIGN_ASSETS = {
    ("visma", "gl_accounts"): "visma/gl_accounts",
    ("visma", "dimensions"): "visma/dimensions",
    ("visma", "suppliers"): "visma/suppliers",
    ("visma", "supplier_invoices"): "visma/supplier_invoices",
    ("visma", "purchase_orders"): "visma/purchase_orders",
    ("visma", "purchase_receipts"): "visma/purchase_receipts",
    ("airbase", "accounts"): "airbase/accounts",
    ("airbase", "tags"): "airbase/tags",
    ("airbase", "vendors"): "airbase/vendors",
    ("airbase", "bills"): "airbase/bills",
    ("airbase", "purchase_orders"): "airbase/purchase_orders",
    ("payments", "bill_approvals"): "airbase/bill_approvals",
    ("payments", "invoice_approvals"): "visma/invoice_approvals",
    ("payments", "payments"): "airbase/payments",
    ("payments", "supplier_payments"): "visma/supplier_payments",
}

#: DESIGN section 2's arrows, plus "reference first" (bills after vendors, accounts and tags).
DESIGN_EDGES = {
    ("visma/gl_accounts", "airbase/accounts"),
    ("visma/dimensions", "airbase/tags"),
    ("visma/suppliers", "airbase/vendors"),
    ("visma/supplier_invoices", "airbase/bills"),
    ("visma/purchase_orders", "airbase/purchase_orders"),
    ("visma/purchase_receipts", "airbase/purchase_orders"),
    ("airbase/vendors", "airbase/bills"),
    ("airbase/accounts", "airbase/bills"),
    ("airbase/tags", "airbase/bills"),
    ("airbase/bills", "airbase/bill_approvals"),
    ("airbase/bill_approvals", "visma/invoice_approvals"),
    ("airbase/bill_approvals", "airbase/payments"),
    ("airbase/payments", "visma/supplier_payments"),
}

SCHEDULES = ("poller", "reference_daily")
SENSORS = ("visma_inbox", "airbase_inbox", "settle_inbox_events", "record_failed_runs")

_INSTIGATORS = """query { repositoriesOrError { ... on RepositoryConnection { nodes {
  schedules { name scheduleState { status } } sensors { name sensorState { status } } } } } }"""

#: What the graph's SVG holds: group boxes, asset nodes (foreignObjects) and edge paths.
_GRAPH_JS = """() => {
  const box = (el) => ({x: +el.getAttribute('x'), y: +el.getAttribute('y'),
                        w: +el.getAttribute('width'), h: +el.getAttribute('height')});
  const groups = [...document.querySelectorAll('foreignObject.group')].map((el) => ({
    name: el.querySelector('[data-tooltip]')?.getAttribute('data-tooltip'), ...box(el)}));
  const nodes = [...document.querySelectorAll('foreignObject')]
    .filter((el) => el.querySelector('[class*="assetName"]'))
    .map((el) => ({name: el.querySelector('[class*="assetName"]').textContent.trim(), ...box(el)}));
  const edges = [...document.querySelectorAll('svg path[marker-end]')].map((el) => el.getAttribute('d'));
  return {groups, nodes, edges};
}"""


@dataclass
class UI:
    """The running webserver, the browser page, and what the sync before it did."""

    url: str
    page: Any
    shots: Path
    synced: Any
    first_day: date
    today: date

    def goto(self, path: str) -> None:
        """Open a page of the webserver."""
        self.page.goto(f"{self.url}{path}", timeout=TIMEOUT_MS)

    def shot(self, name: str, **kwargs: Any) -> Path:
        """A screenshot into the tmp folder (and docs/images when asked to update them)."""
        target = self.shots / f"{name}.png"
        self.page.screenshot(path=str(target), **kwargs)
        if os.environ.get("VAB_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, SCREENSHOTS / target.name)
        return target


def _utc_today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture(scope="module")
def ui(sandboxes, tmp_path_factory) -> Iterator[UI]:
    """Sandboxes reset, a sync of the last SYNCED_DAYS days into a fresh project instance, then
    dagster-webserver and dagster-daemon on it, and one headless Chromium page."""
    import dagster as dg
    from playwright.sync_api import expect, sync_playwright

    from visma_airbase_pipeline.defs.inprocess import run_sync
    from visma_airbase_pipeline.instance import ensure_instance_config
    from visma_airbase_pipeline.sandbox.environment import sandbox_environment

    for url in (sandboxes.visma_url, sandboxes.airbase_url):
        requests.post(
            f"{url}/_sandbox/reset", json={"seed": 42, "invoices": 300}, timeout=60
        ).raise_for_status()
    home = tmp_path_factory.mktemp("ui_dagster_home")
    shots = tmp_path_factory.mktemp("screenshots")
    env = sandbox_environment(sandboxes.visma_url, sandboxes.airbase_url)
    today = _utc_today()
    first = today - timedelta(days=SYNCED_DAYS - 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        patch.delenv("VAB_LEDGER_URL", raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        ensure_instance_config(home)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            # Create the SQLite storages here: the webserver and the daemon would race to create them.
            instance.get_runs(limit=1)
            instance.all_instigator_state()
        # The webserver boots while the sync runs: both take ~15 s, and the machine has two cores.
        with running_dagster(home, env, shots / "logs") as url:
            with dg.DagsterInstance.from_config(str(home)) as instance:
                synced = run_sync(first, today, instance=instance)
            assert synced.success, synced
            print(f"\nscreenshots and webserver logs: {shots}")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    page = browser.new_page(viewport=VIEWPORT)
                    page.set_default_timeout(TIMEOUT_MS)
                    expect.set_options(timeout=TIMEOUT_MS)
                    # A new instance greets with a "join the community" dialog: skip it, as a person would.
                    page.goto(f"{url}/overview", timeout=TIMEOUT_MS)
                    if graphql(url, "query { shouldShowNux }")["shouldShowNux"]:
                        page.get_by_role("button", name="Skip").click()
                    yield UI(url, page, shots, synced, first, today)
                finally:
                    browser.close()


@pytest.fixture(autouse=True)
def _page_after_each_test(ui: UI, request: pytest.FixtureRequest) -> Iterator[None]:
    """What the page showed when a test ended: the first thing to look at when one fails."""
    yield
    ui.page.screenshot(path=str(ui.shots / f"after-{request.node.name}.png"))


def _rendered_edges(graph: dict[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
    """Asset keys and (upstream, downstream) keys read off the SVG: a node is known by its name and
    the group box it sits in; an edge starts on its upstream node's right side and ends on its
    downstream node's left side."""
    keys: dict[int, str] = {}
    for index, node in enumerate(graph["nodes"]):
        cx, cy = node["x"] + node["w"] / 2, node["y"] + node["h"] / 2
        group = next(
            g["name"]
            for g in graph["groups"]
            if g["x"] <= cx <= g["x"] + g["w"] and g["y"] <= cy <= g["y"] + g["h"]
        )
        keys[index] = DESIGN_ASSETS[(group, node["name"])]

    def at(x: float, y: float, side: str) -> str:
        def gap(node: dict[str, float]) -> float:
            edge_x = node["x"] + node["w"] if side == "right" else node["x"]
            return abs(edge_x - x) if node["y"] <= y <= node["y"] + node["h"] else float("inf")

        index = min(range(len(graph["nodes"])), key=lambda i: gap(graph["nodes"][i]))
        assert gap(graph["nodes"][index]) <= 12, f"no node at the {side} end ({x}, {y})"
        return keys[index]

    edges = set()
    for d in graph["edges"]:
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
        if len(numbers) < 4:
            continue  # an arrowhead marker, not an edge
        edges.add((at(numbers[0], numbers[1], "right"), at(numbers[-2], numbers[-1], "left")))
    return set(keys.values()), edges


def test_lineage_graph_shows_every_design_asset_and_edge(ui: UI) -> None:
    """An operator reads the flow of DESIGN section 2 off the global lineage, groups expanded."""
    from playwright.sync_api import expect

    ui.goto("/asset-groups")
    page = ui.page
    expect(page.get_by_text("Global asset lineage")).to_be_visible()
    expect(page.locator("foreignObject.group")).to_have_count(3)
    # More room for the graph: fold the asset tree beside it (the button right of "Jump to…").
    page.get_by_placeholder("Jump to…").locator("xpath=following::button[1]").click()
    page.keyboard.press("Alt+KeyE")  # "expand all groups"
    expect(page.locator("foreignObject [class*='assetName']")).to_have_count(len(DESIGN_ASSETS))
    # Wait for the materialization statuses (fully materialized assets turn green).
    expect(page.locator("foreignObject [style*='color-background-green']").first).to_be_visible()
    page.wait_for_timeout(1000)  # the layout animates into place
    graph = page.evaluate(_GRAPH_JS)
    assets, edges = _rendered_edges(graph)
    assert assets == set(DESIGN_ASSETS.values())
    assert edges >= DESIGN_EDGES, f"missing from the page: {DESIGN_EDGES - edges}"
    # The page draws exactly the dependencies the code location declares, no more, no fewer.
    assert edges == asset_edges(ui.url)
    page.get_by_role("button").filter(has=page.get_by_role("img", name="zoom_out")).click()
    page.wait_for_timeout(500)
    ui.shot("lineage")


def test_partitions_view_shows_the_synced_days(ui: UI) -> None:
    """Every synced day of visma/supplier_invoices is materialized, and a day's metadata is there."""
    from playwright.sync_api import expect

    ui.goto("/assets/visma/supplier_invoices?view=partitions")
    page = ui.page
    expect(page.get_by_text(f"Materialized ({SYNCED_DAYS})")).to_be_visible()
    day = (ui.today - timedelta(days=2)).isoformat()
    page.get_by_text(day, exact=True).first.click()
    expect(
        page.get_by_text("Materialized in run").or_(page.get_by_text("Latest materialization"))
    ).to_be_visible()
    expect(page.get_by_text("changed_in_source", exact=True)).to_be_visible()
    ui.shot("partitions")


def test_latest_materialization_carries_the_audit_metadata(ui: UI) -> None:
    """airbase/bills' latest materialization: counts, sums per currency, API cost, transitions."""
    from playwright.sync_api import expect

    bills = next(a for a in ui.synced.assets if a.key == "airbase/bills")
    ui.goto("/assets/airbase/bills?view=events")
    page = ui.page
    expect(page.get_by_text("Materialized in run")).to_be_visible()
    for label in (
        "window",
        "read",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "quarantined",
        "transitions",
        "sums_visma",
        "sums_airbase",
        "airbase_api_calls",
        "visma_api_calls",
    ):
        expect(page.get_by_text(label, exact=True).first).to_be_visible()
    for currency, total in bills.sums_visma.items():
        expect(page.get_by_text(re.compile(rf'"{currency}": "{re.escape(total)}"')).first).to_be_attached()
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 1500})
    ui.shot("metadata")
    page.set_viewport_size(VIEWPORT)
    page.get_by_text("[Show Markdown]").first.click()
    dialog = page.get_by_role("dialog")
    for header in ("record", "from", "to", "reason"):
        expect(dialog.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
    expect(dialog.get_by_text(re.compile(r"^bill (Invoice|CreditAdj)/\d+")).first).to_be_visible()
    ui.shot("transitions")
    page.keyboard.press("Escape")


def test_schedules_and_sensors_are_listed_and_running(ui: UI) -> None:
    """Both schedules and all four sensors ship running (their toggles are on)."""
    from playwright.sync_api import expect

    ui.goto("/automation")
    page = ui.page
    for name in SCHEDULES + SENSORS:
        row = page.locator(
            f"xpath=//*[normalize-space(text())='{name}']/ancestor::*[count(.//input[@type='checkbox'])=2][1]"
        )
        expect(row).to_have_count(1)
        expect(row.locator("input[type=checkbox]").nth(1)).to_be_checked()
    data = graphql(ui.url, _INSTIGATORS)["repositoriesOrError"]["nodes"][0]
    states = {s["name"]: s["scheduleState"]["status"] for s in data["schedules"]}
    states |= {s["name"]: s["sensorState"]["status"] for s in data["sensors"]}
    assert states == dict.fromkeys(SCHEDULES + SENSORS, "RUNNING")
    ui.shot("automation")


def test_launching_one_partition_from_the_ui_succeeds(ui: UI) -> None:
    """Materialize one unsynced day of visma/supplier_invoices from the partitions page; the run the
    daemon dequeues succeeds and the day turns materialized."""
    from playwright.sync_api import expect

    day = (ui.today - timedelta(days=SYNCED_DAYS + 10)).isoformat()
    ui.goto("/assets/visma/supplier_invoices?view=partitions")
    page = ui.page
    expect(page.get_by_text(f"Materialized ({SYNCED_DAYS})")).to_be_visible()
    page.get_by_role("button", name="Materialize…").first.click()
    partitions = page.get_by_placeholder("No matching partitions")
    partitions.fill(day)
    partitions.press("Enter")
    page.get_by_role("button", name="Launch 1 run").click()
    toast = page.get_by_role("region", name=re.compile("Notifications"))
    launched = toast.get_by_text(re.compile(r"Launched run [0-9a-f]{8}"))
    expect(launched).to_be_visible()
    run_id = launched.inner_text().split()[-1]
    toast.get_by_text("View", exact=True).click()
    expect(page.get_by_text(f"partition: {day}")).to_be_visible()
    expect(page.get_by_text("Success", exact=True).first).to_be_visible(timeout=120_000)
    ui.shot("launched-run")
    runs = runs_of_partition(ui.url, day)
    assert [r["status"] for r in runs if r["runId"].startswith(run_id)] == ["SUCCESS"]
    ui.goto("/assets/visma/supplier_invoices?view=partitions")
    expect(page.get_by_text(f"Materialized ({SYNCED_DAYS + 1})")).to_be_visible()
