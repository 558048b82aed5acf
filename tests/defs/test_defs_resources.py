"""Dagster resources: fresh client per run, secrets from env/vault at run time, never in config or repr."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import responses

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.defs.resources import AirbaseResource, VismaResource
from visma_airbase_pipeline.visma import VismaClient

VISMA = "https://visma.res.test"
AIRBASE = "https://airbase.res.test"
TOKEN_URL = f"{VISMA}/connect/token"
SECRETS = {
    "VAB_VISMA_CLIENT_SECRET": "vab-sandbox-secret",
    "VAB_AIRBASE_TOKEN": "vab-sandbox-airbase-token",
    "VAB_VISMA_WEBHOOK_SECRET": "whsec-visma-0123456789",
    "VAB_AIRBASE_WEBHOOK_SECRET": "whsec-airbase-0123456789",
}


@pytest.fixture
def env(dagster_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VAB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    values = {
        "VAB_VISMA_BASE_URL": "http://unused-default:1",
        "VAB_VISMA_TOKEN_URL": TOKEN_URL,
        "VAB_VISMA_CLIENT_ID": "vab-sandbox-client",
        "VAB_VISMA_TENANT_ID": "vab-sandbox-tenant",
        "VAB_VISMA_COMPANY_ID": "1000001",
        "VAB_AIRBASE_BASE_URL": AIRBASE,
        **SECRETS,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json={"access_token": "tok-res-123456", "expires_in": 3600})
        mock.get(f"{VISMA}/v1/supplier", json=[])
        mock.get(f"{AIRBASE}/v1/accounting/vendors/", json={"data": [], "pagination": {"next": None}})
        yield mock


def test_get_client_yields_configured_clients(env: None, rsps: responses.RequestsMock):
    with VismaResource(base_url=VISMA, page_size=250).get_client() as visma:
        assert isinstance(visma, VismaClient)
        assert visma.transport.base_url == VISMA and visma.page_size == 250 and visma.company_id == "1000001"
        list(visma.iter_suppliers())
    with AirbaseResource().get_client() as airbase:
        assert isinstance(airbase, AirbaseClient) and airbase.transport.base_url == AIRBASE
        list(airbase.iter_vendors())
    assert rsps.calls[1].request.url == f"{VISMA}/v1/supplier?pageNumber=1&pageSize=250"


def test_each_run_fetches_its_own_visma_token(env: None, rsps: responses.RequestsMock):
    @dg.asset
    def suppliers_probe(visma: VismaResource, airbase: AirbaseResource) -> dg.MaterializeResult:
        with visma.get_client() as client, airbase.get_client() as other:
            count = sum(1 for _ in client.iter_suppliers())
            count += sum(1 for _ in other.iter_vendors())
            return dg.MaterializeResult(metadata={"count": count, **client.stats.as_metadata()})

    resources = {"visma": VismaResource(base_url=VISMA), "airbase": AirbaseResource()}
    for _ in range(2):
        result = dg.materialize([suppliers_probe], resources=resources)
        assert result.success
    assert [c.request.url for c in rsps.calls].count(TOKEN_URL) == 2
    event = result.get_asset_materialization_events()[0]
    metadata = event.materialization.metadata
    assert metadata["visma_api_calls"].value == 2  # token + one page


def test_the_steps_of_a_run_hand_the_rate_window_on(env: None, rsps: responses.RequestsMock):
    # The first step spends the window to 0; the second starts knowing it (and would wait for the
    # reset before its first call) instead of learning it from a 429.
    spent = {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3000"}
    rsps.replace(responses.GET, f"{VISMA}/v1/supplier", json=[], headers=spent)
    rsps.replace(
        responses.GET,
        f"{AIRBASE}/v1/accounting/vendors/",
        json={"data": [], "pagination": {"next": None}},
        headers={"X-Ratelimit-Limit": "500", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "60"},
    )

    @dg.asset
    def first_step(visma: VismaResource, airbase: AirbaseResource) -> None:
        with visma.get_client() as client, airbase.get_client() as other:
            list(client.iter_suppliers())
            list(other.iter_vendors())

    @dg.asset(deps=[first_step])
    def second_step(visma: VismaResource, airbase: AirbaseResource) -> dg.MaterializeResult:
        with visma.get_client() as client, airbase.get_client() as other:
            return dg.MaterializeResult(
                metadata={
                    "visma_remaining": client.transport.pacer.window.remaining,
                    "airbase_remaining": other.transport.pacer.window.remaining,
                }
            )

    resources = {"visma": VismaResource(base_url=VISMA), "airbase": AirbaseResource()}
    result = dg.materialize([first_step, second_step], resources=resources)
    assert result.success
    metadata = result.asset_materializations_for_node("second_step")[0].metadata
    assert metadata["visma_remaining"].value == 0 and metadata["airbase_remaining"].value == 0
    # A new run starts afresh: its resource knows nothing of the last run's window.
    with VismaResource(base_url=VISMA).get_client() as client:
        assert client.transport.pacer.window.remaining is None


def test_no_secret_in_config_repr_or_run_config(env: None):
    resources = [VismaResource(base_url=VISMA), AirbaseResource(page_size=100)]
    for resource in resources:
        text = (
            repr(resource)
            + str(resource.model_dump())
            + str(resource.get_resource_definition().config_schema)
        )
        for secret in SECRETS.values():
            assert secret not in text
    # Secret fields do not exist on the resources at all: nothing to put in run config.
    assert not {"client_secret", "token", "airbase_token"} & set(VismaResource.model_fields)
    assert not {"client_secret", "token", "airbase_token"} & set(AirbaseResource.model_fields)


LIBRARY = (
    "transport",
    "visma",
    "airbase",
    "errors.py",
    "vault.py",
    "credentials.py",
    "ping.py",
    "settings.py",
)


def test_library_modules_do_not_import_dagster():
    package = Path(__file__).resolve().parents[2] / "visma_airbase_pipeline"
    offenders = []
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if relative.parts[0] not in LIBRARY:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            if any(name == "dagster" or name.startswith("dagster.") for name in names):
                offenders.append(str(relative))
    assert offenders == []
