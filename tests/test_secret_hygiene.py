"""No secret ever shows up in an error's str/repr, a log line, or the repr of a client or settings."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import responses

from visma_airbase_pipeline.airbase import AirbaseClient
from visma_airbase_pipeline.credentials import resolve_credentials
from visma_airbase_pipeline.errors import RemoteError
from visma_airbase_pipeline.sandbox.environment import SANDBOX_CREDENTIALS
from visma_airbase_pipeline.settings import Settings
from visma_airbase_pipeline.transport import RetryConfig, TransportConfig
from visma_airbase_pipeline.visma import VismaClient

VISMA = "https://visma.hygiene.test"
TOKEN_URL = "https://connect.hygiene.test/connect/token"
AIRBASE = "https://airbase.hygiene.test"
CLIENT_SECRET = "vab-sandbox-secret"
ACCESS_TOKEN = "eyJhbGciOi-access-token-xyz"
AIRBASE_TOKEN = "vab-sandbox-airbase-token"
WEBHOOK_SECRETS = ("whsec-visma-0123456789", "whsec-airbase-0123456789")
ALL_SECRETS = (CLIENT_SECRET, ACCESS_TOKEN, AIRBASE_TOKEN, *WEBHOOK_SECRETS)
#: A master key the soak's and the demo's processes get in their environment.
MASTER_KEY = "hUHS2kOapzh3mIc9Rz8Wm0xDFcm6vEpJq-uJFWv2n4o="
#: The secrets the sandboxes hand the connector, and that master key: none may ever be printed.
KNOWN_SANDBOX_SECRETS = [
    SANDBOX_CREDENTIALS[name]
    for name in (
        "VAB_VISMA_CLIENT_SECRET",
        "VAB_AIRBASE_TOKEN",
        "VAB_VISMA_WEBHOOK_SECRET",
        "VAB_AIRBASE_WEBHOOK_SECRET",
    )
] + [MASTER_KEY]
NO_WAIT = TransportConfig(retry=RetryConfig(max_attempts=2, jitter_s=0.0))


def visma() -> VismaClient:
    return VismaClient(
        base_url=VISMA,
        token_url=TOKEN_URL,
        client_id="vab-sandbox-client",
        client_secret=CLIENT_SECRET,
        tenant_id="vab-sandbox-tenant",
        company_id="1000001",
        config=NO_WAIT,
        sleep=lambda _: None,
    )


def airbase() -> AirbaseClient:
    return AirbaseClient(base_url=AIRBASE, token=AIRBASE_TOKEN, config=NO_WAIT, sleep=lambda _: None)


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in ALL_SECRETS:
            assert secret not in text, f"secret leaked: {text!r}"


def error_texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error)]
    if isinstance(error, RemoteError):
        texts += [error.message, error.path]
    return texts


def echo(secret: str) -> dict[str, str]:
    """A hostile error body that echoes what we sent."""
    return {"message": f"bad credentials: {secret}", "detail": secret}


@pytest.mark.parametrize("scenario", ["token_rejected", "api_401_twice", "server_error", "timeout"])
def test_visma_errors_and_logs_carry_no_secret(scenario: str, caplog: pytest.LogCaptureFixture):
    client = visma()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        if scenario == "token_rejected":
            rsps.post(
                TOKEN_URL,
                status=400,
                json={"error": "invalid_client", "error_description": f"secret {CLIENT_SECRET} is wrong"},
            )
        else:
            rsps.post(TOKEN_URL, json={"access_token": ACCESS_TOKEN, "expires_in": 3600})
        if scenario == "api_401_twice":
            rsps.get(f"{VISMA}/v1/supplier/1", status=401, json=echo(f"Bearer {ACCESS_TOKEN}"))
        elif scenario == "server_error":
            rsps.get(f"{VISMA}/v1/supplier/1", status=500, body=f"<html>token={ACCESS_TOKEN}</html>")
        else:
            rsps.get(f"{VISMA}/v1/supplier/1", body=requests.exceptions.ReadTimeout("read timed out"))
        with caplog.at_level(logging.DEBUG), pytest.raises(RemoteError) as caught:
            client.get_supplier("1")
    assert_clean(
        *error_texts(caught.value), caplog.text, repr(client), repr(client.auth), repr(client.transport)
    )


def test_airbase_errors_and_logs_carry_no_secret(caplog: pytest.LogCaptureFixture):
    client = airbase()
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{AIRBASE}/v1/accounting/vendors/", status=401, json={"detail": f"Invalid token {AIRBASE_TOKEN}"}
        )
        rsps.patch(f"{AIRBASE}/v1/accounting/ledger_entries/x/", status=503, json=echo(AIRBASE_TOKEN))
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(RemoteError) as first:
                list(client.iter_vendors())
            with pytest.raises(RemoteError) as second:
                client.mark_ledger_entry_error("x", "boom")
    assert_clean(*error_texts(first.value), *error_texts(second.value), caplog.text, repr(client))
    assert "***" in first.value.message  # the echoed token was masked, the message kept


def test_settings_credentials_and_vault_reprs_carry_no_secret(
    dagster_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name in list(os.environ):
        if name.startswith("VAB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VAB_VISMA_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("VAB_AIRBASE_TOKEN", AIRBASE_TOKEN)
    monkeypatch.setenv("VAB_VISMA_WEBHOOK_SECRET", WEBHOOK_SECRETS[0])
    monkeypatch.setenv("VAB_AIRBASE_WEBHOOK_SECRET", WEBHOOK_SECRETS[1])
    settings = Settings(_env_file=None)
    creds = resolve_credentials(settings)
    assert_clean(repr(settings), str(settings), repr(creds), str(creds), str(creds.model_dump()))


@pytest.mark.integration
def test_no_secret_in_what_the_demo_prints(tmp_path):
    env = {**os.environ, "VAB_MASTER_KEY": MASTER_KEY, "DAGSTER_HOME": str(tmp_path)}
    demo = subprocess.run(
        [sys.executable, "-m", "visma_airbase_pipeline.cli", "demo", "--invoices", "120"],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout.decode()[-2000:] + demo.stderr.decode()[-2000:]
    for secret in KNOWN_SANDBOX_SECRETS:
        assert secret.encode() not in demo.stdout + demo.stderr
